import { allocate } from "../../tensor/dtype.js";
import { formatShape, normalizeAxis, splitAtAxis, type Shape } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { booleanOption, checkOptionKeys } from "../../util/options.js";
import { defineUnaryOp } from "../define-op.js";
import { record } from "../node.js";
import { mul, sub } from "./binary.js";
import { broadcastTo, reshape } from "./shape.js";
import { square } from "./unary.js";

/** Options of the reductions. */
export interface ReduceOptions {
  /** Keep the reduced axes as dimensions of length 1 (PyTorch's `keepdim`). Default `false`. */
  keepDims?: boolean;
}

/** Options of {@link variance} and {@link std}. */
export interface VarianceOptions extends ReduceOptions {
  /**
   * Subtracted from the element count in the divisor: 1 (the default, as PyTorch) is the
   * unbiased (Bessel-corrected) estimate, 0 the population variance.
   */
  correction?: number;
  /** PyTorch's older spelling: `true` is `correction: 1`, `false` is `correction: 0`. */
  unbiased?: boolean;
}

/** One axis, or several (`x.sum([0, 1])`); negative axes count from the end. */
export type Axes = number | readonly number[];

const REDUCE_KEYS = ["keepDims"] as const;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `[${value.map(String).join(",")}]`;
  if (typeof value === "object") return `an object ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * The sorted, non-negative axes named by `axis` (undefined: all of them), after checking
 * `x`, `axis` and the options' keys.
 */
function resolveAxes(op: string, x: Tensor, axis: Axes | undefined, options: unknown, keys: readonly string[] = REDUCE_KEYS): number[] | undefined {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describe(x)}`);
  checkOptionKeys(op, options, keys);
  const keepDims = (options as ReduceOptions | undefined)?.keepDims;
  if (keepDims !== undefined) booleanOption(op, "keepDims", keepDims);
  if (axis === undefined) return undefined;
  if (typeof axis === "number") return [normalizeAxis(op, axis, x.shape)];
  if (!Array.isArray(axis)) {
    const hint = axis !== null && typeof axis === "object" ? `; options come after the axis: x.${op}(axis, { … }), or x.${op}(undefined, { … }) over all axes` : "";
    throw new Error(`${op}: axis must be an integer or an array of integers, got ${describe(axis)}${hint}`);
  }
  if (axis.length === 0) throw new Error(`${op}: the list of axes is empty; omit the axis to reduce over all of them`);
  const axes = axis.map((a: number) => normalizeAxis(op, a, x.shape)).sort((a, b) => a - b);
  for (let i = 1; i < axes.length; i++) {
    if (axes[i] === axes[i - 1]) throw new Error(`${op}: axis ${axes[i]} appears twice in ${describe(axis)} for shape ${formatShape(x.shape)}`);
  }
  return axes;
}

function reducedShape(shape: Shape, axes: readonly number[] | undefined, keepDims: boolean): number[] {
  if (axes === undefined) return keepDims ? shape.map(() => 1) : [];
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/** `[outer, length, inner]` around a run of consecutive axes (all axes when undefined); null when they are not consecutive. */
function splitRun(shape: Shape, axes: readonly number[] | undefined): [number, number, number] | null {
  if (axes === undefined) return [1, shape.reduce((a, b) => a * b, 1), 1];
  for (let i = 1; i < axes.length; i++) if (axes[i] !== axes[i - 1] + 1) return null;
  let len = 1;
  for (const a of axes) len *= shape[a];
  return [splitAtAxis(shape, axes[0])[0], len, splitAtAxis(shape, axes[axes.length - 1])[2]];
}

/** A reduction over one run of consecutive axes, given as `[outer, length, inner]`, with its output shape. */
type RunReduction = (x: Tensor, split: [number, number, number], shape: number[]) => Tensor;

/**
 * Applies `run` over `axes`: in one pass when they are consecutive, else one axis at a
 * time (from the last, keeping dimensions so the others keep their positions).
 */
function overAxes(x: Tensor, axes: number[] | undefined, keepDims: boolean, run: RunReduction): Tensor {
  const split = splitRun(x.shape, axes);
  if (split !== null) return run(x, split, reducedShape(x.shape, axes, keepDims));
  let t = x;
  for (let k = axes!.length - 1; k >= 0; k--) t = run(t, splitAtAxis(t.shape, axes![k]), reducedShape(t.shape, [axes![k]], true));
  return keepDims ? t : reshape(t, reducedShape(x.shape, axes, false));
}

function elementCount(shape: Shape, axes: readonly number[] | undefined): number {
  return axes === undefined ? shape.reduce((a, b) => a * b, 1) : axes.reduce((n, a) => n * shape[a], 1);
}

/**
 * Sum over all elements, over one axis, or over several. Accumulates in double precision.
 *
 * ```text
 * sum(x)ⱼ = Σᵢ xᵢⱼ,   ∂/∂xᵢⱼ = 1
 * ```
 *
 * @param axis - the axis or axes to reduce (negative counts from the end); all axes when omitted
 * @param options - `keepDims` default false
 * @throws Error when an axis is out of range or repeated, `axis` is not an integer or an
 *   array of integers (an options object in its place is named), or an option is unknown
 */
export function sum(x: Tensor, axis?: Axes, options?: ReduceOptions): Tensor {
  const axes = resolveAxes("sum", x, axis, options);
  return overAxes(x, axes, options?.keepDims === true, (t, split, shape) => sumScaled("sum", t, split, shape, 1));
}

/**
 * Mean over all elements, over one axis, or over several. The mean of an empty axis is NaN.
 *
 * ```text
 * mean(x)ⱼ = (1/n) Σᵢ xᵢⱼ,   ∂/∂xᵢⱼ = 1/n
 * ```
 *
 * @param axis - the axis or axes to reduce; all axes when omitted
 * @param options - `keepDims` default false
 * @throws Error as {@link sum}
 */
export function mean(x: Tensor, axis?: Axes, options?: ReduceOptions): Tensor {
  const axes = resolveAxes("mean", x, axis, options);
  return overAxes(x, axes, options?.keepDims === true, (t, split, shape) => sumScaled("mean", t, split, shape, 1 / split[1]));
}

function sumScaled(op: string, x: Tensor, [outer, len, inner]: [number, number, number], shape: number[], scale: number): Tensor {
  const xd = x.data;
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
  }, (gy) => [spread(gy, x.shape, [outer, len, inner], scale)]);
}

/** gy (reduced over the run `[outer, ·, inner]`) broadcast back to `shape`, times `scale`: a differentiable op chain. */
function spread(gy: Tensor, shape: Shape, [outer, len, inner]: [number, number, number], scale: number | Tensor): Tensor {
  const g = reshape(broadcastTo(reshape(gy, [outer, 1, inner]), [outer, len, inner]), shape);
  return scale === 1 ? g : mul(g, scale);
}

/**
 * Index of the maximum (`larger`) or minimum along the slice `(o, ·, j)`: the first NaN
 * wins, else the first extreme.
 */
function extremeSlice(xd: ArrayLike<number>, base: number, len: number, inner: number, larger: boolean): number {
  let best = 0;
  let bestValue = xd[base];
  if (Number.isNaN(bestValue)) return 0;
  for (let i = 1; i < len; i++) {
    const v = xd[base + i * inner];
    if (Number.isNaN(v)) return i;
    if (larger ? v > bestValue : v < bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

function extreme(op: "max" | "min", x: Tensor, axis: Axes | undefined, options: ReduceOptions | undefined): Tensor {
  const axes = resolveAxes(op, x, axis, options);
  if (x.size === 0) throw new Error(`${op}: cannot reduce an empty tensor`);
  const larger = op === "max";
  const keepDims = options?.keepDims === true;
  const xd = x.data;
  if (axes === undefined) {
    const index = extremeSlice(xd, 0, x.size, 1, larger);
    const y = allocate(x.dtype, 1);
    const m = xd[index];
    y[0] = m;
    return record(y, reducedShape(x.shape, undefined, keepDims), [x], op, (gy) => {
      const gx = allocate(x.dtype, x.size);
      // Ties share the gradient evenly; when the extreme is NaN, every NaN is a tie (as PyTorch).
      const nan = Number.isNaN(m);
      let ties = 0;
      for (let i = 0; i < xd.length; i++) if (xd[i] === m || (nan && Number.isNaN(xd[i]))) ties++;
      const share = gy[0] / ties;
      for (let i = 0; i < xd.length; i++) if (xd[i] === m || (nan && Number.isNaN(xd[i]))) gx[i] = share;
      return [gx];
    }, (gy) => {
      // The same split as a constant mask: [x is the extreme] / ties.
      const mask = allocate(x.dtype, x.size);
      const nan = Number.isNaN(m);
      let ties = 0;
      for (let i = 0; i < xd.length; i++) if (xd[i] === m || (nan && Number.isNaN(xd[i]))) ties++;
      for (let i = 0; i < xd.length; i++) if (xd[i] === m || (nan && Number.isNaN(xd[i]))) mask[i] = 1 / ties;
      return [spread(gy, x.shape, [1, x.size, 1], new Tensor(mask, x.shape))];
    });
  }
  return overAxes(x, axes, keepDims, (t, [outer, len, inner], shape) => {
    const td = t.data;
    const y = allocate(t.dtype, outer * inner);
    const indices = new Int32Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * len * inner + j;
        const i = extremeSlice(td, base, len, inner, larger);
        indices[o * inner + j] = i;
        y[o * inner + j] = td[base + i * inner];
      }
    }
    return record(y, shape, [t], op, (gy) => {
      const gx = allocate(t.dtype, t.size);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < inner; j++) {
          const r = o * inner + j;
          gx[o * len * inner + indices[r] * inner + j] = gy[r];
        }
      }
      return [gx];
    }, (gy) => {
      const mask = allocate(t.dtype, t.size);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < inner; j++) mask[o * len * inner + indices[o * inner + j] * inner + j] = 1;
      }
      return [spread(gy, t.shape, [outer, len, inner], new Tensor(mask, t.shape))];
    });
  });
}

/**
 * Maximum over all elements, over one axis, or over several; NaN if the slice holds a NaN.
 *
 * ```text
 * max(x)ⱼ = maxᵢ xᵢⱼ
 * ∂/∂xᵢⱼ = 1 at the selected element: over axes the first maximum in row-major order (as
 *          PyTorch's max(dim); over non-consecutive axes, the first of each axis in turn);
 *          over all elements the gradient is split evenly between ties, NaNs included when
 *          the maximum is NaN (as PyTorch's max())
 * ```
 *
 * @param axis - the axis or axes to reduce; all axes when omitted
 * @param options - `keepDims` default false
 * @throws Error when `x` is empty, or as {@link sum}
 */
export function max(x: Tensor, axis?: Axes, options?: ReduceOptions): Tensor {
  return extreme("max", x, axis, options);
}

/**
 * Minimum over all elements, over one axis, or over several; NaN if the slice holds a NaN.
 *
 * ```text
 * min(x)ⱼ = minᵢ xᵢⱼ,   ∂/∂xᵢⱼ = 1 at the selected element, with the tie rules of {@link max}
 * ```
 *
 * @param axis - the axis or axes to reduce; all axes when omitted
 * @param options - `keepDims` default false
 * @throws Error when `x` is empty, or as {@link sum}
 */
export function min(x: Tensor, axis?: Axes, options?: ReduceOptions): Tensor {
  return extreme("min", x, axis, options);
}

function argExtreme(op: "argmax" | "argmin", x: Tensor, axis: number | undefined, options: ReduceOptions | undefined): Tensor {
  if (Array.isArray(axis)) throw new Error(`${op}: takes one axis (or none), got ${describe(axis)}`);
  const axes = resolveAxes(op, x, axis, options);
  if (x.size === 0) throw new Error(`${op}: cannot reduce an empty tensor`);
  const shape = reducedShape(x.shape, axes, options?.keepDims === true);
  const [outer, len, inner] = splitRun(x.shape, axes)!;
  const y = allocate(x.dtype, outer * inner);
  const larger = op === "argmax";
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) y[o * inner + j] = extremeSlice(x.data, o * len * inner + j, len, inner, larger);
  }
  return new Tensor(y, shape);
}

/**
 * Index of the maximum over all elements (flat index) or along one axis; ties give the
 * first index, a NaN counts as the maximum. Not differentiable: the result never requires grad.
 *
 * @param axis - the axis to reduce; all axes (flat index) when omitted
 * @returns indices as a tensor of `x`'s dtype
 * @throws Error when `x` is empty, `axis` is out of range or is an array, or an option is unknown
 */
export function argmax(x: Tensor, axis?: number, options?: ReduceOptions): Tensor {
  return argExtreme("argmax", x, axis, options);
}

/**
 * Index of the minimum over all elements (flat index) or along one axis; ties give the
 * first index, a NaN counts as the minimum (as PyTorch). Not differentiable.
 *
 * @param axis - the axis to reduce; all axes (flat index) when omitted
 * @returns indices as a tensor of `x`'s dtype
 * @throws Error as {@link argmax}
 */
export function argmin(x: Tensor, axis?: number, options?: ReduceOptions): Tensor {
  return argExtreme("argmin", x, axis, options);
}

function divisor(op: string, x: Tensor, axes: number[] | undefined, options: VarianceOptions | undefined): number {
  const { correction, unbiased } = options ?? {};
  if (correction !== undefined && unbiased !== undefined) {
    throw new Error(`${op}: give correction or unbiased, not both (got correction=${String(correction)}, unbiased=${String(unbiased)})`);
  }
  if (unbiased !== undefined) booleanOption(op, "unbiased", unbiased);
  const c = unbiased !== undefined ? (unbiased ? 1 : 0) : (correction ?? 1);
  if (typeof c !== "number" || !Number.isFinite(c) || c < 0) {
    throw new Error(`${op}: correction must be a finite number ≥ 0, got ${String(c)}`);
  }
  // As PyTorch: max(0, n − correction); a divisor of 0 gives ∞ or NaN, as the maths does.
  return Math.max(0, elementCount(x.shape, axes) - c);
}

const VARIANCE_KEYS = ["keepDims", "correction", "unbiased"] as const;

/**
 * Variance over all elements, over one axis, or over several, in two passes (mean, then
 * squared deviations), so a large common offset does not cancel the result.
 *
 * ```text
 * var(x) = Σᵢ (xᵢ − x̄)² / max(0, n − correction)     correction default 1 (unbiased, as PyTorch)
 * ∂/∂xᵢ  = 2 (xᵢ − x̄) / max(0, n − correction)
 * ```
 *
 * A divisor of 0 (one element with the default correction) gives NaN, as PyTorch.
 *
 * @param axis - the axis or axes to reduce; all axes when omitted
 * @param options - `correction` default 1 (or `unbiased` true/false); `keepDims` default false
 * @throws Error as {@link sum}, or when `correction` is negative or given with `unbiased`
 */
export function variance(x: Tensor, axis?: Axes, options?: VarianceOptions): Tensor {
  const axes = resolveAxes("var", x, axis, options, VARIANCE_KEYS);
  const d = divisor("var", x, axes, options);
  const deviation = sub(x, mean(x, axis, { keepDims: true }));
  return mul(sum(square(deviation), axis, { keepDims: options?.keepDims === true }), 1 / d);
}

const stdRoot = defineUnaryOp({
  name: "std",
  forward(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = Math.sqrt(x[i]);
  },
  backward(_x, y, gy, gx) {
    // As PyTorch: a zero standard deviation passes a zero gradient (not ∞·0 = NaN).
    for (let i = 0; i < gy.length; i++) gx[i] = y[i] === 0 ? 0 : gy[i] / (2 * y[i]);
  },
  derivative(_x, y) {
    // 1/(2y), with 0 where y = 0: y + [y = 0] keeps the division finite, the mask zeroes it.
    const zero = allocate(y.dtype, y.size);
    for (let i = 0; i < zero.length; i++) zero[i] = y.data[i] === 0 ? 1 : 0;
    const z = new Tensor(zero, y.shape);
    return mul(sub(1, z), mul(y.add(z), 2).pow(-1));
  },
});

/**
 * Standard deviation: the square root of {@link variance}, with its `correction` (default
 * 1, unbiased, as PyTorch).
 *
 * ```text
 * std(x) = √var(x),   ∂/∂xᵢ = (xᵢ − x̄) / (max(0, n − correction) · std(x))
 * kink: where std(x) = 0 (all elements equal) the gradient is 0, as PyTorch
 * ```
 *
 * @param axis - the axis or axes to reduce; all axes when omitted
 * @param options - as {@link variance}
 * @throws Error as {@link variance}
 */
export function std(x: Tensor, axis?: Axes, options?: VarianceOptions): Tensor {
  resolveAxes("std", x, axis, options, VARIANCE_KEYS);
  divisor("std", x, undefined, options);
  return stdRoot(variance(x, axis, options));
}
