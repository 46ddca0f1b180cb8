import { record } from "../autograd/node.js";
import { add, mul, sub } from "../autograd/ops/binary.js";
import { sumTo as sumToShape } from "../autograd/ops/shape.js";
import { neg } from "../autograd/ops/unary.js";
import { sigmoid as sigmoidOp } from "../activations/basic.js";
import { softplus as softplusOp } from "../activations/smooth.js";
import { broadcastTo, sumTo } from "../kernels/broadcast.js";
import { allocate, type TypedArray } from "../tensor/dtype.js";
import { broadcastShapes, formatShape, sameShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { checkReduction, checkSameShape, checkTensor, reduce, type ReductionOptions } from "./reduction.js";

/** Options of {@link bceWithLogitsLoss}. */
export interface BCEWithLogitsOptions extends ReductionOptions {
  /**
   * Weight p of the positive term, broadcast against `logits` (typically shape `[classes]`
   * for the last axis, or a number). p > 1 raises recall, p < 1 precision. Default 1.
   */
  posWeight?: Tensor | number;
}

/** softplus(−x) = log(1 + e⁻ˣ), as max(−x, 0) + log1p(e^{−|x|}) so nothing overflows. */
function softplusNeg(x: number): number {
  return Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** σ(x), in two branches so `exp` never overflows. */
function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Binary cross-entropy on logits (PyTorch's `BCEWithLogitsLoss`), fused and stable: it
 * never forms σ(x) and then its log, so logits of ±1e4 give finite values and gradients.
 *
 * ```text
 * x = logit, t = target ∈ [0, 1], p = posWeight (default 1), L = 1 + (p − 1)·t
 * ℓ = (1 − t)·x + L·softplus(−x),   softplus(−x) = max(−x, 0) + log1p(e^{−|x|})
 *   = (1 − t)·x + L·log1p(e^{−|x|})    for x ≥ 0
 *   = −p·t·x + L·log1p(e^{−|x|})       for x < 0      (no cancellation on either side)
 *   = max(x, 0) − x·t + log1p(e^{−|x|})                         when p = 1
 * ∂ℓ/∂x = L·σ(x) − p·t  = (1 − t) − L·σ(−x)     (the second form is used for x ≥ 0, so
 *                                               neither subtracts two numbers near 1)
 *       = σ(x) − t                                                when p = 1
 * ∂ℓ/∂t = −x + (p − 1)·softplus(−x)
 * ∂ℓ/∂p = t·softplus(−x)                        (summed over broadcast positions)
 * ```
 *
 * @see ACTIVATIONS.md §1.14 and PyTorch's `binary_cross_entropy_with_logits`.
 * @param logits - raw scores x, any shape
 * @param target - same shape and dtype as `logits`; probabilities in [0, 1] (not checked,
 *   as PyTorch, so soft targets outside work mathematically)
 * @param options - `reduction` default `'mean'`; `posWeight` default 1
 * @returns a scalar tensor, or for `'none'` a tensor shaped like `logits`
 * @throws Error when the shapes or dtypes differ (both named), when `posWeight` does not
 *   broadcast to the logits' shape, or when the reduction is invalid
 *
 * @example
 * ```ts
 * bceWithLogitsLoss(tensor([0]), tensor([1])).item(); // log 2 ≈ 0.6931
 * ```
 */
export function bceWithLogitsLoss(logits: Tensor, target: Tensor, options: BCEWithLogitsOptions = {}): Tensor {
  const op = "bceWithLogitsLoss";
  const reduction = checkReduction(op, options);
  checkTensor(op, "logits", logits);
  checkTensor(op, "target", target);
  checkSameShape(op, "logits", logits, "target", target);
  const shape = logits.shape;
  const dtype = logits.dtype;
  let pw: Tensor | null = null;
  let pd: TypedArray | null = null;
  if (options.posWeight !== undefined) {
    const w = options.posWeight;
    if (typeof w === "number") {
      if (!Number.isFinite(w)) throw new Error(`${op}: posWeight must be finite, got ${w}`);
      pd = allocate(dtype, logits.size).fill(w);
    } else {
      checkTensor(op, "posWeight", w);
      if (w.dtype !== dtype) throw new Error(`${op}: posWeight is ${w.dtype} but logits are ${dtype}`);
      const b = broadcastShapes(op, w.shape, shape);
      if (!sameShape(b, shape)) {
        throw new Error(`${op}: posWeight shape ${formatShape(w.shape)} does not broadcast to logits shape ${formatShape(shape)}`);
      }
      pw = w;
      pd = broadcastTo(w.data, w.shape, shape);
    }
  }
  const x = logits.data;
  const t = target.data;
  const y = allocate(dtype, logits.size);
  for (let i = 0; i < y.length; i++) {
    const p = pd === null ? 1 : pd[i];
    const L = 1 + (p - 1) * t[i];
    const lp = Math.log1p(Math.exp(-Math.abs(x[i])));
    // Expanding max(−x, 0) per sign avoids x + (−x + …) cancelling for negative x.
    y[i] = x[i] >= 0 ? (1 - t[i]) * x[i] + L * lp : -p * t[i] * x[i] + L * lp;
  }
  const inputs = pw === null ? [logits, target] : [logits, target, pw];
  const losses = record(y, shape, inputs, op, (gy, needs) => {
    let gx: TypedArray | null = null;
    let gt: TypedArray | null = null;
    let gp: TypedArray | null = null;
    if (needs[0]) {
      gx = allocate(dtype, y.length);
      for (let i = 0; i < y.length; i++) {
        const p = pd === null ? 1 : pd[i];
        const L = 1 + (p - 1) * t[i];
        const d = x[i] >= 0 ? 1 - t[i] - L * sigmoid(-x[i]) : L * sigmoid(x[i]) - p * t[i];
        gx[i] = gy[i] * d;
      }
    }
    if (needs[1]) {
      gt = allocate(dtype, y.length);
      for (let i = 0; i < y.length; i++) {
        const p = pd === null ? 1 : pd[i];
        gt[i] = gy[i] * (-x[i] + (p - 1) * softplusNeg(x[i]));
      }
    }
    if (pw !== null && needs[2]) {
      const full = allocate(dtype, y.length);
      for (let i = 0; i < y.length; i++) full[i] = gy[i] * t[i] * softplusNeg(x[i]);
      gp = sumTo(full, shape, pw.shape);
    }
    return pw === null ? [gx, gt] : [gx, gt, gp];
  }, (gy, _out, needs) => {
    // The same gradients with tensor ops (p = posWeight, L = 1 + (p − 1)·t):
    // ∂/∂x = L·σ(x) − p·t,  ∂/∂t = −x + (p − 1)·softplus(−x),  ∂/∂p = t·softplus(−x)
    const p = pw ?? new Tensor(allocate(dtype, 1).fill(pd === null ? 1 : pd[0]), []);
    const pm1 = sub(p, 1);
    const spNeg = needs[1] || needs[2] === true ? softplusOp(neg(logits)) : null;
    const gx = needs[0]
      ? mul(gy, sub(mul(add(mul(pm1, target), 1), sigmoidOp(logits)), mul(p, target)))
      : null;
    const gt = needs[1] ? mul(gy, add(neg(logits), mul(pm1, spNeg!))) : null;
    if (pw === null) return [gx, gt];
    return [gx, gt, needs[2] ? sumToShape(mul(mul(gy, target), spNeg!), pw.shape) : null];
  });
  return reduce(losses, reduction);
}
