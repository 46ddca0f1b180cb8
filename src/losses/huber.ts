import { allocate } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { record } from "../autograd/node.js";
import { mul, sub } from "../autograd/ops/binary.js";
import { clamp, neg } from "../autograd/ops/unary.js";
import { checkReduction, checkSameShape, checkTensor, reduce, type ReductionOptions } from "./reduction.js";

/** Options of {@link huberLoss}. */
export interface HuberLossOptions extends ReductionOptions {
  /** Where the loss changes from quadratic to linear; must be > 0. Default 1, as PyTorch. */
  delta?: number;
}

/**
 * Huber loss (PyTorch's `HuberLoss`): quadratic for small errors, linear for large ones.
 *
 * ```text
 * d = input − target
 * ℓ = ½·d²               if |d| < δ
 *   = δ·(|d| − ½·δ)      otherwise
 * ∂ℓ/∂input = clamp(d, −δ, δ),   ∂ℓ/∂target = −clamp(d, −δ, δ)
 * ```
 *
 * Both pieces and their slopes agree at |d| = δ (value ½δ², slope ±δ), so there is no kink.
 *
 * @param options - `delta` default 1; `reduction` default `'mean'`
 * @returns a scalar tensor, or for `'none'` a tensor shaped like `input`
 * @throws Error when the shapes or dtypes differ, `delta` is not a finite number > 0, or
 * the reduction is invalid
 *
 * @example
 * ```ts
 * huberLoss(tensor([0.5, 3]), tensor([0, 0]), { reduction: "none" }).toArray(); // [0.125, 2.5]
 * ```
 */
export function huberLoss(input: Tensor, target: Tensor, options: HuberLossOptions = {}): Tensor {
  const reduction = checkReduction("huberLoss", options);
  const delta = options.delta ?? 1;
  if (typeof delta !== "number" || !Number.isFinite(delta) || delta <= 0) {
    throw new Error(`huberLoss: delta must be a finite number > 0, got ${String(delta)}`);
  }
  checkTensor("huberLoss", "input", input);
  checkTensor("huberLoss", "target", target);
  checkSameShape("huberLoss", "input", input, "target", target);
  const x = input.data;
  const t = target.data;
  const y = allocate(input.dtype, input.size);
  for (let i = 0; i < y.length; i++) {
    const d = x[i] - t[i];
    const a = Math.abs(d);
    y[i] = a < delta ? 0.5 * d * d : delta * (a - 0.5 * delta);
  }
  const losses = record(y, input.shape, [input, target], "huberLoss", (gy, needs) => {
    const gx = allocate(input.dtype, input.size);
    for (let i = 0; i < gx.length; i++) {
      const d = x[i] - t[i];
      gx[i] = gy[i] * (d < -delta ? -delta : d > delta ? delta : d);
    }
    let gt = null;
    if (needs[1]) {
      gt = allocate(input.dtype, input.size);
      for (let i = 0; i < gt.length; i++) gt[i] = -gx[i];
    }
    return [gx, gt];
  }, (gy, _out, needs) => {
    // gy · clamp(input − target, −δ, δ), and its negative for the target
    const gx = mul(gy, clamp(sub(input, target), -delta, delta));
    return [gx, needs[1] ? neg(gx) : null];
  });
  return reduce(losses, reduction);
}
