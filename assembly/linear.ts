// The Dense layer's forward and backward, each as one call, in f32 with 128-bit SIMD:
//
//   forward:   y = act(x·Wᵀ + b)                       x [batch,in], W [out,in], b [out]
//   backward:  G_z = G_y ⊙ act'(z)
//              G_x = G_z·W,   G_W = G_zᵀ·x,   G_b = Σ_batch G_z  (column sums in f64)
//
// `act` is 0 (none) or 1 (ReLU). The results are bit for bit those of the TypeScript
// reference (src/kernels/linear.ts) given the same gemm: the bias add is one f32 add per
// element, ReLU only selects, and the column sums add rows in order in f64, rounded once.

import { gemm, gemmAddBlock, gemmBlock } from "./gemm";

/** No activation. */
const ACT_NONE: i32 = 0;
/** ReLU: `z ≤ 0 ? 0 : z` (NaN passes); derivative 1 for z > 0, 0 for z ≤ 0, NaN for NaN. */
const ACT_RELU: i32 = 1;

/**
 * `y = act(x·Wᵀ + b)`; `b` is 0 when there is no bias. `work` as for {@link gemm}.
 */
export function linearForward(batch: i32, out: i32, inF: i32, x: usize, w: usize, b: usize, act: i32, y: usize, work: usize): void {
  linearForwardBlock(batch, out, inF, x, w, b, act, y, work, 0, batch, 0, out);
}

/**
 * {@link linearForward} for the block `y[i0:i1, j0:j1]` only, each element computed exactly
 * as by the whole call (see `gemmBlock`), so threads computing blocks agree with one thread.
 */
export function linearForwardBlock(
  batch: i32, out: i32, inF: i32, x: usize, w: usize, b: usize, act: i32, y: usize, work: usize,
  i0: i32, i1: i32, j0: i32, j1: i32,
): void {
  gemmBlock(false, true, batch, out, inF, x, w, y, work, i0, i1, j0, j1);
  if (b == 0 && act == ACT_NONE) return;
  const zero = f32x4.splat(0);
  for (let i = i0; i < i1; i++) {
    const row = y + <usize>i * <usize>out * 4;
    let j = j0;
    for (; j + 4 <= j1; j += 4) {
      const p = row + <usize>j * 4;
      let v = v128.load(p);
      if (b != 0) v = f32x4.add(v, v128.load(b + <usize>j * 4));
      // ReLU without a branch: clear the lanes where v ≤ 0 (false for NaN, which passes).
      if (act == ACT_RELU) v = v128.andnot(v, f32x4.le(v, zero));
      v128.store(p, v);
    }
    for (; j < j1; j++) {
      const p = row + <usize>j * 4;
      let v = load<f32>(p);
      if (b != 0) v += load<f32>(b + <usize>j * 4);
      if (act == ACT_RELU) v = v <= 0 ? 0 : v;
      store<f32>(p, v);
    }
  }
}

/**
 * The backward of {@link linearForward}. `gy`, `y` (the forward's output, read only when
 * `act` is ReLU: y > 0 ⇔ z > 0, y ≤ 0 ⇔ z ≤ 0, NaN ⇔ NaN), `x`, `w` are inputs; `gz`
 * [batch,out] is scratch (it may equal `gy` when `act` is none); `gx`, `gw`, `gb` are
 * outputs, each skipped when 0. `sums` must hold `out` f64 (8-byte aligned). With
 * `gwTemp` (not 0, `out·in` floats) G_W is added into `gw` rather than stored there; with
 * `accumulateB`, G_b (rounded to f32) is added into `gb`.
 */
export function linearBackward(
  batch: i32, out: i32, inF: i32,
  gy: usize, y: usize, act: i32, x: usize, w: usize,
  gz: usize, gx: usize, gw: usize, gb: usize, sums: usize, work: usize,
  gwTemp: usize, accumulateB: bool,
): void {
  linearGradZ(batch * out, gy, y, act, gz);
  if (gx != 0) gemm(false, false, batch, inF, out, gz, w, gx, work);
  if (gw != 0) {
    if (gwTemp == 0) {
      gemm(true, false, out, inF, batch, gz, x, gw, work);
    } else {
      // Accumulate: the product rounded to f32, then one f32 add per element.
      gemmAddBlock(true, false, out, inF, batch, gz, x, gw, gwTemp, work, 0, out, 0, inF);
    }
  }
  if (gb != 0) linearGradBias(batch, out, gz, gb, sums, accumulateB);
}

/**
 * `G_z = G_y ⊙ act'(z)` over `n` elements into `gz` (for no activation, a copy unless `gz`
 * is `gy`): the first phase of {@link linearBackward}.
 */
export function linearGradZ(n: i32, gy: usize, y: usize, act: i32, gz: usize): void {
  if (act == ACT_RELU) {
    const zero = f32x4.splat(0);
    const nan = f32x4.splat(NaN);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i * 4;
      const v = v128.load(y + off);
      const g = v128.load(gy + off);
      // v > 0 → g; v ≤ 0 → 0; NaN (neither) → NaN.
      const pos = f32x4.gt(v, zero);
      const nonPos = f32x4.le(v, zero);
      const rest = v128.andnot(nan, nonPos);
      v128.store(gz + off, v128.bitselect(g, rest, pos));
    }
    for (; i < n; i++) {
      const off = <usize>i * 4;
      const v = load<f32>(y + off);
      store<f32>(gz + off, v > 0 ? load<f32>(gy + off) : v <= 0 ? <f32>0 : NaN);
    }
  } else if (gz != gy) {
    memory.copy(gz, gy, <usize>n * 4);
  }
}

/**
 * `G_b[j] = Σᵢ G_z[i,j]`, rows added in order in f64 at `sums` (`out` f64), rounded once
 * to f32, then stored into (or with `accumulateB` added to) `gb`: the last phase of
 * {@link linearBackward}.
 */
export function linearGradBias(batch: i32, out: i32, gz: usize, gb: usize, sums: usize, accumulateB: bool): void {
  memory.fill(sums, 0, <usize>out * 8);
  for (let r = 0; r < batch; r++) {
    const row = gz + <usize>r * <usize>out * 4;
    let j = 0;
    for (; j + 4 <= out; j += 4) {
      const v = v128.load(row + <usize>j * 4);
      const s = sums + <usize>j * 8;
      v128.store(s, f64x2.add(v128.load(s), f64x2.promote_low_f32x4(v)));
      v128.store(s, f64x2.add(v128.load(s, 16), f64x2.promote_low_f32x4(highPair(v))), 16);
    }
    for (; j < out; j++) {
      const s = sums + <usize>j * 8;
      store<f64>(s, load<f64>(s) + <f64>load<f32>(row + <usize>j * 4));
    }
  }
  for (let j = 0; j < out; j++) {
    const r = <f32>load<f64>(sums + <usize>j * 8);
    const p = gb + <usize>j * 4;
    store<f32>(p, accumulateB ? load<f32>(p) + r : r);
  }
}

/** Moves lanes 2, 3 of a f32x4 to lanes 0, 1. */
// @ts-ignore: decorator
@inline
function highPair(v: v128): v128 {
  return v128.shuffle<f32>(v, v, 2, 3, 2, 3);
}
