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
    // C[i,:] += A(i,p) · B[p,:]: the inner loop streams a row of B and a row of C.
    for (let i = 0; i < m; i++) {
      const ci = i * n;
      for (let p = 0; p < k; p++) {
        // No skip for aip = 0: 0·NaN and 0·∞ must give NaN, as in every other kernel.
        const aip = transA ? a[p * m + i] : a[i * k + p];
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
