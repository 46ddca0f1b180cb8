// Load the Tensor class before the op machinery, so this file also works as a standalone
// entry point (the engine's tensor ↔ ops import cycle otherwise starts in the middle).
import "../tensor/tensor.js";
import { defineUnaryOp, type UnaryKernel } from "../autograd/define-op.js";
import type { LinearEpilogue } from "../autograd/ops/linear-fused.js";
import type { Tensor } from "../tensor/tensor.js";
import { sech2, sigmoidScalar } from "./scalar.js";

const identityOp = defineUnaryOp({
  name: "identity",
  forward(x, y) {
    y.set(x);
  },
  backward(_x, _y, gy, gx) {
    gx.set(gy);
  },
  derivative() {
    return 1;
  },
});

/**
 * The identity ("linear") activation: a copy of `x` that passes gradients unchanged.
 *
 * ```text
 * identity(x) = x
 * d/dx        = 1
 * ```
 *
 * @param x - input of any shape and dtype
 * @returns a new tensor equal to `x`
 *
 * @example
 * ```ts
 * identity(tensor([-2, 3])).toArray(); // [-2, 3]
 * ```
 */
export function identity(x: Tensor): Tensor {
  return identityOp(x);
}

const sigmoidKernel: UnaryKernel = {
  name: "sigmoid",
  forward(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = sigmoidScalar(x[i]);
  },
  backward(x, _y, gy, gx) {
    // σ(x)·σ(−x), recomputed in double: 1 − σ(x) would cancel for x ≫ 0 (ACTIVATIONS.md §0.6).
    for (let i = 0; i < x.length; i++) gx[i] = gy[i] * (sigmoidScalar(x[i]) * sigmoidScalar(-x[i]));
  },
  derivative(x) {
    return sigmoidOp(x).mul(sigmoidOp(x.neg()));
  },
};
const sigmoidOp = defineUnaryOp(sigmoidKernel);

/** @internal sigmoid as an epilogue of the fused `Dense` forward (its derivative needs the input). */
export const sigmoidEpilogue: LinearEpilogue<void> = { kernel: sigmoidKernel, params: undefined, inPlace: false };

/**
 * Logistic sigmoid, element-wise, evaluated in two branches so `exp` never overflows.
 *
 * ```text
 * sigmoid(x) = σ(x) = 1 / (1 + e⁻ˣ)
 * d/dx       = σ(x)·σ(−x)        (not σ(1 − σ): that loses all digits for x ≫ 0)
 * ```
 *
 * Limits: σ(−∞) = 0, σ(+∞) = 1, derivative 0 at both; NaN propagates.
 *
 * @param x - input of any shape
 * @returns a tensor shaped like `x`, values in [0, 1]
 *
 * @example
 * ```ts
 * sigmoid(tensor([0], { dtype: "float64" })).toArray(); // [0.5]
 * ```
 */
export function sigmoid(x: Tensor): Tensor {
  return sigmoidOp(x);
}

const tanhKernel: UnaryKernel = {
  name: "tanh",
  forward(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i]);
  },
  backward(x, _y, gy, gx) {
    // sech², not 1 − tanh²: same value, but keeps relative accuracy in the tails.
    for (let i = 0; i < x.length; i++) gx[i] = gy[i] * sech2(x[i]);
  },
  derivative(x) {
    // sech²(x) = 4·σ(2x)·σ(−2x): accurate in the tails, unlike 1 − tanh².
    const x2 = x.mul(2);
    return sigmoidOp(x2).mul(sigmoidOp(x2.neg())).mul(4);
  },
};
const tanhOp = defineUnaryOp(tanhKernel);

/** @internal tanh as an epilogue of the fused `Dense` forward (its derivative needs the input). */
export const tanhEpilogue: LinearEpilogue<void> = { kernel: tanhKernel, params: undefined, inPlace: false };

/**
 * Hyperbolic tangent, element-wise (`Math.tanh`, never the overflowing exponential ratio).
 *
 * ```text
 * tanh(x) = (eˣ − e⁻ˣ) / (eˣ + e⁻ˣ)
 * d/dx    = sech²(x) = 1 − tanh²(x)
 * ```
 *
 * Limits: tanh(±∞) = ±1 with derivative 0; NaN propagates.
 *
 * @param x - input of any shape
 * @returns a tensor shaped like `x`, values in [−1, 1]
 *
 * @example
 * ```ts
 * tanh(tensor([0], { dtype: "float64" })).toArray(); // [0]
 * ```
 */
export function tanh(x: Tensor): Tensor {
  return tanhOp(x);
}

const logSigmoidOp = defineUnaryOp({
  name: "logSigmoid",
  forward(x, y) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      y[i] = Math.min(v, 0) - Math.log1p(Math.exp(-Math.abs(v)));
    }
  },
  backward(x, _y, gy, gx) {
    for (let i = 0; i < x.length; i++) gx[i] = gy[i] * sigmoidScalar(-x[i]);
  },
  derivative(x) {
    return sigmoidOp(x.neg());
  },
});

/**
 * Log of the sigmoid, element-wise, in the stable form (never log(σ(x)), which gives −∞
 * once σ underflows).
 *
 * ```text
 * logSigmoid(x) = log σ(x) = −softplus(−x) = min(x, 0) − log1p(e^(−|x|))
 * d/dx          = σ(−x)
 * ```
 *
 * Limits: logSigmoid(−∞) = −∞ (derivative 1), logSigmoid(+∞) = 0 (derivative 0).
 *
 * @param x - input of any shape
 * @returns a tensor shaped like `x`, values ≤ 0
 *
 * @example
 * ```ts
 * logSigmoid(tensor([-800, 800], { dtype: "float64" })).toArray(); // [-800, 0]
 * ```
 */
export function logSigmoid(x: Tensor): Tensor {
  return logSigmoidOp(x);
}
