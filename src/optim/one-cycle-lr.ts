import { checkOptionKeys } from "../util/options.js";
import { checkSchedulerOption, LRScheduler, positiveInteger, setInitialLrs } from "./lr-scheduler.js";
import type { Optimizer } from "./optimizer.js";

/** Options of {@link OneCycleLR}. */
export interface OneCycleLROptions {
  /** Peak learning rate: one number for every group, or one per group. Required. */
  maxLr: number | readonly number[];
  /** Number of `step()` calls in the cycle; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  /** Epochs of training (with `stepsPerEpoch`, instead of `totalSteps`). */
  epochs?: number;
  /** Steps (batches) per epoch (with `epochs`, instead of `totalSteps`). */
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent raising the rate, in (0, 1) (three-phase: in (0, 0.5)). Default 0.3. */
  pctStart?: number;
  /** `"cos"` (default) or `"linear"` annealing between the phase's end points. */
  annealStrategy?: "cos" | "linear";
  /** Cycle SGD's/RMSprop's `momentum` or Adam's β₁ inversely to the rate. Default true. */
  cycleMomentum?: boolean;
  /** Momentum at the peak rate. Default 0.85. */
  baseMomentum?: number;
  /** Momentum at the start and end. Default 0.95. */
  maxMomentum?: number;
  /** The initial rate is maxLr / divFactor. Default 25. */
  divFactor?: number;
  /** The final rate is initial / finalDivFactor. Default 1e4. */
  finalDivFactor?: number;
  /** Down to the initial rate before annealing to the final one (fast.ai's schedule). Default false. */
  threePhase?: boolean;
}

const KEYS = [
  "maxLr",
  "totalSteps",
  "epochs",
  "stepsPerEpoch",
  "pctStart",
  "annealStrategy",
  "cycleMomentum",
  "baseMomentum",
  "maxMomentum",
  "divFactor",
  "finalDivFactor",
  "threePhase",
] as const;

interface Phase {
  endStep: number;
  lr: [from: number, to: number];
  momentum: [from: number, to: number];
}

/**
 * The 1cycle policy (Smith & Topin, 2017, https://arxiv.org/abs/1708.07120), exactly
 * PyTorch's `OneCycleLR`: the rate rises from `maxLr/divFactor` to `maxLr` over the first
 * `pctStart` of the cycle, then anneals to `maxLr/(divFactor·finalDivFactor)`; the momentum
 * (SGD/RMSprop `momentum`, Adam/AdamW β₁) moves the opposite way between `maxMomentum`
 * and `baseMomentum`. Call `step()` after every batch; the cycle is `totalSteps` long.
 *
 * ```text
 * phases (two-phase):   steps 0 … pctStart·T − 1:  initial → max   (momentum max → base)
 *                       … T − 1:                   max → min       (momentum base → max)
 * three-phase:          0 … pctStart·T − 1: initial → max; … 2·pctStart·T − 2: max → initial;
 *                       … T − 1: initial → min (momentum held at max)
 * within a phase at fraction p:  cos: to + (from − to)·(1 + cos(πp))/2;  linear: from + (to − from)·p
 * ```
 *
 * Not chainable (as in PyTorch): each step sets the rate from the schedule alone.
 *
 * @example
 * ```ts
 * const sched = new OneCycleLR(opt, { maxLr: 0.1, epochs: 10, stepsPerEpoch: batches });
 * fit(model, data, { …, callbacks: [new LearningRateScheduler(sched, { per: "batch" })] });
 * ```
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly annealStrategy: "cos" | "linear";
  readonly cycleMomentum: boolean;
  readonly threePhase: boolean;
  readonly #phases: Phase[][];
  readonly #momentumKey: "momentum" | "betas" | null;

  /**
   * @throws Error naming OneCycleLR and the value for an unknown option, a missing or bad
   *   `maxLr`, neither `totalSteps` nor `epochs`·`stepsPerEpoch`, `pctStart` out of range,
   *   a bad factor or momentum, or `cycleMomentum` with an optimiser that has no momentum
   */
  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    super(optimizer);
    const name = "OneCycleLR";
    checkOptionKeys(name, options, KEYS);
    if (options === undefined) throw new Error(`${name}: options { maxLr, totalSteps } are required`);
    const groups = optimizer.paramGroups;
    const maxLrs = typeof options.maxLr === "number" ? groups.map(() => options.maxLr as number) : options.maxLr;
    checkSchedulerOption(
      name,
      Array.isArray(maxLrs) && maxLrs.length === groups.length && maxLrs.every((v) => Number.isFinite(v) && v > 0),
      `maxLr (a number > 0, or one per parameter group: ${groups.length})`,
      options.maxLr,
    );
    let total = options.totalSteps;
    if (total === undefined) {
      const { epochs, stepsPerEpoch } = options;
      if (epochs === undefined || stepsPerEpoch === undefined) {
        throw new Error(`${name}: give totalSteps, or epochs and stepsPerEpoch`);
      }
      checkSchedulerOption(name, positiveInteger(epochs), "epochs (an integer ≥ 1)", epochs);
      checkSchedulerOption(name, positiveInteger(stepsPerEpoch), "stepsPerEpoch (an integer ≥ 1)", stepsPerEpoch);
      total = epochs * stepsPerEpoch;
    }
    checkSchedulerOption(name, positiveInteger(total), "totalSteps (an integer ≥ 1)", total);
    const threePhase = options.threePhase ?? false;
    const pct = options.pctStart ?? 0.3;
    const ok = (v: unknown, lo: number, hi: number): boolean => typeof v === "number" && v > lo && v < hi;
    checkSchedulerOption(name, ok(pct, 0, threePhase ? 0.5 : 1), `pctStart (in (0, ${threePhase ? "0.5" : "1"}))`, pct);
    const anneal = options.annealStrategy ?? "cos";
    checkSchedulerOption(name, anneal === "cos" || anneal === "linear", 'annealStrategy ("cos" or "linear")', anneal);
    const div = options.divFactor ?? 25;
    const finalDiv = options.finalDivFactor ?? 1e4;
    checkSchedulerOption(name, ok(div, 0, Infinity), "divFactor", div);
    checkSchedulerOption(name, ok(finalDiv, 0, Infinity), "finalDivFactor", finalDiv);
    const cycle = options.cycleMomentum ?? true;
    checkSchedulerOption(name, typeof cycle === "boolean", "cycleMomentum", cycle);
    const baseM = options.baseMomentum ?? 0.85;
    const maxM = options.maxMomentum ?? 0.95;
    checkSchedulerOption(name, ok(baseM, -1e-300, 1), "baseMomentum (in [0, 1))", baseM);
    checkSchedulerOption(name, ok(maxM, -1e-300, 1), "maxMomentum (in [0, 1))", maxM);
    const first = groups[0].options as unknown as Record<string, unknown>;
    this.#momentumKey = !cycle ? null : "momentum" in first ? "momentum" : "betas" in first ? "betas" : null;
    if (cycle && this.#momentumKey === null) {
      throw new Error(`${name}: ${optimizer.constructor.name} has no momentum or betas to cycle; pass cycleMomentum: false`);
    }
    this.totalSteps = total;
    this.annealStrategy = anneal;
    this.cycleMomentum = cycle;
    this.threePhase = threePhase;
    this.#phases = maxLrs.map((max) => {
      const initial = max / div;
      const min = initial / finalDiv;
      return threePhase
        ? [
            { endStep: pct * total - 1, lr: [initial, max], momentum: [maxM, baseM] },
            { endStep: 2 * pct * total - 2, lr: [max, initial], momentum: [baseM, maxM] },
            { endStep: total - 1, lr: [initial, min], momentum: [maxM, maxM] },
          ]
        : [
            { endStep: pct * total - 1, lr: [initial, max], momentum: [maxM, baseM] },
            { endStep: total - 1, lr: [max, min], momentum: [baseM, maxM] },
          ];
    });
    setInitialLrs(optimizer, maxLrs.map((m) => m / div));
    this.init();
  }

  lrAt(epoch: number): number[] {
    return this.#phases.map((phases) => this.#at(phases, epoch)[0]);
  }

  /**
   * Advances one step and sets the rates (and momenta).
   *
   * @throws Error naming the step count once the cycle's `totalSteps` are used up, as PyTorch
   */
  override step(): void {
    if (this.lastEpoch + 1 > this.totalSteps) {
      throw new Error(`OneCycleLR: tried to step ${this.lastEpoch + 2} times; the cycle has totalSteps ${this.totalSteps}`);
    }
    super.step();
  }

  protected override apply(): void {
    super.apply();
    if (this.#momentumKey === null) return;
    this.optimizer.paramGroups.forEach((g, i) => {
      const m = this.#at(this.#phases[i], this.lastEpoch)[1];
      const o = g.options as unknown as Record<string, unknown>;
      if (this.#momentumKey === "betas") o.betas = [m, (o.betas as number[])[1]];
      else o.momentum = m;
    });
  }

  /** Rate and momentum at `step` within one group's phases. */
  #at(phases: Phase[], step: number): [number, number] {
    let start = 0;
    for (let i = 0; i < phases.length; i++) {
      const { endStep, lr, momentum } = phases[i];
      if (step <= endStep || i === phases.length - 1) {
        const p = (step - start) / (endStep - start);
        return [this.#anneal(lr[0], lr[1], p), this.#anneal(momentum[0], momentum[1], p)];
      }
      start = endStep;
    }
    throw new Error("unreachable");
  }

  #anneal(from: number, to: number, p: number): number {
    return this.annealStrategy === "cos" ? to + ((from - to) / 2) * (Math.cos(Math.PI * p) + 1) : (to - from) * p + from;
  }
}
