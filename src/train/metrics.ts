import { formatShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

/** A metric's contribution from one batch: a sum and how many items it covers. */
export interface MetricTotal {
  total: number;
  count: number;
}

/**
 * A metric computed batch by batch: the epoch value is `Σ total / Σ count`, so it is exact
 * whatever the batch sizes. Implementations read `output.data` only (no graph).
 */
export interface Metric {
  /** The key in the logs and the history (`"accuracy"`; validation adds `valAccuracy`). */
  readonly name: string;
  /** Sums the metric over one batch. */
  compute(output: Tensor, target: Tensor): MetricTotal;
}

/** Names of the built-in metrics. */
export type MetricName = "accuracy" | "binaryAccuracy" | "mse" | "mae";

function rows(t: Tensor): number {
  return t.ndim === 0 ? 1 : t.shape[0];
}

/** Index of the largest of `data[offset .. offset + n)`; ties give the first. */
function argmaxRow(data: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (data[offset + j] > data[offset + best]) best = j;
  return best;
}

function binaryHits(op: string, output: Tensor, target: Tensor): MetricTotal {
  if (output.size !== target.size) {
    throw new Error(`${op}: output ${formatShape(output.shape)} and target ${formatShape(target.shape)} differ in size`);
  }
  let hits = 0;
  for (let i = 0; i < output.size; i++) if (output.data[i] > 0 === target.data[i] > 0.5) hits++;
  return { total: hits, count: output.size };
}

/**
 * Classification accuracy, the fraction of samples classified correctly.
 *
 * ```text
 * output [N, C], C > 1:  predicted class = argmax over C (logits or probabilities);
 *                        target = N integer labels ([N] or [N, 1]) or [N, C] one-hot /
 *                        probabilities (true class = its argmax; ties: the first index)
 * output [N] or [N, 1]:  predicted class = 1 if the logit > 0 else 0 (threshold at 0);
 *                        target ∈ {0, 1} (true class = target > 0.5)
 * ```
 *
 * @throws Error naming both shapes when they do not fit
 */
export const accuracy: Metric = {
  name: "accuracy",
  compute(output, target) {
    const n = rows(output);
    const classes = output.ndim >= 2 ? output.size / Math.max(n, 1) : 1;
    if (classes === 1) return binaryHits("accuracy", output, target);
    if (output.ndim !== 2) throw new Error(`accuracy: expected output [N, C], got ${formatShape(output.shape)}`);
    const oneHot = target.ndim === 2 && target.shape[1] === classes && classes > 1;
    if (rows(target) !== n || !(oneHot || target.size === n)) {
      throw new Error(
        `accuracy: output ${formatShape(output.shape)} needs ${n} integer labels or [${n},${classes}] probabilities, got target ${formatShape(target.shape)}`,
      );
    }
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const truth = oneHot ? argmaxRow(target.data, i * classes, classes) : target.data[i];
      if (argmaxRow(output.data, i * classes, classes) === truth) hits++;
    }
    return { total: hits, count: n };
  },
};

/**
 * Element-wise binary accuracy for logits (multi-label included).
 *
 * ```text
 * binaryAccuracy = mean over elements of [ (output > 0) = (target > 0.5) ]
 * ```
 *
 * @throws Error naming both shapes when their sizes differ
 */
export const binaryAccuracy: Metric = {
  name: "binaryAccuracy",
  compute: (output, target) => binaryHits("binaryAccuracy", output, target),
};

function elementwise(name: string, f: (d: number) => number): Metric {
  return {
    name,
    compute(output, target) {
      if (output.size !== target.size) {
        throw new Error(`${name}: output ${formatShape(output.shape)} and target ${formatShape(target.shape)} differ in size`);
      }
      let total = 0;
      for (let i = 0; i < output.size; i++) total += f(output.data[i] - target.data[i]);
      return { total, count: output.size };
    },
  };
}

/** Mean squared error, `mean((output − target)²)` over all elements. @throws Error when the sizes differ */
export const mse: Metric = elementwise("mse", (d) => d * d);

/** Mean absolute error, `mean(|output − target|)` over all elements. @throws Error when the sizes differ */
export const mae: Metric = elementwise("mae", Math.abs);

const BUILT_IN: Record<MetricName, Metric> = { accuracy, binaryAccuracy, mse, mae };

/**
 * A built-in metric by name, or a {@link Metric} object as is.
 *
 * @throws Error listing the known names for an unknown one
 */
export function resolveMetric(metric: MetricName | Metric): Metric {
  if (typeof metric === "string") {
    if (!Object.prototype.hasOwnProperty.call(BUILT_IN, metric)) {
      throw new Error(`unknown metric "${String(metric)}"; known: ${Object.keys(BUILT_IN).join(", ")}`);
    }
    return BUILT_IN[metric];
  }
  if (metric === null || typeof metric !== "object" || typeof metric.name !== "string" || typeof metric.compute !== "function") {
    throw new Error(`a metric must be a name or { name, compute(output, target) }, got ${String(metric)}`);
  }
  return metric;
}

/** `"valAccuracy"` for `"accuracy"`: the log key of a metric on validation data. */
export function validationKey(name: string): string {
  return `val${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}
