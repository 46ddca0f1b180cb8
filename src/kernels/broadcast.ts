import { allocate, dtypeOf, type TypedArray } from "../tensor/dtype.js";
import { sameShape, sizeOf, stridesOf, type Shape } from "../tensor/shape.js";

/** Strides of `from` laid over `to` (right-aligned), with 0 on broadcast dimensions. */
function broadcastStrides(from: Shape, to: Shape): number[] {
  const fromStrides = stridesOf(from);
  const offset = to.length - from.length;
  const strides = new Array<number>(to.length).fill(0);
  for (let i = 0; i < from.length; i++) strides[i + offset] = from[i] === 1 ? 0 : fromStrides[i];
  return strides;
}

/**
 * Strided gather: fills the contiguous `y` (shape `shape`, row-major) with
 * `y[i₀,…,iₙ] = x[Σ iₖ·strides[k]]`. A stride of 0 repeats (broadcast); permuted strides
 * transpose. Walks `y` in order with an odometer over all but the last dimension, so the
 * inner loop has no index arithmetic beyond one multiply.
 */
export function gather(x: TypedArray, shape: Shape, strides: readonly number[], y: TypedArray): void {
  const ndim = shape.length;
  const size = y.length;
  if (ndim === 0 || size === 0) {
    if (size > 0) y[0] = x[0];
    return;
  }
  const last = shape[ndim - 1];
  const lastStride = strides[ndim - 1];
  const index = new Array<number>(ndim).fill(0);
  let src = 0;
  for (let o = 0; o < size; o += last) {
    for (let j = 0; j < last; j++) y[o + j] = x[src + j * lastStride];
    for (let d = ndim - 2; d >= 0; d--) {
      index[d]++;
      src += strides[d];
      if (index[d] < shape[d]) break;
      src -= strides[d] * index[d];
      index[d] = 0;
    }
  }
}

/**
 * Copies `x` (shape `from`) into a new array of shape `to`, repeating broadcast
 * dimensions. `from` must broadcast to `to`.
 */
export function broadcastTo(x: TypedArray, from: Shape, to: Shape): TypedArray {
  const y = allocate(dtypeOf(x), sizeOf(to));
  if (sameShape(from, to)) y.set(x);
  else if (x.length === 1) y.fill(x[0]);
  else gather(x, to, broadcastStrides(from, to), y);
  return y;
}

/**
 * Sums `g` (shape `from`) down to shape `to`, the adjoint of {@link broadcastTo}:
 * every broadcast dimension is summed over. Returns `g` itself when the shapes are equal.
 * Sums accumulate in double precision and are rounded once, so a float32 bias gradient
 * over many rows keeps float32 accuracy.
 */
export function sumTo(g: TypedArray, from: Shape, to: Shape): TypedArray {
  if (sameShape(from, to)) return g;
  const y = allocate(dtypeOf(g), sizeOf(to));
  if (y.length === 1) {
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i];
    y[0] = s;
    return y;
  }
  const acc = y instanceof Float64Array ? y : new Float64Array(y.length);
  const ndim = from.length;
  const strides = broadcastStrides(to, from);
  const last = from[ndim - 1];
  const lastStride = strides[ndim - 1];
  const index = new Array<number>(ndim).fill(0);
  let dst = 0;
  for (let o = 0; o < g.length; o += last) {
    if (lastStride === 0) {
      let s = 0;
      for (let j = 0; j < last; j++) s += g[o + j];
      acc[dst] += s;
    } else {
      for (let j = 0; j < last; j++) acc[dst + j] += g[o + j];
    }
    for (let d = ndim - 2; d >= 0; d--) {
      index[d]++;
      dst += strides[d];
      if (index[d] < from[d]) break;
      dst -= strides[d] * index[d];
      index[d] = 0;
    }
  }
  if (acc !== y) y.set(acc);
  return y;
}
