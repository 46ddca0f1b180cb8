/**
 * Scalar float64 building blocks shared by the activation kernels. Each is written in the
 * stable form of ACTIVATIONS.md §0/§1 and documented with the case it guards against.
 * Internal: kernels call these inside their array loops.
 */

/**
 * Logistic sigmoid σ(z) = 1/(1 + e⁻ᶻ), two branches so `exp` never overflows and σ(z)
 * keeps full relative accuracy for z ≪ 0 (down to the subnormal range). NaN → NaN.
 */
export function sigmoidScalar(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** softplus(z) = log(1 + eᶻ) = max(z, 0) + log1p(e^(−|z|)): exact, never overflows. */
export function softplusScalar(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

/** sech²(z) = 1/cosh²(z), without the cancellation of 1 − tanh²(z) for large |z|. */
export function sech2(z: number): number {
  const r = 1 / Math.cosh(z);
  return r * r;
}

/** a·b, except that an exact 0 factor gives 0 even against ±∞ (the limit, not NaN). */
export function mul0(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : a * b;
}

const SPLITTER = 134217729; // 2^27 + 1, Veltkamp's constant for float64

/**
 * Error-free product: returns the rounding error `e` of `p = a·b`, so that a·b = p + e
 * exactly (Dekker's TwoProduct, without FMA). Valid while |a|,|b| < 2^995 or so.
 */
export function productError(a: number, b: number, p: number): number {
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return al * bl - (((p - ah * bh) - al * bh) - ah * bl);
}

/**
 * Swish value and derivatives for one element, shared by `silu` and `swish` so that
 * `swish` with β = 1 equals `silu` bit for bit.
 *
 * ```text
 * f      = x·σ(βx)
 * ∂f/∂x  = σ(βx) + βx·σ(βx)·σ(−βx)
 * ∂f/∂β  = x²·σ(βx)·σ(−βx)
 * ```
 * Limits replace 0·∞ at infinite βx (f → 0 or x, ∂f/∂x → 0 or 1, ∂f/∂β → 0).
 */
export function swishValue(x: number, beta: number): number {
  let bx = beta * x;
  if (Number.isNaN(bx) && !Number.isNaN(x) && !Number.isNaN(beta)) bx = 0; // β = 0, x = ±∞
  const s = sigmoidScalar(bx);
  return s === 0 ? (x < 0 ? -0 : 0) : x * s;
}

/** ∂/∂x of {@link swishValue}. */
export function swishDx(x: number, beta: number): number {
  let bx = beta * x;
  if (Number.isNaN(bx) && !Number.isNaN(x) && !Number.isNaN(beta)) bx = 0;
  const s = sigmoidScalar(bx);
  const ssm = s * sigmoidScalar(-bx);
  return ssm === 0 ? s : s + bx * ssm;
}

/** ∂/∂β of {@link swishValue}. */
export function swishDbeta(x: number, beta: number): number {
  const bx = beta * x;
  const ssm = sigmoidScalar(bx) * sigmoidScalar(-bx);
  if (Number.isNaN(x) || Number.isNaN(beta)) return NaN;
  return ssm === 0 ? 0 : x * x * ssm;
}
