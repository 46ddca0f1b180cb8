import type { Module } from "../layers/module.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { Tensor } from "../tensor/tensor.js";

/**
 * A loss function: `(output, target) → scalar`, reduced by the mean over the batch (the
 * default of every typegrad loss). Epoch losses are batch losses weighted by batch size.
 */
export type LossFn = (output: Tensor, target: Tensor) => Tensor;

/**
 * Numbers logged by `fit` and `evaluate`: `loss`, each metric by name, and for validation
 * data `valLoss` and `val` + the metric name capitalised (`valAccuracy`). Plain numbers,
 * never tensors, so logs never hold a graph.
 */
export type Logs = Record<string, number>;

/**
 * What `fit` returns: one entry per completed epoch, like Keras's `history.history`.
 *
 * @example
 * ```ts
 * const h = fit(model, data, { loss, optimizer, epochs: 10, validationSplit: 0.2, metrics: ["accuracy"] });
 * h.loss.length;                // 10 (fewer if a callback stopped training)
 * h.metrics.valAccuracy.at(-1); // validation accuracy after the last epoch
 * ```
 */
export interface History {
  /** Training loss per epoch: the mean of the batch losses, weighted by batch size. */
  readonly loss: number[];
  /** Validation loss per epoch (empty without validation data). */
  readonly valLoss: number[];
  /** Every other logged number per epoch, by name: `accuracy`, `valAccuracy`, … */
  readonly metrics: Record<string, number[]>;
  /** Learning rate used in each epoch (the optimiser's `lr` once `onEpochBegin` callbacks ran). */
  readonly lr: number[];
  /** Each epoch's full logs, in order. */
  readonly logs: Logs[];
  /**
   * Steps skipped because a gradient held a NaN or ±∞ (only with `fit`'s
   * `nonFiniteGradients: "skip"`; 0 otherwise).
   */
  skippedSteps: number;
}

/** What every callback hook receives. Epochs and batches count from 0. */
export interface CallbackContext {
  readonly model: Module;
  readonly optimizer: Optimizer;
  /** Current epoch, from 0. */
  readonly epoch: number;
  /** Number of epochs requested. */
  readonly epochs: number;
  /** Current batch within the epoch, from 0 (-1 outside the batch loop). */
  readonly batch: number;
  /** Batches per epoch. */
  readonly batches: number;
  /**
   * `onBatchEnd`: `{ loss }` of the batch; `onEpochEnd`: the epoch's logs; `onTrainEnd`: the
   * last epoch's logs; otherwise empty.
   */
  readonly logs: Readonly<Logs>;
  /** The history so far. */
  readonly history: History;
  /** Ends training after the current batch (the epoch's logs cover the batches run). */
  stopTraining(): void;
}

/**
 * Hooks into `fit`. Every method is optional; they run in the order the callbacks are given.
 * An exception in a hook ends training and propagates out of `fit`.
 */
export interface Callback {
  onTrainBegin?(ctx: CallbackContext): void;
  onEpochBegin?(ctx: CallbackContext): void;
  onBatchEnd?(ctx: CallbackContext): void;
  onEpochEnd?(ctx: CallbackContext): void;
  onTrainEnd?(ctx: CallbackContext): void;
}
