// f32 matrix multiply with 128-bit SIMD, in every transpose variant:
//
//   C = op(A) · op(B),   op(A) [m,k] (A stored [k,m] when transA),
//                        op(B) [k,n] (B stored [n,k] when transB),   C [m,n] overwritten.
//
// Blocked as in GotoBLAS: a KC×NC panel of op(B) and an MC×KC block of op(A) are copied
// ("packed") into contiguous strips, so the transpose variants differ only in how they
// pack and one register-blocked micro-kernel does all the arithmetic. The micro-kernel
// keeps an MR×NR = 6×8 tile of C in twelve f32x4 accumulators (plus two vectors of B and
// one broadcast of A: fifteen of the sixteen 128-bit registers), writes it to a scratch
// tile, and a second function stores (or, after the first KC block, adds) it into C.
// Edge tiles are packed with zeros and computed in full (strips of at most 4 or 2 rows by
// the smaller kernels in edge-kernels.ts); only their valid part is copied.
//
// Sizes: the packed B panel (KC·NC floats = 512 KiB) is meant for L2, one packed
// A strip (MR·KC floats = 6 KiB) plus one B strip (KC·NR = 8 KiB) for L1.

import { microKernel2, microKernel4, TILE, TILE_BYTES } from "./edge-kernels";
import { skinnyBlock, SKINNY_ROWS } from "./skinny";
import { madd } from "./madd";

const MR: i32 = 6;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 96;
const NC: i32 = 512;

/** Bytes of workspace `gemm` needs at `work` (packed B panel, packed A block, scratch tile). */
export function workspaceBytes(): usize {
  return <usize>(KC * NC + MC * KC) * 4 + TILE_BYTES;
}

/**
 * `C = op(A) · op(B)` on f32 arrays at byte addresses `a`, `b`, `c` (4-byte aligned,
 * row-major, no padding between rows). `work` must point at `workspaceBytes()` bytes,
 * 16-byte aligned, that overlap none of the operands.
 */
export function gemm(transA: bool, transB: bool, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, work: usize): void {
  gemmBlock(transA, transB, m, n, k, a, b, c, work, 0, m, 0, n);
}

/**
 * `C[block] += (op(A)·op(B))[block]`: the product rounded to f32, then one add per element
 * (the engine's `grad += g`). With k ≤ KC the product is one KC block, so its tile is added
 * straight into C (the same two roundings); a longer k sums its blocks into `temp` (laid
 * out as C) first, then adds.
 */
export function gemmAddBlock(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, temp: usize, work: usize,
  i0: i32, i1: i32, j0: i32, j1: i32,
): void {
  if (k > 0 && k <= KC) {
    gemmBlock(transA, transB, m, n, k, a, b, c, work, i0, i1, j0, j1, true);
    return;
  }
  gemmBlock(transA, transB, m, n, k, a, b, temp, work, i0, i1, j0, j1);
  for (let i = i0; i < i1; i++) {
    const off = (<usize>i * <usize>n + <usize>j0) * 4;
    addInto(c + off, temp + off, j1 - j0);
  }
}

/** `dst[i] += src[i]` for `n` floats. */
export function addInto(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i * 4;
    v128.store(dst + off, f32x4.add(v128.load(dst + off), v128.load(src + off)));
  }
  for (; i < n; i++) {
    const off = <usize>i * 4;
    store<f32>(dst + off, load<f32>(dst + off) + load<f32>(src + off));
  }
}

/**
 * {@link gemm} restricted to the block `C[i0:i1, j0:j1]` (the rest of C is not touched);
 * with `addToC`, each KC block's tile is added to C, the first one too.
 * Every element is computed exactly as by the whole product: its sum over k runs in the
 * same KC blocks, in the same order, whatever the block boundaries. So threads that each
 * compute a block of C give the single-threaded result bit for bit.
 */
export function gemmBlock(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, work: usize,
  i0: i32, i1: i32, j0: i32, j1: i32, addToC: bool = false,
): void {
  if (i1 <= i0 || j1 <= j0) return;
  if (k <= 0) {
    for (let i = i0; i < i1; i++) memory.fill(c + (<usize>i * <usize>n + <usize>j0) * 4, 0, <usize>(j1 - j0) * 4);
    return;
  }
  if (m <= SKINNY_ROWS) {
    skinnyBlock(transA, transB, m, n, k, a, b, c, i0, i1, j0, j1, addToC, KC);
    return;
  }
  const packedB = work;
  const packedA = work + <usize>(KC * NC * 4);
  TILE = packedA + <usize>(MC * KC * 4);
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = min(NC, j1 - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      // The micro-kernel takes two steps at a time; an odd block gets a zero step.
      const kp = (kc + 1) & ~1;
      const accumulate = pc > 0 || addToC;
      if (transB) packBT(b, k, pc, jc, kc, kp, nc, packedB);
      else packBN(b, n, pc, jc, kc, kp, nc, packedB);
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = min(MC, i1 - ic);
        if (transA) packAT(a, m, pc, ic, kc, kp, mc, packedA);
        else packAN(a, k, pc, ic, kc, kp, mc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const bp = packedB + <usize>(jr * kp * 4);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const ap = packedA + <usize>(ir * kp * 4);
            const cp = c + (<usize>(ic + ir) * <usize>n + <usize>(jc + jr)) * 4;
            // Edge strips of up to 2 or 4 rows skip the zero rows' arithmetic.
            if (rows <= 2) microKernel2(kp, ap, bp);
            else if (rows <= 4) microKernel4(kp, ap, bp);
            else microKernel(kp, ap, bp);
            if (rows == MR && cols == NR) storeTile(cp, <usize>n * 4, accumulate);
            else copyEdge(cp, n, rows, cols, accumulate);
          }
        }
      }
    }
  }
}

/**
 * `TILE = Ap · Bp`, a 6×8 product over `kc` steps (`kc` even: the packers pad with a
 * zero step); `Ap` holds 6 floats a step, `Bp` 8 floats a step.
 *
 * Two steps per iteration: unrolled, V8's code runs ~1.7× faster (58 vs 34 GFLOP/s on
 * L1-resident panels). The tile goes to the scratch TILE rather than to C: with
 * C's address, stride and an accumulate branch in the same function V8 ran the loop at
 * ~38 GFLOP/s instead of ~50 on 512³ (register pressure); {@link storeTile} then moves it.
 */
function microKernel(kc: i32, ap: usize, bp: usize): void {
  const cp = TILE;
  let c00 = f32x4.splat(0);
  let c01 = c00;
  let c10 = c00;
  let c11 = c00;
  let c20 = c00;
  let c21 = c00;
  let c30 = c00;
  let c31 = c00;
  let c40 = c00;
  let c41 = c00;
  let c50 = c00;
  let c51 = c00;
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
    av = v128.load32_splat(ap, 16);
    c40 = madd(av, b0, c40);
    c41 = madd(av, b1, c41);
    av = v128.load32_splat(ap, 20);
    c50 = madd(av, b0, c50);
    c51 = madd(av, b1, c51);
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
    av = v128.load32_splat(ap, 40);
    c40 = madd(av, b0, c40);
    c41 = madd(av, b1, c41);
    av = v128.load32_splat(ap, 44);
    c50 = madd(av, b0, c50);
    c51 = madd(av, b1, c51);
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
  v128.store(cp, c40, 128);
  v128.store(cp, c41, 144);
  v128.store(cp, c50, 160);
  v128.store(cp, c51, 176);
}

/** Stores (or adds) the full 6×8 scratch tile into C at `cp`, row stride `ldc` bytes. */
function storeTile(cp: usize, ldc: usize, accumulate: bool): void {
  for (let r: usize = 0; r < <usize>MR; r++) {
    const src = TILE + r * NR * 4;
    const dst = cp + r * ldc;
    let v0 = v128.load(src);
    let v1 = v128.load(src, 16);
    if (accumulate) {
      v0 = f32x4.add(v0, v128.load(dst));
      v1 = f32x4.add(v1, v128.load(dst, 16));
    }
    v128.store(dst, v0);
    v128.store(dst, v1, 16);
  }
}

/** Copies (or adds) the valid `rows × cols` corner of the scratch tile into C. */
function copyEdge(cp: usize, n: i32, rows: i32, cols: i32, accumulate: bool): void {
  for (let r = 0; r < rows; r++) {
    const src = TILE + <usize>(r * NR * 4);
    const dst = cp + <usize>r * <usize>n * 4;
    for (let j = 0; j < cols; j++) {
      const off = <usize>j * 4;
      const v = load<f32>(src + off);
      store<f32>(dst + off, accumulate ? load<f32>(dst + off) + v : v);
    }
  }
}

/** Zeroes the padding step `kc` of a packed strip `width` floats wide when `kp > kc`. */
// @ts-ignore: decorator
@inline
function padStep(strip: usize, kc: i32, kp: i32, width: i32): void {
  if (kp > kc) memory.fill(strip + <usize>(kc * width * 4), 0, <usize>width * 4);
}

/** Packs op(A)[ic:ic+mc, pc:pc+kc] from A stored [m,k] into MR-row strips, zero-padded. */
function packAN(a: usize, k: i32, pc: i32, ic: i32, kc: i32, kp: i32, mc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const strip = dst + <usize>(ir * kp * 4);
    padStep(strip, kc, kp, MR);
    const rows = min(MR, mc - ir);
    for (let r = 0; r < MR; r++) {
      let d = strip + <usize>r * 4;
      if (r < rows) {
        let s = a + (<usize>(ic + ir + r) * <usize>k + <usize>pc) * 4;
        for (let p = 0; p < kc; p++) {
          store<f32>(d, load<f32>(s));
          s += 4;
          d += MR * 4;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          store<f32>(d, 0);
          d += MR * 4;
        }
      }
    }
  }
}

/** Packs op(A)[ic:ic+mc, pc:pc+kc] from A stored [k,m] (transposed) into MR-row strips. */
function packAT(a: usize, m: i32, pc: i32, ic: i32, kc: i32, kp: i32, mc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    let d = dst + <usize>(ir * kp * 4);
    padStep(d, kc, kp, MR);
    const rows = min(MR, mc - ir);
    let s = a + (<usize>pc * <usize>m + <usize>(ic + ir)) * 4;
    const ld = <usize>m * 4;
    if (rows == MR) {
      for (let p = 0; p < kc; p++) {
        // Six contiguous floats: one vector and one 64-bit lane pair.
        v128.store(d, v128.load(s));
        store<u64>(d + 16, load<u64>(s + 16));
        s += ld;
        d += MR * 4;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) {
          store<f32>(d + <usize>r * 4, r < rows ? load<f32>(s + <usize>r * 4) : 0);
        }
        s += ld;
        d += MR * 4;
      }
    }
  }
}

/** Packs op(B)[pc:pc+kc, jc:jc+nc] from B stored [k,n] into NR-column strips, zero-padded. */
function packBN(b: usize, n: i32, pc: i32, jc: i32, kc: i32, kp: i32, nc: i32, dst: usize): void {
  const ld = <usize>n * 4;
  for (let jr = 0; jr < nc; jr += NR) {
    let d = dst + <usize>(jr * kp * 4);
    padStep(d, kc, kp, NR);
    const cols = min(NR, nc - jr);
    let s = b + (<usize>pc * <usize>n + <usize>(jc + jr)) * 4;
    if (cols == NR) {
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += ld;
        d += NR * 4;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let j = 0; j < NR; j++) {
          store<f32>(d + <usize>j * 4, j < cols ? load<f32>(s + <usize>j * 4) : 0);
        }
        s += ld;
        d += NR * 4;
      }
    }
  }
}

/** Packs op(B)[pc:pc+kc, jc:jc+nc] from B stored [n,k] (transposed) into NR-column strips. */
function packBT(b: usize, k: i32, pc: i32, jc: i32, kc: i32, kp: i32, nc: i32, dst: usize): void {
  const ld = <usize>k * 4;
  for (let jr = 0; jr < nc; jr += NR) {
    const strip = dst + <usize>(jr * kp * 4);
    padStep(strip, kc, kp, NR);
    const cols = min(NR, nc - jr);
    let p = 0;
    if (cols == NR) {
      // Four steps of eight rows at a time, transposed in registers (two 4×4 blocks).
      const s0 = b + (<usize>(jc + jr) * <usize>k + <usize>pc) * 4;
      for (; p + 4 <= kc; p += 4) {
        const s = s0 + <usize>p * 4;
        const d = strip + <usize>(p * NR * 4);
        transpose4(s, ld, d);
        transpose4(s + 4 * ld, ld, d + 16);
      }
    }
    for (; p < kc; p++) {
      const d = strip + <usize>(p * NR * 4);
      const s = b + (<usize>(jc + jr) * <usize>k + <usize>(pc + p)) * 4;
      for (let j = 0; j < NR; j++) {
        store<f32>(d + <usize>j * 4, j < cols ? load<f32>(s + <usize>j * ld) : 0);
      }
    }
  }
}

/**
 * Reads four rows of four floats (row stride `ld` bytes) at `s` and writes their
 * transpose as four vectors, `NR` floats apart, at `d`.
 */
// @ts-ignore: decorator
@inline
function transpose4(s: usize, ld: usize, d: usize): void {
  const r0 = v128.load(s);
  const r1 = v128.load(s + ld);
  const r2 = v128.load(s + 2 * ld);
  const r3 = v128.load(s + 3 * ld);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5); // a0 b0 a1 b1
  const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5); // c0 d0 c1 d1
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7); // a2 b2 a3 b3
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7); // c2 d2 c3 d3
  v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(d + NR * 4, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(d + 2 * NR * 4, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(d + 3 * NR * 4, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}
