import { allocate, type TypedArray } from "../../tensor/dtype.js";
import { normalizeAxis, splitAtAxis } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { sliceLse, type SliceLse } from "../log-sum-exp.js";
import { record } from "../node.js";

/** Per slice of `[outer, len, inner]`: the dominant index, the maximum, and q = 1 − softmax there. */
interface Dominant {
  readonly k: Int32Array;
  readonly m: Float64Array;
  readonly q: Float64Array;
}

/** Writes log-softmax (or softmax) along the middle axis of `[outer, len, inner]` into `y`. */
function forward(x: TypedArray, y: TypedArray, outer: number, len: number, inner: number, probs: boolean): Dominant {
  const k = new Int32Array(outer * inner);
  const m = new Float64Array(outer * inner);
  const q = new Float64Array(outer * inner);
  const s: SliceLse = { k: 0, m: 0, l: 0, q: 0 };
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * len * inner + j;
      sliceLse(x, base, len, inner, s);
      const r = o * inner + j;
      k[r] = s.k;
      m[r] = s.m;
      q[r] = s.q;
      if (probs) {
        const scale = 1 - s.q; // 1 / (1 + t)
        for (let i = 0; i < len; i++) y[base + i * inner] = Math.exp(x[base + i * inner] - s.m) * scale;
        if (!Number.isNaN(s.m)) y[base + s.k * inner] = scale;
      } else {
        for (let i = 0; i < len; i++) y[base + i * inner] = x[base + i * inner] - s.m - s.l;
      }
    }
  }
  return { k, m, q };
}

function resolve(op: string, x: Tensor, axis: number): [number, number, number, number] {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${typeof x}`);
  const ax = normalizeAxis(op, axis, x.shape);
  return [...splitAtAxis(x.shape, ax), ax];
}

/**
 * Log of the softmax along one axis, in the shift-invariant form (see `SliceLse` in `log-sum-exp.ts`):
 * never overflows for ±1e4 logits, is unchanged by a common offset, and keeps the dominant
 * class's value to a few ulps (−1.8715e-13 for [30, 0, 0], exactly as the maths).
 *
 * ```text
 * logSoftmax(x)ᵢ = xᵢ − log Σⱼ exp(xⱼ) = (xᵢ − m) − log1p(t)
 * ∂/∂xᵢ = gᵢ − softmax(x)ᵢ · Σⱼ gⱼ;  at the dominant class k, −Σ_{j≠k} gⱼ + q·Σⱼ gⱼ
 *         (q = 1 − softmax(x)_k, so no 1 − p cancels)
 * ```
 *
 * A slice of all −∞ gives NaN; a NaN anywhere in a slice makes the whole slice NaN.
 *
 * @param axis - default −1 (the last axis)
 * @throws Error when `axis` is out of range
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const [outer, len, inner, ax] = resolve("logSoftmax", x, axis);
  const y = allocate(x.dtype, x.size);
  const xd = x.data;
  const dom = forward(xd, y, outer, len, inner, false);
  return record(y, x.shape, [x], "logSoftmax", (gy) => {
    const gx = allocate(x.dtype, x.size);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * len * inner + j;
        const k = dom.k[o * inner + j];
        let s = 0;
        let others = 0;
        for (let i = 0; i < len; i++) {
          const g = gy[base + i * inner];
          s += g;
          if (i !== k) others += g;
        }
        // softmax from the input, exp(xᵢ − m)·(1 − q): exp(yᵢ) would magnify yᵢ's rounding.
        const m = dom.m[o * inner + j];
        const q = dom.q[o * inner + j];
        for (let i = 0; i < len; i++) {
          const at = base + i * inner;
          gx[at] = gy[at] - Math.exp(xd[at] - m) * (1 - q) * s;
        }
        gx[base + k * inner] = q * s - others + 0; // + 0: a +0 rather than −0 when p = 1
      }
    }
    return [gx];
  }, (gy, out) => [gy.sub(out.exp().mul(gy.sum(ax, { keepDims: true })))]);
}

/**
 * Softmax along one axis, in the shift-invariant form (see `SliceLse` in `log-sum-exp.ts`): the dominant
 * class's probability is 1/(1 + t), the others exp(xᵢ − m)/(1 + t).
 *
 * ```text
 * softmax(x)ᵢ = exp(xᵢ) / Σⱼ exp(xⱼ)
 * ∂/∂xᵢ = yᵢ · (gᵢ − Σⱼ gⱼ yⱼ);  at the dominant class k the bracket is
 *         q·g_k − Σ_{j≠k} gⱼ yⱼ   (q = 1 − y_k, so no 1 − p cancels)
 * ```
 *
 * @param axis - default −1 (the last axis)
 * @throws Error when `axis` is out of range
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  const [outer, len, inner, ax] = resolve("softmax", x, axis);
  const y = allocate(x.dtype, x.size);
  const dom = forward(x.data, y, outer, len, inner, true);
  return record(y, x.shape, [x], "softmax", (gy) => {
    const gx = allocate(x.dtype, x.size);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * len * inner + j;
        const k = dom.k[o * inner + j];
        let s = 0;
        let others = 0;
        for (let i = 0; i < len; i++) {
          const at = base + i * inner;
          const gyy = gy[at] * y[at];
          s += gyy;
          if (i !== k) others += gyy;
        }
        for (let i = 0; i < len; i++) {
          const at = base + i * inner;
          gx[at] = y[at] * (gy[at] - s);
        }
        const at = base + k * inner;
        gx[at] = y[at] * (dom.q[o * inner + j] * gy[at] - others);
      }
    }
    return [gx];
  }, (gy, out) => [out.mul(gy.sub(gy.mul(out).sum(ax, { keepDims: true })))]);
}
