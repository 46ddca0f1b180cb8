import { allocate } from "../../tensor/dtype.js";
import { normalizeAxis, splitAtAxis, type Shape } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { record } from "../node.js";
import { mul } from "./binary.js";
import { broadcastTo, reshape } from "./shape.js";

/** Options of the reductions. */
export interface ReduceOptions {
  /** Keep the reduced axis as a dimension of length 1. Default `false`. */
  keepDims?: boolean;
}

function reducedShape(shape: Shape, axis: number | undefined, keepDims: boolean): number[] {
  if (axis === undefined) return keepDims ? shape.map(() => 1) : [];
  const out = shape.slice();
  if (keepDims) out[axis] = 1;
  else out.splice(axis, 1);
  return out;
}

function resolveAxis(op: string, x: Tensor, axis: number | undefined): number | undefined {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${typeof x}`);
  return axis === undefined ? undefined : normalizeAxis(op, axis, x.shape);
}

/**
 * Sum over all elements, or over one axis. Accumulates in double precision.
 *
 * ```text
 * sum(x)ⱼ = Σᵢ xᵢⱼ,   ∂/∂xᵢⱼ = 1
 * ```
 *
 * @param axis - the axis to reduce (negative counts from the end); all axes when omitted
 * @throws Error when `axis` is out of range
 */
export function sum(x: Tensor, axis?: number, options: ReduceOptions = {}): Tensor {
  return sumScaled("sum", x, resolveAxis("sum", x, axis), options.keepDims === true, 1);
}

/**
 * Mean over all elements, or over one axis. The mean of an empty axis is NaN.
 *
 * ```text
 * mean(x)ⱼ = (1/n) Σᵢ xᵢⱼ,   ∂/∂xᵢⱼ = 1/n
 * ```
 *
 * @param axis - the axis to reduce; all axes when omitted
 * @throws Error when `axis` is out of range
 */
export function mean(x: Tensor, axis?: number, options: ReduceOptions = {}): Tensor {
  const ax = resolveAxis("mean", x, axis);
  const n = ax === undefined ? x.size : x.shape[ax];
  return sumScaled("mean", x, ax, options.keepDims === true, 1 / n);
}

function sumScaled(op: string, x: Tensor, axis: number | undefined, keepDims: boolean, scale: number): Tensor {
  const shape = reducedShape(x.shape, axis, keepDims);
  const xd = x.data;
  const [outer, len, inner] = axis === undefined ? [1, x.size, 1] : splitAtAxis(x.shape, axis);
  const y = allocate(x.dtype, outer * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * len * inner;
    if (inner === 1) {
      let s = 0;
      for (let i = 0; i < len; i++) s += xd[base + i];
      y[o] = s * scale;
    } else {
      const acc = new Float64Array(inner);
      for (let i = 0; i < len; i++) {
        const row = base + i * inner;
        for (let j = 0; j < inner; j++) acc[j] += xd[row + j];
      }
      for (let j = 0; j < inner; j++) y[o * inner + j] = acc[j] * scale;
    }
  }
  return record(y, shape, [x], op, (gy) => {
    const gx = allocate(x.dtype, x.size);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < len; i++) {
        const row = (o * len + i) * inner;
        for (let j = 0; j < inner; j++) gx[row + j] = gy[o * inner + j] * scale;
      }
    }
    return [gx];
  }, (gy) => [spread(gy, x.shape, axis, scale)]);
}

/** gy (reduced over `axis`, or over all axes) broadcast back to `shape`, times `scale`: a differentiable op chain. */
function spread(gy: Tensor, shape: Shape, axis: number | undefined, scale: number | Tensor): Tensor {
  const g = broadcastTo(reshape(gy, reducedShape(shape, axis, true)), shape);
  return scale === 1 ? g : mul(g, scale);
}

/** Index of the maximum along the slice `(o, ·, j)`: first NaN wins, else the first maximum. */
function argmaxSlice(xd: ArrayLike<number>, base: number, len: number, inner: number): number {
  let best = 0;
  let bestValue = xd[base];
  if (Number.isNaN(bestValue)) return 0;
  for (let i = 1; i < len; i++) {
    const v = xd[base + i * inner];
    if (Number.isNaN(v)) return i;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/**
 * Maximum over all elements, or over one axis; NaN if the slice holds a NaN.
 *
 * ```text
 * max(x)ⱼ = maxᵢ xᵢⱼ
 * ∂/∂xᵢⱼ = 1 at the selected element: over one axis the first maximum (as PyTorch's
 *          max(dim)); over all elements the gradient is split evenly between ties, NaNs
 *          included when the maximum is NaN (as PyTorch's max())
 * ```
 *
 * @param axis - the axis to reduce; all axes when omitted
 * @throws Error when `x` is empty or `axis` is out of range
 */
export function max(x: Tensor, axis?: number, options: ReduceOptions = {}): Tensor {
  const ax = resolveAxis("max", x, axis);
  if (x.size === 0) throw new Error("max: cannot reduce an empty tensor");
  const keepDims = options.keepDims === true;
  const shape = reducedShape(x.shape, ax, keepDims);
  const xd = x.data;
  if (ax === undefined) {
    const index = argmaxSlice(xd, 0, x.size, 1);
    const y = allocate(x.dtype, 1);
    const m = xd[index];
    y[0] = m;
    return record(y, shape, [x], "max", (gy) => {
      const gx = allocate(x.dtype, x.size);
      // The maximum's ties share the gradient evenly; when it is NaN, every NaN is a tie (as PyTorch).
      const nan = Number.isNaN(m);
      let ties = 0;
      for (let i = 0; i < xd.length; i++) if (xd[i] === m || (nan && Number.isNaN(xd[i]))) ties++;
      const share = gy[0] / ties;
      for (let i = 0; i < xd.length; i++) if (xd[i] === m || (nan && Number.isNaN(xd[i]))) gx[i] = share;
      return [gx];
    }, (gy) => {
      // The same split as a constant mask: [x is a maximum] / ties.
      const mask = allocate(x.dtype, x.size);
      const nan = Number.isNaN(m);
      let ties = 0;
      for (let i = 0; i < xd.length; i++) if (xd[i] === m || (nan && Number.isNaN(xd[i]))) ties++;
      for (let i = 0; i < xd.length; i++) if (xd[i] === m || (nan && Number.isNaN(xd[i]))) mask[i] = 1 / ties;
      return [spread(gy, x.shape, undefined, new Tensor(mask, x.shape))];
    });
  }
  const [outer, len, inner] = splitAtAxis(x.shape, ax);
  const y = allocate(x.dtype, outer * inner);
  const indices = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * len * inner + j;
      const i = argmaxSlice(xd, base, len, inner);
      indices[o * inner + j] = i;
      y[o * inner + j] = xd[base + i * inner];
    }
  }
  return record(y, shape, [x], "max", (gy) => {
    const gx = allocate(x.dtype, x.size);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const r = o * inner + j;
        gx[o * len * inner + indices[r] * inner + j] = gy[r];
      }
    }
    return [gx];
  }, (gy) => {
    const mask = allocate(x.dtype, x.size);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) mask[o * len * inner + indices[o * inner + j] * inner + j] = 1;
    }
    return [spread(gy, x.shape, ax, new Tensor(mask, x.shape))];
  });
}

/**
 * Index of the maximum over all elements (flat index) or along one axis; ties give the
 * first index, a NaN counts as the maximum. Not differentiable: the result never requires grad.
 *
 * @param axis - the axis to reduce; all axes (flat index) when omitted
 * @returns indices as a tensor of `x`'s dtype
 * @throws Error when `x` is empty or `axis` is out of range
 */
export function argmax(x: Tensor, axis?: number, options: ReduceOptions = {}): Tensor {
  const ax = resolveAxis("argmax", x, axis);
  if (x.size === 0) throw new Error("argmax: cannot reduce an empty tensor");
  const shape = reducedShape(x.shape, ax, options.keepDims === true);
  const [outer, len, inner] = ax === undefined ? [1, x.size, 1] : splitAtAxis(x.shape, ax);
  const y = allocate(x.dtype, outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) y[o * inner + j] = argmaxSlice(x.data, o * len * inner + j, len, inner);
  }
  return new Tensor(y, shape);
}
