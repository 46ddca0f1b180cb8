// f64 matrix multiply with f64x2 SIMD, in every transpose variant:
//
//   C = op(A) · op(B),   op(A) [m,k] (A stored [k,m] when transA),
//                        op(B) [k,n] (B stored [n,k] when transB),   C [m,n] overwritten,
//
// all row-major; `gemm64Block` computes any block of C's rows and columns alone.
//
// Every element of C is summed over p = 0, 1, …, k−1 in order from +0, one multiply and one
// add per step (no FMA), exactly as `gemmReference` in src/kernels/gemm.ts does in float64:
// the results are bit for bit the TypeScript reference's. Blocked as in GotoBLAS (as the f32
// gemm.ts): a KC64×NC64 panel of op(B) and an MC64×KC64 block of op(A) are packed into
// NR64-column and MR64-row strips, and a 6×4 register tile (twelve f64x2 accumulators) does
// the arithmetic. Blocking k keeps the order because an f64 accumulator stored to C and
// loaded back is the same f64: the micro-kernel starts each KC64 block from the partial sums
// the previous block left in C (C is zeroed first), so every element still sees the steps
// p = 0 … k−1 in order in one running sum. A block of odd length is padded with a zero step
// (0·0 = +0 leaves every sum unchanged: a running sum from +0 is never −0). Edge tiles
// (fewer than 6 rows or 4 columns) run the same kernel on a tile in the workspace, zero-padded.

const MR64: i32 = 6;
const NR64: i32 = 4;
/** Steps of k per packed block, rows of op(A) per packed block, columns of op(B) per panel. */
const KC64: i32 = 256;
const MC64: i32 = 48;
const NC64: i32 = 256;
const TILE_BYTES: usize = <usize>(MR64 * NR64 * 8);

/**
 * Bytes of workspace `gemm64` needs for inner dimension `k`: packed B panel, packed A block,
 * an edge tile.
 */
export function workspaceBytes64(k: i32): usize {
  const kp = <usize>((min(max(k, 1), KC64) + 1) & ~1);
  return <usize>(NC64 + MC64) * kp * 8 + TILE_BYTES;
}

/**
 * `C = op(A) · op(B)` on f64 arrays at byte addresses `a`, `b`, `c` (8-byte aligned,
 * row-major, no padding between rows). `work` must point at `workspaceBytes64(k)` bytes,
 * 16-byte aligned, overlapping none of the operands.
 */
export function gemm64(transA: bool, transB: bool, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, work: usize): void {
  gemm64Block(transA, transB, m, n, k, a, b, c, work, 0, m, 0, n);
}

/**
 * {@link gemm64} restricted to the block `C[i0:i1, j0:j1]` (the rest of C is not touched),
 * as `gemmBlock` for f32. Every element is the same in-order sum whatever the block, so
 * threads that each compute a block of C give the single-threaded result bit for bit.
 */
export function gemm64Block(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, work: usize,
  i0: i32, i1: i32, j0: i32, j1: i32,
): void {
  // Element strides of A(i, p) and B(p, j) in their stored layouts.
  const sai: usize = transA ? 1 : <usize>k;
  const sap: usize = transA ? <usize>m : 1;
  const sbp: usize = transB ? 1 : <usize>n;
  const sbj: usize = transB ? <usize>k : 1;
  gemm64Strided(
    i1 - i0, j1 - j0, k,
    a + <usize>i0 * sai * 8, sai, sap, b + <usize>j0 * sbj * 8, sbp, sbj,
    c + (<usize>i0 * <usize>n + <usize>j0) * 8, <usize>n * 8, work,
  );
}

/**
 * `C = A · B` for `m × k` A with element strides `sai` (rows) and `sap` (steps), `k × n` B
 * with `sbp` (steps) and `sbj` (columns), and `m × n` C with rows `cRow` bytes apart.
 */
function gemm64Strided(
  m: i32, n: i32, k: i32, a: usize, sai: usize, sap: usize, b: usize, sbp: usize, sbj: usize, c: usize, cRow: usize, work: usize,
): void {
  if (m <= 0 || n <= 0) return;
  for (let i = 0; i < m; i++) memory.fill(c + <usize>i * cRow, 0, <usize>n * 8);
  if (k <= 0) return;
  const kcMax = (min(k, KC64) + 1) & ~1;
  const packedB = work;
  const packedA = work + <usize>NC64 * <usize>kcMax * 8;
  const tile = packedA + <usize>MC64 * <usize>kcMax * 8;
  for (let jc = 0; jc < n; jc += NC64) {
    const nc = min(NC64, n - jc);
    for (let pc = 0; pc < k; pc += KC64) {
      const kc = min(KC64, k - pc);
      const kp = (kc + 1) & ~1;
      packB(b + (<usize>pc * sbp + <usize>jc * sbj) * 8, sbp, sbj, nc, kc, kp, packedB);
      for (let ic = 0; ic < m; ic += MC64) {
        const mc = min(MC64, m - ic);
        packA(a + (<usize>ic * sai + <usize>pc * sap) * 8, sai, sap, mc, kc, kp, packedA);
        for (let jr = 0; jr < nc; jr += NR64) {
          const cols = min(NR64, nc - jr);
          const bp = packedB + <usize>jr * <usize>kp * 8;
          for (let ir = 0; ir < mc; ir += MR64) {
            const rows = min(MR64, mc - ir);
            const ap = packedA + <usize>ir * <usize>kp * 8;
            const cp = c + <usize>(ic + ir) * cRow + <usize>(jc + jr) * 8;
            if (rows == MR64 && cols == NR64) {
              microKernel64(kp, ap, bp, cp, cRow);
            } else {
              edgeIn(cp, cRow, rows, cols, tile);
              microKernel64(kp, ap, bp, tile, NR64 * 8);
              edgeOut(cp, cRow, rows, cols, tile);
            }
          }
        }
      }
    }
  }
}

/** Copies the valid `rows × cols` corner of C at `cp` into the 6×4 tile, zeros elsewhere. */
function edgeIn(cp: usize, cRow: usize, rows: i32, cols: i32, tile: usize): void {
  memory.fill(tile, 0, TILE_BYTES);
  for (let r = 0; r < rows; r++) {
    memory.copy(tile + <usize>(r * NR64 * 8), cp + <usize>r * cRow, <usize>cols * 8);
  }
}

/** Copies the valid `rows × cols` corner of the tile back to C at `cp`. */
function edgeOut(cp: usize, cRow: usize, rows: i32, cols: i32, tile: usize): void {
  for (let r = 0; r < rows; r++) {
    memory.copy(cp + <usize>r * cRow, tile + <usize>(r * NR64 * 8), <usize>cols * 8);
  }
}

/**
 * The 6×4 tile of C at `cp` (row stride `cRow` bytes) plus Ap · Bp over `kp` steps (even),
 * each element one running sum continued in order: the accumulators are loaded from C,
 * one multiply and one add per step, and stored back. Two steps per iteration.
 */
function microKernel64(kp: i32, ap: usize, bp: usize, cp: usize, cRow: usize): void {
  let c00 = v128.load(cp);
  let c01 = v128.load(cp, 16);
  let c10 = v128.load(cp + cRow);
  let c11 = v128.load(cp + cRow, 16);
  let c20 = v128.load(cp + 2 * cRow);
  let c21 = v128.load(cp + 2 * cRow, 16);
  let c30 = v128.load(cp + 3 * cRow);
  let c31 = v128.load(cp + 3 * cRow, 16);
  let c40 = v128.load(cp + 4 * cRow);
  let c41 = v128.load(cp + 4 * cRow, 16);
  let c50 = v128.load(cp + 5 * cRow);
  let c51 = v128.load(cp + 5 * cRow, 16);
  let b0: v128;
  let b1: v128;
  let av: v128;
  for (let p = 0; p < kp; p += 2) {
    b0 = v128.load(bp, 0);
    b1 = v128.load(bp, 16);
    av = v128.load64_splat(ap, 0);
    c00 = f64x2.add(c00, f64x2.mul(av, b0));
    c01 = f64x2.add(c01, f64x2.mul(av, b1));
    av = v128.load64_splat(ap, 8);
    c10 = f64x2.add(c10, f64x2.mul(av, b0));
    c11 = f64x2.add(c11, f64x2.mul(av, b1));
    av = v128.load64_splat(ap, 16);
    c20 = f64x2.add(c20, f64x2.mul(av, b0));
    c21 = f64x2.add(c21, f64x2.mul(av, b1));
    av = v128.load64_splat(ap, 24);
    c30 = f64x2.add(c30, f64x2.mul(av, b0));
    c31 = f64x2.add(c31, f64x2.mul(av, b1));
    av = v128.load64_splat(ap, 32);
    c40 = f64x2.add(c40, f64x2.mul(av, b0));
    c41 = f64x2.add(c41, f64x2.mul(av, b1));
    av = v128.load64_splat(ap, 40);
    c50 = f64x2.add(c50, f64x2.mul(av, b0));
    c51 = f64x2.add(c51, f64x2.mul(av, b1));
    b0 = v128.load(bp, 32);
    b1 = v128.load(bp, 48);
    av = v128.load64_splat(ap, 48);
    c00 = f64x2.add(c00, f64x2.mul(av, b0));
    c01 = f64x2.add(c01, f64x2.mul(av, b1));
    av = v128.load64_splat(ap, 56);
    c10 = f64x2.add(c10, f64x2.mul(av, b0));
    c11 = f64x2.add(c11, f64x2.mul(av, b1));
    av = v128.load64_splat(ap, 64);
    c20 = f64x2.add(c20, f64x2.mul(av, b0));
    c21 = f64x2.add(c21, f64x2.mul(av, b1));
    av = v128.load64_splat(ap, 72);
    c30 = f64x2.add(c30, f64x2.mul(av, b0));
    c31 = f64x2.add(c31, f64x2.mul(av, b1));
    av = v128.load64_splat(ap, 80);
    c40 = f64x2.add(c40, f64x2.mul(av, b0));
    c41 = f64x2.add(c41, f64x2.mul(av, b1));
    av = v128.load64_splat(ap, 88);
    c50 = f64x2.add(c50, f64x2.mul(av, b0));
    c51 = f64x2.add(c51, f64x2.mul(av, b1));
    ap += 96;
    bp += 64;
  }
  v128.store(cp, c00);
  v128.store(cp, c01, 16);
  v128.store(cp + cRow, c10);
  v128.store(cp + cRow, c11, 16);
  v128.store(cp + 2 * cRow, c20);
  v128.store(cp + 2 * cRow, c21, 16);
  v128.store(cp + 3 * cRow, c30);
  v128.store(cp + 3 * cRow, c31, 16);
  v128.store(cp + 4 * cRow, c40);
  v128.store(cp + 4 * cRow, c41, 16);
  v128.store(cp + 5 * cRow, c50);
  v128.store(cp + 5 * cRow, c51, 16);
}

/**
 * Packs `mc` rows × `kc` steps of op(A), starting at `a` (element strides `sai` between rows,
 * `sap` between steps), into MR64-row strips of `kp` steps, zero rows past `mc` and a zero step
 * past `kc`.
 */
function packA(a: usize, sai: usize, sap: usize, mc: i32, kc: i32, kp: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR64) {
    const strip = dst + <usize>ir * <usize>kp * 8;
    const rows = min(MR64, mc - ir);
    if (sai == 1 && rows == MR64) {
      // op(A) = Aᵀ: the six rows of a step are contiguous.
      let s = a + <usize>ir * 8;
      let d = strip;
      const step = sap * 8;
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        v128.store(d, v128.load(s, 32), 32);
        s += step;
        d += MR64 * 8;
      }
    } else {
      for (let r = 0; r < MR64; r++) {
        let d = strip + <usize>r * 8;
        if (r < rows) {
          let s = a + <usize>(ir + r) * sai * 8;
          const step = sap * 8;
          for (let p = 0; p < kc; p++) {
            store<f64>(d, load<f64>(s));
            s += step;
            d += MR64 * 8;
          }
        } else {
          for (let p = 0; p < kc; p++) {
            store<f64>(d, 0);
            d += MR64 * 8;
          }
        }
      }
    }
    if (kp > kc) memory.fill(strip + <usize>kc * MR64 * 8, 0, <usize>MR64 * 8);
  }
}

/**
 * Packs `kc` steps × `nc` columns of op(B), starting at `b` (element strides `sbp` between
 * steps, `sbj` between columns), into NR64-column strips of `kp` steps, zero columns past
 * `nc` and a zero step past `kc`.
 */
function packB(b: usize, sbp: usize, sbj: usize, nc: i32, kc: i32, kp: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR64) {
    const strip = dst + <usize>jr * <usize>kp * 8;
    const cols = min(NR64, nc - jr);
    if (sbj == 1 && cols == NR64) {
      // op(B) = B: the four columns of a step are contiguous.
      let s = b + <usize>jr * 8;
      let d = strip;
      const step = sbp * 8;
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += step;
        d += NR64 * 8;
      }
    } else {
      for (let j = 0; j < NR64; j++) {
        let d = strip + <usize>j * 8;
        if (j < cols) {
          let s = b + <usize>(jr + j) * sbj * 8;
          const step = sbp * 8;
          for (let p = 0; p < kc; p++) {
            store<f64>(d, load<f64>(s));
            s += step;
            d += NR64 * 8;
          }
        } else {
          for (let p = 0; p < kc; p++) {
            store<f64>(d, 0);
            d += NR64 * 8;
          }
        }
      }
    }
    if (kp > kc) memory.fill(strip + <usize>kc * NR64 * 8, 0, <usize>NR64 * 8);
  }
}
