// The Dense layer's forward and backward in f64, each as one call (the f64 twin of linear.ts):
//
//   forward:   y = act(x·Wᵀ + b)                       x [batch,in], W [out,in], b [out]
//   backward:  G_z = G_y ⊙ act'(z)
//              G_x = G_z·W,   G_W = G_zᵀ·x,   G_b = Σ_batch G_z  (rows in order)
//
// `act` is 0 (none) or 1 (ReLU). Bit for bit the TypeScript reference
// (`linearForwardReference` / `linearBackwardReference` in src/kernels/linear.ts) in float64:
// the products are `gemm64`'s (the reference's gemm, bit for bit), the bias add is one f64 add
// per element after the product, ReLU only selects, the column sums add rows in order from +0,
// and accumulating into `gw` / `gb` adds the finished product / sum, one add per element.

import { addInto64, gemm64, gemm64AddBlock, gemm64Block } from "./gemm64";

/** No activation. */
const ACT_NONE: i32 = 0;
/** ReLU: `z ≤ 0 ? 0 : z` (NaN passes); derivative 1 for z > 0, 0 for z ≤ 0, NaN for NaN. */
const ACT_RELU: i32 = 1;

/** `y = act(x·Wᵀ + b)`; `b` is 0 when there is no bias. `work`: `workspaceBytes64(inF)` bytes. */
export function linearForward64(batch: i32, out: i32, inF: i32, x: usize, w: usize, b: usize, act: i32, y: usize, work: usize): void {
  linearForward64Block(batch, out, inF, x, w, b, act, y, work, 0, batch, 0, out);
}

/**
 * {@link linearForward64} for the block `y[i0:i1, j0:j1]` only, each element computed exactly
 * as by the whole call, so threads computing blocks agree with one thread bit for bit.
 */
export function linearForward64Block(
  batch: i32, out: i32, inF: i32, x: usize, w: usize, b: usize, act: i32, y: usize, work: usize,
  i0: i32, i1: i32, j0: i32, j1: i32,
): void {
  gemm64Block(false, true, batch, out, inF, x, w, y, work, i0, i1, j0, j1);
  if (b == 0 && act == ACT_NONE) return;
  const zero = f64x2.splat(0);
  for (let i = i0; i < i1; i++) {
    const row = y + <usize>i * <usize>out * 8;
    let j = j0;
    for (; j + 2 <= j1; j += 2) {
      const p = row + <usize>j * 8;
      let v = v128.load(p);
      if (b != 0) v = f64x2.add(v, v128.load(b + <usize>j * 8));
      // ReLU without a branch: clear the lanes where v ≤ 0 (−0 → +0; false for NaN, which passes).
      if (act == ACT_RELU) v = v128.andnot(v, f64x2.le(v, zero));
      v128.store(p, v);
    }
    for (; j < j1; j++) {
      const p = row + <usize>j * 8;
      let v = load<f64>(p);
      if (b != 0) v += load<f64>(b + <usize>j * 8);
      if (act == ACT_RELU) v = v <= 0 ? 0 : v;
      store<f64>(p, v);
    }
  }
}

/**
 * The backward of {@link linearForward64}. `gy`, `y` (the forward's output, read only for
 * ReLU: y > 0 ⇔ z > 0, y ≤ 0 ⇔ z ≤ 0, NaN ⇔ NaN), `x`, `w` are inputs; `gz` [batch,out] is
 * scratch (it may equal `gy` when `act` is none); `gx`, `gw`, `gb` are outputs, each skipped
 * when 0. With `gwTemp` (not 0, `out·in` f64) G_W is added into `gw` rather than stored there;
 * with `sums` (not 0, `out` f64) G_b is added into `gb`. `work`: `workspaceBytes64(max(out, batch))`.
 */
export function linearBackward64(
  batch: i32, out: i32, inF: i32,
  gy: usize, y: usize, act: i32, x: usize, w: usize,
  gz: usize, gx: usize, gw: usize, gb: usize, work: usize,
  gwTemp: usize, sums: usize,
): void {
  linearGradZ64(batch * out, gy, y, act, gz);
  if (gx != 0) gemm64(false, false, batch, inF, out, gz, w, gx, work);
  if (gw != 0) {
    if (gwTemp == 0) gemm64(true, false, out, inF, batch, gz, x, gw, work);
    else gemm64AddBlock(true, false, out, inF, batch, gz, x, gw, gwTemp, work, 0, out, 0, inF);
  }
  if (gb != 0) linearGradBias64(batch, out, gz, gb, sums);
}

/**
 * `G_z = G_y ⊙ act'(z)` over `n` elements into `gz` (for no activation, a copy unless `gz`
 * is `gy`): the first phase of {@link linearBackward64}.
 */
export function linearGradZ64(n: i32, gy: usize, y: usize, act: i32, gz: usize): void {
  if (act == ACT_RELU) {
    const zero = f64x2.splat(0);
    const nan = f64x2.splat(NaN);
    let i = 0;
    for (; i + 2 <= n; i += 2) {
      const off = <usize>i * 8;
      const v = v128.load(y + off);
      // v > 0 → g; v ≤ 0 → 0; NaN (neither) → NaN.
      const pos = f64x2.gt(v, zero);
      const rest = v128.andnot(nan, f64x2.le(v, zero));
      v128.store(gz + off, v128.bitselect(v128.load(gy + off), rest, pos));
    }
    for (; i < n; i++) {
      const off = <usize>i * 8;
      const v = load<f64>(y + off);
      store<f64>(gz + off, v > 0 ? load<f64>(gy + off) : v <= 0 ? 0 : NaN);
    }
  } else if (gz != gy) {
    memory.copy(gz, gy, <usize>n * 8);
  }
}

/**
 * `G_b[j] = Σᵢ G_z[i,j]`, rows added in order from +0; stored into `gb`, or, with `sums` (not 0,
 * `out` f64 of scratch), summed there and then added into `gb`: the last phase of
 * {@link linearBackward64}.
 */
export function linearGradBias64(batch: i32, out: i32, gz: usize, gb: usize, sums: usize): void {
  const s = sums != 0 ? sums : gb;
  memory.fill(s, 0, <usize>out * 8);
  for (let r = 0; r < batch; r++) addInto64(s, gz + <usize>r * <usize>out * 8, out);
  if (sums != 0) addInto64(gb, sums, out);
}
