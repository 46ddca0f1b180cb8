import { allocate, dtypeOf, type TypedArray } from "../tensor/dtype.js";
import { gemmReference } from "./gemm.js";

/** The activation a Dense kernel applies: 0 none, 1 ReLU. */
export type LinearAct = 0 | 1;

/** `Kernels.gemm`'s signature. */
export type GemmFn = (transA: boolean, transB: boolean, m: number, n: number, k: number, a: TypedArray, b: TypedArray, c: TypedArray) => void;

/**
 * Reference Dense forward: `y = act(x·Wᵀ + b)` with `x` `[batch,in]`, `W` `[out,in]`,
 * `b` `[out]` or null; `y` `[batch,out]` is overwritten.
 *
 * ```text
 * z = x·Wᵀ + b        (one add per element, rounded to the dtype)
 * relu(z) = z ≤ 0 ? 0 : z        (NaN passes, −0 → +0)
 * ```
 *
 * @param gemm - the product to use (default the TypeScript one)
 */
export function linearForwardReference(
  batch: number, out: number, inF: number, x: TypedArray, w: TypedArray, b: TypedArray | null, act: LinearAct, y: TypedArray,
  gemm: GemmFn = gemmReference,
): void {
  gemm(false, true, batch, out, inF, x, w, y);
  if (b !== null) {
    for (let row = 0; row < batch * out; row += out) {
      for (let j = 0; j < out; j++) y[row + j] += b[j];
    }
  }
  if (act === 1) {
    for (let i = 0; i < batch * out; i++) {
      const v = y[i];
      y[i] = v <= 0 ? 0 : v;
    }
  }
}

/**
 * Reference Dense backward for {@link linearForwardReference}: fills whichever of `gx`
 * `[batch,in]`, `gw` `[out,in]`, `gb` `[out]` is not null.
 *
 * ```text
 * G_z = G_y ⊙ act'(z)     relu'(z) = 1 if z > 0, 0 if z ≤ 0, NaN if z is NaN
 * G_x = G_z·W,   G_W = G_zᵀ·x,   G_b[j] = Σᵢ G_z[i,j]   (in double, rows in order, rounded once)
 * ```
 *
 * @param y - the forward's output (read for ReLU only: y > 0 ⇔ z > 0, y ≤ 0 ⇔ z ≤ 0)
 * @param accumulateW - add `G_W` into `gw` (one add per element, rounded) instead of overwriting it
 * @param accumulateB - likewise for `G_b` into `gb` (the sum rounded first, then added)
 */
export function linearBackwardReference(
  batch: number, out: number, inF: number, gy: TypedArray, y: TypedArray, act: LinearAct, x: TypedArray, w: TypedArray,
  gx: TypedArray | null, gw: TypedArray | null, gb: TypedArray | null,
  gemm: GemmFn = gemmReference,
  accumulateW = false,
  accumulateB = false,
): void {
  let gz = gy;
  if (act === 1) {
    gz = allocate(dtypeOf(gy), gy.length);
    for (let i = 0; i < gz.length; i++) {
      const v = y[i];
      gz[i] = v > 0 ? gy[i] : v <= 0 ? 0 : NaN;
    }
  }
  if (gx !== null) gemm(false, false, batch, inF, out, gz, w, gx);
  if (gw !== null) {
    if (accumulateW) {
      const t = allocate(dtypeOf(gw), gw.length);
      gemm(true, false, out, inF, batch, gz, x, t);
      for (let i = 0; i < t.length; i++) gw[i] += t[i];
    } else {
      gemm(true, false, out, inF, batch, gz, x, gw);
    }
  }
  if (gb !== null) {
    for (let j = 0; j < out; j++) {
      let s = 0;
      for (let i = j; i < batch * out; i += out) s += gz[i];
      if (accumulateB) {
        // Rounded to the dtype first, then added: the engine's `grad += g`.
        const r = gb instanceof Float32Array ? Math.fround(s) : s;
        gb[j] += r;
      } else {
        gb[j] = s;
      }
    }
  }
}
