import { checkOptionKeys } from "../util/options.js";
import { noGrad } from "../autograd/grad-mode.js";
import { slice } from "../autograd/ops/shape.js";
import type { Module } from "../layers/module.js";
import { formatShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import type { Dataset } from "../data/dataset.js";
import type { Logs, LossFn } from "./callback.js";
import { resolveMetric, type Metric, type MetricName } from "./metrics.js";

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Loss to report as `loss`; without it only metrics are computed. */
  loss?: LossFn;
  /** Metrics to report, by name or as {@link Metric} objects. Default none. */
  metrics?: readonly (MetricName | Metric)[];
  /** Samples per forward pass. Default 32. */
  batchSize?: number;
}

/**
 * Checks a batch size option.
 *
 * @throws Error naming `op` and the value unless it is a positive integer
 */
export function checkBatchSize(op: string, batchSize: unknown): number {
  if (typeof batchSize !== "number" || !Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`${op}: batchSize must be a positive integer, got ${String(batchSize)}`);
  }
  return batchSize;
}

/**
 * Checks that `data` is `{ x, y }` with tensors holding the same number of samples (first dimension).
 *
 * @throws Error naming `op`, `what` and both shapes otherwise
 */
export function checkData(op: string, data: Dataset, what = "data"): number {
  if (data === null || typeof data !== "object" || !(data.x instanceof Tensor) || !(data.y instanceof Tensor)) {
    throw new Error(`${op}: ${what} must be { x: Tensor, y: Tensor }`);
  }
  if (data.x.ndim === 0 || data.y.ndim === 0 || data.x.shape[0] !== data.y.shape[0]) {
    throw new Error(
      `${op}: ${what}.x ${formatShape(data.x.shape)} and ${what}.y ${formatShape(data.y.shape)} must have the same number of samples (first dimension)`,
    );
  }
  return data.x.shape[0];
}

/** Running sums of the loss and the metrics over batches. */
export class LogAccumulator {
  #loss = 0;
  #samples = 0;
  readonly #sums: { metric: Metric; total: number; count: number }[];

  constructor(metrics: readonly Metric[]) {
    this.#sums = metrics.map((metric) => ({ metric, total: 0, count: 0 }));
  }

  /** Adds one batch: its (mean) loss value, if any, weighted by its sample count. */
  add(output: Tensor, target: Tensor, loss: number | null): void {
    const n = output.ndim === 0 ? 1 : output.shape[0];
    if (loss !== null) this.#loss += loss * n;
    this.#samples += n;
    for (const s of this.#sums) {
      const { total, count } = s.metric.compute(output, target);
      s.total += total;
      s.count += count;
    }
  }

  /** The logs so far, keys mapped through `key` (for `val` prefixes). */
  logs(withLoss: boolean, key: (name: string) => string = (n) => n): Logs {
    const out: Logs = {};
    if (withLoss) out[key("loss")] = this.#loss / this.#samples;
    for (const s of this.#sums) out[key(s.metric.name)] = s.total / s.count;
    return out;
  }
}

/**
 * Runs `fn` with the model in evaluation mode and graph recording off, then restores the
 * model's previous mode (even if `fn` throws).
 */
export function inEvalMode<T>(model: Module, fn: () => T): T {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(fn);
  } finally {
    model.train(wasTraining);
  }
}

/**
 * The loss and metrics of a model on a dataset, computed in evaluation mode (Dropout off)
 * without recording a graph; the model's training mode is restored afterwards.
 *
 * ```text
 * loss   = Σ_b n_b · loss(model(x_b), y_b) / Σ_b n_b     (exact for mean-reduced losses)
 * metric = Σ_b total_b / Σ_b count_b
 * ```
 *
 * @param data - `{ x, y }` with the samples along the first dimension
 * @param options - `loss`, `metrics` (default none), `batchSize` default 32
 * @returns `{ loss?, <metric>… }` as plain numbers
 * @throws Error for mismatched sample counts (both shapes named), a bad batch size, an
 *   unknown metric, or errors from the model and loss
 */
export function evaluate(model: Module, data: Dataset, options: EvaluateOptions = {}): Logs {
  checkOptionKeys("evaluate", options, ["loss", "metrics", "batchSize"]);
  const n = checkData("evaluate", data);
  const batchSize = checkBatchSize("evaluate", options.batchSize ?? 32);
  const metrics = (options.metrics ?? []).map(resolveMetric);
  if (n === 0) throw new Error("evaluate: data has no samples");
  const acc = new LogAccumulator(metrics);
  inEvalMode(model, () => {
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      const xb = slice(data.x, 0, start, end);
      const yb = slice(data.y, 0, start, end);
      const output = model.forward(xb);
      acc.add(output, yb, options.loss === undefined ? null : options.loss(output, yb).item());
    }
  });
  return acc.logs(options.loss !== undefined);
}
