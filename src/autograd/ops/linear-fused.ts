import { kernels } from "../../kernels/index.js";
import { linearBackwardReference, linearForwardReference, type LinearAct } from "../../kernels/linear.js";
import { allocate, type TypedArray } from "../../tensor/dtype.js";
import { formatShape } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { defineUnaryOp, type UnaryKernel } from "../define-op.js";
import { composedGraphBackward } from "../grad.js";
import { add } from "./binary.js";
import { matmul } from "./matmul.js";
import { transpose } from "./shape.js";
import { commonDType, record } from "../node.js";

/**
 * An element-wise activation that {@link linearFused} can apply to the affine map's
 * output inside the same node. Internal: `Dense` picks one for the built-in activations.
 *
 * With `inPlace`, the kernel writes its result over its input (`y === x` in `forward`),
 * and its `backward` must be exact when handed the output in place of the input
 * (true for ReLU: `y > 0 ⇔ x > 0`, `y ≤ 0 ⇔ x ≤ 0`, NaN ⇔ NaN), so one buffer is saved.
 */
export interface LinearEpilogue<P = unknown> {
  readonly kernel: UnaryKernel<P>;
  readonly params: P;
  readonly inPlace: boolean;
  /**
   * Set when `Kernels.linearForward` / `linearBackward` implement this activation (1: ReLU),
   * with exactly `kernel`'s values and derivatives; the whole layer then runs as one kernel call.
   */
  readonly code?: LinearAct;
}

/**
 * `act(x·Wᵀ + b)` as one node: the same values and gradients as `act(linear(x, W, b))`
 * (the same kernels in the same order), with one node fewer and, for an in-place
 * epilogue, one buffer fewer.
 *
 * ```text
 * z = x·Wᵀ + b,  y = f(z)
 * G_z = G_y ⊙ f'(z),   ∂/∂x = G_z·W,   ∂/∂W = G_zᵀ·x,   ∂/∂b = Σ_batch G_z
 * ```
 *
 * @param act - the activation, or null for the plain affine map (`linear`)
 * @throws the same errors as {@link linear}, before anything is computed
 */
export function linearFused<P>(x: Tensor, weight: Tensor, bias: Tensor | null, act: LinearEpilogue<P> | null): Tensor {
  if (!(x instanceof Tensor) || !(weight instanceof Tensor)) throw new Error("linear: expected Tensors");
  if (weight.shape.length !== 2) throw new Error(`linear: weight must be 2-D [out, in], got ${formatShape(weight.shape)}`);
  const out = weight.shape[0];
  const inF = weight.shape[1];
  if (x.shape.length !== 2 || x.shape[1] !== inF) {
    throw new Error(
      `linear: input ${formatShape(x.shape)} does not match weight ${formatShape(weight.shape)}: expected [batch, ${inF}]`,
    );
  }
  if (bias !== null && (bias.shape.length !== 1 || bias.shape[0] !== out)) {
    throw new Error(`linear: bias ${formatShape(bias.shape)} does not match weight ${formatShape(weight.shape)}: expected [${out}]`);
  }
  const dtype = bias === null ? commonDType("linear", [x, weight]) : commonDType("linear", [x, weight, bias]);
  const batch = x.shape[0];
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  const name = act === null ? "linear" : `linear+${act.kernel.name}`;
  // An activation the Dense kernels implement (ReLU) runs inside them; any other runs as an
  // element-wise epilogue on the affine map's output, in the same node.
  const code: LinearAct = act === null ? 0 : (act.code ?? 0);
  const epilogue = act !== null && act.code === undefined ? act : null;
  const z = allocate(dtype, batch * out);
  linearForward(batch, out, inF, x.data, weight.data, bias === null ? null : bias.data, code, z);
  let y = z;
  if (epilogue !== null) {
    if (!epilogue.inPlace) y = allocate(dtype, z.length);
    epilogue.kernel.forward(z, y, epilogue.params);
  }
  // Inline (not a named const): under tsx/esbuild's keepNames a named closure costs a
  // `__name` call per forward. The backward takes the engine's optional third argument
  // (AccumulatingBackwardFn): the weight's and bias's gradients go straight into their
  // leaves' buffers when the engine offers them (the kernel adds exactly as the engine would).
  return record(y, [batch, out], inputs, name, (gy, needs, into?: readonly (TypedArray | null)[]) => {
    let gz = gy;
    if (epilogue !== null) {
      gz = allocate(dtype, gy.length);
      // In place, z was overwritten by y; the epilogue's contract makes y stand in for z.
      epilogue.kernel.backward(z, y, gy, gz, epilogue.params);
    }
    const intoW = into?.[1] ?? null;
    const intoB = bias !== null ? (into?.[2] ?? null) : null;
    const gx = needs[0] ? allocate(dtype, x.size) : null;
    const gw = needs[1] ? (intoW ?? allocate(dtype, weight.size)) : null;
    const gb = bias !== null && needs[2] ? (intoB ?? allocate(dtype, out)) : null;
    linearBackward(batch, out, inF, gz, y, code, x.data, weight.data, gx, gw, gb, gw !== null && gw === intoW, gb !== null && gb === intoB);
    return bias === null ? [gx, gw] : [gx, gw, gb];
  }, composedGraphBackward(inputs, () => linearComposed(x, weight, bias, act)));
}

/**
 * The fused op rebuilt from differentiable ops, with the same values: `act(x · Wᵀ + b)`.
 * Higher-order gradients (`createGraph`) go through this form.
 */
function linearComposed<P>(x: Tensor, weight: Tensor, bias: Tensor | null, act: LinearEpilogue<P> | null): Tensor {
  const z = matmul(x, transpose(weight));
  const zb = bias === null ? z : add(z, bias);
  return act === null ? zb : epilogueOp(act)(zb, act.params);
}

const epilogueOps = new WeakMap<object, (x: Tensor, params: never) => Tensor>();

/** The element-wise op of an epilogue's kernel (made once per kernel). */
function epilogueOp<P>(act: LinearEpilogue<P>): (x: Tensor, params: P) => Tensor {
  let op = epilogueOps.get(act.kernel);
  if (op === undefined) {
    op = defineUnaryOp(act.kernel) as (x: Tensor, params: never) => Tensor;
    epilogueOps.set(act.kernel, op);
  }
  return op as (x: Tensor, params: P) => Tensor;
}

/** The active kernels' Dense forward, or the TypeScript one on their `gemm`. */
function linearForward(
  batch: number, out: number, inF: number, x: TypedArray, w: TypedArray, b: TypedArray | null, act: LinearAct, y: TypedArray,
): void {
  const k = kernels();
  if (k.linearForward !== undefined) k.linearForward(batch, out, inF, x, w, b, act, y);
  else linearForwardReference(batch, out, inF, x, w, b, act, y, k.gemm);
}

/** The active kernels' Dense backward, or the TypeScript one on their `gemm`. */
function linearBackward(
  batch: number, out: number, inF: number, gy: TypedArray, y: TypedArray, act: LinearAct, x: TypedArray, w: TypedArray,
  gx: TypedArray | null, gw: TypedArray | null, gb: TypedArray | null, accumulateW: boolean, accumulateB: boolean,
): void {
  const k = kernels();
  if (k.linearBackward !== undefined) k.linearBackward(batch, out, inF, gy, y, act, x, w, gx, gw, gb, accumulateW, accumulateB);
  else linearBackwardReference(batch, out, inF, gy, y, act, x, w, gx, gw, gb, k.gemm, accumulateW, accumulateB);
}
