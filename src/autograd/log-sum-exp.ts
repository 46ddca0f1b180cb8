/**
 * The shift-invariant form of log Σ exp, shared by the softmax family and cross-entropy.
 * With m = x_k the (first) maximum of a slice and t = Σ_{j≠k} exp(x_j − m):
 *
 * ```text
 * log Σ_j exp(x_j) = m + log1p(t)
 * logSoftmax(x)_i  = (x_i − m) − log1p(t)       x_i − m is exact for the dominant class (0)
 * softmax(x)_k     = 1 / (1 + t)                 and 1 − softmax(x)_k = t / (1 + t) = q
 * ```
 *
 * Summing t without the dominant term keeps its digits (1 + t would round them away), and
 * `x_i − m` never adds m back, so a common offset of 1e8 changes nothing, and the dominant
 * class's log-probability, probability and gradient `p − 1 = −q` keep full relative
 * accuracy however close p is to 1. PyTorch 1.13 computes `x − (m + log Σ exp(x − m))`, which
 * loses them (CE([30, 0, 0], 0) 1e-3 off, CE([1e5 + 30, 1e5, 1e5], 0) = 0).
 */
export interface SliceLse {
  /** Index of the first maximum along the slice (0…len−1), or of the first NaN. */
  k: number;
  /** The maximum m (NaN when the slice holds one). */
  m: number;
  /** log1p(t): log Σ exp(x_j − m). */
  l: number;
  /** q = t / (1 + t) = 1 − softmax_k. */
  q: number;
}

/**
 * {@link SliceLse} of the slice `x[base + i·stride]`, i < len, in double precision.
 * A slice of all −∞ (or holding +∞ and NaN-producing differences) gives NaN, as the maths
 * (0/0) does; a NaN anywhere makes everything NaN.
 */
export function sliceLse(x: ArrayLike<number>, base: number, len: number, stride: number, out: SliceLse): void {
  let k = 0;
  let m = x[base];
  if (!Number.isNaN(m)) {
    for (let i = 1; i < len; i++) {
      const v = x[base + i * stride];
      if (Number.isNaN(v)) {
        k = i;
        m = v;
        break;
      }
      if (v > m) {
        m = v;
        k = i;
      }
    }
  }
  let t = 0;
  for (let i = 0; i < k; i++) t += Math.exp(x[base + i * stride] - m);
  for (let i = k + 1; i < len; i++) t += Math.exp(x[base + i * stride] - m);
  // −∞ − (−∞) and ∞ − ∞ are NaN: poison the slice, as the maths is undefined there.
  if (m === Infinity || m === -Infinity) t = NaN;
  out.k = k;
  out.m = m;
  out.l = Math.log1p(t);
  out.q = t / (1 + t);
}
