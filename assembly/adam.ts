// Adam's update without weight decay or amsgrad, on f32 arrays, computed in f64 with
// f64x2 SIMD: the same operations in the same order as `adamPlainReference` in src/kernels/adam.ts
// (every one correctly rounded in both), so the results are bit for bit identical.
//
//   m ← lerp(m, g, 1 − β₁)       rounded to f32
//   v ← v·β₂ + (1 − β₂)·g·g      rounded to f32
//   θ ← θ − stepSize · m / (√v / bias2Sqrt + ε)

/**
 * One Adam step over `n` elements of `theta`, `g`, `m`, `v` (byte addresses, f32).
 * `fromStart` selects the lerp form `m + w·(g − m)` (w < 0.5) over `g − (g − m)·w1`.
 */
export function adamStep(
  n: i32, theta: usize, g: usize, m: usize, v: usize,
  w: f64, w1: f64, fromStart: bool, beta2: f64, w2: f64, stepSize: f64, bias2Sqrt: f64, eps: f64,
): void {
  const W = f64x2.splat(w);
  const W1 = f64x2.splat(w1);
  const B2 = f64x2.splat(beta2);
  const W2 = f64x2.splat(w2);
  const S = f64x2.splat(stepSize);
  const BS = f64x2.splat(bias2Sqrt);
  const E = f64x2.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i * 4;
    const g4 = v128.load(g + off);
    const m4 = v128.load(m + off);
    const v4 = v128.load(v + off);
    const t4 = v128.load(theta + off);
    const mLo = half(fromStart, f64x2.promote_low_f32x4(g4), f64x2.promote_low_f32x4(m4), W, W1);
    const mHi = half(fromStart, f64x2.promote_low_f32x4(high(g4)), f64x2.promote_low_f32x4(high(m4)), W, W1);
    const mNew = join(f32x4.demote_f64x2_zero(mLo), f32x4.demote_f64x2_zero(mHi));
    const vLo = second(f64x2.promote_low_f32x4(v4), f64x2.promote_low_f32x4(g4), B2, W2);
    const vHi = second(f64x2.promote_low_f32x4(high(v4)), f64x2.promote_low_f32x4(high(g4)), B2, W2);
    const vNew = join(f32x4.demote_f64x2_zero(vLo), f32x4.demote_f64x2_zero(vHi));
    v128.store(m + off, mNew);
    v128.store(v + off, vNew);
    const tLo = update(f64x2.promote_low_f32x4(t4), f64x2.promote_low_f32x4(mNew), f64x2.promote_low_f32x4(vNew), S, BS, E);
    const tHi = update(
      f64x2.promote_low_f32x4(high(t4)), f64x2.promote_low_f32x4(high(mNew)), f64x2.promote_low_f32x4(high(vNew)), S, BS, E,
    );
    v128.store(theta + off, join(f32x4.demote_f64x2_zero(tLo), f32x4.demote_f64x2_zero(tHi)));
  }
  for (; i < n; i++) {
    const off = <usize>i * 4;
    const gi = <f64>load<f32>(g + off);
    const mi = <f64>load<f32>(m + off);
    const mNew = <f32>(fromStart ? mi + w * (gi - mi) : gi - (gi - mi) * w1);
    const vNew = <f32>(<f64>load<f32>(v + off) * beta2 + w2 * gi * gi);
    store<f32>(m + off, mNew);
    store<f32>(v + off, vNew);
    const t = <f64>load<f32>(theta + off);
    store<f32>(theta + off, <f32>(t - stepSize * (<f64>mNew / (Math.sqrt(<f64>vNew) / bias2Sqrt + eps))));
  }
}

// @ts-ignore: decorator
@inline
function half(fromStart: bool, g: v128, m: v128, w: v128, w1: v128): v128 {
  const d = f64x2.sub(g, m);
  return fromStart ? f64x2.add(m, f64x2.mul(w, d)) : f64x2.sub(g, f64x2.mul(d, w1));
}

// @ts-ignore: decorator
@inline
function second(v: v128, g: v128, beta2: v128, w2: v128): v128 {
  return f64x2.add(f64x2.mul(v, beta2), f64x2.mul(f64x2.mul(w2, g), g));
}

// @ts-ignore: decorator
@inline
function update(t: v128, m: v128, v: v128, step: v128, bias2Sqrt: v128, eps: v128): v128 {
  return f64x2.sub(t, f64x2.mul(step, f64x2.div(m, f64x2.add(f64x2.div(f64x2.sqrt(v), bias2Sqrt), eps))));
}

/** Lanes 2, 3 moved to lanes 0, 1. */
// @ts-ignore: decorator
@inline
function high(v: v128): v128 {
  return v128.shuffle<f32>(v, v, 2, 3, 2, 3);
}

/** Lanes 0, 1 of `lo` then lanes 0, 1 of `hi`. */
// @ts-ignore: decorator
@inline
function join(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(lo, hi, 0, 1, 4, 5);
}

// Adam with every option (L2 penalty, decoupled shrink, amsgrad), one scalar loop for f32
// and f64 arrays: bit for bit `adamGeneralReference` in src/kernels/adam.ts. Every value is
// read back as stored (f32: <f32> rounds as Math.fround does), the arithmetic in f64; f64.max,
// like Math.max, gives NaN for a NaN and +0 for max(−0, +0); sqrt is correctly rounded.
//
//   θ ← θ·shrink (stored); g' = g + l2·θ; m ← lerp(m, g', w); v ← v·β₂ + (w2·g')·g'
//   v̂ ← max(v̂, v) (amsgrad; else v̂ is v); θ ← θ − stepSize · m / (√v̂ / bias2Sqrt + ε)

/**
 * Adam's general update over `n` elements of `theta`, `g`, `m`, `v`, `vMax` (byte addresses;
 * f64 arrays when `is64`, else f32); amsgrad when `vMax` is not 0 (no array lives at 0).
 */
export function adamGeneral(
  is64: bool, n: i32, theta: usize, g: usize, m: usize, v: usize, vMax: usize,
  w: f64, beta2: f64, w2: f64, stepSize: f64, bias2Sqrt: f64, eps: f64, l2: f64, shrink: f64,
): void {
  const size: usize = is64 ? 8 : 4;
  for (let i = 0; i < n; i++) {
    const off = <usize>i * size;
    let t = get(is64, theta + off);
    if (shrink != 1) t = put(is64, theta + off, t * shrink);
    let gi = get(is64, g + off);
    if (l2 != 0) gi += l2 * t;
    const mi = get(is64, m + off);
    const mNew = put(is64, m + off, w < 0.5 ? mi + w * (gi - mi) : gi - (gi - mi) * (1 - w));
    let d = put(is64, v + off, get(is64, v + off) * beta2 + w2 * gi * gi);
    if (vMax) d = put(is64, vMax + off, max<f64>(get(is64, vMax + off), d));
    put(is64, theta + off, t - stepSize * (mNew / (sqrt<f64>(d) / bias2Sqrt + eps)));
  }
}

/** The element at `p`, as f64. */
// @ts-ignore: decorator
@inline
function get(is64: bool, p: usize): f64 {
  return is64 ? load<f64>(p) : <f64>load<f32>(p);
}

/** Stores `x` at `p` (rounded to f32 unless `is64`) and returns the stored value. */
// @ts-ignore: decorator
@inline
function put(is64: bool, p: usize, x: f64): f64 {
  if (is64) {
    store<f64>(p, x);
    return x;
  }
  const r = <f32>x;
  store<f32>(p, r);
  return <f64>r;
}
