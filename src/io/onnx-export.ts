import { Activation } from "../activations/activation.js";
import { Dense } from "../layers/dense.js";
import { BatchNorm1d } from "../layers/batch-norm.js";
import { Dropout } from "../layers/dropout.js";
import { LayerNorm } from "../layers/layer-norm.js";
import { full } from "../tensor/creation.js";
import { Flatten } from "../layers/flatten.js";
import { Module } from "../layers/module.js";
import { Sequential } from "../layers/sequential.js";
import { emitActivation, type EmitContext } from "./onnx-activations.js";
import { OnnxGraphBuilder, type OnnxFloatType, type OnnxShape, type OnnxValue } from "./onnx-graph.js";
import { encodeOnnxModel, type OnnxDim, type OnnxValueInfo } from "./onnx-proto.js";
import { TYPEGRAD_VERSION } from "./version.js";

/** The opset {@link exportOnnx} targets by default: ONNX 1.12, run by ONNX Runtime ≥ 1.12. */
export const ONNX_DEFAULT_OPSET = 17;
/** The lowest opset {@link exportOnnx} writes (per-axis Softmax semantics start at 13). */
export const ONNX_MIN_OPSET = 13;
/** The highest opset {@link exportOnnx} writes (ONNX 1.18). */
export const ONNX_MAX_OPSET = 23;

/** The IR version released with each opset (ONNX's Versioning.md), indexed from opset 13. */
const IR_VERSION_OF_OPSET: readonly number[] = [7, 7, 8, 8, 8, 8, 9, 9, 10, 10, 11];

/** The name of the symbolic batch dimension of the graph's input and output. */
const BATCH_DIM = "batch";

/** Options of {@link exportOnnx} and `saveOnnx`. */
export interface OnnxExportOptions {
  /**
   * Shape of one input: `[batch, features]` (or `[batch, d₁, d₂, …]`), with `batch` a
   * number or `null` for a dynamic batch dimension (ONNX `dim_param "batch"`).
   */
  inputShape: readonly [number | null, ...number[]];
  /** `ai.onnx` opset, from 13 to 23. Default 17. */
  opset?: number;
  /** Name of the graph input. Default `"input"`. */
  inputName?: string;
  /** Name of the graph output. Default `"output"`. */
  outputName?: string;
  /**
   * Element type of the graph. Default `'float32'`, also for float64 models (weights are
   * rounded once to float32). `'float64'` writes a DOUBLE graph (operator attributes such
   * as LeakyRelu's alpha stay float32, as the ONNX spec defines them). Engines implement
   * fewer operators in double: ONNX Runtime 1.30's CPU kernels run Gemm, MatMul, Add, Mul,
   * Relu, LeakyRelu, Sigmoid, Tanh, Softmax, LogSoftmax and Flatten in double, but not
   * Elu, Selu, Softplus (so no Softplus/Mish-composition/LogSigmoid), Erf or Gelu.
   */
  dtype?: OnnxFloatType;
}

const OPTION_KEYS = ["inputShape", "opset", "inputName", "outputName", "dtype"];

interface Resolved {
  inputShape: OnnxShape;
  opset: number;
  inputName: string;
  outputName: string;
  dtype: OnnxFloatType;
}

function resolveOptions(options: OnnxExportOptions): Resolved {
  if (options === null || typeof options !== "object") throw new Error("exportOnnx: options with an inputShape are required");
  const unknown = Object.keys(options).filter((k) => !OPTION_KEYS.includes(k));
  if (unknown.length > 0) throw new Error(`exportOnnx: unknown option(s) ${unknown.join(", ")}; known: ${OPTION_KEYS.join(", ")}`);
  const shape = options.inputShape;
  const dimOk = (d: unknown): boolean => Number.isInteger(d) && (d as number) >= 1;
  if (!Array.isArray(shape) || shape.length < 2 || !(shape[0] === null || dimOk(shape[0])) || !shape.slice(1).every(dimOk)) {
    throw new Error(
      `exportOnnx: inputShape must be [batch, features, …] with batch null or a positive integer and positive integer features, got ${JSON.stringify(shape)}`,
    );
  }
  const opset = options.opset ?? ONNX_DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < ONNX_MIN_OPSET || opset > ONNX_MAX_OPSET) {
    throw new Error(`exportOnnx: opset must be an integer from ${ONNX_MIN_OPSET} to ${ONNX_MAX_OPSET}, got ${String(opset)}`);
  }
  const inputName = options.inputName ?? "input";
  const outputName = options.outputName ?? "output";
  for (const [key, name] of [["inputName", inputName], ["outputName", outputName]]) {
    if (typeof name !== "string" || name.length === 0) throw new Error(`exportOnnx: ${key} must be a non-empty string, got ${String(name)}`);
  }
  if (inputName === outputName) throw new Error(`exportOnnx: inputName and outputName must differ, both are "${inputName}"`);
  const dtype = options.dtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float64") throw new Error(`exportOnnx: dtype must be 'float32' or 'float64', got ${String(dtype)}`);
  return { inputShape: [...shape], opset, inputName, outputName, dtype };
}

/** How errors name a module: `1.activation (Swish)`, `0 (Activation "squareplus")`, `(model) (KAN)`. */
function describe(m: Module, path: string): string {
  const at = path === "" ? "(model)" : path;
  const type = m.constructor.name;
  if (m instanceof Activation) return `${at} (${type === "Activation" ? "Activation" : type} "${m.name}")`;
  return `${at} (${type})`;
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function own<M extends Module>(m: Module, type: abstract new (...args: never[]) => M): m is M {
  return m instanceof type && m.forward === type.prototype.forward;
}

function denseNodes(m: Dense, x: OnnxValue, ctx: EmitContext): OnnxValue {
  const { g, path, where } = ctx;
  const features = x.shape[x.shape.length - 1];
  if (features !== m.inFeatures) {
    throw new Error(`exportOnnx: ${where} expects ${m.inFeatures} input features, but its input has shape [${x.shape.map((d) => d ?? BATCH_DIM).join(", ")}]`);
  }
  const w = g.initializer(join(path, "weight"), m.weight);
  const b = m.bias === null ? null : g.initializer(join(path, "bias"), m.bias);
  let y: string;
  if (x.shape.length === 2) {
    y = g.node("Gemm", b === null ? [x.name, w] : [x.name, w, b], path, { transB: { int: 1 } });
  } else {
    // Gemm is 2-D only: x·Wᵀ (+ b) over the last axis.
    y = g.node("MatMul", [x.name, g.node("Transpose", [w], path, { perm: { ints: [1, 0] } })], path);
    if (b !== null) y = g.node("Add", [y, b], path);
  }
  const out: OnnxValue = { name: y, shape: [...x.shape.slice(0, -1), m.outFeatures] };
  return m.activation === null ? out : emitModule(m.activation, out, g, join(path, "activation"));
}

/** LayerNormalization (opset ≥ 17) over the trailing normalizedShape axes; a Scale of ones without affine. */
function layerNormNodes(m: LayerNorm, x: OnnxValue, ctx: EmitContext): OnnxValue {
  const { g, path, where } = ctx;
  if (g.opset < 17) throw new Error(`exportOnnx: ${where} needs LayerNormalization, which starts at opset 17; export with opset ≥ 17`);
  const k = m.normalizedShape.length;
  const tail = x.shape.slice(x.shape.length - k);
  if (x.shape.length < k || tail.some((d, i) => d !== m.normalizedShape[i])) {
    throw new Error(`exportOnnx: ${where} normalises over [${m.normalizedShape.join(", ")}], but its input has shape [${x.shape.map((d) => d ?? BATCH_DIM).join(", ")}]`);
  }
  const scale = g.initializer(join(path, "weight"), m.weight ?? full(m.normalizedShape, 1, { dtype: g.dtype }));
  const inputs = [x.name, scale, ...(m.bias === null ? [] : [g.initializer(join(path, "bias"), m.bias)])];
  return { name: g.node("LayerNormalization", inputs, path, { axis: { int: -k }, epsilon: { float: m.eps } }), shape: x.shape };
}

/** BatchNormalization in inference mode, with the running statistics; ones/zeros without affine. */
function batchNormNodes(m: BatchNorm1d, x: OnnxValue, ctx: EmitContext): OnnxValue {
  const { g, path, where } = ctx;
  if (m.running_mean === null || m.running_var === null) {
    throw new Error(`exportOnnx: ${where} has no running statistics (trackRunningStats: false), so inference uses batch statistics, which BatchNormalization cannot express`);
  }
  if ((x.shape.length !== 2 && x.shape.length !== 3) || x.shape[1] !== m.numFeatures) {
    throw new Error(`exportOnnx: ${where} expects [N, ${m.numFeatures}] or [N, ${m.numFeatures}, L], but its input has shape [${x.shape.map((d) => d ?? BATCH_DIM).join(", ")}]`);
  }
  const c = [m.numFeatures];
  const inputs = [
    x.name,
    g.initializer(join(path, "weight"), m.weight ?? full(c, 1, { dtype: g.dtype })),
    g.initializer(join(path, "bias"), m.bias ?? full(c, 0, { dtype: g.dtype })),
    g.initializer(join(path, "running_mean"), m.running_mean),
    g.initializer(join(path, "running_var"), m.running_var),
  ];
  return { name: g.node("BatchNormalization", inputs, path, { epsilon: { float: m.eps } }), shape: x.shape };
}

/** Emits the nodes of `m` applied to `x`, recursively; returns the output value. */
function emitModule(m: Module, x: OnnxValue, g: OnnxGraphBuilder, path: string): OnnxValue {
  const ctx: EmitContext = { g, path, where: describe(m, path) };
  if (own(m, Sequential)) {
    let y = x;
    m.layers.forEach((layer, i) => (y = emitModule(layer, y, g, join(path, String(i)))));
    return y;
  }
  if (own(m, Dense)) return denseNodes(m, x, ctx);
  if (own(m, Dropout)) return x; // inference graph: Dropout is the identity
  if (own(m, LayerNorm)) return layerNormNodes(m, x, ctx);
  if (own(m, BatchNorm1d)) return batchNormNodes(m, x, ctx);
  if (own(m, Flatten)) {
    const rest = x.shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1);
    return { name: g.node("Flatten", [x.name], path, { axis: { int: 1 } }), shape: [x.shape[0], rest] };
  }
  const y = emitActivation(m, x, ctx);
  if (y === null) throw new Error(`exportOnnx: ${ctx.where} has no ONNX mapping`);
  return { name: y, shape: x.shape };
}

function valueInfo(name: string, shape: OnnxShape, elemType: number): OnnxValueInfo {
  const dim: OnnxDim[] = shape.map((d) => (d === null ? { dimParam: BATCH_DIM } : { dimValue: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

/**
 * Exports a model as an ONNX inference graph (the bytes of a `.onnx` file), so a trained
 * typegrad model runs in ONNX Runtime, onnxruntime-web and other ONNX engines.
 *
 * ```text
 * Sequential          → its children's nodes, chained
 * Dense               → Gemm(x, W, b, transB=1) (MatMul+Add for inputs of rank > 2), then its activation
 * Identity, Dropout   → nothing (Dropout is the identity at inference)
 * Flatten             → Flatten(axis=1)
 * LayerNorm           → LayerNormalization(axis = −len(normalizedShape), epsilon) (opset ≥ 17)
 * BatchNorm1d         → BatchNormalization(epsilon) with the running statistics (inference)
 * ReLU, Sigmoid, Tanh → Relu, Sigmoid, Tanh
 * LeakyReLU, ELU      → LeakyRelu(alpha), Elu(alpha)
 * SELU                → Selu(alpha = 1.6732632…, gamma = 1.0507009…)
 * GELU                → Gelu(approximate) at opset ≥ 20; below, ½x(1 + Erf(x/√2)) or x·σ(2√(2/π)(x + 0.044715x³))
 * SiLU                → x·Sigmoid(x)
 * Swish               → x·Sigmoid(β·x), β an initializer of shape [1] or [features]
 * Mish                → Mish at opset ≥ 18; below, x·tanh(softplus(x))
 * Softplus(β, t)      → softplus(βx)/β, softplus(z) = Relu(z) + Softplus(−|z|); with t: Where(βx > t, x, ·)
 * LogSigmoid          → −softplus(−x)
 * PReLU, LEAF article → PRelu(x, slope initializer [1] or [features])
 * LEAF extended       → (p1·x + p2)·Sigmoid(p3·x) + p4, initializers
 * Softmax, LogSoftmax → Softmax(axis), LogSoftmax(axis)
 * ```
 *
 * Initializers keep the state-dict names (`0.weight`, `1.activation.beta`) and PyTorch's
 * layout. Softplus is composed so that no engine overflows on large inputs (the ONNX
 * operator is log(1 + eˣ), evaluated naively by some). A module is matched by class, and
 * only while its `forward` is the class's own.
 *
 * The graph has one input and one output whose first dimension is the symbolic `batch`
 * (or the fixed `inputShape[0]`). The model's training mode does not matter: the graph is
 * always the inference computation. Values agree with `predict` to float32 rounding.
 *
 * @param model - a module built from the classes above
 * @param options - `inputShape` (required), `opset` (default 17, from 13 to 23; ir_version
 * follows the opset: 8 for 15–18, 9 for 19–20 …), `inputName` (default `"input"`),
 * `outputName` (default `"output"`), `dtype` (default `'float32'`)
 * @returns the serialised `ModelProto`
 * @throws Error naming the module and its path for a module without a mapping (KAN layers,
 * custom `Activation`s and `defineActivation` classes, subclasses overriding `forward`), for a
 * Dense whose `inFeatures` differs from its input's last axis, for a per-feature parameter
 * of the wrong size, an out-of-range Softmax axis, or bad options
 *
 * @example
 * ```ts
 * const model = new Sequential(new Dense(2, 8, { activation: "tanh" }), new Dense(8, 1));
 * const bytes = exportOnnx(model, { inputShape: [null, 2] });
 * // onnxruntime: await InferenceSession.create(bytes) → run({ input }) → { output }
 * ```
 */
export function exportOnnx(model: Module, options: OnnxExportOptions): Uint8Array {
  if (!(model instanceof Module)) throw new Error(`exportOnnx: model must be a Module, got ${typeof model}`);
  const o = resolveOptions(options);
  const g = new OnnxGraphBuilder(o.dtype, o.opset, [o.inputName, o.outputName]);
  const y = emitModule(model, { name: o.inputName, shape: o.inputShape }, g, "");
  // The last node writes the graph output; a model that computes nothing gets an Identity.
  if (!g.renameOutput(y.name, o.outputName)) g.alias(y.name, o.outputName);
  return encodeOnnxModel({
    irVersion: IR_VERSION_OF_OPSET[o.opset - ONNX_MIN_OPSET],
    opsetImport: [{ domain: "", version: o.opset }],
    producerName: "typegrad",
    producerVersion: TYPEGRAD_VERSION,
    graph: {
      name: "typegrad",
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo(o.inputName, o.inputShape, g.dataType)],
      output: [valueInfo(o.outputName, y.shape, g.dataType)],
    },
  });
}
