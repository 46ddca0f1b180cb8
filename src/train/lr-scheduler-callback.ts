import type { Callback, CallbackContext } from "./callback.js";

/** An object whose `step()` advances a learning-rate schedule by one epoch (every `LRScheduler`). */
export interface SteppableScheduler {
  step(): void;
}

/** A schedule as a function: the learning rate for `epoch` (0-based) given the current one. */
export type ScheduleFn = (epoch: number, lr: number) => number;

/**
 * Changes the learning rate once per epoch during `fit`.
 *
 * ```text
 * function schedule:  before epoch e:  lr′ = schedule(e, lr₀)   with lr₀ the first group's rate;
 *                     every group g:  lr_g ← lr_g · lr′ / lr₀   (all set to lr′ when lr₀ = 0)   (Keras)
 * scheduler object:   after epoch e:   scheduler.step()                          (PyTorch)
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
 * ```
 */
export class LearningRateScheduler implements Callback {
  readonly #schedule: ScheduleFn | SteppableScheduler;

  /** @throws Error when `schedule` is neither a function nor an object with `step()` */
  constructor(schedule: ScheduleFn | SteppableScheduler) {
    const ok =
      typeof schedule === "function" ||
      (schedule !== null && typeof schedule === "object" && typeof (schedule as SteppableScheduler).step === "function");
    if (!ok) throw new Error("LearningRateScheduler: expected a function (epoch, lr) => lr or a scheduler with step()");
    this.#schedule = schedule;
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

  onEpochEnd(): void {
    const schedule = this.#schedule;
    if (typeof schedule !== "function") schedule.step();
  }
}
