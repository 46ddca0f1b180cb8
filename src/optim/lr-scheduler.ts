import { formatValue, Optimizer } from "./optimizer.js";

/** A scheduler's resumable state, plain JSON. */
export interface SchedulerState {
  /** The scheduler's class, e.g. `"StepLR"`. */
  type: string;
  /** Number of `step()` calls so far. */
  lastEpoch: number;
  /** Each group's learning rate when the first scheduler was attached to the optimiser. */
  baseLrs: number[];
}

/**
 * Each optimiser's group learning rates when a scheduler was first attached to it
 * (PyTorch's `initial_lr`), so schedulers built one after another for a chain all
 * start from the same base even though each one sets the rate when it is built.
 */
const initialLrs = new WeakMap<Optimizer, number[]>();

/**
 * Replaces an optimiser's recorded base rates (PyTorch's `initial_lr`), for schedulers that
 * define their own start, such as `OneCycleLR` (`maxLr / divFactor`).
 */
export function setInitialLrs(optimizer: Optimizer, lrs: number[]): void {
  initialLrs.set(optimizer, lrs.slice());
}

/**
 * Base class of the learning-rate schedulers. Call `step()` once per epoch (or per batch,
 * if the schedule is counted in batches), after `optimizer.step()`. Building a scheduler
 * sets the epoch-0 rate at once, as PyTorch.
 *
 * Schedulers are chainable, as in PyTorch ≥ 1.4: each `step()` computes the new rate from
 * the group's *current* rate ({@link LRScheduler.chainedLr}, e.g. `lr·γ` for
 * `ExponentialLR`), so several schedulers on one optimiser compose (their factors
 * multiply) and a rate set by hand is the starting point of the next `step()`. While no one
 * else has changed a group's rate, the scheduler uses its closed form
 * ({@link LRScheduler.lrAt}) instead: the same values without the rounding that repeated
 * multiplication accumulates.
 *
 * @example
 * ```ts
 * // PyTorch's example: 0.1, 0.09, 0.081, 0.03645, 0.032805, …
 * const a = new ExponentialLR(opt, { gamma: 0.9 });
 * const b = new StepLR(opt, { stepSize: 3, gamma: 0.5 });
 * for (let epoch = 0; epoch < 10; epoch++) { train(); a.step(); b.step(); }
 * ```
 */
export abstract class LRScheduler {
  /** Each group's base learning rate (captured when the first scheduler was attached). */
  baseLrs: number[] = [];
  /** Number of `step()` calls so far. */
  lastEpoch = 0;
  #lastLr: number[] = [];
  /** Per group: whether the rate has only ever been set by this scheduler (closed form valid). */
  #alone: boolean[] = [];

  /** @throws Error when `optimizer` is not an {@link Optimizer} */
  constructor(readonly optimizer: Optimizer) {
    if (!(optimizer instanceof Optimizer)) {
      throw new Error(`${new.target.name}: expected an Optimizer, got ${typeof optimizer}`);
    }
  }

  /** Captures the base rates and sets the epoch-0 rates; subclasses call it last in their constructor. */
  protected init(): void {
    let base = initialLrs.get(this.optimizer);
    if (base === undefined) {
      base = this.optimizer.paramGroups.map((g) => g.options.lr);
      initialLrs.set(this.optimizer, base);
    }
    this.baseLrs = base.slice();
    this.#lastLr = base.slice();
    this.#alone = base.map(() => true);
    this.apply();
  }

  /** Every group's learning rate at `epoch` (the closed form; nothing is changed). */
  abstract lrAt(epoch: number): number[];

  /**
   * Group `group`'s rate at `epoch` computed from its current rate `lr` (PyTorch's
   * chainable `get_lr`); schedules without a chainable form (e.g. `OneCycleLR`, as in
   * PyTorch) return the closed form.
   */
  chainedLr(lr: number, group: number, epoch: number): number {
    void lr;
    return this.lrAt(epoch)[group];
  }

  /** Advances one epoch and sets the groups' learning rates. */
  step(): void {
    this.lastEpoch++;
    this.apply();
  }

  /** The learning rate of the first group, as last set. */
  get lr(): number {
    return this.#lastLr[0];
  }

  /** Every group's learning rate, as last set. */
  getLastLr(): number[] {
    return this.#lastLr.slice();
  }

  /** Sets each group's rate for `lastEpoch`: the closed form while the scheduler is alone, else the chained form. */
  protected apply(): void {
    const closed = this.lrAt(this.lastEpoch);
    const lrs = this.optimizer.paramGroups.map((g, i) => {
      if (g.options.lr !== this.#lastLr[i]) this.#alone[i] = false;
      return this.#alone[i] ? closed[i] : this.chainedLr(g.options.lr, i, this.lastEpoch);
    });
    this.optimizer.paramGroups.forEach((g, i) => (g.options.lr = lrs[i]));
    this.#lastLr = lrs;
  }

  /** Treats every group's current rate as set by this scheduler (its closed form applies again). */
  protected resetChain(): void {
    this.#lastLr = this.optimizer.paramGroups.map((g) => g.options.lr);
    this.#alone = this.#lastLr.map(() => true);
  }

  /** The state needed to resume: epoch count and base rates. */
  stateDict(): SchedulerState {
    return { type: this.constructor.name, lastEpoch: this.lastEpoch, baseLrs: this.baseLrs.slice() };
  }

  /**
   * Restores a state from {@link stateDict} and sets the groups' rates for that epoch
   * (the closed form: restore chained schedulers' rates with the optimiser's state).
   *
   * @throws Error when the type differs, `lastEpoch` is not an integer ≥ 0, or `baseLrs`
   *   is not one finite number per group; nothing is changed then
   */
  loadStateDict(state: SchedulerState): void {
    const name = this.constructor.name;
    if (state === null || typeof state !== "object" || state.type !== name) {
      throw new Error(`${name}.loadStateDict: state is for ${String(state?.type)}, not ${name}`);
    }
    if (!Number.isInteger(state.lastEpoch) || state.lastEpoch < 0) {
      throw new Error(`${name}.loadStateDict: lastEpoch must be an integer ≥ 0, got ${String(state.lastEpoch)}`);
    }
    const groups = this.optimizer.paramGroups.length;
    const b = state.baseLrs;
    if (!Array.isArray(b) || b.length !== groups || b.some((v) => typeof v !== "number" || !Number.isFinite(v))) {
      throw new Error(`${name}.loadStateDict: baseLrs must hold ${groups} finite numbers, got ${JSON.stringify(b)}`);
    }
    this.lastEpoch = state.lastEpoch;
    this.baseLrs = b.slice();
    this.resetChain();
    this.apply();
  }
}

/**
 * Checks a scheduler option.
 *
 * @throws Error `"<scheduler>: invalid <what>: <value>"` unless `ok`
 */
export function checkSchedulerOption(name: string, ok: boolean, what: string, value: unknown): void {
  if (!ok) throw new Error(`${name}: invalid ${what}: ${formatValue(value)}`);
}

/** Whether `v` is an integer ≥ 1. */
export function positiveInteger(v: unknown): boolean {
  return typeof v === "number" && Number.isInteger(v) && v >= 1;
}
