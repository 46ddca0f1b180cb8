import { indexSelect, reshape } from "../autograd/ops/shape.js";
import { neg } from "../autograd/ops/unary.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkLabels, type Labels } from "./labels.js";
import { checkReduction, checkTensor, reduce, type ReductionOptions } from "./reduction.js";

/**
 * Negative log-likelihood of integer labels given log-probabilities (PyTorch's `NLLLoss`
 * without class weights). Feed it `logSoftmax(logits)`; {@link crossEntropyLoss} does both.
 *
 * ```text
 * ℓₙ = −logProbs[n, yₙ]
 * ∂ℓₙ/∂logProbs[n, c] = −1 if c = yₙ, else 0
 * mean: (1/N)·Σ ℓₙ   sum: Σ ℓₙ   none: ℓ of shape [N]
 * ```
 *
 * @param logProbs - `[N, C]` log-probabilities
 * @param labels - N integer classes in `[0, C)`: a `[N]` tensor, a number[] or an Int32Array
 * @param options - `reduction` default `'mean'`
 * @returns a scalar, or for `'none'` a `[N]` tensor
 * @throws Error when `logProbs` is not 2-D, the label count differs from N, a label is not
 *   an integer or out of range (label and position named), or the reduction is invalid
 *
 * @example
 * ```ts
 * nllLoss(tensor([[-1, -2], [-3, -4]]), [0, 1]).item(); // (1 + 4) / 2 = 2.5
 * ```
 */
export function nllLoss(logProbs: Tensor, labels: Labels, options: ReductionOptions = {}): Tensor {
  const reduction = checkReduction("nllLoss", options);
  checkTensor("nllLoss", "logProbs", logProbs);
  const y = checkLabels("nllLoss", logProbs, labels);
  const c = logProbs.shape[1];
  // Gather the picked entries from the flattened input rather than multiplying by a
  // one-hot mask, so a −∞ log-probability elsewhere in a row cannot give 0·(−∞) = NaN.
  const flat = new Int32Array(y.length);
  for (let n = 0; n < y.length; n++) flat[n] = n * c + y[n];
  const picked = indexSelect(reshape(logProbs, [logProbs.size]), flat);
  return reduce(neg(picked), reduction);
}
