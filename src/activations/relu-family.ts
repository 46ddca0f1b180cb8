// Load the Tensor class before the op machinery, so this file also works as a standalone
// entry point (the engine's tensor ↔ ops import cycle otherwise starts in the middle).
import "../tensor/tensor.js";
import { defineUnaryOp, type UnaryKernel } from "../autograd/define-op.js";
import { where } from "../autograd/ops/compare.js";
import type { LinearEpilogue } from "../autograd/ops/linear-fused.js";
import type { Tensor } from "../tensor/tensor.js";
import { finiteOption } from "../util/options.js";

/** SELU's α, exactly as ATen's `SELU_ALPHA` (Klambauer et al. 2017). */
export const SELU_ALPHA = 1.6732632423543772848170429916717;
/** SELU's scale λ, exactly as ATen's `SELU_SCALE`. */
export const SELU_SCALE = 1.0507009873554804934193349852946;
/** λ·α rounded once (1.7580993408473768599…), the SELU slope at and left of 0. */
const SELU_SCALE_ALPHA = 1.7580993408473768599;

const reluKernel: UnaryKernel = {
  name: "relu",
  forward(x, y) {
    // `x <= 0 ? 0 : x` (PyTorch's threshold): NaN falls into the second branch and passes.
    // Safe in place (y === x).
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      y[i] = v <= 0 ? 0 : v;
    }
  },
  backward(x, _y, gy, gx) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      gx[i] = v > 0 ? gy[i] : v <= 0 ? 0 : NaN;
    }
  },
  derivative(x) {
    return x.gt(0);
  },
};
const reluOp = defineUnaryOp(reluKernel);

/**
 * @internal ReLU as an epilogue of the fused `Dense` forward, in place: relu(x) > 0 exactly
 * when x > 0, ≤ 0 exactly when x ≤ 0 and NaN exactly when x is, so the derivative read off
 * the output is the derivative read off the input.
 */
export const reluEpilogue: LinearEpilogue<void> = { kernel: reluKernel, params: undefined, inPlace: true, code: 1 };

/**
 * Rectified linear unit, element-wise.
 *
 * ```text
 * relu(x) = max(0, x)
 * d/dx    = 1 if x > 0, else 0      (0 at x = 0, as PyTorch)
 * ```
 *
 * NaN propagates (forward and gradient); relu(−0) = +0.
 *
 * @param x - input of any shape
 * @returns a tensor shaped like `x`
 *
 * @example
 * ```ts
 * relu(tensor([-2, 0, 3])).toArray(); // [0, 0, 3]
 * ```
 */
export function relu(x: Tensor): Tensor {
  return reluOp(x);
}

const leakyReluOp = defineUnaryOp<{ negativeSlope: number }>({
  name: "leakyRelu",
  forward(x, y, { negativeSlope }) {
    for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : negativeSlope * x[i];
  },
  backward(x, _y, gy, gx, { negativeSlope }) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      gx[i] = v > 0 ? gy[i] : v <= 0 ? negativeSlope * gy[i] : NaN;
    }
  },
  derivative(x, _y, { negativeSlope }) {
    return x.gt(0).mul(1 - negativeSlope).add(negativeSlope);
  },
});

/**
 * Leaky rectified linear unit, element-wise.
 *
 * ```text
 * leakyRelu(x) = x          if x > 0
 *              = slope · x  otherwise
 * d/dx         = 1 if x > 0, slope otherwise      (slope at x = 0, as PyTorch)
 * ```
 *
 * @param x - input of any shape
 * @param negativeSlope - slope for x ≤ 0. Default 0.01, as PyTorch `nn.LeakyReLU`.
 * @returns a tensor shaped like `x`
 * @throws Error when `negativeSlope` is not a finite number
 *
 * @example
 * ```ts
 * leakyRelu(tensor([-2, 0, 3], { dtype: "float64" })).toArray(); // [-0.02, 0, 3]
 * ```
 */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return leakyReluOp(x, { negativeSlope: finiteOption("leakyRelu", "negativeSlope", negativeSlope) });
}

/** ATen's one kernel for ELU and SELU: `x > 0 ? scale·x : scaleAlpha·expm1(x)`, left branch at 0. */
function eluKernel(name: string) {
  return defineUnaryOp<{ scale: number; scaleAlpha: number }>({
    name,
    forward(x, y, { scale, scaleAlpha }) {
      // expm1 only ever sees x ≤ 0 (or NaN): no overflow in the branch not taken.
      for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? scale * x[i] : scaleAlpha * Math.expm1(x[i]);
    },
    backward(x, _y, gy, gx, { scale, scaleAlpha }) {
      for (let i = 0; i < x.length; i++) gx[i] = gy[i] * (x[i] > 0 ? scale : scaleAlpha * Math.exp(x[i]));
    },
    derivative(x, _y, { scale, scaleAlpha }) {
      // exp of min(x, 0): the branch not taken never overflows into ∞·0.
      return where(x.gt(0), scale, x.clamp(-Infinity, 0).exp().mul(scaleAlpha));
    },
  });
}
const eluOp = eluKernel("elu");
const seluOp = eluKernel("selu");

/**
 * Exponential linear unit, element-wise (Clevert et al. 2015).
 *
 * ```text
 * elu(x) = x                 if x > 0
 *        = α · (eˣ − 1)      otherwise (computed with expm1)
 * d/dx   = 1 if x > 0, α · eˣ otherwise      (α at x = 0: the left branch, as PyTorch)
 * ```
 *
 * Limits: elu(−∞) = −α with derivative 0.
 *
 * @param x - input of any shape
 * @param alpha - saturation value for x → −∞ is −α. Default 1, as PyTorch `nn.ELU`.
 * @returns a tensor shaped like `x`
 * @throws Error when `alpha` is not a finite number
 *
 * @example
 * ```ts
 * elu(tensor([0, 2], { dtype: "float64" })).toArray(); // [0, 2]
 * ```
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  const a = finiteOption("elu", "alpha", alpha);
  return eluOp(x, { scale: 1, scaleAlpha: a });
}

/**
 * Scaled exponential linear unit, element-wise (Klambauer et al. 2017, "Self-Normalizing
 * Neural Networks"), with ATen's constants λ = 1.0507009873554804934…, α = 1.6732632423543772848….
 *
 * ```text
 * selu(x) = λ · x                if x > 0
 *         = λ · α · (eˣ − 1)     otherwise
 * d/dx    = λ if x > 0, λ · α · eˣ otherwise     (λα ≈ 1.7581 at x = 0, as PyTorch)
 * ```
 *
 * Pair it with LeCun-normal initialisation (`initHint: "lecun"` on the module).
 *
 * @param x - input of any shape
 * @returns a tensor shaped like `x`
 *
 * @example
 * ```ts
 * selu(tensor([1], { dtype: "float64" })).toArray(); // [1.0507009873554805]
 * ```
 */
export function selu(x: Tensor): Tensor {
  return seluOp(x, { scale: SELU_SCALE, scaleAlpha: SELU_SCALE_ALPHA });
}
