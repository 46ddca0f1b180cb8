/**
 * Cholesky factorisation of a symmetric positive-definite `n × n` matrix, in place: the lower
 * triangle of `a` becomes L with `A = L·Lᵀ` (the strict upper triangle is left as is).
 *
 * @returns `true` on success, `false` when a pivot is not positive (A is not positive definite
 * to working precision)
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let p = 0; p < j; p++) d -= a[j * n + p] * a[j * n + p];
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let p = 0; p < j; p++) s -= a[i * n + p] * a[j * n + p];
      a[i * n + j] = s / ljj;
    }
  }
  return true;
}

/** Solves `L·Lᵀ·X = B` in place for `B` `[n, nrhs]`, given the factor from {@link choleskyInPlace}. */
export function choleskySolveInPlace(l: Float64Array, n: number, b: Float64Array, nrhs: number): void {
  for (let c = 0; c < nrhs; c++) {
    for (let i = 0; i < n; i++) {
      let s = b[i * nrhs + c];
      for (let p = 0; p < i; p++) s -= l[i * n + p] * b[p * nrhs + c];
      b[i * nrhs + c] = s / l[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = b[i * nrhs + c];
      for (let p = i + 1; p < n; p++) s -= l[p * n + i] * b[p * nrhs + c];
      b[i * nrhs + c] = s / l[i * n + i];
    }
  }
}

/**
 * Dense linear least squares in float64 with a tiny ridge, for many right-hand sides at once.
 *
 * ```text
 * X = argmin_X ‖A·X − B‖² + λ‖X‖²        A [m, n], B [m, nrhs], X [n, nrhs]
 * m ≥ n:  (AᵀA + λI)·X = AᵀB             (normal equations, Cholesky)
 * m < n:  X = Aᵀ·Z,  (AAᵀ + λI)·Z = B    (the same solution; tends to the minimum-norm one)
 * λ = ridge · trace(AᵀA) / n             (λ = ridge when A = 0)
 * ```
 *
 * The ridge makes rank-deficient problems (a basis no sample touches) well posed: such
 * coefficients come out 0, as in a minimum-norm solution. The normal equations square the
 * condition number; B-spline design matrices are well conditioned, which is what this serves.
 *
 * @param a - A, row-major `[m, n]`
 * @param b - B, row-major `[m, nrhs]`
 * @param ridge - relative ridge. Default 1e-10.
 * @returns X, row-major `[n, nrhs]`
 * @throws Error naming the sizes when the arrays are too short, or when the factorisation fails
 */
export function lstsq(a: Float64Array, m: number, n: number, b: Float64Array, nrhs: number, ridge = 1e-10): Float64Array {
  if (a.length < m * n || b.length < m * nrhs) {
    throw new Error(`lstsq: A needs ${m}×${n} = ${m * n} values (got ${a.length}), B needs ${m}×${nrhs} = ${m * nrhs} (got ${b.length})`);
  }
  if (!(ridge >= 0)) throw new Error(`lstsq: ridge must be ≥ 0, got ${ridge}`);
  const tall = m >= n;
  const size = tall ? n : m;
  // Gram matrix: AᵀA (n × n) when tall, AAᵀ (m × m) when wide.
  const g = new Float64Array(size * size);
  let trace = 0;
  if (tall) {
    for (let r = 0; r < m; r++) {
      const row = r * n;
      for (let i = 0; i < n; i++) {
        const ai = a[row + i];
        if (ai === 0) continue;
        for (let j = 0; j <= i; j++) g[i * n + j] += ai * a[row + j];
      }
    }
  } else {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let p = 0; p < n; p++) s += a[i * n + p] * a[j * n + p];
        g[i * m + j] = s;
      }
    }
  }
  for (let i = 0; i < size; i++) trace += g[i * size + i];
  const lambda = trace > 0 ? (ridge * trace) / size : ridge;
  for (let i = 0; i < size; i++) {
    g[i * size + i] += lambda;
    for (let j = 0; j < i; j++) g[j * size + i] = g[i * size + j];
  }
  if (!choleskyInPlace(g, size)) {
    throw new Error(`lstsq: the ${size}×${size} normal matrix is not positive definite (ridge ${ridge} too small for this problem)`);
  }
  if (tall) {
    const x = new Float64Array(n * nrhs);
    for (let r = 0; r < m; r++) {
      for (let i = 0; i < n; i++) {
        const ai = a[r * n + i];
        if (ai === 0) continue;
        for (let c = 0; c < nrhs; c++) x[i * nrhs + c] += ai * b[r * nrhs + c];
      }
    }
    choleskySolveInPlace(g, n, x, nrhs);
    return x;
  }
  const z = b.slice(0, m * nrhs);
  choleskySolveInPlace(g, m, z, nrhs);
  const x = new Float64Array(n * nrhs);
  for (let r = 0; r < m; r++) {
    for (let i = 0; i < n; i++) {
      const ai = a[r * n + i];
      if (ai === 0) continue;
      for (let c = 0; c < nrhs; c++) x[i * nrhs + c] += ai * z[r * nrhs + c];
    }
  }
  return x;
}
