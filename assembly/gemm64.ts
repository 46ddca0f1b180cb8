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
// NR64-column and MR64-row strips, and a 5×4 register tile (ten f64x2 accumulators) does
// the arithmetic. Blocking k keeps the order because an f64 accumulator stored to C and
// loaded back is the same f64: the micro-kernel starts each KC64 block from the partial sums
// the previous block left in C (C is zeroed first), so every element still sees the steps
// p = 0 … k−1 in order in one running sum. Edge tiles (fewer than 5 rows or 4 columns) run the
// same kernel on a tile in the workspace, zero-padded.
//
// Why 5×4, one step per iteration: the kernel needs accumulators + two B vectors + one A
// broadcast + one product, and V8 allocates 15 of x64's 16 xmm registers. 6×4 needs 16 (and
// unrolled two steps, Binaryen interleaves the steps so both steps' B vectors are live: V8
// spilled five accumulators to the stack every iteration); 5×4 needs 14 and ran ~8 % faster
// than 6×4 unrolled, ~60 % faster than 6×4 not unrolled (the MLP's products, one run).

const MR64: i32 = 5;
const NR64: i32 = 4;
/** Steps of k per packed block, rows of op(A) per packed block, columns of op(B) per panel. */
const KC64: i32 = 256;
const MC64: i32 = 45;
const NC64: i32 = 256;
const TILE_BYTES: usize = <usize>(MR64 * NR64 * 8);

/**
 * Bytes of workspace `gemm64` needs for inner dimension `k`: packed B panel, packed A block,
 * an edge tile.
 */
export function workspaceBytes64(k: i32): usize {
  return <usize>(NC64 + MC64) * <usize>min(max(k, 1), KC64) * 8 + TILE_BYTES;
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
  block64(transA, transB, m, n, k, a, b, c, work, i0, i1, j0, j1, false);
}

/** {@link gemm64Block}, or with `addToC` (k ≤ KC64 only) the block's product added to C. */
function block64(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, work: usize,
  i0: i32, i1: i32, j0: i32, j1: i32, addToC: bool,
): void {
  // Element strides of A(i, p) and B(p, j) in their stored layouts.
  const sai: usize = transA ? 1 : <usize>k;
  const sap: usize = transA ? <usize>m : 1;
  const sbp: usize = transB ? 1 : <usize>n;
  const sbj: usize = transB ? <usize>k : 1;
  gemm64Strided(
    i1 - i0, j1 - j0, k,
    a + <usize>i0 * sai * 8, sai, sap, b + <usize>j0 * sbj * 8, sbp, sbj,
    c + (<usize>i0 * <usize>n + <usize>j0) * 8, <usize>n * 8, work, addToC,
  );
}

/**
 * `C[block] += (op(A)·op(B))[block]`: the finished product, then one add per element, as
 * `gw[i] += t[i]` in `linearBackwardReference`. With k ≤ KC64 the product is one KC64 block,
 * so each finished tile is added straight into C (the same two operations); a longer k sums
 * into `temp` (laid out as C) first, then adds.
 */
export function gemm64AddBlock(
  transA: bool, transB: bool, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, temp: usize, work: usize,
  i0: i32, i1: i32, j0: i32, j1: i32,
): void {
  if (k > 0 && k <= KC64) {
    block64(transA, transB, m, n, k, a, b, c, work, i0, i1, j0, j1, true);
    return;
  }
  gemm64Block(transA, transB, m, n, k, a, b, temp, work, i0, i1, j0, j1);
  for (let i = i0; i < i1; i++) {
    const off = (<usize>i * <usize>n + <usize>j0) * 8;
    addInto64(c + off, temp + off, j1 - j0);
  }
}

/** `dst[i] += src[i]` for `n` f64. */
export function addInto64(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const off = <usize>i * 8;
    v128.store(dst + off, f64x2.add(v128.load(dst + off), v128.load(src + off)));
  }
  for (; i < n; i++) {
    const off = <usize>i * 8;
    store<f64>(dst + off, load<f64>(dst + off) + load<f64>(src + off));
  }
}

/**
 * `C = A · B` for `m × k` A with element strides `sai` (rows) and `sap` (steps), `k × n` B
 * with `sbp` (steps) and `sbj` (columns), and `m × n` C with rows `cRow` bytes apart. With
 * `addToC` (only for k ≤ KC64, one block) each tile is summed from +0 and then added to C.
 */
function gemm64Strided(
  m: i32, n: i32, k: i32, a: usize, sai: usize, sap: usize, b: usize, sbp: usize, sbj: usize, c: usize, cRow: usize, work: usize,
  addToC: bool,
): void {
  if (m <= 0 || n <= 0) return;
  if (!addToC) for (let i = 0; i < m; i++) memory.fill(c + <usize>i * cRow, 0, <usize>n * 8);
  if (k <= 0) return;
  const kcMax = min(k, KC64);
  const packedB = work;
  const packedA = work + <usize>NC64 * <usize>kcMax * 8;
  const tile = packedA + <usize>MC64 * <usize>kcMax * 8;
  for (let jc = 0; jc < n; jc += NC64) {
    const nc = min(NC64, n - jc);
    for (let pc = 0; pc < k; pc += KC64) {
      const kc = min(KC64, k - pc);
      packB(b + (<usize>pc * sbp + <usize>jc * sbj) * 8, sbp, sbj, nc, kc, packedB);
      for (let ic = 0; ic < m; ic += MC64) {
        const mc = min(MC64, m - ic);
        packA(a + (<usize>ic * sai + <usize>pc * sap) * 8, sai, sap, mc, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR64) {
          const cols = min(NR64, nc - jr);
          const bp = packedB + <usize>jr * <usize>kc * 8;
          for (let ir = 0; ir < mc; ir += MR64) {
            const rows = min(MR64, mc - ir);
            const ap = packedA + <usize>ir * <usize>kc * 8;
            const cp = c + <usize>(ic + ir) * cRow + <usize>(jc + jr) * 8;
            if (addToC) {
              memory.fill(tile, 0, TILE_BYTES);
              microKernel64(kc, ap, bp, tile, NR64 * 8);
              addTile(cp, cRow, rows, cols, tile);
            } else if (rows == MR64 && cols == NR64) {
              microKernel64(kc, ap, bp, cp, cRow);
            } else {
              edgeIn(cp, cRow, rows, cols, tile);
              microKernel64(kc, ap, bp, tile, NR64 * 8);
              edgeOut(cp, cRow, rows, cols, tile);
            }
          }
        }
      }
    }
  }
}

/** Copies the valid `rows × cols` corner of C at `cp` into the 5×4 tile, zeros elsewhere. */
function edgeIn(cp: usize, cRow: usize, rows: i32, cols: i32, tile: usize): void {
  memory.fill(tile, 0, TILE_BYTES);
  for (let r = 0; r < rows; r++) {
    memory.copy(tile + <usize>(r * NR64 * 8), cp + <usize>r * cRow, <usize>cols * 8);
  }
}

/** Adds the valid `rows × cols` corner of the tile into C at `cp`. */
function addTile(cp: usize, cRow: usize, rows: i32, cols: i32, tile: usize): void {
  for (let r = 0; r < rows; r++) addInto64(cp + <usize>r * cRow, tile + <usize>(r * NR64 * 8), cols);
}

/** Copies the valid `rows × cols` corner of the tile back to C at `cp`. */
function edgeOut(cp: usize, cRow: usize, rows: i32, cols: i32, tile: usize): void {
  for (let r = 0; r < rows; r++) {
    memory.copy(cp + <usize>r * cRow, tile + <usize>(r * NR64 * 8), <usize>cols * 8);
  }
}

/**
 * The 5×4 tile of C at `cp` (row stride `cRow` bytes) plus Ap · Bp over `kc` steps,
 * each element one running sum continued in order: the accumulators are loaded from C,
 * one multiply and one add per step, and stored back.
 */
function microKernel64(kc: i32, ap: usize, bp: usize, cp: usize, cRow: usize): void {
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
  let b0: v128;
  let b1: v128;
  let av: v128;
  for (let p = 0; p < kc; p++) {
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
    ap += 40;
    bp += 32;
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
}

/**
 * Packs `mc` rows × `kc` steps of op(A), starting at `a` (element strides `sai` between rows,
 * `sap` between steps), into MR64-row strips, zero rows past `mc`.
 */
function packA(a: usize, sai: usize, sap: usize, mc: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR64) {
    const strip = dst + <usize>ir * <usize>kc * 8;
    const rows = min(MR64, mc - ir);
    if (sai == 1 && rows == MR64) {
      // op(A) = Aᵀ: the five rows of a step are contiguous.
      let s = a + <usize>ir * 8;
      let d = strip;
      const step = sap * 8;
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        store<f64>(d + 32, load<f64>(s + 32));
        s += step;
        d += MR64 * 8;
      }
    } else if (sap == 1 && rows == MR64) {
      // op(A) = A: each row is contiguous; two steps at a time, transposed in registers.
      const s0 = a + <usize>ir * sai * 8;
      const ld = sai * 8;
      let p = 0;
      for (; p + 2 <= kc; p += 2) {
        const s = s0 + <usize>p * 8;
        const d = strip + <usize>p * MR64 * 8;
        const r0 = v128.load(s);
        const r1 = v128.load(s + ld);
        const r2 = v128.load(s + 2 * ld);
        const r3 = v128.load(s + 3 * ld);
        const r4 = v128.load(s + 4 * ld);
        v128.store(d, v128.shuffle<f64>(r0, r1, 0, 2));
        v128.store(d, v128.shuffle<f64>(r2, r3, 0, 2), 16);
        v128.store(d, v128.shuffle<f64>(r4, r0, 0, 3), 32);
        v128.store(d, v128.shuffle<f64>(r1, r2, 1, 3), 48);
        v128.store(d, v128.shuffle<f64>(r3, r4, 1, 3), 64);
      }
      for (; p < kc; p++) {
        const s = s0 + <usize>p * 8;
        const d = strip + <usize>p * MR64 * 8;
        for (let r = 0; r < MR64; r++) store<f64>(d + <usize>r * 8, load<f64>(s + <usize>r * ld));
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
  }
}

/**
 * Packs `kc` steps × `nc` columns of op(B), starting at `b` (element strides `sbp` between
 * steps, `sbj` between columns), into NR64-column strips, zero columns past `nc`.
 */
function packB(b: usize, sbp: usize, sbj: usize, nc: i32, kc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR64) {
    const strip = dst + <usize>jr * <usize>kc * 8;
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
    } else if (sbp == 1 && cols == NR64) {
      // op(B) = Bᵀ: each column is contiguous; two steps at a time, transposed in registers.
      const s0 = b + <usize>jr * sbj * 8;
      const ld = sbj * 8;
      let p = 0;
      for (; p + 2 <= kc; p += 2) {
        const s = s0 + <usize>p * 8;
        const d = strip + <usize>p * NR64 * 8;
        const r0 = v128.load(s);
        const r1 = v128.load(s + ld);
        const r2 = v128.load(s + 2 * ld);
        const r3 = v128.load(s + 3 * ld);
        v128.store(d, v128.shuffle<f64>(r0, r1, 0, 2));
        v128.store(d, v128.shuffle<f64>(r2, r3, 0, 2), 16);
        v128.store(d, v128.shuffle<f64>(r0, r1, 1, 3), 32);
        v128.store(d, v128.shuffle<f64>(r2, r3, 1, 3), 48);
      }
      for (; p < kc; p++) {
        const s = s0 + <usize>p * 8;
        const d = strip + <usize>p * NR64 * 8;
        for (let j = 0; j < NR64; j++) store<f64>(d + <usize>j * 8, load<f64>(s + <usize>j * ld));
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
  }
}
