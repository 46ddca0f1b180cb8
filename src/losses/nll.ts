import { div, mul } from "../autograd/ops/binary.js";
import { scatterAdd } from "../autograd/ops/gather.js";
import { sum } from "../autograd/ops/reduce.js";
import { indexSelect, reshape } from "../autograd/ops/shape.js";
import { neg } from "../autograd/ops/unary.js";
import { allocate } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { checkOptionKeys } from "../util/options.js";
import { checkLabels, type Labels } from "./labels.js";
import { checkClassWeight, checkIgnoreIndex, checkReduction, checkTensor, type ReductionOptions } from "./reduction.js";

/** Options of {@link nllLoss}. */
export interface NLLOptions extends ReductionOptions {
  /** Per-class weights w, shape `[C]`, treated as a constant. Default: all 1. */
  weight?: Tensor;
  /** Samples whose label equals this value are ignored (PyTorch's `ignore_index`). Default −100, as PyTorch. */
  ignoreIndex?: number;
}

/**
 * Negative log-likelihood of integer labels given log-probabilities (PyTorch's `NLLLoss`).
 * Feed it `logSoftmax(logits)`; {@link crossEntropyLoss} does both.
 *
 * ```text
 * ℓₙ = −w[yₙ]·logProbs[n, yₙ]          (w = 1 without weights; ℓₙ = 0 where yₙ = ignoreIndex)
 * ∂ℓₙ/∂logProbs[n, c] = −w[yₙ] if c = yₙ, else 0
 * mean: Σ ℓₙ / Σ w[yₙ] over the samples not ignored (PyTorch's weighted mean; all ignored → NaN)
 * sum: Σ ℓₙ   none: ℓ of shape [N]
 * ```
 *
 * @param logProbs - `[N, C]` log-probabilities
 * @param labels - N integer classes in `[0, C)` (or `ignoreIndex`): a `[N]` tensor, a number[] or an Int32Array
 * @param options - `reduction` default `'mean'`; `weight` default none; `ignoreIndex` default −100
 * @returns a scalar, or for `'none'` a `[N]` tensor
 * @throws Error when `logProbs` is not 2-D, the label count differs from N, a label is not
 *   an integer or out of range (label and position named), `weight` is not a `[C]` tensor
 *   of the input's dtype, `ignoreIndex` is not an integer, an option is unknown, or the
 *   reduction is invalid
 *
 * @example
 * ```ts
 * nllLoss(tensor([[-1, -2], [-3, -4]]), [0, 1]).item(); // (1 + 4) / 2 = 2.5
 * ```
 */
export function nllLoss(logProbs: Tensor, labels: Labels, options: NLLOptions = {}): Tensor {
  const op = "nllLoss";
  checkOptionKeys(op, options, ["reduction", "weight", "ignoreIndex"]);
  const reduction = checkReduction(op, options);
  const ignoreIndex = checkIgnoreIndex(op, options.ignoreIndex);
  checkTensor(op, "logProbs", logProbs);
  const y = checkLabels(op, logProbs, labels, ignoreIndex);
  const weight = checkClassWeight(op, options.weight, logProbs);
  const [n, c] = logProbs.shape;
  // Gather the picked entries of the rows not ignored from the flattened input rather than
  // multiplying by a one-hot mask, so a −∞ log-probability elsewhere cannot give 0·(−∞) = NaN.
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (y[i] >= 0) rows.push(i);
  const flat = new Int32Array(rows.length);
  const w = allocate(logProbs.dtype, rows.length);
  let totalWeight = 0;
  rows.forEach((i, r) => {
    flat[r] = i * c + y[i];
    w[r] = weight === undefined ? 1 : weight.data[y[i]];
    totalWeight += w[r];
  });
  let losses = neg(indexSelect(reshape(logProbs, [logProbs.size]), flat));
  if (weight !== undefined) losses = mul(losses, new Tensor(w, [rows.length]));
  if (reduction === "none") {
    if (rows.length === n) return losses;
    const at = new Tensor(Float64Array.from(rows), [rows.length]);
    return scatterAdd(new Tensor(allocate(logProbs.dtype, n), [n]), 0, at, losses);
  }
  const total = sum(losses);
  if (reduction === "sum") return total;
  return div(total, weight === undefined ? rows.length : totalWeight);
}
