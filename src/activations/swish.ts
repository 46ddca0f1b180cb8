// Load the Tensor class before the op machinery, so this file also works as a standalone
// entry point (the engine's tensor ↔ ops import cycle otherwise starts in the middle).
import { Tensor } from "../tensor/tensor.js";
import { defineUnaryOp } from "../autograd/define-op.js";
import { finiteOption } from "../util/options.js";
import { sigmoid } from "./basic.js";
import { defineParamOp } from "./param-op.js";
import { swishDbeta, swishDx, swishValue } from "./scalar.js";

const swishFixedOp = defineUnaryOp<{ beta: number }>({
  name: "swish",
  forward(x, y, { beta }) {
    for (let i = 0; i < x.length; i++) y[i] = swishValue(x[i], beta);
  },
  backward(x, _y, gy, gx, { beta }) {
    for (let i = 0; i < x.length; i++) gx[i] = gy[i] * swishDx(x[i], beta);
  },
  derivative(x, _y, { beta }) {
    return swishPartials(x, beta).x;
  },
});

/** ∂/∂x = σ(βx) + βx·σ(βx)·σ(−βx),  ∂/∂β = x²·σ(βx)·σ(−βx), as tensor ops. */
function swishPartials(x: Tensor, beta: Tensor | number): { x: Tensor; beta: Tensor } {
  const bx = x.mul(beta);
  const s = sigmoid(bx);
  const ss = s.mul(sigmoid(bx.neg()));
  return { x: s.add(bx.mul(ss)), beta: x.mul(x).mul(ss) };
}

const swishParamOp = defineParamOp({
  name: "swish",
  params: ["beta"],
  forward(x, y, { beta }) {
    for (let i = 0; i < x.length; i++) y[i] = swishValue(x[i], beta[i]);
  },
  backward(x, _y, gy, gx, { beta }, gp) {
    if (gx !== null) for (let i = 0; i < x.length; i++) gx[i] = gy[i] * swishDx(x[i], beta[i]);
    const gb = gp.beta;
    if (gb !== null) for (let i = 0; i < x.length; i++) gb[i] = gy[i] * swishDbeta(x[i], beta[i]);
  },
  partials(x, _y, { beta }) {
    return swishPartials(x, beta);
  },
});

/**
 * Swish with a (possibly trainable) β, element-wise (Ramachandran, Zoph & Le 2017,
 * arXiv:1710.05941).
 *
 * ```text
 * swish(x; β) = x·σ(βx)
 * ∂/∂x        = σ(βx) + βx·σ(βx)·σ(−βx)
 * ∂/∂β        = x²·σ(βx)·σ(−βx)          (summed over the elements sharing β)
 * ```
 *
 * β = 1 is SiLU (bit for bit), β → ∞ tends to ReLU, β → 0 to x/2. Smooth, no kink.
 *
 * @param x - input of any shape
 * @param beta - a number (constant), or a tensor of shape `[1]` (shared) or `[features]`
 * (one per entry of `x`'s last axis) that receives a gradient when it requires one.
 * Default 1.
 * @returns a tensor shaped like `x`
 * @throws Error when a number `beta` is not finite, or a tensor `beta` has a size other
 * than 1 or `x`'s last axis (the message gives both sizes), or its dtype differs from `x`'s
 *
 * @example
 * ```ts
 * const beta = new Parameter(tensor([1.5], { dtype: "float64" }));
 * swish(tensor([[1, -2]], { dtype: "float64" }), beta).sum().backward();
 * beta.grad; // x²·σ(βx)·σ(−βx) summed over both elements
 * ```
 */
export function swish(x: Tensor, beta: Tensor | number = 1): Tensor {
  if (beta instanceof Tensor) return swishParamOp(x, { beta });
  return swishFixedOp(x, { beta: finiteOption("swish", "beta", beta) });
}
