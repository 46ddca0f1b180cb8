import { broadcastTo as broadcastKernel, gather, sumTo as sumToKernel } from "../../kernels/broadcast.js";
import { allocate, dtypeOf } from "../../tensor/dtype.js";
import {
  broadcastShapes,
  checkShape,
  describeShape,
  formatShape,
  normalizeAxis,
  sameShape,
  sizeOf,
  splitAtAxis,
  stridesOf,
  type Shape,
} from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { commonDType, record } from "../node.js";

function checkTensor(op: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${typeof x}`);
}

/**
 * The same elements in a new shape (row-major order is kept). One dimension may be `-1`,
 * inferred from the others. The result has its own copy of the data.
 *
 * ```text
 * ∂/∂x = the incoming gradient, reshaped back
 * ```
 *
 * @throws Error naming both shapes when the sizes differ, or when the shape is invalid
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor("reshape", x);
  if (!Array.isArray(shape)) throw new Error(`reshape: target shape must be an array of integers, got ${describeShape(shape)}`);
  const out = shape.slice();
  let infer = -1;
  let known = 1;
  for (let i = 0; i < out.length; i++) {
    if (out[i] === -1 && infer === -1) infer = i;
    else if (!Number.isInteger(out[i]) || out[i] < 0) {
      throw new Error(`reshape: invalid target shape ${describeShape(shape)}: dimensions must be integers ≥ 0, and one may be -1`);
    } else known *= out[i];
  }
  if (infer >= 0) {
    if (known === 0 || x.size % known !== 0) {
      throw new Error(`reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) into ${formatShape(shape)}`);
    }
    out[infer] = x.size / known;
  }
  if (sizeOf(out) !== x.size) {
    throw new Error(
      `reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) into ${formatShape(shape)} (${sizeOf(out)} elements)`,
    );
  }
  const y = allocate(x.dtype, x.size);
  y.set(x.data);
  return record(y, out, [x], "reshape", (gy) => [gy], (gy) => [reshape(gy, x.shape)]);
}

/**
 * Reorders the axes: output axis `i` is input axis `dims[i]`.
 *
 * ```text
 * ∂/∂x = the incoming gradient permuted back by the inverse permutation
 * ```
 *
 * @throws Error when `dims` is not a permutation of the input's axes
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  checkTensor("permute", x);
  const ndim = x.shape.length;
  const seen = new Array<boolean>(ndim).fill(false);
  const axes = dims.map((d) => (Number.isInteger(d) && d >= -ndim && d < ndim ? (d < 0 ? d + ndim : d) : -1));
  if (dims.length !== ndim || axes.some((d) => d < 0 || seen[d] || !(seen[d] = true))) {
    throw new Error(`permute: [${dims.join(",")}] is not a permutation of the ${ndim} axes of ${formatShape(x.shape)}`);
  }
  const shape = axes.map((d) => x.shape[d]);
  const inverse = new Array<number>(ndim);
  axes.forEach((d, i) => (inverse[d] = i));
  const y = permuteData(x.data, x.shape, axes);
  return record(
    y,
    shape,
    [x],
    "permute",
    (gy) => [permuteData(gy, shape, inverse)],
    (gy) => [permute(gy, inverse)],
  );
}

function permuteData<T extends Float32Array | Float64Array>(x: T, shape: Shape, axes: readonly number[]): T {
  const ndim = shape.length;
  const size = x.length;
  const y = allocate(dtypeOf(x), size) as T;
  if (ndim === 0 || size === 0) {
    y.set(x);
    return y;
  }
  const inStrides = stridesOf(shape);
  const outShape = axes.map((d) => shape[d]);
  const strides = axes.map((d) => inStrides[d]);
  // The 2-D transpose is the common case: a blocked loop keeps both sides in cache.
  if (ndim === 2) {
    const rows = outShape[0];
    const cols = outShape[1];
    const rs = strides[0];
    const cs = strides[1];
    const B = 32;
    for (let i0 = 0; i0 < rows; i0 += B) {
      const i1 = Math.min(rows, i0 + B);
      for (let j0 = 0; j0 < cols; j0 += B) {
        const j1 = Math.min(cols, j0 + B);
        for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) y[i * cols + j] = x[i * rs + j * cs];
      }
    }
    return y;
  }
  gather(x, outShape, strides, y);
  return y;
}

/**
 * Swaps two axes; with no axes given, the last two (a matrix transpose).
 *
 * @throws Error when an axis is out of range or the tensor has fewer than two axes
 */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  checkTensor("transpose", x);
  if (x.shape.length < 2) {
    throw new Error(`transpose: needs at least 2 axes, got shape ${formatShape(x.shape)}`);
  }
  const a = normalizeAxis("transpose", dim0, x.shape);
  const b = normalizeAxis("transpose", dim1, x.shape);
  const dims = x.shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}

/**
 * Repeats `x` along broadcast dimensions to `shape` (NumPy rules).
 *
 * ```text
 * ∂/∂x = the incoming gradient summed over the broadcast dimensions
 * ```
 *
 * @throws Error naming both shapes when `x` does not broadcast to `shape`
 */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor("broadcastTo", x);
  checkShape("broadcastTo", shape);
  const out = broadcastShapes("broadcastTo", x.shape, shape);
  if (!sameShape(out, shape)) {
    throw new Error(`broadcastTo: cannot broadcast ${formatShape(x.shape)} to ${formatShape(shape)}`);
  }
  const y = broadcastKernel(x.data, x.shape, out);
  return record(
    y,
    out,
    [x],
    "broadcastTo",
    (gy) => [sumToKernel(gy, out, x.shape)],
    (gy) => [sumTo(gy, x.shape)],
  );
}

/**
 * Sums `x` down to `shape`, the shape it was broadcast from (NumPy rules): the adjoint of
 * {@link broadcastTo}, as PyTorch's `sum_to_size`. Returns `x` itself when the shapes
 * are equal.
 *
 * ```text
 * sumTo(x, s)[j] = Σ over the broadcast copies i of j: x[i],   ∂/∂x = broadcastTo(gy, x.shape)
 * ```
 *
 * @throws Error when `x`'s shape is not a broadcast of `shape`
 */
export function sumTo(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor("sumTo", x);
  if (sameShape(x.shape, shape)) return x;
  const out = broadcastShapes("sumTo", x.shape, shape);
  if (!sameShape(out, x.shape)) {
    throw new Error(`sumTo: cannot sum ${formatShape(x.shape)} to ${formatShape(shape)}: it is not a broadcast of it`);
  }
  const target = shape.slice();
  const y = sumToKernel(x.data, x.shape, target);
  return record(
    y,
    target,
    [x],
    "sumTo",
    (gy) => [broadcastKernel(gy, target, x.shape)],
    (gy) => [broadcastTo(gy, x.shape)],
  );
}

function toIndexArray(op: string, indices: readonly number[] | Int32Array | Tensor, length: number): Int32Array {
  if (indices instanceof Tensor && indices.ndim !== 1) {
    throw new Error(`${op}: indices must be 1-D, got a tensor of shape ${formatShape(indices.shape)}`);
  }
  const src = indices instanceof Tensor ? indices.data : indices;
  const out = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (!Number.isInteger(v) || v < -length || v >= length) {
      throw new Error(`${op}: index ${v} at position ${i} is out of range for an axis of length ${length}`);
    }
    out[i] = v < 0 ? v + length : v;
  }
  return out;
}

/**
 * Picks entries along `axis` (rows, by default) in the given order; indices may repeat.
 *
 * ```text
 * y[…, i, …] = x[…, indices[i], …],   ∂/∂x scatters (adds) the incoming gradient back
 * ```
 *
 * @param indices - integers in `[−n, n)` for an axis of length `n`
 * @param axis - default 0
 * @throws Error naming the bad index and the axis length
 */
export function indexSelect(x: Tensor, indices: readonly number[] | Int32Array | Tensor, axis = 0): Tensor {
  checkTensor("indexSelect", x);
  const ax = normalizeAxis("indexSelect", axis, x.shape);
  const [outer, len, inner] = splitAtAxis(x.shape, ax);
  const idx = toIndexArray("indexSelect", indices, len);
  const shape = x.shape.slice();
  shape[ax] = idx.length;
  const xd = x.data;
  const y = allocate(x.dtype, outer * idx.length * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < idx.length; i++) {
      const from = (o * len + idx[i]) * inner;
      y.set(xd.subarray(from, from + inner), (o * idx.length + i) * inner);
    }
  }
  return record(
    y,
    shape,
    [x],
    "indexSelect",
    (gy) => [indexAddData(gy, idx, outer, len, inner)],
    (gy) => [indexAdd(gy, idx, ax, len)],
  );
}

function indexAddData<T extends Float32Array | Float64Array>(
  source: T, idx: Int32Array, outer: number, len: number, inner: number,
): T {
  const out = allocate(dtypeOf(source), outer * len * inner) as T;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < idx.length; i++) {
      const to = (o * len + idx[i]) * inner;
      const from = (o * idx.length + i) * inner;
      for (let j = 0; j < inner; j++) out[to + j] += source[from + j];
    }
  }
  return out;
}

/**
 * The adjoint of {@link indexSelect}: a tensor of zeros with `length` entries along `axis`,
 * into which slice `i` of `source` along `axis` is added at position `indices[i]`
 * (repeated indices add up), as PyTorch's `zeros(…).index_add_(axis, indices, source)`.
 *
 * ```text
 * y[…, indices[i], …] += source[…, i, …],   ∂/∂source = indexSelect(gy, indices, axis)
 * ```
 *
 * @param length - the size of the result along `axis`
 * @throws Error when an index is out of range for `length`, or `indices` has not as many
 * entries as `source` along `axis`
 */
export function indexAdd(source: Tensor, indices: readonly number[] | Int32Array | Tensor, axis: number, length: number): Tensor {
  checkTensor("indexAdd", source);
  const ax = normalizeAxis("indexAdd", axis, source.shape);
  if (!Number.isInteger(length) || length < 0) throw new Error(`indexAdd: length must be a non-negative integer, got ${length}`);
  const idx = toIndexArray("indexAdd", indices, length);
  const [outer, n, inner] = splitAtAxis(source.shape, ax);
  if (idx.length !== n) {
    throw new Error(`indexAdd: ${idx.length} indices for ${n} slices of source ${formatShape(source.shape)} along axis ${ax}`);
  }
  const shape = source.shape.slice();
  shape[ax] = length;
  const y = indexAddData(source.data, idx, outer, length, inner);
  return record(
    y,
    shape,
    [source],
    "indexAdd",
    (gy) => {
      const g = allocate(source.dtype, source.size);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < n; i++) {
          const from = (o * length + idx[i]) * inner;
          g.set(gy.subarray(from, from + inner), (o * n + i) * inner);
        }
      }
      return [g];
    },
    (gy) => [indexSelect(gy, idx, ax)],
  );
}

/**
 * The elements `start ≤ i < end` along one axis (negative positions count from the end,
 * as in `Array.prototype.slice`).
 *
 * ```text
 * ∂/∂x = the incoming gradient in the selected range, 0 elsewhere
 * ```
 *
 * @param end - default: the axis length
 * @throws Error when `axis` is out of range or the bounds are not integers
 */
export function slice(x: Tensor, axis: number, start: number, end?: number): Tensor {
  checkTensor("slice", x);
  const ax = normalizeAxis("slice", axis, x.shape);
  const [outer, len, inner] = splitAtAxis(x.shape, ax);
  const stop = end ?? len;
  if (!Number.isInteger(start) || !Number.isInteger(stop)) {
    throw new Error(`slice: start and end must be integers, got ${start} and ${stop}`);
  }
  const s = Math.min(len, Math.max(0, start < 0 ? start + len : start));
  const e = Math.max(s, Math.min(len, stop < 0 ? stop + len : stop));
  const n = e - s;
  const shape = x.shape.slice();
  shape[ax] = n;
  const y = allocate(x.dtype, outer * n * inner);
  for (let o = 0; o < outer; o++) {
    const from = (o * len + s) * inner;
    y.set(x.data.subarray(from, from + n * inner), o * n * inner);
  }
  return record(
    y,
    shape,
    [x],
    "slice",
    (gy) => {
      const gx = allocate(x.dtype, x.size);
      for (let o = 0; o < outer; o++) gx.set(gy.subarray(o * n * inner, (o + 1) * n * inner), (o * len + s) * inner);
      return [gx];
    },
    // The adjoint pads with zeros: [0 … 0, gy, 0 … 0] along the axis.
    (gy) => {
      const zerosAlong = (k: number): Tensor => {
        const zs = x.shape.slice();
        zs[ax] = k;
        return new Tensor(allocate(x.dtype, sizeOf(zs)), zs);
      };
      const parts = [...(s > 0 ? [zerosAlong(s)] : []), gy, ...(len - e > 0 ? [zerosAlong(len - e)] : [])];
      return [parts.length === 1 ? gy : concat(parts, ax)];
    },
  );
}

/**
 * Joins tensors along an existing axis; all other dimensions must match.
 *
 * ```text
 * ∂/∂xₖ = the part of the incoming gradient that xₖ filled
 * ```
 *
 * @throws Error naming the first mismatching shapes, a dtype mix, or an empty list
 */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors === undefined || tensors === null || tensors.length === 0) throw new Error("concat: needs at least one tensor");
  tensors.forEach((t) => checkTensor("concat", t));
  commonDType("concat", tensors);
  const first = tensors[0];
  if (first.ndim === 0) throw new Error("concat: cannot concatenate scalars (shape []); use stack to make a new axis");
  const ax = normalizeAxis("concat", axis, first.shape);
  for (const t of tensors) {
    const ok = t.shape.length === first.shape.length && t.shape.every((d, i) => i === ax || d === first.shape[i]);
    if (!ok) {
      throw new Error(
        `concat: shapes ${formatShape(first.shape)} and ${formatShape(t.shape)} differ outside axis ${ax}`,
      );
    }
  }
  const [outer, , inner] = splitAtAxis(first.shape, ax);
  const lens = tensors.map((t) => t.shape[ax]);
  const total = lens.reduce((a, b) => a + b, 0);
  const shape = first.shape.slice();
  shape[ax] = total;
  const y = allocate(first.dtype, outer * total * inner);
  let offset = 0;
  tensors.forEach((t, k) => {
    const chunk = lens[k] * inner;
    for (let o = 0; o < outer; o++) y.set(t.data.subarray(o * chunk, (o + 1) * chunk), o * total * inner + offset);
    offset += chunk;
  });
  return record(
    y,
    shape,
    tensors,
    "concat",
    (gy) => {
      let off = 0;
      return tensors.map((t, k) => {
        const chunk = lens[k] * inner;
        const g = allocate(t.dtype, t.size);
        for (let o = 0; o < outer; o++) g.set(gy.subarray(o * total * inner + off, o * total * inner + off + chunk), o * chunk);
        off += chunk;
        return g;
      });
    },
    (gy, _out, needs) => {
      let start = 0;
      return tensors.map((_t, k) => {
        const from = start;
        start += lens[k];
        return needs[k] ? slice(gy, ax, from, from + lens[k]) : null;
      });
    },
  );
}

/**
 * Joins same-shaped tensors along a new axis.
 *
 * @param axis - position of the new axis in the result, in `[−(ndim+1), ndim]`; default 0
 * @throws Error naming the first shape that differs, or an empty list
 */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors === undefined || tensors === null || tensors.length === 0) throw new Error("stack: needs at least one tensor");
  tensors.forEach((t) => checkTensor("stack", t));
  commonDType("stack", tensors);
  const first = tensors[0];
  for (const t of tensors) {
    if (!sameShape(t.shape, first.shape)) {
      throw new Error(`stack: all tensors must have one shape, got ${formatShape(first.shape)} and ${formatShape(t.shape)}`);
    }
  }
  const expanded = first.shape.concat([1]);
  const ax = normalizeAxis("stack", axis, expanded);
  const withAxis = first.shape.slice();
  withAxis.splice(ax, 0, 1);
  return concat(
    tensors.map((t) => reshape(t, withAxis)),
    ax,
  );
}

/**
 * The same elements with a new axis of length 1 at `axis` (PyTorch's `unsqueeze`).
 *
 * ```text
 * ∂/∂x = the incoming gradient without that axis
 * ```
 *
 * @param axis - position of the new axis in the result, in `[−(ndim+1), ndim]`
 * @throws Error when `axis` is out of range
 */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  checkTensor("unsqueeze", x);
  const ax = normalizeAxis("unsqueeze", axis, x.shape.concat([1]));
  const shape = x.shape.slice();
  shape.splice(ax, 0, 1);
  return reshape(x, shape);
}

/**
 * Removes axes of length 1: all of them, or those named (PyTorch's `squeeze`; a named axis
 * whose length is not 1 is kept, as PyTorch).
 *
 * ```text
 * ∂/∂x = the incoming gradient with the axes put back
 * ```
 *
 * @param axis - an axis or a list of axes; all axes of length 1 when omitted
 * @throws Error when an axis is out of range or `axis` is not an integer or a list of them
 */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  checkTensor("squeeze", x);
  if (axis !== undefined && typeof axis !== "number" && !Array.isArray(axis)) {
    throw new Error(`squeeze: axis must be an integer or an array of integers, got ${typeof axis}`);
  }
  const axes = axis === undefined ? undefined : (typeof axis === "number" ? [axis] : axis).map((a) => normalizeAxis("squeeze", a, x.shape));
  const shape = x.shape.filter((d, i) => d !== 1 || (axes !== undefined && !axes.includes(i)));
  return reshape(x, shape);
}

/**
 * Merges the axes `startAxis … endAxis` (inclusive) into one (PyTorch's `flatten`); by
 * default every axis, giving a 1-D tensor. A scalar becomes shape `[1]`, as PyTorch.
 *
 * @param startAxis - default 0
 * @param endAxis - default −1
 * @throws Error when an axis is out of range or `startAxis` comes after `endAxis`
 */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  checkTensor("flatten", x);
  if (x.ndim === 0) return reshape(x, [1]);
  const a = normalizeAxis("flatten", startAxis, x.shape);
  const b = normalizeAxis("flatten", endAxis, x.shape);
  if (a > b) throw new Error(`flatten: startAxis ${startAxis} comes after endAxis ${endAxis} for shape ${formatShape(x.shape)}`);
  let merged = 1;
  for (let i = a; i <= b; i++) merged *= x.shape[i];
  return reshape(x, [...x.shape.slice(0, a), merged, ...x.shape.slice(b + 1)]);
}

/**
 * PyTorch's `view`: the same as {@link reshape}. Deliberate difference: typegrad's result
 * owns a copy of the data, so an in-place change of one does not show in the other.
 *
 * @throws Error as {@link reshape}
 */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor("view", x);
  return reshape(x, shape);
}

/**
 * A copy of `x` with its own data, still connected to the graph (PyTorch's `clone`).
 *
 * ```text
 * clone(x) = x,   ∂/∂x = 1
 * ```
 */
export function clone(x: Tensor): Tensor {
  checkTensor("clone", x);
  const y = allocate(x.dtype, x.size);
  y.set(x.data);
  return record(y, x.shape, [x], "clone", (gy) => [gy], (gy) => [gy]);
}
