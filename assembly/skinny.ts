// Products with at most two rows of op(A) — a Dense layer at batch 1 or 2, forward
// (op(B) = Wᵀ) and backward (G_X = G_Z·W) — without packing op(B).
//
// At one row, packing op(B) is a pass that reads and writes all of W for as much
// arithmetic as it saves: the packed path spends more time packing than multiplying. Here
// op(B) is read where it lies: row-major B (`transB` false) a vector of columns at a time;
// B stored transposed (`transB`, W itself in the forward) four of its rows at a time,
// transposed in registers, 4×4.
//
// Every element is the same sum as in `gemmBlock`'s packed path, bit for bit: over k in
// the same KC blocks, each block summed from +0 in order of k with `madd` (so the
// relaxed-SIMD build fuses here exactly where it fuses there), the first block stored into
// C (or added, with `addToC`) and each later one added. The packed path's zero padding step
// adds +0·+0 to a sum that started at +0, which changes nothing (such a sum is never −0).

import { madd } from "./madd";

/** Most rows of op(A) this path takes. */
export const SKINNY_ROWS: i32 = 2;

/**
 * `C[i0:i1, j0:j1] = op(A)·op(B)` (or `+=` with `addToC`) for `i1 − i0 ≤ 2` rows; `kcMax`
 * is the packed path's KC, so the sums are blocked the same way. Arguments as `gemmBlock`.
 */
export function skinnyBlock(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize,
  i0: i32, i1: i32, j0: i32, j1: i32, addToC: bool, kcMax: i32,
): void {
  // Address and stride (bytes per step of k) of rows i0 and i1 − 1 of op(A).
  const a0 = transA ? a + (<usize>i0 << 2) : a + ((<usize>i0 * <usize>k) << 2);
  const last = i1 - 1;
  const a1 = transA ? a + (<usize>last << 2) : a + ((<usize>last * <usize>k) << 2);
  const step: usize = transA ? <usize>m << 2 : 4;
  const two = i1 - i0 == 2;
  const c0 = c + ((<usize>i0 * <usize>n) << 2);
  const c1 = c + ((<usize>last * <usize>n) << 2);
  for (let pc = 0; pc < k; pc += kcMax) {
    const kc = min(kcMax, k - pc);
    const add = pc > 0 || addToC;
    const ap0 = a0 + <usize>pc * step;
    const ap1 = a1 + <usize>pc * step;
    if (transB) rowsOfBT(b, k, pc, kc, ap0, ap1, step, two, c0, c1, j0, j1, add);
    else rowsOfBN(b, n, pc, kc, ap0, ap1, step, two, c0, c1, j0, j1, add);
  }
}

/** Stores (or adds) 4 lanes at `p`. */
// @ts-ignore: decorator
@inline function put4(p: usize, v: v128, add: bool): void {
  v128.store(p, add ? f32x4.add(v128.load(p), v) : v);
}

/** Stores (or adds) the first `cols` (< 4) lanes at `p`, touching nothing past them. */
function putPart(p: usize, v: v128, cols: i32, add: bool): void {
  store<f32>(p, add ? load<f32>(p) + f32x4.extract_lane(v, 0) : f32x4.extract_lane(v, 0));
  if (cols > 1) store<f32>(p + 4, add ? load<f32>(p + 4) + f32x4.extract_lane(v, 1) : f32x4.extract_lane(v, 1));
  if (cols > 2) store<f32>(p + 8, add ? load<f32>(p + 8) + f32x4.extract_lane(v, 2) : f32x4.extract_lane(v, 2));
}

/** Row-major B [k, n]: columns j0…j1 of one KC block, 8, then 4, then the rest at a time. */
function rowsOfBN(
  b: usize, n: i32, pc: i32, kc: i32, ap0: usize, ap1: usize, step: usize, two: bool,
  c0: usize, c1: usize, j0: i32, j1: i32, add: bool,
): void {
  const rowBytes = <usize>n << 2;
  const start = b + <usize>pc * rowBytes;
  let j = j0;
  for (; j + 8 <= j1; j += 8) {
    let r00 = f32x4.splat(0);
    let r01 = r00;
    let r10 = r00;
    let r11 = r00;
    let bp = start + (<usize>j << 2);
    let p0 = ap0;
    let p1 = ap1;
    for (let p = 0; p < kc; p++) {
      const b0 = v128.load(bp);
      const b1 = v128.load(bp, 16);
      const x0 = v128.load32_splat(p0);
      r00 = madd(x0, b0, r00);
      r01 = madd(x0, b1, r01);
      if (two) {
        const x1 = v128.load32_splat(p1);
        r10 = madd(x1, b0, r10);
        r11 = madd(x1, b1, r11);
      }
      bp += rowBytes;
      p0 += step;
      p1 += step;
    }
    const o = <usize>j << 2;
    put4(c0 + o, r00, add);
    put4(c0 + o + 16, r01, add);
    if (two) {
      put4(c1 + o, r10, add);
      put4(c1 + o + 16, r11, add);
    }
  }
  for (; j < j1; j += 4) {
    const cols = min(4, j1 - j);
    let r0 = f32x4.splat(0);
    let r1 = r0;
    let bp = start + (<usize>j << 2);
    let p0 = ap0;
    let p1 = ap1;
    for (let p = 0; p < kc; p++) {
      // The columns past j1 are zeros, as the packed path pads them.
      let bv = v128.load32_zero(bp);
      if (cols > 1) bv = f32x4.replace_lane(bv, 1, load<f32>(bp, 4));
      if (cols > 2) bv = f32x4.replace_lane(bv, 2, load<f32>(bp, 8));
      if (cols > 3) bv = f32x4.replace_lane(bv, 3, load<f32>(bp, 12));
      r0 = madd(v128.load32_splat(p0), bv, r0);
      if (two) r1 = madd(v128.load32_splat(p1), bv, r1);
      bp += rowBytes;
      p0 += step;
      p1 += step;
    }
    const o = <usize>j << 2;
    if (cols == 4) {
      put4(c0 + o, r0, add);
      if (two) put4(c1 + o, r1, add);
    } else {
      putPart(c0 + o, r0, cols, add);
      if (two) putPart(c1 + o, r1, cols, add);
    }
  }
}

/**
 * B stored transposed, [n, k] (op(B)[p, j] = B[j, p]): four rows of B (four columns of C)
 * at a time, four steps of k per load, transposed in registers.
 */
function rowsOfBT(
  b: usize, k: i32, pc: i32, kc: i32, ap0: usize, ap1: usize, step: usize, two: bool,
  c0: usize, c1: usize, j0: i32, j1: i32, add: bool,
): void {
  const rowBytes = <usize>k << 2;
  let j = j0;
  for (; j < j1; j += 4) {
    const cols = min(4, j1 - j);
    // Rows of B past j1 read row j again; their lanes are never stored.
    const q0 = b + <usize>j * rowBytes + (<usize>pc << 2);
    const q1 = cols > 1 ? q0 + rowBytes : q0;
    const q2 = cols > 2 ? q0 + 2 * rowBytes : q0;
    const q3 = cols > 3 ? q0 + 3 * rowBytes : q0;
    let r0 = f32x4.splat(0);
    let r1 = r0;
    let p0 = ap0;
    let p1 = ap1;
    let p = 0;
    for (; p + 4 <= kc; p += 4) {
      const o = <usize>p << 2;
      const w0 = v128.load(q0 + o);
      const w1 = v128.load(q1 + o);
      const w2 = v128.load(q2 + o);
      const w3 = v128.load(q3 + o);
      const t0 = v128.shuffle<f32>(w0, w1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(w2, w3, 0, 4, 1, 5);
      const t2 = v128.shuffle<f32>(w0, w1, 2, 6, 3, 7);
      const t3 = v128.shuffle<f32>(w2, w3, 2, 6, 3, 7);
      const s0 = v128.shuffle<f32>(t0, t1, 0, 1, 4, 5);
      const s1 = v128.shuffle<f32>(t0, t1, 2, 3, 6, 7);
      const s2 = v128.shuffle<f32>(t2, t3, 0, 1, 4, 5);
      const s3 = v128.shuffle<f32>(t2, t3, 2, 3, 6, 7);
      r0 = madd(v128.load32_splat(p0), s0, r0);
      r0 = madd(v128.load32_splat(p0 + step), s1, r0);
      r0 = madd(v128.load32_splat(p0 + 2 * step), s2, r0);
      r0 = madd(v128.load32_splat(p0 + 3 * step), s3, r0);
      if (two) {
        r1 = madd(v128.load32_splat(p1), s0, r1);
        r1 = madd(v128.load32_splat(p1 + step), s1, r1);
        r1 = madd(v128.load32_splat(p1 + 2 * step), s2, r1);
        r1 = madd(v128.load32_splat(p1 + 3 * step), s3, r1);
      }
      p0 += 4 * step;
      p1 += 4 * step;
    }
    for (; p < kc; p++) {
      const o = <usize>p << 2;
      let s = v128.load32_zero(q0 + o);
      s = f32x4.replace_lane(s, 1, load<f32>(q1 + o));
      s = f32x4.replace_lane(s, 2, load<f32>(q2 + o));
      s = f32x4.replace_lane(s, 3, load<f32>(q3 + o));
      r0 = madd(v128.load32_splat(p0), s, r0);
      if (two) r1 = madd(v128.load32_splat(p1), s, r1);
      p0 += step;
      p1 += step;
    }
    const o = <usize>j << 2;
    if (cols == 4) {
      put4(c0 + o, r0, add);
      if (two) put4(c1 + o, r1, add);
    } else {
      putPart(c0 + o, r0, cols, add);
      if (two) putPart(c1 + o, r1, cols, add);
    }
  }
}
