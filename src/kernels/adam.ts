import type { TypedArray } from "../tensor/dtype.js";
import { lerp } from "./optim.js";

/**
 * The update without weight decay or amsgrad, the common case, as a tight loop: the same
 * arithmetic as {@link adamGeneralReference} with no decay in the same order, so the results
 * are bit for bit identical.
 */
export function adamPlainReference(
  theta: TypedArray,
  g: TypedArray,
  m: TypedArray,
  v: TypedArray,
  beta1: number,
  beta2: number,
  stepSize: number,
  bias2Sqrt: number,
  eps: number,
): void {
  const w = 1 - beta1;
  const w2 = 1 - beta2;
  const w1 = 1 - w;
  const n = theta.length;
  // Math.fround gives exactly the value a Float32Array store and reload would, without
  // the reload; the float64 loop needs no rounding.
  if (theta instanceof Float32Array) {
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      const mi = m[i];
      const mNew = Math.fround(w < 0.5 ? mi + w * (gi - mi) : gi - (gi - mi) * w1);
      const vNew = Math.fround(v[i] * beta2 + w2 * gi * gi);
      m[i] = mNew;
      v[i] = vNew;
      theta[i] -= stepSize * (mNew / (Math.sqrt(vNew) / bias2Sqrt + eps));
    }
  } else {
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      const mi = m[i];
      const mNew = w < 0.5 ? mi + w * (gi - mi) : gi - (gi - mi) * w1;
      const vNew = v[i] * beta2 + w2 * gi * gi;
      m[i] = mNew;
      v[i] = vNew;
      theta[i] -= stepSize * (mNew / (Math.sqrt(vNew) / bias2Sqrt + eps));
    }
  }
}

/** Adam's options beyond the plain update: L2 penalty `l2` (Adam), decoupled shrink factor `shrink` = 1 − γ·λ (AdamW), amsgrad. */
export interface AdamDecay {
  readonly l2: number;
  readonly shrink: number;
  readonly amsgrad: boolean;
}

/**
 * Adam's update with every option, in place on `theta`, `m`, `v` and (amsgrad) `vMax`; every
 * array read gives its stored value (rounded to its dtype), all arithmetic in float64:
 *
 * ```text
 * θ ← θ·shrink                        (if shrink ≠ 1; stored)
 * g' = g + l2·θ                       (if l2 ≠ 0; not stored)
 * m ← lerp(m, g', 1 − β₁)             (w < 0.5 ? m + w·(g' − m) : g' − (g' − m)·(1 − w), w = 1 − β₁)
 * v ← v·β₂ + ((1 − β₂)·g')·g'
 * v̂ ← max(v̂, v)                       (amsgrad; else v̂ is v)
 * θ ← θ − stepSize · m / (√v̂ / bias2Sqrt + ε)
 * ```
 */
export function adamGeneralReference(
  theta: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, vMax: TypedArray,
  beta1: number, beta2: number, stepSize: number, bias2Sqrt: number, eps: number, { l2, shrink, amsgrad }: AdamDecay,
): void {
  const w = 1 - beta1;
  for (let i = 0; i < theta.length; i++) {
    if (shrink !== 1) theta[i] *= shrink;
    const gi = l2 !== 0 ? g[i] + l2 * theta[i] : g[i];
    m[i] = lerp(m[i], gi, w);
    v[i] = v[i] * beta2 + (1 - beta2) * gi * gi;
    if (amsgrad) vMax[i] = Math.max(vMax[i], v[i]);
    theta[i] -= stepSize * (m[i] / (Math.sqrt(vMax[i]) / bias2Sqrt + eps));
  }
}

/** Whether `d` asks for nothing beyond the plain update. */
export function isPlain(d: AdamDecay | undefined): boolean {
  return d === undefined || (d.l2 === 0 && d.shrink === 1 && !d.amsgrad);
}

/** One parameter's arrays in Adam's update (`vMax` with amsgrad). */
export interface AdamSegment {
  readonly theta: TypedArray;
  readonly g: TypedArray;
  readonly m: TypedArray;
  readonly v: TypedArray;
  readonly vMax?: TypedArray;
}

/**
 * Adam's update over every parameter of a group that shares one step count:
 * {@link adamPlainReference} without `decay` (or a plain one), else {@link adamGeneralReference}.
 */
export function adamGroupReference(
  segments: readonly AdamSegment[], beta1: number, beta2: number, stepSize: number, bias2Sqrt: number, eps: number, decay?: AdamDecay,
): void {
  for (const s of segments) {
    if (isPlain(decay)) adamPlainReference(s.theta, s.g, s.m, s.v, beta1, beta2, stepSize, bias2Sqrt, eps);
    else adamGeneralReference(s.theta, s.g, s.m, s.v, (decay?.amsgrad && s.vMax) || s.v, beta1, beta2, stepSize, bias2Sqrt, eps, decay as AdamDecay);
  }
}
