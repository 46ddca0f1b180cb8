// typegrad's public surface. Everything a user imports comes from here, by name.

export { Tensor, type NestedArray, type TensorInit } from "./tensor/tensor.js";
export { DEFAULT_DTYPE, type DType, type TypedArray } from "./tensor/dtype.js";
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

export { add, div, maximum, minimum, mul, sub } from "./autograd/ops/binary.js";
export { abs, clamp, exp, log, neg, pow, sqrt } from "./autograd/ops/unary.js";
export { eq, ge, gt, le, lt, ne, where } from "./autograd/ops/compare.js";
export { argmax, max, mean, sum, type ReduceOptions } from "./autograd/ops/reduce.js";
export { broadcastTo, concat, indexSelect, permute, reshape, slice, stack, transpose } from "./autograd/ops/shape.js";
export { linear, matmul } from "./autograd/ops/matmul.js";
export { logSoftmax, softmax } from "./autograd/ops/softmax.js";
export { cast } from "./autograd/ops/cast.js";

export { kernels, setKernels, typescriptKernels, type Kernels } from "./kernels/index.js";
