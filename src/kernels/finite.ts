import type { TypedArray } from "../tensor/dtype.js";

/**
 * Whether every element is finite: one branch-free pass (x·0 is 0 for a finite x, NaN
 * otherwise), in four independent sums so the adds do not wait on each other.
 */
export function allFiniteReference(data: TypedArray): boolean {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  const n = data.length;
  const n4 = n - (n % 4);
  for (let i = 0; i < n4; i += 4) {
    a += data[i] * 0;
    b += data[i + 1] * 0;
    c += data[i + 2] * 0;
    d += data[i + 3] * 0;
  }
  for (let i = n4; i < n; i++) a += data[i] * 0;
  return a + b + c + d === 0;
}

