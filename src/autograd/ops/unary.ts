import type { Tensor } from "../../tensor/tensor.js";
import { defineUnaryOp } from "../define-op.js";

/**
 * Negation, element-wise.
 *
 * ```text
 * neg(x) = −x,   d/dx = −1
 * ```
 */
export const neg = defineUnaryOp({
  name: "neg",
  forward(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = -x[i];
  },
  backward(_x, _y, gy, gx) {
    for (let i = 0; i < gy.length; i++) gx[i] = -gy[i];
  },
  derivative() {
    return -1;
  },
});

/**
 * Natural exponential, element-wise.
 *
 * ```text
 * exp(x) = eˣ,   d/dx = eˣ (taken from the saved output)
 * ```
 */
export const exp = defineUnaryOp({
  name: "exp",
  forward(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = Math.exp(x[i]);
  },
  backward(_x, y, gy, gx) {
    for (let i = 0; i < gy.length; i++) gx[i] = gy[i] * y[i];
  },
  derivative(_x, y) {
    return y;
  },
});

/**
 * Natural logarithm, element-wise. `log(0) = −∞`, `log(x < 0) = NaN`.
 *
 * ```text
 * log(x),   d/dx = 1/x
 * ```
 */
export const log = defineUnaryOp({
  name: "log",
  forward(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = Math.log(x[i]);
  },
  backward(x, _y, gy, gx) {
    for (let i = 0; i < gy.length; i++) gx[i] = gy[i] / x[i];
  },
  derivative(x) {
    return x.pow(-1);
  },
});

/**
 * Square root, element-wise. `sqrt(x < 0) = NaN`; the derivative at 0 is +∞.
 *
 * ```text
 * sqrt(x) = √x,   d/dx = 1 / (2√x)
 * ```
 */
export const sqrt = defineUnaryOp({
  name: "sqrt",
  forward(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = Math.sqrt(x[i]);
  },
  backward(_x, y, gy, gx) {
    for (let i = 0; i < gy.length; i++) gx[i] = gy[i] / (2 * y[i]);
  },
  derivative(_x, y) {
    return y.mul(2).pow(-1);
  },
});

/**
 * Absolute value, element-wise.
 *
 * ```text
 * abs(x) = |x|,   d/dx = sign(x), 0 at x = 0 (as PyTorch)
 * ```
 */
export const abs = defineUnaryOp({
  name: "abs",
  forward(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = Math.abs(x[i]);
  },
  backward(x, _y, gy, gx) {
    for (let i = 0; i < gy.length; i++) {
      const xi = x[i];
      gx[i] = xi > 0 ? gy[i] : xi < 0 ? -gy[i] : xi === 0 ? 0 : NaN;
    }
  },
  derivative(x) {
    // sign(x): a constant, so the second derivative is 0 (as PyTorch).
    return x.gt(0).sub(x.lt(0));
  },
});

const powOp = defineUnaryOp<number>({
  name: "pow",
  forward(x, y, p) {
    if (p === 2) for (let i = 0; i < x.length; i++) y[i] = x[i] * x[i];
    else for (let i = 0; i < x.length; i++) y[i] = Math.pow(x[i], p);
  },
  backward(x, _y, gy, gx, p) {
    if (p === 0) gx.fill(0);
    else if (p === 2) for (let i = 0; i < gy.length; i++) gx[i] = 2 * x[i] * gy[i];
    else for (let i = 0; i < gy.length; i++) gx[i] = gy[i] * p * Math.pow(x[i], p - 1);
  },
  derivative(x, _y, p) {
    return p === 0 ? 0 : p === 1 ? 1 : x.pow(p - 1).mul(p);
  },
});

/**
 * Power with a scalar exponent, element-wise.
 *
 * ```text
 * pow(x, p) = xᵖ,   d/dx = p · xᵖ⁻¹ (0 everywhere when p = 0)
 * ```
 *
 * @param exponent - a finite number
 * @throws Error when `exponent` is not a finite number
 */
export function pow(x: Tensor, exponent: number): Tensor {
  if (typeof exponent !== "number" || !Number.isFinite(exponent)) {
    throw new Error(`pow: exponent must be a finite number, got ${String(exponent)}`);
  }
  return powOp(x, exponent);
}

interface ClampParams {
  readonly min: number;
  readonly max: number;
}

const clampOp = defineUnaryOp<ClampParams>({
  name: "clamp",
  forward(x, y, { min, max }) {
    for (let i = 0; i < x.length; i++) {
      const xi = x[i];
      y[i] = xi < min ? min : xi > max ? max : xi;
    }
  },
  backward(x, _y, gy, gx, { min, max }) {
    for (let i = 0; i < gy.length; i++) {
      const xi = x[i];
      gx[i] = xi >= min && xi <= max ? gy[i] : 0;
    }
  },
  derivative(x, _y, { min, max }) {
    return x.ge(min).mul(x.le(max));
  },
});

/**
 * Clamps every element into `[min, max]`; NaN stays NaN.
 *
 * ```text
 * clamp(x) = min(max(x, lo), hi),   d/dx = 1 for lo ≤ x ≤ hi (bounds included, as PyTorch), else 0 (also at NaN)
 * ```
 *
 * @param min - lower bound; default −∞
 * @param max - upper bound; default +∞
 * @throws Error when a bound is NaN or `min > max`
 */
export function clamp(x: Tensor, min = -Infinity, max = Infinity): Tensor {
  if (Number.isNaN(min) || Number.isNaN(max) || typeof min !== "number" || typeof max !== "number") {
    throw new Error(`clamp: bounds must be numbers, got min=${String(min)}, max=${String(max)}`);
  }
  if (min > max) throw new Error(`clamp: min (${min}) is greater than max (${max})`);
  return clampOp(x, { min, max });
}

/**
 * Sine, element-wise (radians). `sin(±∞) = NaN`.
 *
 * ```text
 * sin(x),   d/dx = cos(x)
 * ```
 */
export const sin = defineUnaryOp({
  name: "sin",
  forward(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = Math.sin(x[i]);
  },
  backward(x, _y, gy, gx) {
    for (let i = 0; i < gy.length; i++) gx[i] = gy[i] * Math.cos(x[i]);
  },
  derivative(x): Tensor {
    return cos(x);
  },
});

/**
 * Cosine, element-wise (radians). `cos(±∞) = NaN`.
 *
 * ```text
 * cos(x),   d/dx = −sin(x)
 * ```
 */
export const cos = defineUnaryOp({
  name: "cos",
  forward(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = Math.cos(x[i]);
  },
  backward(x, _y, gy, gx) {
    for (let i = 0; i < gy.length; i++) gx[i] = -gy[i] * Math.sin(x[i]);
  },
  derivative(x): Tensor {
    return neg(sin(x));
  },
});

/**
 * Square, element-wise (PyTorch's `torch.square`; the same values as `pow(x, 2)`).
 *
 * ```text
 * square(x) = x²,   d/dx = 2x
 * ```
 */
export const square = defineUnaryOp({
  name: "square",
  forward(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = x[i] * x[i];
  },
  backward(x, _y, gy, gx) {
    for (let i = 0; i < gy.length; i++) gx[i] = 2 * x[i] * gy[i];
  },
  derivative(x) {
    return x.mul(2);
  },
});

/**
 * log(1 + x), element-wise, accurate for tiny |x| (where `log(1 + x)` loses every digit
 * once 1 + x rounds). `log1p(−1) = −∞`, `log1p(x < −1) = NaN`.
 *
 * ```text
 * log1p(x) = log(1 + x),   d/dx = 1 / (1 + x)
 * ```
 */
export const log1p = defineUnaryOp({
  name: "log1p",
  forward(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = Math.log1p(x[i]);
  },
  backward(x, _y, gy, gx) {
    for (let i = 0; i < gy.length; i++) gx[i] = gy[i] / (1 + x[i]);
  },
  derivative(x) {
    return x.add(1).pow(-1);
  },
});

/**
 * eˣ − 1, element-wise, accurate for tiny |x| (where `exp(x) − 1` cancels).
 * `expm1(−∞) = −1`, `expm1(+∞) = +∞`.
 *
 * ```text
 * expm1(x) = eˣ − 1,   d/dx = eˣ
 * ```
 */
export const expm1 = defineUnaryOp({
  name: "expm1",
  forward(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = Math.expm1(x[i]);
  },
  backward(x, _y, gy, gx) {
    for (let i = 0; i < gy.length; i++) gx[i] = gy[i] * Math.exp(x[i]);
  },
  derivative(x) {
    return exp(x);
  },
});
