import { Tensor } from "../tensor/tensor.js";

function checkParams(op: string, params: readonly Tensor[]): void {
  if (!Array.isArray(params)) throw new Error(`${op}: params must be an array of tensors`);
  params.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new Error(`${op}: parameter ${i} is not a Tensor (got ${typeof p})`);
  });
}

/**
 * Rescales gradients in place so their combined norm is at most `maxNorm` (PyTorch's
 * `clip_grad_norm_`), and returns the norm they had.
 *
 * ```text
 * total = (Σ_p Σ_i |g_{p,i}|^q)^(1/q)      q = normType;  max_{p,i} |g_{p,i}| for q = ∞
 * g ← g · min(1, maxNorm / (total + 1e-6))
 * ```
 *
 * Parameters whose `grad` is `null` are ignored; with none, the total is 0. The sum is
 * accumulated in double precision. When the total is NaN or ±∞, nothing is scaled and the
 * total is returned, so the caller can skip the step. (PyTorch's default,
 * `error_if_nonfinite=False`, also does not throw, but multiplies every gradient by the NaN
 * or 0 coefficient; leaving them untouched loses nothing and keeps the evidence.)
 *
 * @param params - the parameters, e.g. `model.parameters()`
 * @param maxNorm - finite, ≥ 0
 * @param normType - q > 0, or `Infinity`. Default 2.
 * @returns the total norm before clipping
 * @throws Error naming the bad `maxNorm` or `normType`, or a non-tensor parameter
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number, normType = 2): number {
  checkParams("clipGradNorm", params);
  if (typeof maxNorm !== "number" || !Number.isFinite(maxNorm) || maxNorm < 0) {
    throw new Error(`clipGradNorm: maxNorm must be a finite number ≥ 0, got ${String(maxNorm)}`);
  }
  if (typeof normType !== "number" || Number.isNaN(normType) || normType <= 0) {
    throw new Error(`clipGradNorm: normType must be > 0 or Infinity, got ${String(normType)}`);
  }
  let total = 0;
  for (const p of params) {
    if (p.grad === null) continue;
    const g = p.grad.data;
    if (normType === Infinity) {
      for (let i = 0; i < g.length; i++) {
        const a = Math.abs(g[i]);
        if (a > total || Number.isNaN(a)) total = a;
      }
    } else if (normType === 2) {
      for (let i = 0; i < g.length; i++) total += g[i] * g[i];
    } else if (normType === 1) {
      for (let i = 0; i < g.length; i++) total += Math.abs(g[i]);
    } else {
      for (let i = 0; i < g.length; i++) total += Math.abs(g[i]) ** normType;
    }
  }
  if (normType !== Infinity && normType !== 1) total = normType === 2 ? Math.sqrt(total) : total ** (1 / normType);
  if (!Number.isFinite(total)) return total;
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) {
    for (const p of params) {
      if (p.grad === null) continue;
      const g = p.grad.data;
      for (let i = 0; i < g.length; i++) g[i] *= coef;
    }
  }
  return total;
}

/**
 * Clamps every gradient element to `[−clipValue, clipValue]`, in place (PyTorch's
 * `clip_grad_value_`). NaN gradients stay NaN. Parameters whose `grad` is `null` are ignored.
 *
 * ```text
 * g ← min(max(g, −c), c)
 * ```
 *
 * @param clipValue - c, finite, ≥ 0
 * @throws Error naming the bad `clipValue`, or a non-tensor parameter
 */
export function clipGradValue(params: readonly Tensor[], clipValue: number): void {
  checkParams("clipGradValue", params);
  if (typeof clipValue !== "number" || !Number.isFinite(clipValue) || clipValue < 0) {
    throw new Error(`clipGradValue: clipValue must be a finite number ≥ 0, got ${String(clipValue)}`);
  }
  for (const p of params) {
    if (p.grad === null) continue;
    const g = p.grad.data;
    for (let i = 0; i < g.length; i++) {
      if (g[i] > clipValue) g[i] = clipValue;
      else if (g[i] < -clipValue) g[i] = -clipValue;
    }
  }
}
