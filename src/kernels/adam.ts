import type { TypedArray } from "../tensor/dtype.js";

/**
 * The update without weight decay or amsgrad, the common case, as a tight loop: the same
 * arithmetic as `adamGeneral` in src/optim/adam.ts (and its `lerp`) in the same order, so the results
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

/** One parameter's arrays in Adam's plain update. */
export interface AdamSegment {
  readonly theta: TypedArray;
  readonly g: TypedArray;
  readonly m: TypedArray;
  readonly v: TypedArray;
}

/** {@link adamPlainReference} over every parameter of a group that shares one step count. */
export function adamGroupReference(
  segments: readonly AdamSegment[], beta1: number, beta2: number, stepSize: number, bias2Sqrt: number, eps: number,
): void {
  for (const s of segments) adamPlainReference(s.theta, s.g, s.m, s.v, beta1, beta2, stepSize, bias2Sqrt, eps);
}
