// f64 matrix multiply with f64x2 SIMD, in every transpose variant:
//
//   C = op(A) · op(B),   op(A) [m,k] (A stored [k,m] when transA),
//                        op(B) [k,n] (B stored [n,k] when transB),   C [m,n] overwritten.
//
// Every element of C is summed over p = 0, 1, …, k−1 in order from +0, one multiply and one
// add per step (no FMA), exactly as `gemmReference` in src/kernels/gemm.ts does in float64:
// the results are bit for bit the TypeScript reference's. So k is not blocked (a partial sum
// added later would change the order); panels of op(B) (NC64 columns × k) and blocks of op(A)
// (MC64 rows × k) are packed into MR64-row and NR64-column strips, and a 6×4 register tile
// (twelve f64x2 accumulators) does the arithmetic. Edge tiles are zero-padded and only their
// valid part is stored.

const MR64: i32 = 6;
const NR64: i32 = 4;
/** Columns of op(B) per packed panel, rows of op(A) per packed block. */
const NC64: i32 = 64;
const MC64: i32 = 48;

/** Bytes of the scratch tile the micro-kernel writes (the end of the workspace). */
const TILE64_BYTES: usize = <usize>(MR64 * NR64 * 8);
/**
 * Address of the scratch tile, set on every call from the workspace: a global is per
 * instance, so threads sharing one memory each use their own (static data would be shared).
 */
let TILE64: usize = 0;

/** Bytes of workspace `gemm64` needs for inner dimension `k` (packed B panel, then packed A block). */
export function workspaceBytes64(k: i32): usize {
  return <usize>(NC64 + MC64) * <usize>max(k, 1) * 8 + TILE64_BYTES;
}

/**
 * `C = op(A) · op(B)` on f64 arrays at byte addresses `a`, `b`, `c` (8-byte aligned,
 * row-major). `work` must point at `workspaceBytes64(k)` bytes, 16-byte aligned, overlapping
 * none of the operands.
 */
export function gemm64(transA: bool, transB: bool, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, work: usize): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    memory.fill(c, 0, <usize>m * <usize>n * 8);
    return;
  }
  const packedB = work;
  const packedA = work + <usize>NC64 * <usize>k * 8;
  TILE64 = packedA + <usize>MC64 * <usize>k * 8;
  // Element strides of A(i, p) and B(p, j) in their stored layouts.
  const sai: usize = transA ? 1 : <usize>k;
  const sap: usize = transA ? <usize>m : 1;
  const sbp: usize = transB ? 1 : <usize>n;
  const sbj: usize = transB ? <usize>k : 1;
  for (let jc = 0; jc < n; jc += NC64) {
    const nc = min(NC64, n - jc);
    packB(b, sbp, sbj, jc, nc, k, packedB);
    for (let ic = 0; ic < m; ic += MC64) {
      const mc = min(MC64, m - ic);
      packA(a, sai, sap, ic, mc, k, packedA);
      for (let jr = 0; jr < nc; jr += NR64) {
        const cols = min(NR64, nc - jr);
        const bp = packedB + <usize>jr * <usize>k * 8;
        for (let ir = 0; ir < mc; ir += MR64) {
          const rows = min(MR64, mc - ir);
          microKernel64(k, packedA + <usize>ir * <usize>k * 8, bp);
          const cp = c + (<usize>(ic + ir) * <usize>n + <usize>(jc + jr)) * 8;
          for (let r = 0; r < rows; r++) {
            const src = TILE64 + <usize>(r * NR64 * 8);
            const dst = cp + <usize>r * <usize>n * 8;
            if (cols == NR64) {
              v128.store(dst, v128.load(src));
              v128.store(dst, v128.load(src, 16), 16);
            } else {
              for (let j = 0; j < cols; j++) store<f64>(dst + <usize>j * 8, load<f64>(src + <usize>j * 8));
            }
          }
        }
      }
    }
  }
}

/** `TILE64 = Ap · Bp`, a 6×4 product over `k` steps, each element summed in order from +0. */
function microKernel64(k: i32, ap: usize, bp: usize): void {
  let c00 = f64x2.splat(0);
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
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(bp, 0);
    const b1 = v128.load(bp, 16);
    let av = v128.load64_splat(ap, 0);
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
    ap += 48;
    bp += 32;
  }
  const t = TILE64;
  v128.store(t, c00, 0);
  v128.store(t, c01, 16);
  v128.store(t, c10, 32);
  v128.store(t, c11, 48);
  v128.store(t, c20, 64);
  v128.store(t, c21, 80);
  v128.store(t, c30, 96);
  v128.store(t, c31, 112);
  v128.store(t, c40, 128);
  v128.store(t, c41, 144);
  v128.store(t, c50, 160);
  v128.store(t, c51, 176);
}

/** Packs op(A)[ic:ic+mc, 0:k] into MR64-row strips (step-major), zero rows past `mc`. */
function packA(a: usize, sai: usize, sap: usize, ic: i32, mc: i32, k: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR64) {
    const strip = dst + <usize>ir * <usize>k * 8;
    const rows = min(MR64, mc - ir);
    for (let r = 0; r < MR64; r++) {
      let d = strip + <usize>r * 8;
      if (r < rows) {
        let s = a + <usize>(ic + ir + r) * sai * 8;
        const step = sap * 8;
        for (let p = 0; p < k; p++) {
          store<f64>(d, load<f64>(s));
          s += step;
          d += MR64 * 8;
        }
      } else {
        for (let p = 0; p < k; p++) {
          store<f64>(d, 0);
          d += MR64 * 8;
        }
      }
    }
  }
}

/** Packs op(B)[0:k, jc:jc+nc] into NR64-column strips (step-major), zero columns past `nc`. */
function packB(b: usize, sbp: usize, sbj: usize, jc: i32, nc: i32, k: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR64) {
    const strip = dst + <usize>jr * <usize>k * 8;
    const cols = min(NR64, nc - jr);
    for (let j = 0; j < NR64; j++) {
      let d = strip + <usize>j * 8;
      if (j < cols) {
        let s = b + <usize>(jc + jr + j) * sbj * 8;
        const step = sbp * 8;
        for (let p = 0; p < k; p++) {
          store<f64>(d, load<f64>(s));
          s += step;
          d += NR64 * 8;
        }
      } else {
        for (let p = 0; p < k; p++) {
          store<f64>(d, 0);
          d += NR64 * 8;
        }
      }
    }
  }
}
