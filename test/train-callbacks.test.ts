import { describe, expect, it } from "vitest";
import { mseLoss } from "../src/losses/mse.js";
import { StepLR } from "../src/optim/schedulers.js";
import { SGD } from "../src/optim/sgd.js";
import { randn } from "../src/tensor/creation.js";
import { Generator } from "../src/tensor/random.js";
import type { CallbackContext } from "../src/train/callback.js";
import { EarlyStopping } from "../src/train/early-stopping.js";
import { fit } from "../src/train/fit.js";
import { LearningRateScheduler } from "../src/train/lr-scheduler-callback.js";
import { mlp, TestLinear } from "./helpers/io-train.js";

const regression = { x: randn([10, 3], { rng: new Generator(1) }), y: randn([10, 2], { rng: new Generator(2) }) };

describe("callbacks", () => {
  /** Drives an EarlyStopping through a sequence of monitored values; returns the epoch it stopped after. */
  function drive(es: EarlyStopping, values: number[], key = "valLoss"): number {
    const model = new TestLinear(1, 1);
    let stopped = -1;
    es.onTrainBegin();
    for (let epoch = 0; epoch < values.length && stopped < 0; epoch++) {
      model.weight.data[0] = values[epoch];
      const ctx = { epoch, logs: { [key]: values[epoch], loss: 0 }, model, stopTraining: () => (stopped = epoch) } as unknown as CallbackContext;
      es.onEpochEnd(ctx);
    }
    es.onTrainEnd({ model } as unknown as CallbackContext);
    return stopped;
  }

  const cases: [string, ConstructorParameters<typeof EarlyStopping>[0], number[], number, number][] = [
    ["patience 0 stops at the first epoch without improvement", {}, [3, 2, 2.5, 1], 2, 1],
    ["patience 2 waits two epochs", { patience: 2 }, [3, 2, 2.5, 2.1, 1], 3, 1],
    ["an improvement resets the wait", { patience: 2 }, [3, 2, 2.5, 1.5, 1.6, 1.7, 0], 5, 3],
    ["minDelta ignores small improvements", { minDelta: 0.5 }, [3, 2.8, 1], 1, 0],
    ["mode max for accuracy (auto)", { monitor: "valAccuracy" }, [0.5, 0.7, 0.6], 2, 1],
  ];
  for (const [name, options, values, stopEpoch, bestEpoch] of cases) {
    it(`EarlyStopping: ${name}`, () => {
      const es = new EarlyStopping(options);
      expect(drive(es, values, options?.monitor)).toBe(stopEpoch);
      expect(es.stoppedEpoch).toBe(stopEpoch);
      expect(es.bestEpoch).toBe(bestEpoch);
    });
  }

  it("EarlyStopping restores the best weights at the end of training", () => {
    const es = new EarlyStopping({ patience: 1, restoreBestWeights: true });
    const model = new TestLinear(1, 1);
    let epoch = 0;
    for (const v of [3, 1, 2]) {
      model.weight.data[0] = v * 10;
      es.onEpochEnd({ epoch: epoch++, logs: { valLoss: v }, model, stopTraining: () => undefined } as unknown as CallbackContext);
    }
    es.onTrainEnd({ model } as unknown as CallbackContext);
    expect(model.weight.data[0]).toBe(10);
  });

  it("EarlyStopping inside fit stops a run that does not improve, and names missing logs", () => {
    const model = mlp([3, 4, 2], 8);
    const h = fit(model, regression, {
      loss: mseLoss, optimizer: new SGD(model.parameters(), { lr: 0 }), epochs: 10, verbose: 0,
      callbacks: [new EarlyStopping({ monitor: "loss" })],
    });
    expect(h.loss).toHaveLength(2);
    expect(() => fit(model, regression, { loss: mseLoss, optimizer: new SGD(model.parameters(), { lr: 0 }), epochs: 2, verbose: 0, callbacks: [new EarlyStopping()] }))
      .toThrow('EarlyStopping: "valLoss" is not logged; logged: loss (pass validationData or validationSplit to fit)');
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(/patience must be an integer ≥ 0, got -1/);
  });

  it("LearningRateScheduler with a function sets the rate before each epoch", () => {
    const model = mlp([3, 4, 2], 9);
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    const h = fit(model, regression, { loss: mseLoss, optimizer: opt, epochs: 4, verbose: 0, callbacks: [new LearningRateScheduler((e, lr) => (e === 0 ? lr : lr / 2))] });
    expect(h.lr).toEqual([0.1, 0.05, 0.025, 0.0125]);
    expect(() => fit(model, regression, { loss: mseLoss, optimizer: opt, epochs: 1, verbose: 0, callbacks: [new LearningRateScheduler(() => NaN)] }))
      .toThrow("LearningRateScheduler: the schedule returned NaN for epoch 0; expected a finite number ≥ 0");
  });

  it("LearningRateScheduler with a function keeps the groups' relative rates", () => {
    const model = mlp([3, 4, 2], 9);
    const [first, ...rest] = model.parameters();
    const opt = new SGD([{ params: rest }, { params: [first], lr: 0.01 }], { lr: 0.1 });
    fit(model, regression, { loss: mseLoss, optimizer: opt, epochs: 3, verbose: 0, callbacks: [new LearningRateScheduler((e, lr) => (e === 0 ? lr : lr / 2))] });
    expect(opt.paramGroups.map((g) => g.options.lr)).toEqual([0.025, 0.0025]);
  });

  it("LearningRateScheduler with a scheduler steps it after each epoch", () => {
    const model = mlp([3, 4, 2], 10);
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    const h = fit(model, regression, { loss: mseLoss, optimizer: opt, epochs: 5, verbose: 0, callbacks: [new LearningRateScheduler(new StepLR(opt, { stepSize: 2, gamma: 0.1 }))] });
    expect(h.lr.map((v) => Number(v.toPrecision(12)))).toEqual([0.1, 0.1, 0.01, 0.01, 0.001]);
  });
});
