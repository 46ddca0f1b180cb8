import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { spirals } from "../src/data/toy.js";
import { Dense } from "../src/layers/dense.js";
import { Sequential } from "../src/layers/sequential.js";
import { crossEntropyLoss } from "../src/losses/cross-entropy.js";
import { mseLoss } from "../src/losses/mse.js";
import { Adam } from "../src/optim/adam.js";
import { SGD } from "../src/optim/sgd.js";
import { randn, tensor } from "../src/tensor/creation.js";
import { Generator } from "../src/tensor/random.js";
import type { Callback, CallbackContext, LossFn } from "../src/train/callback.js";
import { evaluate } from "../src/train/evaluate.js";
import { fit } from "../src/train/fit.js";
import { LearningRateScheduler } from "../src/train/lr-scheduler-callback.js";
import { mlp, TestLinear, weightsOf } from "./helpers/io-train.js";

/** A stream that keeps what is written, optionally pretending to be a terminal. */
function captureStream(isTTY: boolean): Writable & { isTTY: boolean; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  }) as Writable & { isTTY: boolean; text: () => string };
  stream.isTTY = isTTY;
  stream.text = () => chunks.join("");
  return stream;
}

const regression = { x: randn([10, 3], { rng: new Generator(1) }), y: randn([10, 2], { rng: new Generator(2) }) };

describe("fit on spirals (the must-show case)", () => {
  function train(seed: number): { history: ReturnType<typeof fit>; model: Sequential; data: ReturnType<typeof spirals> } {
    const data = spirals({ seed: 0 }); // 3 × 100 points
    const rng = new Generator(seed);
    const model = new Sequential(
      new Dense(2, 64, { activation: "relu", rng }),
      new Dense(64, 64, { activation: "relu", rng }),
      new Dense(64, 3, { rng }),
    );
    const lr = 0.02;
    const history = fit(model, data, {
      loss: crossEntropyLoss,
      optimizer: new Adam(model.parameters(), { lr }),
      epochs: 150,
      batchSize: 32,
      seed,
      metrics: ["accuracy"],
      callbacks: [new LearningRateScheduler((epoch) => lr * 0.97 ** epoch)],
      verbose: 0,
    });
    return { history, model, data };
  }

  it("a 2-64-64-3 ReLU network reaches ≥ 99 % training accuracy, and the same seed gives bit-identical history and weights", () => {
    const first = train(0);
    expect(first.history.metrics.accuracy.at(-1)).toBeGreaterThanOrEqual(0.99);
    expect(evaluate(first.model, first.data, { metrics: ["accuracy"] }).accuracy).toBeGreaterThanOrEqual(0.99);
    expect(first.history.loss.at(-1)).toBeLessThan(first.history.loss[0] / 10);
    expect(first.history.lr[1]).toBe(0.02 * 0.97);

    const second = train(0);
    expect(second.history).toEqual(first.history);
    expect(weightsOf(second.model)).toEqual(weightsOf(first.model));
  });
});

describe("fit history and logging", () => {
  it("logs plain numbers per epoch: loss, metrics, valLoss and val metrics", () => {
    const model = mlp([3, 4, 2], 0);
    const validationData = { x: randn([6, 3], { rng: new Generator(3) }), y: randn([6, 2], { rng: new Generator(4) }) };
    const h = fit(model, regression, {
      loss: mseLoss, optimizer: new SGD(model.parameters(), { lr: 0.01 }), epochs: 3, batchSize: 4, seed: 1,
      validationData, metrics: ["mse", "mae"], verbose: 0,
    });
    expect(h.loss).toHaveLength(3);
    expect(h.valLoss).toHaveLength(3);
    expect(Object.keys(h.metrics).sort()).toEqual(["mae", "mse", "valMae", "valMse"]);
    expect(Object.keys(h.logs[0])).toEqual(["loss", "mse", "mae", "valLoss", "valMse", "valMae"]);
    for (const logs of h.logs) for (const v of Object.values(logs)) expect(typeof v).toBe("number");
    // the validation numbers are evaluate() on the weights after the epoch
    expect(h.valLoss[2]).toBe(evaluate(model, validationData, { loss: mseLoss }).loss);
    expect(h.metrics.valMse[2]).toBeCloseTo(h.valLoss[2], 6);
  });

  it("the epoch loss is the batch losses weighted by batch size", () => {
    const model = mlp([3, 4, 2], 1);
    const seen: [number, number][] = [];
    const spy: LossFn = (o, t) => {
      const l = mseLoss(o, t);
      seen.push([l.item(), o.shape[0]]);
      return l;
    };
    const h = fit(model, regression, { loss: spy, optimizer: new SGD(model.parameters(), { lr: 0.01 }), epochs: 1, batchSize: 4, seed: 0, verbose: 0 });
    expect(seen.map(([, n]) => n)).toEqual([4, 4, 2]);
    const expected = seen.reduce((s, [l, n]) => s + l * n, 0) / 10;
    expect(h.loss[0]).toBeCloseTo(expected, 12);
  });

  it("validationSplit holds out a seeded random fraction, every sample in exactly one part", () => {
    const model = new TestLinear(1, 1);
    const x = tensor([[0], [1], [2], [3], [4], [5], [6], [7], [8], [9]]);
    const y = tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const seen = (seed: number) => {
      const train = new Set<number>();
      const validation = new Set<number>();
      const spy: LossFn = (o, t) => {
        for (const v of t.data) (model.training ? train : validation).add(v);
        return mseLoss(o, t.reshape(o.shape));
      };
      fit(model, { x, y }, { loss: spy, optimizer: new SGD(model.parameters(), { lr: 0 }), epochs: 1, batchSize: 3, validationSplit: 0.2, seed, verbose: 0 });
      return { train: [...train].sort((a, b) => a - b), validation: [...validation].sort((a, b) => a - b) };
    };
    const a = seen(0);
    expect(a.validation).toHaveLength(2);
    expect([...a.train, ...a.validation].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen(0)).toEqual(a);
    const others = [1, 2, 3, 4].map((s) => seen(s).validation.join());
    expect(others.some((v) => v !== a.validation.join())).toBe(true);
    const h = fit(model, { x, y }, {
      loss: (o, t) => mseLoss(o, t.reshape(o.shape)), optimizer: new SGD(model.parameters(), { lr: 0 }), epochs: 1, batchSize: 3,
      validationSplit: 0.2, verbose: 0, seed: 0,
    });
    const w = model.weight.data[0];
    const b = model.bias.data[0];
    const valLoss = a.validation.reduce((s, v) => s + (v * w + b - v) ** 2, 0) / 2;
    expect(h.valLoss[0]).toBeCloseTo(valLoss, 5);
  });

  it("calls the hooks in order with 0-based epochs and batches", () => {
    const model = mlp([3, 4, 2], 2);
    const events: string[] = [];
    const cb: Callback = {
      onTrainBegin: () => events.push("trainBegin"),
      onEpochBegin: (c) => events.push(`epochBegin ${c.epoch}`),
      onBatchEnd: (c) => events.push(`batchEnd ${c.epoch}.${c.batch} ${typeof c.logs.loss}`),
      onEpochEnd: (c) => events.push(`epochEnd ${c.epoch} ${Object.keys(c.logs).join(",")}`),
      onTrainEnd: (c) => events.push(`trainEnd ${c.history.loss.length}`),
    };
    fit(model, regression, { loss: mseLoss, optimizer: new SGD(model.parameters(), { lr: 0.01 }), epochs: 2, batchSize: 5, callbacks: [cb], verbose: 0, seed: 0 });
    expect(events).toEqual([
      "trainBegin",
      "epochBegin 0", "batchEnd 0.0 number", "batchEnd 0.1 number", "epochEnd 0 loss",
      "epochBegin 1", "batchEnd 1.0 number", "batchEnd 1.1 number", "epochEnd 1 loss",
      "trainEnd 2",
    ]);
  });

  it("stopTraining() inside an epoch ends training after that batch", () => {
    const model = mlp([3, 4, 2], 3);
    let batches = 0;
    const h = fit(model, regression, {
      loss: mseLoss, optimizer: new SGD(model.parameters(), { lr: 0.01 }), epochs: 5, batchSize: 2, verbose: 0, seed: 0,
      callbacks: [{ onBatchEnd: (c: CallbackContext) => { batches++; if (c.epoch === 1 && c.batch === 1) c.stopTraining(); } }],
    });
    expect(batches).toBe(5 + 2);
    expect(h.loss).toHaveLength(2);
  });

  it("a NaN loss stops training with an error naming the epoch, the batch and the value, before that update", () => {
    const model = mlp([3, 4, 2], 4);
    let calls = 0;
    let before: number[][] = [];
    const loss: LossFn = (o, t) => {
      calls++;
      if (calls === 5) {
        before = weightsOf(model);
        return mseLoss(o, t).mul(NaN);
      }
      return mseLoss(o, t);
    };
    const opt = new SGD(model.parameters(), { lr: 0.01 });
    expect(() => fit(model, regression, { loss, optimizer: opt, epochs: 3, batchSize: 4, verbose: 0, seed: 0 })).toThrow(
      /fit: the loss is NaN at epoch 2\/3, batch 2\/3/,
    );
    expect(weightsOf(model)).toEqual(before);
    const inf: LossFn = (o, t) => mseLoss(o, t).add(Infinity);
    expect(() => fit(model, regression, { loss: inf, optimizer: opt, epochs: 1, verbose: 0 })).toThrow(/the loss is Infinity at epoch 1\/1, batch 1\/1/);
  });

  it("names the first op that turned finite values into a non-finite loss", () => {
    const model = mlp([3, 4, 2], 4);
    const opt = new SGD(model.parameters(), { lr: 0.01 });
    const logLoss: LossFn = (o, t) => mseLoss(o, t).sub(1e6).log(); // log of a negative number
    expect(() => fit(model, regression, { loss: logLoss, optimizer: opt, epochs: 1, verbose: 0 })).toThrow(
      /the loss is NaN at epoch 1\/1, batch 1\/\d+; .*first non-finite value: log turned finite inputs \(\[\]\) into NaN at element 0 of its output \[\]/,
    );
    const constant: LossFn = (o, t) => mseLoss(o, t).mul(NaN);
    expect(() => fit(model, regression, { loss: constant, optimizer: opt, epochs: 1, verbose: 0 })).toThrow(
      /no op turned finite inputs into it, so it came in with an input \(data, targets, parameters or a constant\)/,
    );
  });

  it("restores the model's training mode, even after an error", () => {
    const model = mlp([3, 4, 2], 5).eval();
    const opt = new SGD(model.parameters(), { lr: 0.01 });
    const modes: boolean[] = [];
    fit(model, regression, { loss: mseLoss, optimizer: opt, epochs: 1, verbose: 0, callbacks: [{ onBatchEnd: (c) => modes.push(c.model.training) }] });
    expect(modes).toEqual([true]);
    expect(model.training).toBe(false);
    expect(() => fit(model, regression, { loss: () => { throw new Error("boom"); }, optimizer: opt, epochs: 1, verbose: 0 })).toThrow("boom");
    expect(model.training).toBe(false);
  });

  it("rejects invalid options before training", () => {
    const model = mlp([3, 4, 2], 6);
    const optimizer = new SGD(model.parameters(), { lr: 0.01 });
    const base = { loss: mseLoss, optimizer, epochs: 1, verbose: 0 as const };
    const before = weightsOf(model);
    expect(() => fit(model, regression, { ...base, epochs: 0 })).toThrow("fit: epochs must be a positive integer, got 0");
    expect(() => fit(model, regression, { ...base, batchSize: 2.5 })).toThrow("fit: batchSize must be a positive integer, got 2.5");
    expect(() => fit(model, regression, { ...base, validationSplit: 1 })).toThrow("fit: validationSplit must be in (0, 1), got 1");
    expect(() => fit(model, regression, { ...base, validationSplit: 0.5, validationData: regression })).toThrow(/either validationData or validationSplit/);
    expect(() => fit(model, { x: regression.x, y: tensor([1, 2]) }, base)).toThrow("fit: data.x [10,3] and data.y [2] must have the same number of samples (first dimension)");
    expect(() => fit(model, regression, { ...base, metrics: ["acuracy" as "accuracy"] })).toThrow(/unknown metric "acuracy"; known: accuracy, binaryAccuracy, mse, mae/);
    expect(() => fit(model, regression, { ...base, validationSplit: 0.01 })).toThrow(/leaves 10 for training and 0 for validation/);
    expect(weightsOf(model)).toEqual(before);
  });
});

describe("progress output", () => {
  const run = (verbose: 0 | 1 | 2, isTTY: boolean): string => {
    const model = mlp([3, 4, 2], 7);
    const stream = captureStream(isTTY);
    fit(model, regression, {
      loss: mseLoss, optimizer: new SGD(model.parameters(), { lr: 0.01 }), epochs: 2, batchSize: 4, metrics: ["mae"],
      validationData: regression, verbose, progressStream: stream, seed: 0,
    });
    return stream.text();
  };

  it("prints one plain line per epoch when not on a terminal", () => {
    const lines = run(1, false).trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Epoch 1\/2 - \d+(ms|\.\ds) - loss: \d+\.\d{4} - mae: \d+\.\d{4} - valLoss: \d+\.\d{4} - valMae: \d+\.\d{4}$/);
    expect(lines[1]).toMatch(/^Epoch 2\/2 /);
    expect(run(2, true).trimEnd().split("\n")).toHaveLength(2);
  });

  it("is silent with verbose 0", () => {
    expect(run(0, false)).toBe("");
    expect(run(0, true)).toBe("");
  });

  it("draws a live bar with ETA and the logs on a terminal", () => {
    const text = run(1, true);
    expect(text).toContain("Epoch 1/2 [");
    expect(text).toContain("Epoch 2/2 [");
    expect(text).toMatch(/3\/3 \| ETA \S+ \| loss: \d+\.\d{4} - mae: \d+\.\d{4} - valLoss/);
  });
});
