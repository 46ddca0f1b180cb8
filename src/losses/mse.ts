import type { Tensor } from "../tensor/tensor.js";
import { checkReduction, checkSameShape, checkTensor, reduce, type ReductionOptions } from "./reduction.js";

/**
 * Mean squared error between `input` and `target`, element-wise, then reduced.
 *
 * ```text
 * ℓᵢ = (inputᵢ − targetᵢ)²
 * ∂ℓᵢ/∂inputᵢ = 2·(inputᵢ − targetᵢ),   ∂ℓᵢ/∂targetᵢ = −2·(inputᵢ − targetᵢ)
 * mean: (1/n)·Σ ℓᵢ   sum: Σ ℓᵢ   none: ℓ (shaped like input)
 * ```
 *
 * Composed from primitives, so a target that requires grad receives a gradient too.
 *
 * @param input - predictions, any shape
 * @param target - same shape and dtype as `input` (no broadcasting, unlike a bare `sub`)
 * @param options - `reduction`, default `'mean'` (PyTorch's `MSELoss`)
 * @returns a scalar tensor, or for `'none'` a tensor shaped like `input`
 * @throws Error when the shapes or dtypes differ (both are named) or the reduction is invalid
 *
 * @example
 * ```ts
 * mseLoss(tensor([1, 2]), tensor([0, 0])).item(); // 2.5
 * ```
 */
export function mseLoss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  const reduction = checkReduction("mseLoss", options);
  checkTensor("mseLoss", "input", input);
  checkTensor("mseLoss", "target", target);
  checkSameShape("mseLoss", "input", input, "target", target);
  const d = input.sub(target);
  return reduce(d.mul(d), reduction);
}
