import type { Tensor } from "./tensor.js";

/** Elements shown at each end of an axis longer than `2·EDGE + 1` (NumPy shows 3). */
const EDGE = 3;

function formatNumber(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return String(v);
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-4 || a >= 1e6) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
}

/**
 * The values of `t` as nested brackets, like PyTorch's and NumPy's printing: six significant
 * digits, and an ellipsis in place of the middle of any axis longer than seven.
 *
 * @example
 * ```ts
 * formatValues(tensor([[1, 2], [3, 4.5]])); // "[[1, 2],\n [3, 4.5]]"
 * ```
 */
export function formatValues(t: Tensor): string {
  const { shape, data } = t;
  if (shape.length === 0) return formatNumber(data[0]);
  const strides: number[] = [];
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  const visit = (dim: number, offset: number): string => {
    const n = shape[dim];
    const indices = n > 2 * EDGE + 1 ? [...Array(EDGE).keys(), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : [...Array(n).keys()];
    const items = indices.map((i) => (i < 0 ? "…" : dim === shape.length - 1 ? formatNumber(data[offset + i]) : visit(dim + 1, offset + i * strides[dim])));
    const separator = dim === shape.length - 1 ? ", " : `,\n${" ".repeat(dim + 1)}`;
    return `[${items.join(separator)}]`;
  };
  return visit(0, 0);
}
