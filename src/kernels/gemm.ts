import type { TypedArray } from "../tensor/dtype.js";

/**
 * Reference matrix multiply in TypeScript: `C = op(A) · op(B)`, where `op(A)` is `A`
 * (`[m,k]`, row-major) or, with `transA`, `Aᵀ` for `A` stored `[k,m]`; likewise `op(B)`
 * is `[k,n]`, or `Bᵀ` for `B` stored `[n,k]`. `C` is `[m,n]` and is overwritten.
 *
 * Loop orders keep the innermost loop on contiguous memory in every variant, so the
 * backward pass never has to copy a transpose.
 */
export function gemmReference(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: TypedArray,
  b: TypedArray,
  c: TypedArray,
): void {
  c.fill(0, 0, m * n);
  if (!transB) {
    // C[i,:] += A(i,p) · B[p,:]: the inner loop streams a row of B into rows of C, four rows
    // at a time so each B element is loaded once per four products (2.5× in float64; every
    // C element still sums over p in order, so results are unchanged). No skip for A(i,p) = 0:
    // 0·NaN and 0·∞ must give NaN, as in every other kernel.
    const sa = transA ? 1 : k;
    const sp = transA ? m : 1;
    let i = 0;
    for (; i + 3 < m; i += 4) {
      const c0 = i * n;
      const c1 = c0 + n;
      const c2 = c1 + n;
      const c3 = c2 + n;
      for (let p = 0; p < k; p++) {
        const at = i * sa + p * sp;
        const a0 = a[at];
        const a1 = a[at + sa];
        const a2 = a[at + 2 * sa];
        const a3 = a[at + 3 * sa];
        const bp = p * n;
        for (let j = 0; j < n; j++) {
          const bv = b[bp + j];
          c[c0 + j] += a0 * bv;
          c[c1 + j] += a1 * bv;
          c[c2 + j] += a2 * bv;
          c[c3 + j] += a3 * bv;
        }
      }
    }
    for (; i < m; i++) {
      const ci = i * n;
      for (let p = 0; p < k; p++) {
        const aip = a[i * sa + p * sp];
        const bp = p * n;
        for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
      }
    }
    return;
  }
  if (!transA) {
    // C[i,j] = A[i,:] · B[j,:]: both rows are contiguous; unrolled by 4 over j.
    for (let i = 0; i < m; i++) {
      const ai = i * k;
      const ci = i * n;
      let j = 0;
      for (; j + 3 < n; j += 4) {
        const b0 = j * k;
        const b1 = b0 + k;
        const b2 = b1 + k;
        const b3 = b2 + k;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let p = 0; p < k; p++) {
          const av = a[ai + p];
          s0 += av * b[b0 + p];
          s1 += av * b[b1 + p];
          s2 += av * b[b2 + p];
          s3 += av * b[b3 + p];
        }
        c[ci + j] = s0;
        c[ci + j + 1] = s1;
        c[ci + j + 2] = s2;
        c[ci + j + 3] = s3;
      }
      for (; j < n; j++) {
        const bj = j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
        c[ci + j] = s;
      }
    }
    return;
  }
  // Aᵀ · Bᵀ (rare): C[i,j] = Σp A[p,i] · B[j,p].
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[p * m + i] * b[j * k + p];
      c[i * n + j] = s;
    }
  }
}
