import { checkSchedulerOption, LRScheduler, positiveInteger } from "./lr-scheduler.js";
import type { Optimizer } from "./optimizer.js";
import { checkOptionKeys } from "../util/options.js";

const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/**
 * Multiplies the learning rate by γ every `stepSize` epochs (PyTorch's `StepLR`).
 *
 * ```text
 * lr(e) = base · γ^⌊e / stepSize⌋
 * chained: lr ← lr · γ when e is a multiple of stepSize (e > 0), else unchanged
 * ```
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  /**
   * @param options - `stepSize` (integer ≥ 1); `gamma` default 0.1
   * @throws Error naming StepLR and the value for a bad `stepSize` or a non-finite or negative `gamma`
   */
  constructor(optimizer: Optimizer, options: { stepSize: number; gamma?: number }) {
    super(optimizer);
    checkOptionKeys("StepLR", options, ["stepSize", "gamma"]);
    const gamma = options?.gamma ?? 0.1;
    checkSchedulerOption("StepLR", positiveInteger(options?.stepSize), "stepSize (an integer ≥ 1)", options?.stepSize);
    checkSchedulerOption("StepLR", finite(gamma) && gamma >= 0, "gamma", gamma);
    this.stepSize = options.stepSize;
    this.gamma = gamma;
    this.init();
  }

  lrAt(epoch: number): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(epoch / this.stepSize));
  }

  override chainedLr(lr: number, _group: number, epoch: number): number {
    return epoch === 0 || epoch % this.stepSize !== 0 ? lr : lr * this.gamma;
  }
}

/**
 * Multiplies the learning rate by γ every epoch (PyTorch's `ExponentialLR`).
 *
 * ```text
 * lr(e) = base · γᵉ
 * chained: lr ← lr · γ (e > 0)
 * ```
 */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  /** @throws Error naming ExponentialLR and the value for a non-finite or negative `gamma` */
  constructor(optimizer: Optimizer, options: { gamma: number }) {
    super(optimizer);
    checkOptionKeys("ExponentialLR", options, ["gamma"]);
    checkSchedulerOption("ExponentialLR", finite(options?.gamma) && options.gamma >= 0, "gamma", options?.gamma);
    this.gamma = options.gamma;
    this.init();
  }

  lrAt(epoch: number): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** epoch);
  }

  override chainedLr(lr: number, _group: number, epoch: number): number {
    return epoch === 0 ? lr : lr * this.gamma;
  }
}

/**
 * Cosine annealing from the base rate down to `etaMin` over `tMax` epochs (PyTorch's
 * `CosineAnnealingLR`, closed form; SGDR without restarts). Past `tMax` the cosine continues,
 * climbing back up, as in PyTorch.
 *
 * ```text
 * lr(e) = ηmin + (base − ηmin) · (1 + cos(π·e / tMax)) / 2
 * chained: lr ← ηmin + (lr − ηmin) · (1 + cos(π·e / tMax)) / (1 + cos(π·(e − 1) / tMax)),
 *          or lr + (base − ηmin)·(1 − cos(π / tMax)) / 2 where that ratio is 0/0 (PyTorch's form)
 * ```
 *
 * @see https://arxiv.org/abs/1608.03983
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  /**
   * @param options - `tMax` (integer ≥ 1); `etaMin` default 0
   * @throws Error naming CosineAnnealingLR and the value for a bad `tMax` or `etaMin`
   */
  constructor(optimizer: Optimizer, options: { tMax: number; etaMin?: number }) {
    super(optimizer);
    checkOptionKeys("CosineAnnealingLR", options, ["tMax", "etaMin"]);
    const etaMin = options?.etaMin ?? 0;
    checkSchedulerOption("CosineAnnealingLR", positiveInteger(options?.tMax), "tMax (an integer ≥ 1)", options?.tMax);
    checkSchedulerOption("CosineAnnealingLR", finite(etaMin) && etaMin >= 0, "etaMin", etaMin);
    this.tMax = options.tMax;
    this.etaMin = etaMin;
    this.init();
  }

  lrAt(epoch: number): number[] {
    const c = (1 + Math.cos((Math.PI * epoch) / this.tMax)) / 2;
    return this.baseLrs.map((b) => this.etaMin + (b - this.etaMin) * c);
  }

  override chainedLr(lr: number, group: number, epoch: number): number {
    const { tMax, etaMin } = this;
    if (epoch === 0) return lr;
    if ((epoch - 1 - tMax) % (2 * tMax) === 0) return lr + ((this.baseLrs[group] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2;
    return ((1 + Math.cos((Math.PI * epoch) / tMax)) / (1 + Math.cos((Math.PI * (epoch - 1)) / tMax))) * (lr - etaMin) + etaMin;
  }
}

/** Options of {@link LinearLR}. */
export interface LinearLROptions {
  /** Factor at epoch 0, in (0, 1]. Default 1/3, as PyTorch. */
  startFactor?: number;
  /** Factor from `totalIters` on, in [0, 1]. Default 1. */
  endFactor?: number;
  /** Epochs of the linear ramp, an integer ≥ 1. Default 5, as PyTorch. */
  totalIters?: number;
}

/**
 * Scales the learning rate by a factor that changes linearly from `startFactor` to
 * `endFactor` over `totalIters` epochs, then stays (PyTorch's `LinearLR`); the usual warm-up.
 *
 * ```text
 * lr(e) = base · (start + (end − start) · min(e, totalIters) / totalIters)
 * chained: lr ← lr · start at e = 0; lr · (1 + (end − start) / (totalIters·start + (e − 1)·(end − start)))
 *          for 0 < e ≤ totalIters; unchanged afterwards
 * ```
 */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  /** @throws Error naming the scheduler and the value for a factor or `totalIters` out of range */
  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    super(optimizer);
    const name = new.target.name;
    if (name === "LinearLR") checkOptionKeys(name, options, ["startFactor", "endFactor", "totalIters"]);
    const start = options.startFactor ?? 1 / 3;
    const end = options.endFactor ?? 1;
    const total = options.totalIters ?? 5;
    checkSchedulerOption(name, finite(start) && start > 0 && start <= 1, "startFactor (must be in (0, 1])", start);
    checkSchedulerOption(name, finite(end) && end >= 0 && end <= 1, "endFactor (must be in [0, 1])", end);
    checkSchedulerOption(name, positiveInteger(total), "totalIters (an integer ≥ 1)", total);
    this.startFactor = start;
    this.endFactor = end;
    this.totalIters = total;
    this.init();
  }

  lrAt(epoch: number): number[] {
    const f = this.startFactor + ((this.endFactor - this.startFactor) * Math.min(epoch, this.totalIters)) / this.totalIters;
    return this.baseLrs.map((b) => b * f);
  }

  override chainedLr(lr: number, _group: number, epoch: number): number {
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    if (epoch === 0) return lr * s;
    if (epoch > n) return lr;
    return lr * (1 + (e - s) / (n * s + (epoch - 1) * (e - s)));
  }
}

/**
 * Linear warm-up: {@link LinearLR} from `startFactor` up to 1 over `warmupSteps` epochs
 * (or batches). Chain it with another schedule through {@link SequentialLR}.
 *
 * ```text
 * lr(e) = base · (s + (1 − s) · min(e, W) / W),   s = startFactor, W = warmupSteps
 * ```
 */
export class LinearWarmup extends LinearLR {
  /**
   * @param options - `warmupSteps` (integer ≥ 1); `startFactor` in (0, 1], default 1/3
   * @throws Error naming LinearWarmup and the value when either is out of range
   */
  constructor(optimizer: Optimizer, options: { warmupSteps: number; startFactor?: number }) {
    checkOptionKeys("LinearWarmup", options, ["warmupSteps", "startFactor"]);
    checkSchedulerOption("LinearWarmup", positiveInteger(options?.warmupSteps), "warmupSteps (an integer ≥ 1)", options?.warmupSteps);
    super(optimizer, { startFactor: options.startFactor ?? 1 / 3, endFactor: 1, totalIters: options.warmupSteps });
  }
}

/**
 * Runs schedulers one after another (PyTorch's `SequentialLR`): scheduler i is in charge
 * from `milestones[i − 1]` (0 for the first) and counts its own epochs from 0 there.
 *
 * ```text
 * lr(e) = schedulers[i].lr(e − milestones[i − 1]),   i = #{ m ∈ milestones : m ≤ e }
 * chained: at a milestone, scheduler i's closed form at its epoch 0; otherwise its chained form
 * ```
 *
 * Building it resets the groups' rates to their base rates (undoing what the schedulers
 * did when they were built), as PyTorch does.
 *
 * @example
 * ```ts
 * // 5 warm-up epochs, then cosine over 95
 * new SequentialLR(opt, { schedulers: [new LinearWarmup(opt, { warmupSteps: 5 }), new CosineAnnealingLR(opt, { tMax: 95 })], milestones: [5] });
 * ```
 */
export class SequentialLR extends LRScheduler {
  readonly schedulers: readonly LRScheduler[];
  readonly milestones: readonly number[];

  /**
   * @throws Error when a scheduler belongs to another optimiser, or the milestones are
   *   not one fewer than the schedulers, strictly increasing integers ≥ 1
   */
  constructor(optimizer: Optimizer, options: { schedulers: readonly LRScheduler[]; milestones: readonly number[] }) {
    super(optimizer);
    checkOptionKeys("SequentialLR", options, ["schedulers", "milestones"]);
    const { schedulers, milestones } = options;
    if (!Array.isArray(schedulers) || schedulers.length === 0) {
      throw new Error("SequentialLR: schedulers must be a non-empty array");
    }
    schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler) || s.optimizer !== optimizer) {
        throw new Error(`SequentialLR: scheduler ${i} does not schedule this optimiser`);
      }
    });
    const okMilestones =
      Array.isArray(milestones) &&
      milestones.length === schedulers.length - 1 &&
      milestones.every((m, i) => positiveInteger(m) && (i === 0 || m > milestones[i - 1]));
    if (!okMilestones) {
      throw new Error(
        `SequentialLR: need ${schedulers.length - 1} strictly increasing integer milestones ≥ 1 for ${schedulers.length} schedulers, got ${JSON.stringify(milestones)}`,
      );
    }
    this.schedulers = schedulers.slice();
    this.milestones = milestones.slice();
    this.init();
  }

  /** Base-class hook: the rates are reset to the base rates before the first one is set. */
  protected override init(): void {
    super.init();
    this.optimizer.paramGroups.forEach((g, i) => (g.options.lr = this.baseLrs[i]));
    this.resetChain();
    this.apply();
  }

  lrAt(epoch: number): number[] {
    const [i, start] = this.#active(epoch);
    return this.schedulers[i].lrAt(epoch - start);
  }

  override chainedLr(lr: number, group: number, epoch: number): number {
    const [i, start] = this.#active(epoch);
    return i > 0 && epoch === start ? this.schedulers[i].lrAt(0)[group] : this.schedulers[i].chainedLr(lr, group, epoch - start);
  }

  /** The scheduler in charge at `epoch` and the epoch it took over. */
  #active(epoch: number): [number, number] {
    let i = 0;
    while (i < this.milestones.length && this.milestones[i] <= epoch) i++;
    return [i, i === 0 ? 0 : this.milestones[i - 1]];
  }
}
