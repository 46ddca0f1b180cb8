// Load the Tensor class before the op machinery, so this file also works as a standalone
// entry point (the engine's tensor ↔ ops import cycle otherwise starts in the middle).
import "../tensor/tensor.js";
import { defineUnaryOp } from "../autograd/define-op.js";
import { sigmoid } from "./basic.js";
import type { Tensor } from "../tensor/tensor.js";
import { erfc } from "./erf.js";
import { checkOptionKeys, choiceOption } from "../util/options.js";
import { productError, sigmoidScalar } from "./scalar.js";

/** 1/√2 − Math.SQRT1_2: the rounding error of the constant, so x/√2 can be carried to ~2⁻¹⁰⁶. */
const SQRT1_2_LO = -4.833646656726457e-17;
const TWO_OVER_SQRT_PI = 1.1283791670955126;
const INV_SQRT_2PI = 0.3989422804014327;
/** √(2/π), PyTorch's `kBeta` for the tanh form. */
const SQRT_2_OVER_PI = 0.7978845608028654;
/** PyTorch's `kKappa`. */
const KAPPA = 0.044715;

/**
 * Φ(x) = ½·erfc(−x/√2) and φ(x) = e^(−x²/2)/√(2π) for |x| ≤ 40. The argument −x/√2 is
 * carried as a double-double and x² exactly, because in the left tail the relative
 * condition number of Φ grows like x²: one rounding of x/√2 alone would cost ~x²·2⁻⁵³.
 */
function normalCdfPdf(x: number, out: Float64Array): void {
  const u = -x * Math.SQRT1_2;
  const uLo = productError(-x, Math.SQRT1_2, u) - x * SQRT1_2_LO;
  const uu = u * u;
  // erfc(u + uLo) ≈ erfc(u) − uLo·(2/√π)·e^(−u²), first order in uLo/u ≈ 1e−16.
  out[0] = 0.5 * (erfc(u) - uLo * TWO_OVER_SQRT_PI * Math.exp(-uu));
  const xx = x * x;
  const xxLo = productError(x, x, xx);
  out[1] = Math.exp(-0.5 * xx) * (1 - 0.5 * xxLo) * INV_SQRT_2PI;
}

const geluErfOp = defineUnaryOp({
  name: "gelu",
  forward(x, y) {
    const cp = new Float64Array(2);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      // Beyond |x| = 40, Φ is exactly 0 or 1 in float64; this also keeps ±∞ away from ∞·0.
      if (v > 40) y[i] = v;
      else if (v < -40) y[i] = -0;
      else {
        normalCdfPdf(v, cp);
        y[i] = v * cp[0];
      }
    }
  },
  backward(x, _y, gy, gx) {
    const cp = new Float64Array(2);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      let d: number;
      if (v > 40) d = 1;
      else if (v < -40) d = 0;
      else {
        normalCdfPdf(v, cp);
        d = cp[0] + v * cp[1];
      }
      gx[i] = gy[i] * d;
    }
  },
  derivative(x) {
    // Φ(x) + x·φ(x)
    return normalCdfOp(x).add(x.mul(normalPdf(x)));
  },
});

/** φ(x) = e^(−x²/2) / √(2π), as tensor ops. */
function normalPdf(x: Tensor): Tensor {
  return x.mul(x).mul(-0.5).exp().mul(INV_SQRT_2PI);
}

/** Φ(x), the standard normal CDF, as a differentiable op (Φ′ = φ); used by GELU's derivative. */
const normalCdfOp = defineUnaryOp({
  name: "normalCdf",
  forward(x, y) {
    const cp = new Float64Array(2);
    for (let i = 0; i < x.length; i++) {
      normalCdfPdf(x[i], cp);
      y[i] = cp[0];
    }
  },
  backward(x, _y, gy, gx) {
    const cp = new Float64Array(2);
    for (let i = 0; i < x.length; i++) {
      normalCdfPdf(x[i], cp);
      gx[i] = gy[i] * cp[1];
    }
  },
  derivative(x) {
    return normalPdf(x);
  },
});

/** 2u = 2·√(2/π)·(x + κx³) of the tanh form, so that ½(1 + tanh u) = σ(2u). */
function twiceU(x: number): number {
  return 2 * SQRT_2_OVER_PI * (x + KAPPA * x * x * x);
}

const geluTanhOp = defineUnaryOp({
  name: "geluTanh",
  forward(x, y) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      // For |x| ≥ 100, σ(2u) is exactly 0 or 1; also keeps ±∞ (x³ = ∞) away from ∞·0.
      if (v >= 100) y[i] = v;
      else if (v <= -100) y[i] = -0;
      else y[i] = v * sigmoidScalar(twiceU(v));
    }
  },
  backward(x, _y, gy, gx) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      let d: number;
      if (v >= 100) d = 1;
      else if (v <= -100) d = 0;
      else {
        const t = twiceU(v);
        const s = sigmoidScalar(t);
        d = s + 2 * v * s * sigmoidScalar(-t) * SQRT_2_OVER_PI * (1 + 3 * KAPPA * v * v);
      }
      gx[i] = gy[i] * d;
    }
  },
  derivative(x) {
    // s + 2x·s·σ(−t)·√(2/π)·(1 + 3κx²),  t = 2√(2/π)(x + κx³), s = σ(t)
    const t = x.add(x.pow(3).mul(KAPPA)).mul(2 * SQRT_2_OVER_PI);
    const s = sigmoid(t);
    const du = x.mul(x).mul(3 * KAPPA).add(1).mul(2 * SQRT_2_OVER_PI);
    return s.add(x.mul(s).mul(sigmoid(t.neg())).mul(du));
  },
});

/** Which GELU: the exact erf form (`"none"`, PyTorch's default) or the tanh approximation. */
export type GeluApproximation = "none" | "tanh";

/** Options of {@link gelu}. */
export interface GeluOptions {
  /** `"none"` (default, exact, as PyTorch) or `"tanh"`. */
  approximate?: GeluApproximation;
}

/**
 * Gaussian error linear unit, element-wise (Hendrycks & Gimpel 2016), exact by default.
 * Each form has its own exact derivative (never mix one form's forward with the other's
 * backward: they differ by up to 8.7e−4).
 *
 * ```text
 * approximate "none":  gelu(x) = x·Φ(x) = ½·x·erfc(−x/√2)
 *                      d/dx    = Φ(x) + x·φ(x),   φ(x) = e^(−x²/2)/√(2π)
 * approximate "tanh":  u = √(2/π)·(x + 0.044715·x³)
 *                      gelu(x) = ½·x·(1 + tanh u) = x·σ(2u)
 *                      d/dx    = σ(2u) + 2x·σ(2u)·σ(−2u)·√(2/π)·(1 + 3·0.044715·x²)
 * ```
 *
 * The erfc form keeps full relative accuracy in the left tail (gelu(−20) ≈ −5.5e−88, where
 * ½x(1 + erf(x/√2)) gives −0). Smooth, so no kink; gelu(±∞) = (+∞, −0), d/dx = (1, 0).
 *
 * @param x - input of any shape
 * @param options - `approximate`: `"none"` (default) or `"tanh"`
 * @returns a tensor shaped like `x`
 * @throws Error when `approximate` is not `"none"` or `"tanh"`, or an option is unknown
 *
 * @example
 * ```ts
 * gelu(tensor([1], { dtype: "float64" })).toArray(); // [0.841344746068543]
 * ```
 */
export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  checkOptionKeys("gelu", options, ["approximate"]);
  const approximate = choiceOption("gelu", "approximate", options.approximate ?? "none", ["none", "tanh"] as const);
  return approximate === "none" ? geluErfOp(x) : geluTanhOp(x);
}
