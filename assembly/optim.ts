// Optimiser updates (SGD, RMSprop) on f32 arrays, computed in f64: the same operations in
// the same order as the TypeScript loops in src/kernels/optim.ts (every one correctly
// rounded in both, a store to f32 rounding where the TypeScript stores to a Float32Array),
// so the results are bit for bit identical. The host packs every parameter of a group into
// one region per array, so one call updates the whole group.

/**
 * SGD over `n` elements (byte addresses of f32 arrays; `b` unused without momentum):
 *
 *   momentum 0:  θ ← θ − lr·(g + λ·θ)
 *   otherwise:   gᵢ = λ ≠ 0 ? g + λ·θ : g
 *                b ← first ? gᵢ : μ·b + (1 − τ)·gᵢ          (rounded to f32)
 *                θ ← θ − lr·(nesterov ? gᵢ + μ·b : b)
 */
export function sgdStep(
  n: i32, theta: usize, g: usize, b: usize,
  lr: f64, momentum: f64, oneMinusDampening: f64, nesterov: bool, weightDecay: f64, first: bool,
): void {
  const LR = f64x2.splat(lr);
  const WD = f64x2.splat(weightDecay);
  const MU = f64x2.splat(momentum);
  const D1 = f64x2.splat(oneMinusDampening);
  let i = 0;
  if (momentum == 0) {
    for (; i + 2 <= n; i += 2) {
      const off = <usize>i * 4;
      const t = f64x2.promote_low_f32x4(v128.load64_zero(theta + off));
      const gg = f64x2.promote_low_f32x4(v128.load64_zero(g + off));
      const r = f32x4.demote_f64x2_zero(f64x2.sub(t, f64x2.mul(LR, f64x2.add(gg, f64x2.mul(WD, t)))));
      v128.store64_lane(theta + off, r, 0);
    }
    for (; i < n; i++) {
      const off = <usize>i * 4;
      const t = <f64>load<f32>(theta + off);
      store<f32>(theta + off, <f32>(t - lr * (<f64>load<f32>(g + off) + weightDecay * t)));
    }
    return;
  }
  const decay = weightDecay != 0;
  for (; i + 2 <= n; i += 2) {
    const off = <usize>i * 4;
    const t = f64x2.promote_low_f32x4(v128.load64_zero(theta + off));
    let gi = f64x2.promote_low_f32x4(v128.load64_zero(g + off));
    if (decay) gi = f64x2.add(gi, f64x2.mul(WD, t));
    const bNew = first ? gi : f64x2.add(f64x2.mul(MU, f64x2.promote_low_f32x4(v128.load64_zero(b + off))), f64x2.mul(D1, gi));
    const b32 = f32x4.demote_f64x2_zero(bNew);
    v128.store64_lane(b + off, b32, 0);
    const bR = f64x2.promote_low_f32x4(b32);
    const step = nesterov ? f64x2.add(gi, f64x2.mul(MU, bR)) : bR;
    v128.store64_lane(theta + off, f32x4.demote_f64x2_zero(f64x2.sub(t, f64x2.mul(LR, step))), 0);
  }
  for (; i < n; i++) {
    const off = <usize>i * 4;
    const t = <f64>load<f32>(theta + off);
    const gi = decay ? <f64>load<f32>(g + off) + weightDecay * t : <f64>load<f32>(g + off);
    const bi = <f32>(first ? gi : momentum * <f64>load<f32>(b + off) + oneMinusDampening * gi);
    store<f32>(b + off, bi);
    store<f32>(theta + off, <f32>(t - lr * (nesterov ? gi + momentum * <f64>bi : <f64>bi)));
  }
}

/**
 * RMSprop over `n` elements (`gAvg` used when `centered`, `b` when momentum > 0):
 *
 *   gᵢ = λ ≠ 0 ? g + λ·θ : g
 *   v ← α·v + (1 − α)·gᵢ·gᵢ                                   (rounded)
 *   centered: gAvg ← lerp(gAvg, gᵢ, 1 − α) (rounded); d = √(v − gAvg²) + ε;  else d = √v + ε
 *   momentum: b ← μ·b + gᵢ/d (rounded); θ ← θ − lr·b;   else θ ← θ − lr·(gᵢ/d)
 */
export function rmspropStep(
  n: i32, theta: usize, g: usize, v: usize, gAvg: usize, b: usize,
  lr: f64, alpha: f64, oneMinusAlpha: f64, eps: f64, momentum: f64, centered: bool, weightDecay: f64,
): void {
  const decay = weightDecay != 0;
  // lerp(a, b, w) with w = 1 − α: a + w·(b − a) when w < 0.5, else b − (b − a)·(1 − w).
  const w = oneMinusAlpha;
  const fromStart = w < 0.5;
  const w1 = 1 - w;
  for (let i = 0; i < n; i++) {
    const off = <usize>i * 4;
    const t = <f64>load<f32>(theta + off);
    const gi = decay ? <f64>load<f32>(g + off) + weightDecay * t : <f64>load<f32>(g + off);
    const vi = <f32>(alpha * <f64>load<f32>(v + off) + oneMinusAlpha * gi * gi);
    store<f32>(v + off, vi);
    let d: f64;
    if (centered) {
      const a = <f64>load<f32>(gAvg + off);
      const ga = <f32>(fromStart ? a + w * (gi - a) : gi - (gi - a) * w1);
      store<f32>(gAvg + off, ga);
      d = Math.sqrt(<f64>vi - <f64>ga * <f64>ga) + eps;
    } else {
      d = Math.sqrt(<f64>vi) + eps;
    }
    if (momentum > 0) {
      const bi = <f32>(momentum * <f64>load<f32>(b + off) + gi / d);
      store<f32>(b + off, bi);
      store<f32>(theta + off, <f32>(t - lr * <f64>bi));
    } else {
      store<f32>(theta + off, <f32>(t - lr * (gi / d)));
    }
  }
}

/**
 * {@link sgdStep} on f64 arrays: the same operations in the same order, with no rounding to
 * f32, so bit for bit `sgdReference` on Float64Arrays.
 */
export function sgdStep64(
  n: i32, theta: usize, g: usize, b: usize,
  lr: f64, momentum: f64, oneMinusDampening: f64, nesterov: bool, weightDecay: f64, first: bool,
): void {
  const LR = f64x2.splat(lr);
  const WD = f64x2.splat(weightDecay);
  const MU = f64x2.splat(momentum);
  const D1 = f64x2.splat(oneMinusDampening);
  let i = 0;
  if (momentum == 0) {
    for (; i + 2 <= n; i += 2) {
      const off = <usize>i * 8;
      const t = v128.load(theta + off);
      v128.store(theta + off, f64x2.sub(t, f64x2.mul(LR, f64x2.add(v128.load(g + off), f64x2.mul(WD, t)))));
    }
    for (; i < n; i++) {
      const off = <usize>i * 8;
      const t = load<f64>(theta + off);
      store<f64>(theta + off, t - lr * (load<f64>(g + off) + weightDecay * t));
    }
    return;
  }
  const decay = weightDecay != 0;
  for (; i + 2 <= n; i += 2) {
    const off = <usize>i * 8;
    const t = v128.load(theta + off);
    let gi = v128.load(g + off);
    if (decay) gi = f64x2.add(gi, f64x2.mul(WD, t));
    const bNew = first ? gi : f64x2.add(f64x2.mul(MU, v128.load(b + off)), f64x2.mul(D1, gi));
    v128.store(b + off, bNew);
    const step = nesterov ? f64x2.add(gi, f64x2.mul(MU, bNew)) : bNew;
    v128.store(theta + off, f64x2.sub(t, f64x2.mul(LR, step)));
  }
  for (; i < n; i++) {
    const off = <usize>i * 8;
    const t = load<f64>(theta + off);
    const gi = decay ? load<f64>(g + off) + weightDecay * t : load<f64>(g + off);
    const bi = first ? gi : momentum * load<f64>(b + off) + oneMinusDampening * gi;
    store<f64>(b + off, bi);
    store<f64>(theta + off, t - lr * (nesterov ? gi + momentum * bi : bi));
  }
}
