// typegrad's public surface. Everything a user imports comes from here, by name.
import { enableWasmKernels } from "./kernels/wasm.js";

export { Tensor, type NestedArray, type TensorInit } from "./tensor/tensor.js";
export { DEFAULT_DTYPE, getDefaultDtype, setDefaultDtype, type DType, type TypedArray } from "./tensor/dtype.js";
export { formatShape, type Shape } from "./tensor/shape.js";
export {
  arange,
  full,
  ones,
  onesLike,
  rand,
  randn,
  tensor,
  zeros,
  zerosLike,
  type CreateOptions,
  type RandomOptions,
  type TensorOptions,
} from "./tensor/creation.js";
export { Generator, defaultGenerator, generator, manualSeed } from "./tensor/random.js";

export { backward, graphSize, type BackwardOptions } from "./autograd/engine.js";
export { enableGrad, isGradEnabled, noGrad } from "./autograd/grad-mode.js";
export { record, type BackwardFn, type GradNode } from "./autograd/node.js";
export {
  defineBinaryOp,
  defineUnaryOp,
  type BinaryKernel,
  type TensorLike,
  type UnaryKernel,
  type UnaryOp,
} from "./autograd/define-op.js";
export { gradcheck, type GradcheckOptions } from "./autograd/gradcheck.js";
export { findNonFinite, type NonFiniteOrigin } from "./autograd/anomaly.js";

export { add, div, maximum, minimum, mul, sub } from "./autograd/ops/binary.js";
export { abs, clamp, exp, log, neg, pow, sqrt } from "./autograd/ops/unary.js";
export { eq, ge, gt, le, lt, ne, where } from "./autograd/ops/compare.js";
export { argmax, max, mean, sum, type ReduceOptions } from "./autograd/ops/reduce.js";
export { broadcastTo, concat, indexSelect, permute, reshape, slice, stack, transpose } from "./autograd/ops/shape.js";
export { linear, matmul } from "./autograd/ops/matmul.js";
export { logSoftmax, softmax } from "./autograd/ops/softmax.js";
export { cast } from "./autograd/ops/cast.js";
export { cos, expm1, log1p, sin, square } from "./autograd/ops/unary.js";
export { argmin, min, std, variance, type Axes, type VarianceOptions } from "./autograd/ops/reduce.js";
export { clone, flatten, squeeze, unsqueeze, view } from "./autograd/ops/shape.js";
export { gather, scatterAdd } from "./autograd/ops/gather.js";
export { add_, copy_, div_, fill_, mul_, sub_, zero_, type AddInPlaceOptions } from "./autograd/ops/inplace.js";
export { oneHot, type OneHotOptions } from "./tensor/one-hot.js";
export { indexAdd, sumTo } from "./autograd/ops/shape.js";
export { gradgradcheck, type GradgradcheckOptions } from "./autograd/gradcheck.js";
export { gradOf, type GradOptions } from "./autograd/grad.js";
export { grad, hessian, hvp, jacobian, jvp, valueAndGrad, vjp, type GradTransformOptions, type TensorFn } from "./autograd/transforms.js";
export type { GraphBackwardFn } from "./autograd/node.js";

export { kernels, setKernels, typescriptKernels, type Kernels } from "./kernels/index.js";
export {
  enableWasmKernels, getNumThreads, kernelInfo, setNumThreads, THREAD_MIN_WORK, wasmKernels, type EnableWasmOptions, type GemmKernel, type KernelInfo,
} from "./kernels/wasm.js";

// Layers
export { Parameter } from "./layers/parameter.js";
export { Module, type LoadStateDictOptions, type StateDict } from "./layers/module.js";
export { moduleFromSpec, registerModule, type JsonValue, type ModuleFactory, type ModuleSpec } from "./layers/spec.js";
export { Dense, type DenseOptions } from "./layers/dense.js";
export { Sequential } from "./layers/sequential.js";
export { Dropout, type DropoutOptions } from "./layers/dropout.js";
export { Flatten } from "./layers/flatten.js";
export { Embedding, type EmbeddingOptions } from "./layers/embedding.js";
export { LayerNorm, type LayerNormOptions } from "./layers/layer-norm.js";
export { BatchNorm1d, type BatchNorm1dOptions } from "./layers/batch-norm.js";
export { batchNorm, layerNorm, type BatchNormOptions, type NormStats } from "./autograd/ops/normalization.js";
export { summary, type SummaryOptions } from "./layers/summary.js";
export {
  constant,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  initializer,
  lecunNormal,
  lecunUniform,
  onesInit,
  zerosInit,
  type InitContext,
  type Initializer,
  type InitName,
} from "./layers/init.js";
export { KANLinear } from "./layers/kan-linear.js";
export { KAN, type KANOptions } from "./layers/kan.js";
export type { KANLinearOptions } from "./layers/kan-options.js";
export type { BaseActivation } from "./layers/kan-activation.js";
export { bsplineBasis, extendedGrid } from "./layers/kan-bspline.js";
export { splineLinear } from "./layers/kan-spline-linear.js";
export { lstsq } from "./layers/kan-lstsq.js";

// Activations
export {
  Activation,
  initHintOf,
  type ActivationConfig,
  type ActivationFn,
  type ActivationOptions,
  type InitHint,
} from "./activations/activation.js";
export { identity, logSigmoid, sigmoid, tanh } from "./activations/basic.js";
export { elu, leakyRelu, relu, selu, SELU_ALPHA, SELU_SCALE } from "./activations/relu-family.js";
export { gelu, type GeluApproximation, type GeluOptions } from "./activations/gelu.js";
export { mish, silu, softplus, type SoftplusOptions } from "./activations/smooth.js";
export { swish } from "./activations/swish.js";
export { leaf, prelu } from "./activations/prelu.js";
export { LEAF_PRESETS, leafExtended, type LeafParams, type LeafPreset } from "./activations/leaf.js";
export { erf, erfc } from "./activations/erf.js";
export { Identity, LogSigmoid, LogSoftmax, Sigmoid, Softmax, Tanh, type SoftmaxOptions } from "./activations/modules.js";
export { ELU, LeakyReLU, ReLU, SELU, type ELUOptions, type LeakyReLUOptions } from "./activations/modules-relu.js";
export { GELU, Mish, SiLU, Softplus } from "./activations/modules-smooth.js";
export { PReLU, Swish, type PReLUOptions, type SwishOptions } from "./activations/modules-trainable.js";
export { LEAF, type LEAFOptions } from "./activations/modules-leaf.js";
export {
  defineActivation,
  type ActivationDefinition,
  type DefinedActivation,
  type DefinedActivationClass,
  type DefinedActivationOptions,
} from "./activations/define.js";
export { activation, activationNames, registerActivation, type ActivationFactory } from "./activations/registry.js";
export type { ParamArrays, ParamGrads } from "./activations/param-op.js";

// Losses
export { checkReduction, type Reduction, type ReductionOptions } from "./losses/reduction.js";
export { type Labels } from "./losses/labels.js";
export { mseLoss } from "./losses/mse.js";
export { bceWithLogitsLoss, type BCEWithLogitsOptions } from "./losses/bce-with-logits.js";
export { crossEntropyLoss, type CrossEntropyOptions } from "./losses/cross-entropy.js";
export { nllLoss, type NLLOptions } from "./losses/nll.js";
export { huberLoss, type HuberLossOptions } from "./losses/huber.js";

// Optimisers and schedules
export {
  Optimizer,
  type BaseOptimizerOptions,
  type OptimizerState,
  type ParamGroup,
  type ResolvedParamGroup,
} from "./optim/optimizer.js";
export { SGD, type SGDGroupOptions, type SGDOptions } from "./optim/sgd.js";
export { Adam, AdamW, type AdamGroupOptions, type AdamOptions } from "./optim/adam.js";
export { RMSprop, type RMSpropGroupOptions, type RMSpropOptions } from "./optim/rmsprop.js";
export { clipGradNorm, clipGradValue } from "./optim/clip-grad.js";
export { LRScheduler, type SchedulerState } from "./optim/lr-scheduler.js";
export {
  CosineAnnealingLR,
  ExponentialLR,
  LinearLR,
  LinearWarmup,
  SequentialLR,
  StepLR,
  type LinearLROptions,
} from "./optim/schedulers.js";
export { OneCycleLR, type OneCycleLROptions } from "./optim/one-cycle-lr.js";
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions, type ReduceLROnPlateauState } from "./optim/reduce-lr-on-plateau.js";

// Data
export { type Dataset, type SeedOptions } from "./data/dataset.js";
export {
  circles,
  moons,
  spirals,
  xor,
  type CirclesOptions,
  type MoonsOptions,
  type SpiralsOptions,
  type ToyOptions,
} from "./data/toy.js";
export { trainTestSplit, type SplitOptions } from "./data/split.js";
export { batches, countBatches, type BatchOptions } from "./data/batches.js";

// Checkpoints: bytes in every runtime; files (the *-file.js modules) in Node, Deno and Bun
export { parseSafetensors, serializeSafetensors, type Safetensors } from "./io/safetensors.js";
export { readSafetensors, writeSafetensors, type WriteSafetensorsOptions } from "./io/safetensors-file.js";
export {
  CHECKPOINT_FORMAT_VERSION,
  CHECKPOINT_KEYS,
  deserializeCheckpoint,
  deserializeModel,
  serializeModel,
  serializeOptimizer,
  type CheckpointOptimizer,
  type DeserializeCheckpointOptions,
  type DeserializeModelOptions,
  type SerializeModelOptions,
} from "./io/checkpoint.js";
export {
  loadCheckpoint,
  loadModel,
  optimizerPath,
  previousOptimizerPath,
  saveModel,
  type LoadCheckpointOptions,
  type SaveModelOptions,
} from "./io/checkpoint-file.js";
export { TYPEGRAD_VERSION } from "./io/version.js";
export { exportOnnx, ONNX_DEFAULT_OPSET, ONNX_MAX_OPSET, ONNX_MIN_OPSET, type OnnxExportOptions } from "./io/onnx-export.js";
export { saveOnnx } from "./io/onnx-file.js";
export type { OnnxFloatType } from "./io/onnx-graph.js";

// Training
export { fit, type FitOptions } from "./train/fit.js";
export { evaluate, type EvaluateOptions } from "./train/evaluate.js";
export { predict, type PredictOptions } from "./train/predict.js";
export type { Callback, CallbackContext, History, Logs, LossFn } from "./train/callback.js";
export { EarlyStopping, type EarlyStoppingOptions } from "./train/early-stopping.js";
export {
  LearningRateScheduler,
  type LearningRateSchedulerOptions,
  type ScheduleFn,
  type SteppableScheduler,
} from "./train/lr-scheduler-callback.js";
export {
  accuracy,
  binaryAccuracy,
  mae as maeMetric,
  mse as mseMetric,
  resolveMetric,
  type Metric,
  type MetricName,
  type MetricTotal,
} from "./train/metrics.js";
export type { ProgressStream, Verbosity } from "./train/progress.js";

// The WebAssembly SIMD kernels (compiled from assembly/ by `npm ci`'s prepare step and embedded
// in the package) are used wherever WebAssembly SIMD runs; otherwise the TypeScript kernels run.
enableWasmKernels();

// Untrusted files (issue 11): strict spec schemas, a budget derived before any allocation
export { MAX_TENSOR_SIZE } from "./tensor/shape.js";
export { specLayout, type SpecLayout } from "./layers/spec-layout.js";
export { DEFAULT_SPEC_LIMITS, type SpecLimits, type SpecSchema, type OptionRule, type SpecOptions } from "./layers/spec-schema.js";
export type { ModuleSchema, ModuleSchemaFor, TensorLayout } from "./layers/spec.js";
export type { CheckpointLimits } from "./io/architecture.js";
export type { LoadModelOptions } from "./io/checkpoint-file.js";
export type { ParseSafetensorsOptions } from "./io/safetensors.js";
