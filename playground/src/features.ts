// The input features of the TensorFlow Playground, computed from a point (x₁, x₂).
import type { FeatureName } from "./state.js";

export const FEATURE_FUNCTIONS: Record<FeatureName, (x: number, y: number) => number> = {
  x1: (x) => x,
  x2: (_x, y) => y,
  x1sq: (x) => x * x,
  x2sq: (_x, y) => y * y,
  x1x2: (x, y) => x * y,
  sinx1: (x) => Math.sin(x),
  sinx2: (_x, y) => Math.sin(y),
  cosx1: (x) => Math.cos(x),
  cosx2: (_x, y) => Math.cos(y),
};

/** Labels as the page shows them (and as the exported model's metadata lists them). */
export const FEATURE_LABELS: Record<FeatureName, string> = {
  x1: "x₁",
  x2: "x₂",
  x1sq: "x₁²",
  x2sq: "x₂²",
  x1x2: "x₁x₂",
  sinx1: "sin x₁",
  sinx2: "sin x₂",
  cosx1: "cos x₁",
  cosx2: "cos x₂",
};

/** The network input for one point: the listed features, in order. */
export function featureVector(x: number, y: number, features: readonly FeatureName[]): number[] {
  return features.map((f) => FEATURE_FUNCTIONS[f](x, y));
}

/** `[n, features]` float32 inputs for a list of points. */
export function featureMatrix(xs: ArrayLike<number>, ys: ArrayLike<number>, features: readonly FeatureName[]): Float32Array {
  const f = features.length;
  const out = new Float32Array(xs.length * f);
  for (let i = 0; i < xs.length; i++) {
    for (let k = 0; k < f; k++) out[i * f + k] = FEATURE_FUNCTIONS[features[k]](xs[i], ys[i]);
  }
  return out;
}
