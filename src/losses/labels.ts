import { indexValues, type IndexLike } from "../tensor/indices.js";
import { formatShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";

/** Integer class labels: a 1-D tensor holding integers, a number array or an Int32Array. */
export type Labels = IndexLike;

/**
 * Checks a `[N, C]` input and `N` integer labels in `[0, C)`, and returns the labels.
 *
 * @param ignoreIndex - a label value that marks a sample to ignore (PyTorch's `ignore_index`);
 *   such labels come back as −1
 * @throws Error naming `op` when the input is not 2-D, the label count differs from N
 *   (both counts named), or a label is not an integer or out of range (label and position named)
 */
export function checkLabels(op: string, input: Tensor, labels: Labels, ignoreIndex?: number): Int32Array {
  if (input.ndim !== 2) {
    throw new Error(`${op}: input must have shape [N, C], got ${formatShape(input.shape)}`);
  }
  const [n, c] = input.shape;
  const { values, shape } = indexValues(op, "labels", labels);
  if (shape.length !== 1) {
    throw new Error(`${op}: label tensor must have shape [N] = [${n}], got ${formatShape(shape)}`);
  }
  if (values.length !== n) {
    throw new Error(`${op}: ${values.length} labels for an input of shape ${formatShape(input.shape)} (${n} rows)`);
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === ignoreIndex) {
      out[i] = -1;
      continue;
    }
    if (typeof v !== "number" || !Number.isInteger(v)) {
      throw new Error(`${op}: label ${String(v)} at position ${i} is not an integer class index`);
    }
    if (v < 0 || v >= c) {
      throw new Error(`${op}: label ${v} at position ${i} is out of range [0, ${c})`);
    }
    out[i] = v;
  }
  return out;
}
