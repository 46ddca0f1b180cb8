import { allocate, type TypedArray } from "../../tensor/dtype.js";
import { normalizeAxis, splitAtAxis } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { record } from "../node.js";

/**
 * Writes log-softmax along the middle axis of `[outer, len, inner]` into `y`, stably:
 * `y = x − m − log Σ exp(x − m)` with `m` the slice maximum. A slice of all −∞ gives NaN,
 * as the maths (0/0) does; a NaN anywhere in a slice makes the whole slice NaN.
 */
function logSoftmaxKernel(x: TypedArray, y: TypedArray, outer: number, len: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * len * inner + j;
      let m = -Infinity;
      for (let i = 0; i < len; i++) {
        const v = x[base + i * inner];
        if (v > m || Number.isNaN(v)) m = v;
        if (Number.isNaN(v)) break;
      }
      let s = 0;
      for (let i = 0; i < len; i++) s += Math.exp(x[base + i * inner] - m);
      const lse = m + Math.log(s);
      for (let i = 0; i < len; i++) y[base + i * inner] = x[base + i * inner] - lse;
    }
  }
}

function resolve(op: string, x: Tensor, axis: number): [number, number, number, number] {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${typeof x}`);
  const ax = normalizeAxis(op, axis, x.shape);
  return [...splitAtAxis(x.shape, ax), ax];
}

/**
 * Log of the softmax along one axis, computed stably (never overflows for ±1e4 logits).
 *
 * ```text
 * logSoftmax(x)ᵢ = xᵢ − log Σⱼ exp(xⱼ)
 * ∂/∂xᵢ = gᵢ − softmax(x)ᵢ · Σⱼ gⱼ
 * ```
 *
 * @param axis - default −1 (the last axis)
 * @throws Error when `axis` is out of range
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const [outer, len, inner, ax] = resolve("logSoftmax", x, axis);
  const y = allocate(x.dtype, x.size);
  logSoftmaxKernel(x.data, y, outer, len, inner);
  return record(y, x.shape, [x], "logSoftmax", (gy) => {
    const gx = allocate(x.dtype, x.size);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * len * inner + j;
        let s = 0;
        for (let i = 0; i < len; i++) s += gy[base + i * inner];
        for (let i = 0; i < len; i++) {
          const k = base + i * inner;
          gx[k] = gy[k] - Math.exp(y[k]) * s;
        }
      }
    }
    return [gx];
  }, (gy, out) => [gy.sub(out.exp().mul(gy.sum(ax, { keepDims: true })))]);
}

/**
 * Softmax along one axis, computed stably (the maximum is subtracted first).
 *
 * ```text
 * softmax(x)ᵢ = exp(xᵢ) / Σⱼ exp(xⱼ)
 * ∂/∂xᵢ = yᵢ · (gᵢ − Σⱼ gⱼ yⱼ)
 * ```
 *
 * @param axis - default −1 (the last axis)
 * @throws Error when `axis` is out of range
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  const [outer, len, inner, ax] = resolve("softmax", x, axis);
  const y = allocate(x.dtype, x.size);
  logSoftmaxKernel(x.data, y, outer, len, inner);
  for (let i = 0; i < y.length; i++) y[i] = Math.exp(y[i]);
  return record(y, x.shape, [x], "softmax", (gy) => {
    const gx = allocate(x.dtype, x.size);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * len * inner + j;
        let s = 0;
        for (let i = 0; i < len; i++) s += gy[base + i * inner] * y[base + i * inner];
        for (let i = 0; i < len; i++) {
          const k = base + i * inner;
          gx[k] = y[k] * (gy[k] - s);
        }
      }
    }
    return [gx];
  }, (gy, out) => [out.mul(gy.sub(gy.mul(out).sum(ax, { keepDims: true })))]);
}
