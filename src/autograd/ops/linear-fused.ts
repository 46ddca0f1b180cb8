import { kernels } from "../../kernels/index.js";
import { linearBackwardReference, type LinearAct } from "../../kernels/linear.js";
import { allocate, type TypedArray } from "../../tensor/dtype.js";
import { formatShape } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import type { UnaryKernel } from "../define-op.js";
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
  const k = kernels();
  const code: LinearAct | undefined = act === null ? 0 : act.code;
  if (code !== undefined && k.linearForward !== undefined && k.linearBackward !== undefined) {
    // The whole layer in one kernel call each way (product, bias and activation). The
    // backward takes the engine's optional third argument (AccumulatingBackwardFn).
    const y = allocate(dtype, batch * out);
    k.linearForward(batch, out, inF, x.data, weight.data, bias === null ? null : bias.data, code, y);
    // Inline (not a named const): under tsx/esbuild's keepNames a named closure costs a
    // `__name` call per forward.
    return record(y, [batch, out], inputs, name, (gy, needs, into?: readonly (TypedArray | null)[]) => {
      // The weight's and bias's gradients go straight into their leaves' buffers when the
      // engine offers them (the kernel adds exactly as the engine would).
      const intoW = into?.[1] ?? null;
      const intoB = bias !== null ? (into?.[2] ?? null) : null;
      const gx = needs[0] ? allocate(dtype, x.size) : null;
      const gw = needs[1] ? (intoW ?? allocate(dtype, weight.size)) : null;
      const gb = bias !== null && needs[2] ? (intoB ?? allocate(dtype, out)) : null;
      const kb = kernels();
      const accW = gw !== null && gw === intoW;
      const accB = gb !== null && gb === intoB;
      if (kb.linearBackward !== undefined) kb.linearBackward(batch, out, inF, gy, y, code, x.data, weight.data, gx, gw, gb, accW, accB);
      else linearBackwardReference(batch, out, inF, gy, y, code, x.data, weight.data, gx, gw, gb, kb.gemm, accW, accB);
      return bias === null ? [gx, gw] : [gx, gw, gb];
    });
  }
  const z = allocate(dtype, batch * out);
  kernels().gemm(false, true, batch, out, inF, x.data, weight.data, z);
  if (bias !== null) addRows(z, bias.data, out);
  let y = z;
  if (act !== null) {
    if (!act.inPlace) y = allocate(dtype, z.length);
    act.kernel.forward(z, y, act.params);
  }
  return record(y, [batch, out], inputs, name, (gy, needs) => {
    let gz = gy;
    if (act !== null) {
      gz = allocate(dtype, gy.length);
      // In place, z was overwritten by y; the epilogue's contract makes y stand in for z.
      act.kernel.backward(z, y, gy, gz, act.params);
    }
    const g = kernels().gemm;
    let gx: TypedArray | null = null;
    let gw: TypedArray | null = null;
    let gb: TypedArray | null = null;
    if (needs[0]) g(false, false, batch, inF, out, gz, weight.data, (gx = allocate(dtype, x.size)));
    if (needs[1]) g(true, false, out, inF, batch, gz, x.data, (gw = allocate(dtype, weight.size)));
    if (bias !== null && needs[2]) gb = columnSums(gz, out, allocate(dtype, out));
    return bias === null ? [gx, gw] : [gx, gw, gb];
  });
}

/** `y[i, j] += b[j]` for every row of `y` (`cols` wide). */
function addRows(y: TypedArray, b: TypedArray, cols: number): void {
  for (let row = 0; row < y.length; row += cols) {
    for (let j = 0; j < cols; j++) y[row + j] += b[j];
  }
}

/** `out[j] = Σᵢ g[i, j]`, in double, rows added in order, rounded once. */
function columnSums(g: TypedArray, cols: number, out: TypedArray): TypedArray {
  for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let i = j; i < g.length; i += cols) s += g[i];
    out[j] = s;
  }
  return out;
}
