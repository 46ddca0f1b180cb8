import { checkOptionKeys } from "../util/options.js";
import { checkSchedulerOption, positiveInteger } from "./lr-scheduler.js";
import { Optimizer } from "./optimizer.js";

/** Options of {@link ReduceLROnPlateau}; the defaults are PyTorch's. */
export interface ReduceLROnPlateauOptions {
  /** `"min"` (default): lower is better (a loss); `"max"`: higher is better (an accuracy). */
  mode?: "min" | "max";
  /** Factor the rate is multiplied by, in [0, 1). Default 0.1. */
  factor?: number;
  /** Epochs without improvement tolerated before reducing, an integer ≥ 0. Default 10. */
  patience?: number;
  /** Least change that counts as an improvement, ≥ 0. Default 1e-4. */
  threshold?: number;
  /** `"rel"` (default): relative to the best value; `"abs"`: absolute. */
  thresholdMode?: "rel" | "abs";
  /** Epochs to wait after a reduction before counting bad epochs again, an integer ≥ 0. Default 0. */
  cooldown?: number;
  /** Lower bound of the rate: one number, or one per parameter group. Default 0. */
  minLr?: number | readonly number[];
  /** A reduction smaller than eps is not applied. Default 1e-8. */
  eps?: number;
}

/** The resumable state of a {@link ReduceLROnPlateau}, plain JSON. */
export interface ReduceLROnPlateauState {
  type: "ReduceLROnPlateau";
  lastEpoch: number;
  /** The best metric so far (`null` stands for ±∞ before the first step). */
  best: number | null;
  numBadEpochs: number;
  cooldownCounter: number;
}

const KEYS = ["mode", "factor", "patience", "threshold", "thresholdMode", "cooldown", "minLr", "eps"] as const;

/**
 * Multiplies every group's learning rate by `factor` when a metric has stopped improving
 * for more than `patience` epochs, exactly PyTorch's `ReduceLROnPlateau`. Call
 * `step(metric)` once per epoch with the monitored value (in `fit`:
 * `new LearningRateScheduler(plateau, { monitor: "valLoss" })`).
 *
 * ```text
 * better(a) = a < best·(1 − threshold)   (min, rel)     a < best − threshold   (min, abs)
 *             a > best·(1 + threshold)   (max, rel)     a > best + threshold   (max, abs)
 * each step:  better → best = a, bad = 0;  else bad += 1;  in cooldown: cooldown −= 1, bad = 0
 *             bad > patience → lr ← max(lr·factor, minLr) where that lowers lr by more than eps;
 *                              cooldown = cooldown option, bad = 0
 * ```
 *
 * A NaN metric is never better, so it counts as a bad epoch.
 */
export class ReduceLROnPlateau {
  readonly mode: "min" | "max";
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: "rel" | "abs";
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  /** Number of `step()` calls so far. */
  lastEpoch = 0;
  /** The best metric so far (±∞ before the first step). */
  best: number;
  /** Epochs since the last improvement (reset by a reduction and during cooldown). */
  numBadEpochs = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;

  /**
   * @throws Error naming ReduceLROnPlateau and the value for an unknown option, a factor
   *   outside [0, 1), a negative or non-integer patience or cooldown, a bad mode, threshold,
   *   minLr or eps, or when `optimizer` is not an Optimizer
   */
  constructor(
    readonly optimizer: Optimizer,
    options: ReduceLROnPlateauOptions = {},
  ) {
    const name = "ReduceLROnPlateau";
    if (!(optimizer instanceof Optimizer)) throw new Error(`${name}: expected an Optimizer, got ${typeof optimizer}`);
    checkOptionKeys(name, options, KEYS);
    const {
      mode = "min",
      factor = 0.1,
      patience = 10,
      threshold = 1e-4,
      thresholdMode = "rel",
      cooldown = 0,
      minLr = 0,
      eps = 1e-8,
    } = options;
    const nonNegative = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v) && v >= 0;
    checkSchedulerOption(name, mode === "min" || mode === "max", 'mode ("min" or "max")', mode);
    checkSchedulerOption(name, nonNegative(factor) && factor < 1, "factor (must be in [0, 1))", factor);
    checkSchedulerOption(name, patience === 0 || positiveInteger(patience), "patience (an integer ≥ 0)", patience);
    checkSchedulerOption(name, nonNegative(threshold), "threshold", threshold);
    checkSchedulerOption(name, thresholdMode === "rel" || thresholdMode === "abs", 'thresholdMode ("rel" or "abs")', thresholdMode);
    checkSchedulerOption(name, cooldown === 0 || positiveInteger(cooldown), "cooldown (an integer ≥ 0)", cooldown);
    checkSchedulerOption(name, nonNegative(eps), "eps", eps);
    const groups = optimizer.paramGroups.length;
    const minLrs = typeof minLr === "number" ? Array.from({ length: groups }, () => minLr) : minLr;
    checkSchedulerOption(
      name,
      Array.isArray(minLrs) && minLrs.length === groups && minLrs.every(nonNegative),
      `minLr (a number ≥ 0, or one per parameter group: ${groups})`,
      minLr,
    );
    this.mode = mode;
    this.factor = factor;
    this.patience = patience;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.cooldown = cooldown;
    this.minLrs = minLrs.slice();
    this.eps = eps;
    this.best = mode === "min" ? Infinity : -Infinity;
  }

  /**
   * Records one epoch's metric and reduces the rates after more than `patience` bad epochs.
   *
   * @throws Error naming ReduceLROnPlateau when `metric` is not a number
   */
  step(metric: number): void {
    if (typeof metric !== "number") {
      throw new Error(`ReduceLROnPlateau.step: expected the monitored metric (a number), got ${String(metric)}`);
    }
    this.lastEpoch++;
    if (this.#isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const old = g.options.lr;
        const lr = Math.max(old * this.factor, this.minLrs[i]);
        if (old - lr > this.eps) g.options.lr = lr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
  }

  /** The learning rate of the first group. */
  get lr(): number {
    return this.optimizer.paramGroups[0].options.lr;
  }

  /** Every group's learning rate. */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.options.lr);
  }

  #isBetter(a: number): boolean {
    const { best, threshold: t } = this;
    if (this.mode === "min") return this.thresholdMode === "rel" ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === "rel" ? a > best * (t + 1) : a > best + t;
  }

  /** The state needed to resume. */
  stateDict(): ReduceLROnPlateauState {
    const best = Number.isFinite(this.best) ? this.best : null;
    return { type: "ReduceLROnPlateau", lastEpoch: this.lastEpoch, best, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter };
  }

  /**
   * Restores a state from {@link stateDict} (the rates themselves live in the optimiser's state).
   *
   * @throws Error naming the bad field; nothing is changed then
   */
  loadStateDict(state: ReduceLROnPlateauState): void {
    const name = "ReduceLROnPlateau.loadStateDict";
    if (state === null || typeof state !== "object" || state.type !== "ReduceLROnPlateau") {
      throw new Error(`${name}: state is for ${String((state as { type?: unknown } | null)?.type)}, not ReduceLROnPlateau`);
    }
    const count = (v: unknown): boolean => typeof v === "number" && Number.isInteger(v) && v >= 0;
    for (const key of ["lastEpoch", "numBadEpochs", "cooldownCounter"] as const) {
      if (!count(state[key])) throw new Error(`${name}: ${key} must be an integer ≥ 0, got ${String(state[key])}`);
    }
    if (state.best !== null && typeof state.best !== "number") throw new Error(`${name}: best must be a number or null, got ${String(state.best)}`);
    this.lastEpoch = state.lastEpoch;
    this.best = state.best ?? (this.mode === "min" ? Infinity : -Infinity);
    this.numBadEpochs = state.numBadEpochs;
    this.cooldownCounter = state.cooldownCounter;
  }
}
