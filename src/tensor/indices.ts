import { Tensor } from "./tensor.js";

/** Integer indices or labels as users pass them: a tensor holding integers, a number array or an Int32Array. */
export type IndexLike = Tensor | readonly number[] | Int32Array;

/**
 * The values and shape of `indices` (a plain array or Int32Array is 1-D), unchecked: each
 * caller checks range and integrality against its own bounds.
 *
 * @throws Error naming `op` and `what` when `indices` is none of the accepted forms
 */
export function indexValues(op: string, what: string, indices: IndexLike): { values: ArrayLike<number>; shape: readonly number[] } {
  if (indices instanceof Tensor) return { values: indices.data, shape: indices.shape };
  if (Array.isArray(indices) || indices instanceof Int32Array) return { values: indices, shape: [indices.length] };
  throw new Error(`${op}: ${what} must be a Tensor, a number[] or an Int32Array, got ${indices === null ? "null" : typeof indices}`);
}
