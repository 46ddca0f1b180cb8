// The gemm micro-kernel's scratch tile, and variants of the 6×8 micro-kernel for edge
// strips of at most 4 or 2 valid rows (m = 32 leaves a 2-row strip: without these, a
// third of that strip's arithmetic multiplies zero padding). Same packed layout as the
// full kernel: 6 floats of A and 8 of B per step, two steps per iteration.

import { madd } from "./madd";

/**
 * Address of the scratch tile the micro-kernels write, MR×NR = 6×8 floats: the last
 * `TILE_BYTES` of the workspace `gemm` is given, set on every call. A global is per
 * instance, and each thread has its own instance and workspace, so threads sharing one
 * memory never write each other's tile (static data would be shared by all of them).
 */
export let TILE: usize = 0;
/** Bytes of the scratch tile. */
export const TILE_BYTES: usize = 6 * 8 * 4;

/**
 * `microKernel` (gemm.ts) for an edge strip whose rows after the first 4 are padding: only
 * rows 0–3 of the tile are computed (the rest of TILE is left as it is and never read).
 */
export function microKernel4(kc: i32, ap: usize, bp: usize): void {
  const cp = TILE;
  let c00 = f32x4.splat(0);
  let c01 = c00;
  let c10 = f32x4.splat(0);
  let c11 = c10;
  let c20 = f32x4.splat(0);
  let c21 = c20;
  let c30 = f32x4.splat(0);
  let c31 = c30;
  let b0: v128;
  let b1: v128;
  let av: v128;
  for (let p = 0; p < kc; p += 2) {
    b0 = v128.load(bp, 0);
    b1 = v128.load(bp, 16);
    av = v128.load32_splat(ap, 0);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(ap, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(ap, 8);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(ap, 12);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    b0 = v128.load(bp, 32);
    b1 = v128.load(bp, 48);
    av = v128.load32_splat(ap, 24);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(ap, 28);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(ap, 32);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(ap, 36);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    ap += 48;
    bp += 64;
  }
  v128.store(cp, c00, 0);
  v128.store(cp, c01, 16);
  v128.store(cp, c10, 32);
  v128.store(cp, c11, 48);
  v128.store(cp, c20, 64);
  v128.store(cp, c21, 80);
  v128.store(cp, c30, 96);
  v128.store(cp, c31, 112);
}

/**
 * `microKernel` (gemm.ts) for an edge strip whose rows after the first 2 are padding: only
 * rows 0–1 of the tile are computed (the rest of TILE is left as it is and never read).
 */
export function microKernel2(kc: i32, ap: usize, bp: usize): void {
  const cp = TILE;
  let c00 = f32x4.splat(0);
  let c01 = c00;
  let c10 = f32x4.splat(0);
  let c11 = c10;
  let b0: v128;
  let b1: v128;
  let av: v128;
  for (let p = 0; p < kc; p += 2) {
    b0 = v128.load(bp, 0);
    b1 = v128.load(bp, 16);
    av = v128.load32_splat(ap, 0);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(ap, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    b0 = v128.load(bp, 32);
    b1 = v128.load(bp, 48);
    av = v128.load32_splat(ap, 24);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(ap, 28);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    ap += 48;
    bp += 64;
  }
  v128.store(cp, c00, 0);
  v128.store(cp, c01, 16);
  v128.store(cp, c10, 32);
  v128.store(cp, c11, 48);
}
