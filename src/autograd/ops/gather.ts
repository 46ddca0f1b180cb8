import { allocate } from "../../tensor/dtype.js";
import { formatShape, normalizeAxis, sameShape, stridesOf, type Shape } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { commonDType, record } from "../node.js";

function checkTensor(op: string, name: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: ${name} must be a Tensor, got ${x === null ? "null" : typeof x}`);
}

/**
 * For every element of `index` (row-major), the flat offset in a tensor of `shape` that it
 * selects along `axis`: its own coordinates elsewhere, its value along `axis`.
 *
 * @throws Error naming the op, the element's position and value when it is not an integer in range
 */
function offsets(op: string, shape: Shape, axis: number, index: Tensor): Int32Array {
  const ishape = index.shape;
  if (ishape.length !== shape.length) {
    throw new Error(`${op}: index must have as many axes as the input: ${formatShape(ishape)} vs ${formatShape(shape)}`);
  }
  for (let d = 0; d < shape.length; d++) {
    if (d !== axis && ishape[d] > shape[d]) {
      throw new Error(`${op}: index shape ${formatShape(ishape)} exceeds input shape ${formatShape(shape)} at axis ${d}`);
    }
  }
  const strides = stridesOf(shape);
  const len = shape[axis];
  const nd = ishape.length;
  const out = new Int32Array(index.size);
  const coord = new Array<number>(nd).fill(0);
  let base = 0;
  const data = index.data;
  for (let p = 0; p < out.length; p++) {
    const v = data[p];
    if (!Number.isInteger(v) || v < 0 || v >= len) {
      throw new Error(`${op}: index ${v} at [${coord.join(",")}] is out of range for axis ${axis} of length ${len}`);
    }
    out[p] = base + v * strides[axis];
    for (let d = nd - 1; d >= 0; d--) {
      coord[d]++;
      if (d !== axis) base += strides[d];
      if (coord[d] < ishape[d]) break;
      if (d !== axis) base -= coord[d] * strides[d];
      coord[d] = 0;
    }
  }
  return out;
}

/**
 * Picks values along `axis` by an index tensor of the same rank (PyTorch's `gather`): the
 * result has `index`'s shape.
 *
 * ```text
 * axis 1 of a matrix:  y[i, j] = x[i, index[i, j]]
 * ∂/∂x scatters (adds) the incoming gradient back to the picked positions
 * ```
 *
 * @param index - integers in `[0, x.shape[axis])`, any dtype; its length along every other
 *   axis may not exceed `x`'s (as PyTorch). Receives no gradient.
 * @throws Error naming the bad index value and its position, or the mismatching shapes
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  checkTensor("gather", "input", x);
  checkTensor("gather", "index", index);
  const ax = normalizeAxis("gather", axis, x.shape);
  const at = offsets("gather", x.shape, ax, index);
  const xd = x.data;
  const y = allocate(x.dtype, at.length);
  for (let p = 0; p < at.length; p++) y[p] = xd[at[p]];
  return record(y, index.shape, [x], "gather", (gy) => {
    const gx = allocate(x.dtype, x.size);
    for (let p = 0; p < at.length; p++) gx[at[p]] += gy[p];
    return [gx];
  }, (gy) => [scatterAdd(new Tensor(allocate(x.dtype, x.size), x.shape), ax, index, gy)]);
}

/**
 * A copy of `x` with `src` added at the positions `index` names along `axis` (PyTorch's
 * `scatter_add`, out of place); repeated indices accumulate.
 *
 * ```text
 * axis 1 of a matrix:  y = x;  y[i, index[i, j]] += src[i, j]
 * ∂/∂x = g,   ∂/∂src[i, j] = g[i, index[i, j]]
 * ```
 *
 * Deliberate difference: `src` must have exactly `index`'s shape (PyTorch also accepts a
 * larger `src` and reads only its leading part).
 *
 * @param index - integers in `[0, x.shape[axis])`, same rank as `x`. Receives no gradient.
 * @throws Error naming the bad index value and its position, the mismatching shapes, or a dtype mix
 */
export function scatterAdd(x: Tensor, axis: number, index: Tensor, src: Tensor): Tensor {
  checkTensor("scatterAdd", "input", x);
  checkTensor("scatterAdd", "index", index);
  checkTensor("scatterAdd", "src", src);
  if (!sameShape(src.shape, index.shape)) {
    throw new Error(`scatterAdd: src shape ${formatShape(src.shape)} must equal index shape ${formatShape(index.shape)}`);
  }
  const dtype = commonDType("scatterAdd", [x, src]);
  const ax = normalizeAxis("scatterAdd", axis, x.shape);
  const at = offsets("scatterAdd", x.shape, ax, index);
  const y = allocate(dtype, x.size);
  y.set(x.data);
  const sd = src.data;
  for (let p = 0; p < at.length; p++) y[at[p]] += sd[p];
  return record(y, x.shape, [x, src], "scatterAdd", (gy, needs) => {
    let gs: Float32Array | Float64Array | null = null;
    if (needs[1]) {
      gs = allocate(dtype, at.length);
      for (let p = 0; p < at.length; p++) gs[p] = gy[at[p]];
    }
    return [gy, gs];
  }, (gy, _out, needs) => [gy, needs[1] ? gather(gy, ax, index) : null]);
}
