import { describe, expect, it } from "vitest";
import { Parameter } from "../src/layers/parameter.js";
import { SGD } from "../src/optim/sgd.js";
import type { LRScheduler } from "../src/optim/lr-scheduler.js";
import { CosineAnnealingLR, ExponentialLR, LinearLR, LinearWarmup, SequentialLR, StepLR } from "../src/optim/schedulers.js";
import { tensor } from "../src/tensor/creation.js";

const makeOpt = (lr = 0.1): SGD => new SGD([new Parameter(tensor([1]))], { lr });

/** The scheduler's rate at epochs 0 … n−1, reading the optimiser's group after each step. */
function sequence(opt: SGD, sched: LRScheduler, n: number): number[] {
  const out = [opt.paramGroups[0].options.lr];
  for (let e = 1; e < n; e++) {
    sched.step();
    out.push(opt.paramGroups[0].options.lr);
    expect(sched.lr).toBe(out[e]);
  }
  return out;
}

function allClose(actual: number[], expected: number[], rtol = 1e-15): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    if (!(Math.abs(a - expected[i]) <= rtol * Math.abs(expected[i]) + 1e-18)) throw new Error(`epoch ${i}: got ${a}, expected ${expected[i]}`);
  });
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("learning-rate sequences match their closed forms", () => {
  it("StepLR: base·γ^⌊e/stepSize⌋", () => {
    const opt = makeOpt();
    allClose(sequence(opt, new StepLR(opt, { stepSize: 3 }), 10), range(10).map((e) => 0.1 * 0.1 ** Math.floor(e / 3)));
  });

  it("ExponentialLR: base·γᵉ", () => {
    const opt = makeOpt();
    allClose(sequence(opt, new ExponentialLR(opt, { gamma: 0.5 }), 8), range(8).map((e) => 0.1 * 0.5 ** e));
  });

  it("CosineAnnealingLR: ηmin + (base − ηmin)(1 + cos(πe/tMax))/2, reaching ηmin at tMax", () => {
    const opt = makeOpt();
    const seq = sequence(opt, new CosineAnnealingLR(opt, { tMax: 10, etaMin: 0.001 }), 11);
    allClose(seq, range(11).map((e) => 0.001 + (0.1 - 0.001) * (1 + Math.cos((Math.PI * e) / 10)) / 2));
    expect(seq[5]).toBeCloseTo(0.0505, 15);
    expect(seq[10]).toBeCloseTo(0.001, 15);
  });

  it("LinearLR / LinearWarmup ramp linearly, then hold: PyTorch LinearLR(start 0.25, total 4)", () => {
    const opt = makeOpt();
    // torch: [0.025, 0.04375, 0.0625, 0.08125, 0.1, 0.1]
    allClose(sequence(opt, new LinearLR(opt, { startFactor: 0.25, totalIters: 4 }), 6), [0.025, 0.04375, 0.0625, 0.08125, 0.1, 0.1]);
    const opt2 = makeOpt();
    allClose(sequence(opt2, new LinearWarmup(opt2, { warmupSteps: 4, startFactor: 0.25 }), 6), [0.025, 0.04375, 0.0625, 0.08125, 0.1, 0.1]);
    const opt3 = makeOpt(0.3);
    allClose(sequence(opt3, new LinearLR(opt3), 7), range(7).map((e) => 0.3 * (1 / 3 + ((1 - 1 / 3) * Math.min(e, 5)) / 5)));
  });

  it("SequentialLR: warm-up for 3 epochs, then cosine from the original base rate", () => {
    const opt = makeOpt();
    const warm = new LinearWarmup(opt, { warmupSteps: 3, startFactor: 0.1 });
    const cos = new CosineAnnealingLR(opt, { tMax: 5 });
    const seq = sequence(opt, new SequentialLR(opt, { schedulers: [warm, cos], milestones: [3] }), 10);
    const expected = range(10).map((e) =>
      e < 3 ? 0.1 * (0.1 + (0.9 * e) / 3) : (0.1 * (1 + Math.cos((Math.PI * (e - 3)) / 5))) / 2,
    );
    allClose(seq, expected);
    expect(seq[3]).toBe(0.1);
  });

  it("per-group base rates are captured at construction", () => {
    const opt = new SGD([{ params: [new Parameter(tensor([1]))] }, { params: [new Parameter(tensor([1]))], lr: 0.02 }], { lr: 0.1 });
    const sched = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    sched.step();
    sched.step();
    expect(sched.baseLrs).toEqual([0.1, 0.02]);
    expect(sched.getLastLr()).toEqual([0.025, 0.005]);
    expect(opt.paramGroups.map((g) => g.options.lr)).toEqual([0.025, 0.005]);
  });
});

describe("scheduler state dicts", () => {
  it("a restored scheduler continues the same sequence", () => {
    const opt = makeOpt();
    const sched = new CosineAnnealingLR(opt, { tMax: 8 });
    for (let i = 0; i < 3; i++) sched.step();
    const saved = JSON.parse(JSON.stringify(sched.stateDict()));
    expect(saved).toEqual({ type: "CosineAnnealingLR", lastEpoch: 3, baseLrs: [0.1] });
    for (let i = 0; i < 2; i++) sched.step();

    const opt2 = makeOpt();
    const sched2 = new CosineAnnealingLR(opt2, { tMax: 8 });
    sched2.loadStateDict(saved);
    expect(opt2.lr).toBe(sched.lrAt(3)[0]);
    sched2.step();
    sched2.step();
    expect(opt2.lr).toBe(opt.lr);
  });

  it("loadStateDict rejects a foreign or malformed state without changing anything", () => {
    const opt = makeOpt();
    const sched = new StepLR(opt, { stepSize: 2 });
    expect(() => sched.loadStateDict({ type: "ExponentialLR", lastEpoch: 1, baseLrs: [0.1] })).toThrow(
      "StepLR.loadStateDict: state is for ExponentialLR, not StepLR",
    );
    expect(() => sched.loadStateDict({ type: "StepLR", lastEpoch: -1, baseLrs: [0.1] })).toThrow(
      "StepLR.loadStateDict: lastEpoch must be an integer ≥ 0, got -1",
    );
    expect(() => sched.loadStateDict({ type: "StepLR", lastEpoch: 1, baseLrs: [0.1, 0.2] })).toThrow(
      "StepLR.loadStateDict: baseLrs must hold 1 finite numbers, got [0.1,0.2]",
    );
    expect(sched.lastEpoch).toBe(0);
    expect(opt.lr).toBe(0.1);
  });
});

describe("invalid scheduler options throw, naming the scheduler and value", () => {
  const cases: [string, (opt: SGD) => unknown, string][] = [
    ["StepLR stepSize 0", (o) => new StepLR(o, { stepSize: 0 }), "StepLR: invalid stepSize (an integer ≥ 1): 0"],
    ["StepLR negative gamma", (o) => new StepLR(o, { stepSize: 2, gamma: -1 }), "StepLR: invalid gamma: -1"],
    ["ExponentialLR NaN gamma", (o) => new ExponentialLR(o, { gamma: NaN }), "ExponentialLR: invalid gamma: NaN"],
    ["CosineAnnealingLR tMax 0", (o) => new CosineAnnealingLR(o, { tMax: 0 }), "CosineAnnealingLR: invalid tMax (an integer ≥ 1): 0"],
    ["CosineAnnealingLR negative etaMin", (o) => new CosineAnnealingLR(o, { tMax: 3, etaMin: -1 }), "CosineAnnealingLR: invalid etaMin: -1"],
    ["LinearLR startFactor 0", (o) => new LinearLR(o, { startFactor: 0 }), "LinearLR: invalid startFactor (must be in (0, 1]): 0"],
    ["LinearLR endFactor 2", (o) => new LinearLR(o, { endFactor: 2 }), "LinearLR: invalid endFactor (must be in [0, 1]): 2"],
    ["LinearWarmup warmupSteps 1.5", (o) => new LinearWarmup(o, { warmupSteps: 1.5 }), "LinearWarmup: invalid warmupSteps (an integer ≥ 1): 1.5"],
    ["SequentialLR wrong milestones", (o) => new SequentialLR(o, { schedulers: [new StepLR(o, { stepSize: 1 }), new StepLR(o, { stepSize: 1 })], milestones: [] }), "SequentialLR: need 1 strictly increasing integer milestones ≥ 1 for 2 schedulers, got []"],
    ["SequentialLR foreign scheduler", (o) => new SequentialLR(o, { schedulers: [new StepLR(makeOpt(), { stepSize: 1 })], milestones: [] }), "SequentialLR: scheduler 0 does not schedule this optimiser"],
    ["not an optimiser", () => new StepLR({} as never, { stepSize: 1 }), "StepLR: expected an Optimizer, got object"],
  ];
  for (const [name, make, message] of cases) {
    it(name, () => {
      const opt = makeOpt();
      expect(() => make(opt)).toThrow(message);
    });
  }

  it("a rejected scheduler leaves the optimiser's rate alone", () => {
    const opt = makeOpt();
    expect(() => new LinearLR(opt, { startFactor: 0 })).toThrow();
    expect(opt.lr).toBe(0.1);
  });
});
