import { concat, slice } from "../autograd/ops/shape.js";
import type { Module } from "../layers/module.js";
import { formatShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { checkBatchSize, inEvalMode } from "./evaluate.js";

/** Options of {@link predict}. */
export interface PredictOptions {
  /** Samples per forward pass. Default 32. */
  batchSize?: number;
}

/**
 * The model's outputs for every sample of `x`, computed batch by batch in evaluation mode
 * (Dropout off) without recording a graph; the model's training mode is restored afterwards.
 *
 * ```text
 * predict(model, x) = concat_b model(x_b)   along the first dimension
 * ```
 *
 * @param x - inputs with the samples along the first dimension
 * @param options - `batchSize` default 32
 * @returns a tensor of the outputs, `[N, …]`, that does not require grad
 * @throws Error when `x` is not a tensor with at least one dimension, or for a bad batch size
 */
export function predict(model: Module, x: Tensor, options: PredictOptions = {}): Tensor {
  if (!(x instanceof Tensor) || x.ndim === 0) {
    throw new Error(`predict: x must be a tensor of samples [N, …], got ${x instanceof Tensor ? formatShape(x.shape) : typeof x}`);
  }
  const batchSize = checkBatchSize("predict", options.batchSize ?? 32);
  const n = x.shape[0];
  return inEvalMode(model, () => {
    if (n <= batchSize) return model.forward(x);
    const outputs: Tensor[] = [];
    for (let start = 0; start < n; start += batchSize) outputs.push(model.forward(slice(x, 0, start, Math.min(n, start + batchSize))));
    return concat(outputs, 0);
  });
}
