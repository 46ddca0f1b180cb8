import { mean, sum } from "../autograd/ops/reduce.js";
import { formatShape, sameShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * How a loss turns per-element losses into its result: `'mean'` (the default, as PyTorch)
 * averages them, `'sum'` adds them, `'none'` returns them unreduced.
 */
export type Reduction = "mean" | "sum" | "none";

/** Options every loss accepts. */
export interface ReductionOptions {
  /** Default `'mean'`. */
  reduction?: Reduction;
}

/**
 * The reduction named in `options`, checked.
 *
 * @throws Error naming `op` and the value when it is not `'mean'`, `'sum'` or `'none'`
 */
export function checkReduction(op: string, options: ReductionOptions | undefined): Reduction {
  const r = options === undefined || options.reduction === undefined ? "mean" : options.reduction;
  if (r !== "mean" && r !== "sum" && r !== "none") {
    throw new Error(`${op}: invalid reduction ${JSON.stringify(r)}; expected "mean", "sum" or "none"`);
  }
  return r;
}

/**
 * Checks that `value` is a Tensor.
 *
 * @throws Error naming `op` and the argument otherwise
 */
export function checkTensor(op: string, name: string, value: unknown): asserts value is Tensor {
  if (!(value instanceof Tensor)) throw new Error(`${op}: ${name} must be a Tensor, got ${typeof value}`);
}

/**
 * Checks that two tensors have the same shape and dtype.
 *
 * @throws Error naming `op` and both shapes (or dtypes) when they differ
 */
export function checkSameShape(op: string, aName: string, a: Tensor, bName: string, b: Tensor): void {
  if (!sameShape(a.shape, b.shape)) {
    throw new Error(`${op}: ${aName} shape ${formatShape(a.shape)} does not match ${bName} shape ${formatShape(b.shape)}`);
  }
  if (a.dtype !== b.dtype) {
    throw new Error(`${op}: ${aName} is ${a.dtype} but ${bName} is ${b.dtype}; convert one with .to("${a.dtype}")`);
  }
}

/** Applies `reduction` to per-element losses (differentiably). */
export function reduce(losses: Tensor, reduction: Reduction): Tensor {
  if (reduction === "none") return losses;
  return reduction === "sum" ? sum(losses) : mean(losses);
}

/**
 * The `ignoreIndex` option of the label losses: an integer, default −100 (as PyTorch).
 *
 * @throws Error naming `op` and the value when it is not an integer
 */
export function checkIgnoreIndex(op: string, value: unknown): number {
  if (value === undefined) return -100;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new Error(`${op}: ignoreIndex must be an integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Checks the `weight` option of the class losses: a `[C]` tensor of `like`'s dtype.
 *
 * @throws Error naming `op` and the shape or dtype when it does not fit
 */
export function checkClassWeight(op: string, weight: unknown, like: Tensor): Tensor | undefined {
  if (weight === undefined) return undefined;
  checkTensor(op, "weight", weight);
  const c = like.shape[1];
  if (weight.ndim !== 1 || weight.shape[0] !== c) {
    throw new Error(`${op}: weight must have shape [C] = [${c}], got ${formatShape(weight.shape)}`);
  }
  if (weight.dtype !== like.dtype) throw new Error(`${op}: weight is ${weight.dtype} but the input is ${like.dtype}`);
  return weight;
}
