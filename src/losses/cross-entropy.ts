// tensor.js first: loading an op module before it breaks the tensor ↔ ops import cycle.
import { Tensor } from "../tensor/tensor.js";
import { add, div, mul } from "../autograd/ops/binary.js";
import { sum } from "../autograd/ops/reduce.js";
import { logSoftmax } from "../autograd/ops/softmax.js";
import { neg } from "../autograd/ops/unary.js";
import { formatShape } from "../tensor/shape.js";
import { labelCrossEntropy } from "./cross-entropy-labels.js";
import { checkLabels, type Labels } from "./labels.js";
import { checkClassWeight, checkIgnoreIndex, checkReduction, checkSameShape, checkTensor, type ReductionOptions } from "./reduction.js";
import { checkOptionKeys } from "../util/options.js";

/** Options of {@link crossEntropyLoss}. */
export interface CrossEntropyOptions extends ReductionOptions {
  /** ε ∈ [0, 1]: the target becomes (1 − ε)·target + ε/C. Default 0, as PyTorch. */
  labelSmoothing?: number;
  /** Per-class weights w, shape `[C]`, treated as a constant. Default: all 1. */
  weight?: Tensor;
  /**
   * Samples whose label equals this value are ignored: they contribute 0 (also with
   * `'none'`) and `'mean'` divides by the weight of the others only (as PyTorch; all
   * ignored gives NaN). Integer labels only. Default −100, as PyTorch.
   */
  ignoreIndex?: number;
}

/**
 * Cross-entropy between logits and a target (PyTorch's `CrossEntropyLoss`), computed
 * through the shift-invariant log-softmax (see `sliceLse`; never `log(softmax(x))`), so logits
 * of ±1e4 stay finite and a confident sample's loss and gradient keep full relative accuracy.
 *
 * ```text
 * log pₙ = logSoftmax(logitsₙ),  C classes, ε = labelSmoothing, w = weight (default 1)
 * integer labels yₙ:
 *   ℓₙ = −(1 − ε)·w[yₙ]·log pₙ[yₙ] − (ε/C)·Σ_c w_c·log pₙ[c]    (0 where yₙ = ignoreIndex)
 *   mean: Σ ℓₙ / Σ w[yₙ] over the samples not ignored   (their count without weights)
 * class probabilities qₙ (target shape [N, C]):
 *   ℓₙ = −Σ_c w_c·((1 − ε)·qₙ[c] + ε/C)·log pₙ[c]
 *   mean: Σ ℓₙ / N
 * ∂ℓₙ/∂logitsₙ[c] = pₙ[c]·Σ_k aₖ − a_c,   aₖ the coefficient of log pₙ[k] above
 *                  = pₙ[c] − [c = yₙ]      (labels, no weights, ε = 0)
 * ```
 *
 * @param logits - `[N, C]` unnormalised scores
 * @param target - N integer labels (a `[N]` tensor holding integers, a number[] or an
 *   Int32Array), or a `[N, C]` tensor of class probabilities (it receives a gradient if it
 *   requires one)
 * @param options - `reduction` default `'mean'`; `labelSmoothing` default 0; `weight` default
 *   none; `ignoreIndex` default −100
 * @returns a scalar, or for `'none'` the `[N]` per-sample losses
 * @throws Error when `logits` is not 2-D, the target's shape or label count does not fit
 *   (both named), a label is not an integer or out of range (label and position named),
 *   `labelSmoothing` is outside [0, 1], `weight` is not a `[C]` tensor, `ignoreIndex` is not
 *   an integer, an option is unknown, or the reduction is invalid
 *
 * @example
 * ```ts
 * crossEntropyLoss(tensor([[0, 0]]), [1]).item(); // log 2 ≈ 0.6931
 * ```
 */
export function crossEntropyLoss(logits: Tensor, target: Labels, options: CrossEntropyOptions = {}): Tensor {
  const op = "crossEntropyLoss";
  checkOptionKeys(op, options, ["reduction", "labelSmoothing", "weight", "ignoreIndex"]);
  const reduction = checkReduction(op, options);
  const ignoreIndex = checkIgnoreIndex(op, options.ignoreIndex);
  checkTensor(op, "logits", logits);
  if (logits.ndim !== 2) throw new Error(`${op}: logits must have shape [N, C], got ${formatShape(logits.shape)}`);
  const [n, c] = logits.shape;
  const eps = options.labelSmoothing ?? 0;
  if (typeof eps !== "number" || !(eps >= 0 && eps <= 1)) {
    throw new Error(`${op}: labelSmoothing must be in [0, 1], got ${String(eps)}`);
  }
  const weight = checkClassWeight(op, options.weight, logits);
  const w = weight?.data;

  if (target instanceof Tensor && target.ndim !== 1) {
    checkSameShape(op, "logits", logits, "target probabilities", target);
    let q = eps === 0 ? target : add(mul(target, 1 - eps), eps / c);
    if (weight !== undefined) q = mul(q, weight.detach());
    const losses = neg(sum(mul(logSoftmax(logits, 1), q), 1));
    if (reduction === "none") return losses;
    return reduction === "sum" ? sum(losses) : div(sum(losses), n);
  }

  const y = checkLabels(op, logits, target, ignoreIndex);
  // Coefficients a[n, c] of log p[n, c]; a constant, since labels carry no gradient.
  // Plain one-hot labels (no weight, no smoothing) need none.
  const a = eps === 0 && w === undefined ? null : new Float64Array(logits.size);
  let denominator = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] < 0) continue; // ignored: no coefficients, no weight in the mean
    const wy = w === undefined ? 1 : w[y[i]];
    denominator += wy;
    if (a === null) continue;
    if (eps !== 0) for (let k = 0; k < c; k++) a[i * c + k] = (eps / c) * (w === undefined ? 1 : w[k]);
    a[i * c + y[i]] += (1 - eps) * wy;
  }
  return labelCrossEntropy(logits, y, a, reduction, denominator);
}
