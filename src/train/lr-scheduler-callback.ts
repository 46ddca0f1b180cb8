import { ReduceLROnPlateau } from "../optim/reduce-lr-on-plateau.js";
import { checkOptionKeys } from "../util/options.js";
import type { Callback, CallbackContext } from "./callback.js";

/** An object whose `step()` advances a learning-rate schedule by one epoch (every `LRScheduler`). */
export interface SteppableScheduler {
  step(): void;
}

/** A schedule as a function: the learning rate for `epoch` (0-based) given the current one. */
export type ScheduleFn = (epoch: number, lr: number) => number;

/** Options of {@link LearningRateScheduler}. */
export interface LearningRateSchedulerOptions {
  /**
   * The logged value passed to a {@link ReduceLROnPlateau}'s `step(metric)` after each epoch.
   * Default `"valLoss"` (as Keras), or `"loss"` when fit has no validation data.
   */
  monitor?: string;
  /** Step a scheduler object after every `"epoch"` (default) or every `"batch"` (e.g. `OneCycleLR`). */
  per?: "epoch" | "batch";
}

/**
 * Changes the learning rate once per epoch during `fit`.
 *
 * ```text
 * function schedule:  before epoch e:  lr′ = schedule(e, lr₀)   with lr₀ the first group's rate;
 *                     every group g:  lr_g ← lr_g · lr′ / lr₀   (all set to lr′ when lr₀ = 0)   (Keras)
 * scheduler object:   after epoch e:   scheduler.step()                          (PyTorch)
 *                     after each batch with { per: "batch" } (e.g. OneCycleLR)
 * ReduceLROnPlateau:  after epoch e:   plateau.step(logs[monitor])              (PyTorch / Keras)
 * ```
 *
 * Scaling every group by the same factor keeps parameter groups' relative rates (e.g. a
 * lower rate for Swish β or LEAF α) under a function schedule.
 * The rate each epoch actually used is recorded in `History.lr`.
 *
 * @example
 * ```ts
 * new LearningRateScheduler((epoch, lr) => (epoch < 10 ? lr : lr * 0.9));
 * new LearningRateScheduler(new StepLR(optimizer, { stepSize: 30, gamma: 0.1 }));
 * new LearningRateScheduler(new ReduceLROnPlateau(optimizer, { patience: 5 }), { monitor: "valLoss" });
 * new LearningRateScheduler(new OneCycleLR(optimizer, { maxLr: 0.1, totalSteps: epochs * batches }), { per: "batch" });
 * ```
 */
export class LearningRateScheduler implements Callback {
  readonly #schedule: ScheduleFn | SteppableScheduler | ReduceLROnPlateau;
  readonly #monitor: string | undefined;
  readonly #perBatch: boolean;

  /**
   * @throws Error when `schedule` is neither a function nor an object with `step()`, or for an
   *   unknown or bad option (`monitor` only goes with a ReduceLROnPlateau, `per` only with a scheduler object)
   */
  constructor(schedule: ScheduleFn | SteppableScheduler | ReduceLROnPlateau, options: LearningRateSchedulerOptions = {}) {
    const name = "LearningRateScheduler";
    const ok =
      typeof schedule === "function" ||
      (schedule !== null && typeof schedule === "object" && typeof (schedule as SteppableScheduler).step === "function");
    if (!ok) throw new Error(`${name}: expected a function (epoch, lr) => lr or a scheduler with step()`);
    checkOptionKeys(name, options, ["monitor", "per"]);
    const { monitor, per = "epoch" } = options;
    const plateau = schedule instanceof ReduceLROnPlateau;
    if (monitor !== undefined && (!plateau || typeof monitor !== "string" || monitor === "")) {
      throw new Error(`${name}: monitor (a log name such as "valLoss") goes with a ReduceLROnPlateau, got ${JSON.stringify(monitor)}`);
    }
    if (per !== "epoch" && per !== "batch") throw new Error(`${name}: per must be "epoch" or "batch", got ${JSON.stringify(per)}`);
    if (per === "batch" && (typeof schedule === "function" || plateau)) {
      throw new Error(`${name}: per: "batch" goes with a scheduler object such as OneCycleLR`);
    }
    this.#schedule = schedule;
    this.#monitor = monitor;
    this.#perBatch = per === "batch";
  }

  /** @throws Error naming the epoch when the function returns a negative or non-finite rate */
  onEpochBegin(ctx: CallbackContext): void {
    const schedule = this.#schedule;
    if (typeof schedule !== "function") return;
    const current = ctx.optimizer.lr;
    const lr = schedule(ctx.epoch, current);
    if (typeof lr !== "number" || !Number.isFinite(lr) || lr < 0) {
      throw new Error(`LearningRateScheduler: the schedule returned ${String(lr)} for epoch ${ctx.epoch}; expected a finite number ≥ 0`);
    }
    if (current === 0) {
      ctx.optimizer.lr = lr;
      return;
    }
    for (const group of ctx.optimizer.paramGroups) group.options.lr *= lr / current;
    // The first group gets exactly the scheduled value (no rounding from the ratio).
    ctx.optimizer.paramGroups[0].options.lr = lr;
  }

  onBatchEnd(): void {
    if (this.#perBatch) (this.#schedule as SteppableScheduler).step();
  }

  /** @throws Error listing the logged names when a ReduceLROnPlateau's monitored value is not logged */
  onEpochEnd(ctx: CallbackContext): void {
    const schedule = this.#schedule;
    if (schedule instanceof ReduceLROnPlateau) {
      const monitor = this.#monitor ?? ("valLoss" in ctx.logs ? "valLoss" : "loss");
      const value = ctx.logs[monitor];
      if (value === undefined) {
        throw new Error(
          `LearningRateScheduler: "${monitor}" is not logged; logged: ${Object.keys(ctx.logs).join(", ")}` +
            (monitor.startsWith("val") ? " (pass validationData or validationSplit to fit)" : ""),
        );
      }
      schedule.step(value);
    } else if (typeof schedule !== "function" && !this.#perBatch) {
      schedule.step();
    }
  }
}
