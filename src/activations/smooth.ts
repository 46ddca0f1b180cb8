// Load the Tensor class before the op machinery, so this file also works as a standalone
// entry point (the engine's tensor ↔ ops import cycle otherwise starts in the middle).
import "../tensor/tensor.js";
import { defineUnaryOp } from "../autograd/define-op.js";
import { where } from "../autograd/ops/compare.js";
import { sigmoid, tanh } from "./basic.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkOptionKeys, positiveOption } from "../util/options.js";
import { sech2, sigmoidScalar, softplusScalar, swishDx, swishValue } from "./scalar.js";

const siluOp = defineUnaryOp({
  name: "silu",
  forward(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = swishValue(x[i], 1);
  },
  backward(x, _y, gy, gx) {
    for (let i = 0; i < x.length; i++) gx[i] = gy[i] * swishDx(x[i], 1);
  },
  derivative(x) {
    // σ(x) + x·σ(x)·σ(−x)
    const s = sigmoid(x);
    return s.mul(x.mul(sigmoid(x.neg())).add(1));
  },
});

/**
 * Sigmoid linear unit (SiLU, Swish-1), element-wise (Elfwing et al. 2017; Ramachandran
 * et al. 2017). Equal bit for bit to {@link swish} with β = 1.
 *
 * ```text
 * silu(x) = x·σ(x)
 * d/dx    = σ(x) + x·σ(x)·σ(−x) = σ(x)·(1 + x·σ(−x))
 * ```
 *
 * Minimum at x = −1.2784645427610738, f = −0.2784645427610738. silu(±∞) = (+∞, −0),
 * d/dx = (1, 0).
 *
 * @param x - input of any shape
 * @returns a tensor shaped like `x`
 *
 * @example
 * ```ts
 * silu(tensor([0, 1], { dtype: "float64" })).toArray(); // [0, 0.7310585786300049]
 * ```
 */
export function silu(x: Tensor): Tensor {
  return siluOp(x);
}

const softplusOp = defineUnaryOp<{ beta: number; threshold: number }>({
  name: "softplus",
  forward(x, y, { beta, threshold }) {
    for (let i = 0; i < x.length; i++) {
      const bx = beta * x[i];
      y[i] = bx > threshold ? x[i] : softplusScalar(bx) / beta;
    }
  },
  backward(x, _y, gy, gx, { beta, threshold }) {
    for (let i = 0; i < x.length; i++) {
      const bx = beta * x[i];
      gx[i] = bx > threshold ? gy[i] : gy[i] * sigmoidScalar(bx);
    }
  },
  derivative(x, _y, { beta, threshold }) {
    const bx = x.mul(beta);
    return where(bx.gt(threshold), 1, sigmoid(bx));
  },
});

/** Options of {@link softplus}. */
export interface SoftplusOptions {
  /** Sharpness β > 0. Default 1, as PyTorch. */
  beta?: number;
  /**
   * Where to switch to the identity: `null` (default) never does, so the result is the
   * exact, stable softplus everywhere; `20` reproduces PyTorch's `nn.Softplus` (x when
   * β·x > 20, leaving a jump of log1p(e⁻²⁰)/β ≈ 2.06e−9 there).
   */
  threshold?: number | null;
}

/**
 * Softplus, element-wise, in the exact stable form by default (ACTIVATIONS.md decision).
 *
 * ```text
 * softplus(x) = (1/β)·log(1 + e^(βx)) = (1/β)·(max(βx, 0) + log1p(e^(−|βx|)))
 * d/dx        = σ(βx)
 * with threshold t:  softplus(x) = x and d/dx = 1 where βx > t (PyTorch, strict >)
 * ```
 *
 * Never overflows: softplus(±800) = (800, 0) in float32 too. Smooth, no kink.
 *
 * @param x - input of any shape
 * @param options - `beta` (default 1), `threshold` (default `null`: exact; `20` for PyTorch parity)
 * @returns a tensor shaped like `x`, values ≥ 0
 * @throws Error when `beta` is not a finite number > 0, `threshold` is not a finite
 * number or null, or an option is unknown
 *
 * @example
 * ```ts
 * softplus(tensor([0], { dtype: "float64" })).toArray(); // [0.6931471805599453]
 * ```
 */
export function softplus(x: Tensor, options: SoftplusOptions = {}): Tensor {
  const { beta, threshold } = softplusOptions(options);
  return softplusOp(x, { beta, threshold });
}

/**
 * Validates softplus options and fills defaults (`threshold: null` becomes +∞).
 *
 * @throws Error as {@link softplus}
 */
export function softplusOptions(options: SoftplusOptions): { beta: number; threshold: number } {
  checkOptionKeys("softplus", options, ["beta", "threshold"]);
  const beta = positiveOption("softplus", "beta", options.beta ?? 1);
  const t = options.threshold ?? null;
  if (t !== null && (typeof t !== "number" || !Number.isFinite(t))) {
    throw new Error(`softplus: threshold must be a finite number or null, got ${String(t)}`);
  }
  return { beta, threshold: t ?? Infinity };
}

const mishOp = defineUnaryOp({
  name: "mish",
  forward(x, y) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      // ±∞ would give ∞·0 in x·tanh(sp); the limits are x and −0.
      y[i] = v === Infinity ? v : v === -Infinity ? -0 : v * Math.tanh(softplusScalar(v));
    }
  },
  backward(x, _y, gy, gx) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      let d: number;
      if (v === Infinity) d = 1;
      else if (v === -Infinity) d = 0;
      else {
        const sp = softplusScalar(v);
        d = Math.tanh(sp) + v * sigmoidScalar(v) * sech2(sp);
      }
      gx[i] = gy[i] * d;
    }
  },
  derivative(x) {
    // tanh(sp) + x·σ(x)·sech²(sp), sp = softplus(x), sech²(u) = 4·σ(2u)·σ(−2u)
    const sp = softplusOp(x, { beta: 1, threshold: Infinity });
    const sp2 = sp.mul(2);
    const sech2sp = sigmoid(sp2).mul(sigmoid(sp2.neg())).mul(4);
    return tanh(sp).add(x.mul(sigmoid(x)).mul(sech2sp));
  },
});

/**
 * Mish, element-wise (Misra 2019), with the stable softplus inside.
 *
 * ```text
 * mish(x) = x·tanh(softplus(x))
 * d/dx    = tanh(sp) + x·σ(x)·sech²(sp),   sp = softplus(x)
 * ```
 *
 * mish'(0) = 0.6; minimum at x = −1.1924312145154952, f = −0.30884341301725041.
 * mish(±∞) = (+∞, −0) with derivative (1, 0); no NaN for any finite input.
 *
 * @param x - input of any shape
 * @returns a tensor shaped like `x`
 *
 * @example
 * ```ts
 * mish(tensor([0, 20], { dtype: "float64" })).toArray(); // [0, 20]
 * ```
 */
export function mish(x: Tensor): Tensor {
  return mishOp(x);
}
