import type { Tensor } from "../tensor/tensor.js";
import { where } from "../autograd/ops/compare.js";
import { defineParamOp, type ParamKernel } from "./param-op.js";

/** PReLU's kernel; LEAF's article form has the same maths under its own name. */
function preluKernel<K extends string>(name: string, param: K): ParamKernel<K> {
  return {
    name,
    params: [param],
    forward(x, y, p) {
      const a = p[param];
      for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : a[i] * x[i];
    },
    backward(x, _y, gy, gx, p, gp) {
      const a = p[param];
      // PyTorch prelu_backward: mask = x > 0, so at x = 0: ∂/∂x = a and ∂/∂a = 0.
      if (gx !== null) {
        for (let i = 0; i < x.length; i++) gx[i] = x[i] > 0 ? gy[i] : x[i] <= 0 ? a[i] * gy[i] : NaN;
      }
      const ga = gp[param];
      if (ga !== null) for (let i = 0; i < x.length; i++) ga[i] = x[i] > 0 ? 0 : gy[i] * x[i];
    },
    partials(x, _y, p) {
      // ∂/∂x = [x > 0] + [x ≤ 0]·a,  ∂/∂a = [x ≤ 0]·x (the same mask as backward)
      const positive = x.gt(0);
      return { x: where(positive, 1, p[param]), [param]: where(positive, 0, x) } as { x: Tensor } & { [P in K]: Tensor };
    },
  };
}

const preluOp = defineParamOp(preluKernel("prelu", "weight"));
const leafOp = defineParamOp(preluKernel("leaf", "alpha"));

/**
 * Parametric ReLU, element-wise (He et al. 2015, "Delving Deep into Rectifiers").
 *
 * ```text
 * prelu(x; a) = x       if x > 0
 *             = a · x   otherwise
 * ∂/∂x        = 1 if x > 0, a otherwise       (a at x = 0, as PyTorch)
 * ∂/∂a        = 0 if x > 0, x otherwise       (0 at x = 0; summed over elements sharing a)
 * ```
 *
 * @param x - input of any shape
 * @param weight - the slopes `a`: shape `[1]` (shared) or `[features]` (one per entry of
 * `x`'s last axis), or a constant number
 * @returns a tensor shaped like `x`
 * @throws Error when `weight` has a size other than 1 or `x`'s last axis (both sizes are
 * given), or its dtype differs from `x`'s
 *
 * @example
 * ```ts
 * prelu(tensor([-2, 3]), tensor([0.25])).toArray(); // [-0.5, 3]
 * ```
 */
export function prelu(x: Tensor, weight: Tensor | number): Tensor {
  return preluOp(x, { weight });
}

/**
 * LEAF in the article's form: a ReLU whose negative slope α is learned. This is exactly
 * the maths of {@link prelu} (the published "Learnable Extended Activation Function" of
 * Bodyanskiy & Kostiuk 2023 is {@link leafExtended}); kept under this name because the
 * article typegrad is built from calls it LEAF.
 *
 * ```text
 * leaf(x; α) = max(0, x) + α · min(0, x)
 * ∂/∂x       = 1 if x > 0, α otherwise       (α at x = 0, as PyTorch's PReLU)
 * ∂/∂α       = 0 if x > 0, x otherwise       (0 at x = 0)
 * ```
 *
 * @param x - input of any shape
 * @param alpha - shape `[1]` (shared) or `[features]` (last axis), or a constant number
 * @returns a tensor shaped like `x`
 * @throws Error when `alpha` has a size other than 1 or `x`'s last axis (both sizes are
 * given), or its dtype differs from `x`'s
 *
 * @example
 * ```ts
 * leaf(tensor([-2, 3]), tensor([0.25])).toArray(); // [-0.5, 3]
 * ```
 */
export function leaf(x: Tensor, alpha: Tensor | number): Tensor {
  return leafOp(x, { alpha });
}
