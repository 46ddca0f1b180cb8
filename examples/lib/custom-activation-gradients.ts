import { noGrad, tensor, type Tensor } from "../../src/index.js";

/**
 * The largest |analytic − numeric| gradient difference of `Σ w ⊙ fn(x)` (fixed pseudo-random
 * weights w) over every element of `x` and of `params`, with central differences of step `eps`.
 * `gradcheck` says pass or fail; this gives the number to print. All tensors must be float64
 * leaves; each is perturbed in place and restored.
 */
export function maxGradientError(fn: (x: Tensor) => Tensor, x: Tensor, params: readonly Tensor[], eps = 1e-6): number {
  const leaves = [x, ...params];
  const wasRequired = leaves.map((t) => t.requiresGrad);
  for (const t of leaves) {
    t.requiresGrad = true;
    t.grad = null;
  }
  const out = fn(x);
  const w = Float64Array.from({ length: out.size }, (_, i) => 2 * Math.sin(12.9898 * (i + 1)));
  out.mul(tensor(w, { shape: out.shape, dtype: "float64" })).sum().backward();
  const loss = (): number =>
    noGrad(() => {
      const y = fn(x).data;
      let s = 0;
      for (let i = 0; i < y.length; i++) s += w[i] * y[i];
      return s;
    });
  let worst = 0;
  for (const t of leaves) {
    const analytic = t.grad?.data ?? new Float64Array(t.size);
    for (let i = 0; i < t.size; i++) {
      const v = t.data[i];
      t.data[i] = v + eps;
      const up = loss();
      t.data[i] = v - eps;
      const down = loss();
      t.data[i] = v;
      worst = Math.max(worst, Math.abs(analytic[i] - (up - down) / (2 * eps)));
    }
  }
  leaves.forEach((t, k) => {
    t.grad = null;
    t.requiresGrad = wasRequired[k];
  });
  return worst;
}
