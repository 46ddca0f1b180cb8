import type { StateDict } from "../layers/module.js";
import type { Callback, CallbackContext } from "./callback.js";

/** Options of {@link EarlyStopping}. */
export interface EarlyStoppingOptions {
  /** The logged number to watch. Default `'valLoss'` (needs validation data). */
  monitor?: string;
  /** Epochs without improvement after which training stops (0 and 1 both stop at the first, as Keras). Default 0. */
  patience?: number;
  /** The least change that counts as an improvement, ≥ 0. Default 0. */
  minDelta?: number;
  /** `'min'`, `'max'`, or `'auto'`: `'max'` when the name contains "accuracy", else `'min'`. Default `'auto'`. */
  mode?: "min" | "max" | "auto";
  /** At the end of training, load the weights of the best epoch back into the model. Default false. */
  restoreBestWeights?: boolean;
}

/**
 * Stops training when a monitored number has stopped improving (Keras's `EarlyStopping`).
 *
 * ```text
 * improved(v) = v < best − minDelta   (mode 'min')
 *             = v > best + minDelta   (mode 'max')
 * after each epoch: improved → best = v, wait = 0;  else wait += 1, stop when wait ≥ max(patience, 1)
 * ```
 *
 * With `restoreBestWeights`, the weights of the best epoch are copied back into the model
 * when training ends (stopped or not), so the model need not match the last history entry.
 *
 * @example
 * ```ts
 * fit(model, data, { loss, optimizer, epochs: 100, validationSplit: 0.2,
 *                    callbacks: [new EarlyStopping({ patience: 5, restoreBestWeights: true })] });
 * ```
 */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly minDelta: number;
  readonly mode: "min" | "max";
  readonly restoreBestWeights: boolean;
  /** The best monitored value so far. */
  best = NaN;
  /** The epoch (0-based) that reached {@link best}; -1 before the first epoch. */
  bestEpoch = -1;
  /** The epoch (0-based) after which training was stopped, or -1. */
  stoppedEpoch = -1;
  #wait = 0;
  #bestWeights: StateDict | null = null;

  /** @throws Error for a negative or non-integer patience, a negative minDelta, or an unknown mode */
  constructor(options: EarlyStoppingOptions = {}) {
    const { monitor = "valLoss", patience = 0, minDelta = 0, mode = "auto", restoreBestWeights = false } = options;
    if (typeof monitor !== "string" || monitor.length === 0) throw new Error(`EarlyStopping: monitor must be a log name, got ${String(monitor)}`);
    if (!Number.isInteger(patience) || patience < 0) throw new Error(`EarlyStopping: patience must be an integer ≥ 0, got ${patience}`);
    if (!(minDelta >= 0) || !Number.isFinite(minDelta)) throw new Error(`EarlyStopping: minDelta must be a finite number ≥ 0, got ${minDelta}`);
    if (mode !== "min" && mode !== "max" && mode !== "auto") throw new Error(`EarlyStopping: mode must be 'min', 'max' or 'auto', got ${String(mode)}`);
    this.monitor = monitor;
    this.patience = patience;
    this.minDelta = minDelta;
    this.mode = mode === "auto" ? (monitor.toLowerCase().includes("accuracy") ? "max" : "min") : mode;
    this.restoreBestWeights = restoreBestWeights;
  }

  onTrainBegin(): void {
    this.best = NaN;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.#wait = 0;
    this.#bestWeights = null;
  }

  /** @throws Error listing the logged names when the monitored one is not logged */
  onEpochEnd(ctx: CallbackContext): void {
    const value = ctx.logs[this.monitor];
    if (value === undefined) {
      throw new Error(
        `EarlyStopping: "${this.monitor}" is not logged; logged: ${Object.keys(ctx.logs).join(", ")}` +
          (this.monitor.startsWith("val") ? " (pass validationData or validationSplit to fit)" : ""),
      );
    }
    const improved =
      this.bestEpoch < 0 || (this.mode === "min" ? value < this.best - this.minDelta : value > this.best + this.minDelta);
    if (improved) {
      this.best = value;
      this.bestEpoch = ctx.epoch;
      this.#wait = 0;
      if (this.restoreBestWeights) this.#bestWeights = ctx.model.stateDict();
      return;
    }
    this.#wait++;
    if (this.#wait >= Math.max(this.patience, 1)) {
      this.stoppedEpoch = ctx.epoch;
      ctx.stopTraining();
    }
  }

  onTrainEnd(ctx: CallbackContext): void {
    if (this.#bestWeights !== null) ctx.model.loadStateDict(this.#bestWeights);
  }
}
