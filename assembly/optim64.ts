// Adam's plain update and RMSprop on f64 arrays with f64x2 SIMD: the same operations in the
// same order as the TypeScript references on Float64Arrays (`adamPlainReference` in
// src/kernels/adam.ts, `rmspropReference` in src/kernels/optim.ts). Every operation is an
// IEEE add, sub, mul, div or sqrt, correctly rounded in both (no fused or relaxed
// instruction), and nothing is rounded to f32, so the results are bit for bit identical.
// Each element's update reads and writes only that element, so the two-lane loop and the
// scalar tail give the same bits as the TypeScript loop, whatever the length.

/**
 * Adam's update without weight decay or amsgrad over `n` elements of `theta`, `g`, `m`, `v`
 * (byte addresses of f64 arrays); the f64 counterpart of `adamStep` in adam.ts:
 *
 *   m ← fromStart ? m + w·(g − m) : g − (g − m)·w1      (lerp(m, g, w), w = 1 − β₁, w1 = 1 − w)
 *   v ← v·β₂ + w2·g·g                                   (w2 = 1 − β₂)
 *   θ ← θ − stepSize · m / (√v / bias2Sqrt + ε)
 */
export function adamStep64(
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
  for (; i + 2 <= n; i += 2) {
    const off = <usize>i * 8;
    const gi = v128.load(g + off);
    const mi = v128.load(m + off);
    const d = f64x2.sub(gi, mi);
    const mNew = fromStart ? f64x2.add(mi, f64x2.mul(W, d)) : f64x2.sub(gi, f64x2.mul(d, W1));
    const vNew = f64x2.add(f64x2.mul(v128.load(v + off), B2), f64x2.mul(f64x2.mul(W2, gi), gi));
    v128.store(m + off, mNew);
    v128.store(v + off, vNew);
    const t = v128.load(theta + off);
    v128.store(theta + off, f64x2.sub(t, f64x2.mul(S, f64x2.div(mNew, f64x2.add(f64x2.div(f64x2.sqrt(vNew), BS), E)))));
  }
  for (; i < n; i++) {
    const off = <usize>i * 8;
    const gi = load<f64>(g + off);
    const mi = load<f64>(m + off);
    const mNew = fromStart ? mi + w * (gi - mi) : gi - (gi - mi) * w1;
    const vNew = load<f64>(v + off) * beta2 + w2 * gi * gi;
    store<f64>(m + off, mNew);
    store<f64>(v + off, vNew);
    const t = load<f64>(theta + off);
    store<f64>(theta + off, t - stepSize * (mNew / (Math.sqrt(vNew) / bias2Sqrt + eps)));
  }
}

/**
 * RMSprop over `n` elements of f64 arrays (`gAvg` used when `centered`, `b` when momentum > 0);
 * the f64 counterpart of `rmspropStep` in optim.ts:
 *
 *   gᵢ = λ ≠ 0 ? g + λ·θ : g
 *   v ← α·v + (1 − α)·gᵢ·gᵢ
 *   centered: gAvg ← lerp(gAvg, gᵢ, 1 − α); d = √(v − gAvg·gAvg) + ε;   else d = √v + ε
 *   momentum: b ← μ·b + gᵢ/d; θ ← θ − lr·b;                            else θ ← θ − lr·(gᵢ/d)
 */
export function rmspropStep64(
  n: i32, theta: usize, g: usize, v: usize, gAvg: usize, b: usize,
  lr: f64, alpha: f64, oneMinusAlpha: f64, eps: f64, momentum: f64, centered: bool, weightDecay: f64,
): void {
  const decay = weightDecay != 0;
  const withB = momentum > 0;
  // lerp(a, b, w) with w = 1 − α: a + w·(b − a) when w < 0.5, else b − (b − a)·(1 − w).
  const w = oneMinusAlpha;
  const fromStart = w < 0.5;
  const w1 = 1 - w;
  const LR = f64x2.splat(lr);
  const A = f64x2.splat(alpha);
  const OMA = f64x2.splat(oneMinusAlpha);
  const E = f64x2.splat(eps);
  const MU = f64x2.splat(momentum);
  const WD = f64x2.splat(weightDecay);
  const W = f64x2.splat(w);
  const W1 = f64x2.splat(w1);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const off = <usize>i * 8;
    const t = v128.load(theta + off);
    let gi = v128.load(g + off);
    if (decay) gi = f64x2.add(gi, f64x2.mul(WD, t));
    const vi = f64x2.add(f64x2.mul(A, v128.load(v + off)), f64x2.mul(f64x2.mul(OMA, gi), gi));
    v128.store(v + off, vi);
    let d: v128;
    if (centered) {
      const a = v128.load(gAvg + off);
      const diff = f64x2.sub(gi, a);
      const ga = fromStart ? f64x2.add(a, f64x2.mul(W, diff)) : f64x2.sub(gi, f64x2.mul(diff, W1));
      v128.store(gAvg + off, ga);
      d = f64x2.add(f64x2.sqrt(f64x2.sub(vi, f64x2.mul(ga, ga))), E);
    } else {
      d = f64x2.add(f64x2.sqrt(vi), E);
    }
    if (withB) {
      const bi = f64x2.add(f64x2.mul(MU, v128.load(b + off)), f64x2.div(gi, d));
      v128.store(b + off, bi);
      v128.store(theta + off, f64x2.sub(t, f64x2.mul(LR, bi)));
    } else {
      v128.store(theta + off, f64x2.sub(t, f64x2.mul(LR, f64x2.div(gi, d))));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i * 8;
    const t = load<f64>(theta + off);
    const gi = decay ? load<f64>(g + off) + weightDecay * t : load<f64>(g + off);
    const vi = alpha * load<f64>(v + off) + oneMinusAlpha * gi * gi;
    store<f64>(v + off, vi);
    let d: f64;
    if (centered) {
      const a = load<f64>(gAvg + off);
      const ga = fromStart ? a + w * (gi - a) : gi - (gi - a) * w1;
      store<f64>(gAvg + off, ga);
      d = Math.sqrt(vi - ga * ga) + eps;
    } else {
      d = Math.sqrt(vi) + eps;
    }
    if (withB) {
      const bi = momentum * load<f64>(b + off) + gi / d;
      store<f64>(b + off, bi);
      store<f64>(theta + off, t - lr * bi);
    } else {
      store<f64>(theta + off, t - lr * (gi / d));
    }
  }
}
