import { checkOptionKeys } from "../util/options.js";
import { allocate, checkDType, DEFAULT_DTYPE, type DType } from "./dtype.js";
import { indexValues } from "./indices.js";
import { formatShape } from "./shape.js";
import { Tensor } from "./tensor.js";

/** Options of {@link oneHot}. */
export interface OneHotOptions {
  /** Default `'float32'` (PyTorch returns int64; typegrad's one-hot rows feed float losses). */
  dtype?: DType;
}

/**
 * One-hot encoding of integer class labels (PyTorch's `F.one_hot`): shape `[...labels.shape, C]`,
 * 1 at each label's class and 0 elsewhere. Not differentiable.
 *
 * @param labels - integers in `[0, C)`: a tensor of any shape and dtype, a number[] or an Int32Array
 * @param numClasses - C; default (or −1, as PyTorch) the largest label + 1
 * @param options - `dtype` default `'float32'`
 * @throws Error naming a label that is not an integer or out of range (with its position),
 *   an invalid `numClasses`, or an unknown option
 *
 * @example
 * ```ts
 * oneHot([2, 0], 3).toArray(); // [[0, 0, 1], [1, 0, 0]]
 * ```
 */
export function oneHot(labels: Tensor | readonly number[] | Int32Array, numClasses = -1, options?: OneHotOptions): Tensor {
  checkOptionKeys("oneHot", options, ["dtype"]);
  const dtype = options?.dtype === undefined ? DEFAULT_DTYPE : checkDType("oneHot", options.dtype);
  const { values, shape } = indexValues("oneHot", "labels", labels);
  if (typeof numClasses !== "number" || !Number.isInteger(numClasses) || (numClasses < 1 && numClasses !== -1)) {
    throw new Error(`oneHot: numClasses must be an integer ≥ 1 (or −1 to infer it), got ${String(numClasses)}`);
  }
  let c = numClasses;
  let largest = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
      throw new Error(`oneHot: label ${String(v)} at flat position ${i} is not a non-negative integer class index`);
    }
    if (v > largest) largest = v;
  }
  if (c === -1) c = largest + 1;
  if (largest >= c) {
    const at = Array.prototype.findIndex.call(values, (v: number) => v >= c);
    throw new Error(`oneHot: label ${values[at]} at flat position ${at} is out of range [0, ${c}) for labels of shape ${formatShape(shape)}`);
  }
  const out = allocate(dtype, values.length * c);
  for (let i = 0; i < values.length; i++) out[i * c + values[i]] = 1;
  return new Tensor(out, [...shape, c]);
}
