import { describe, expect, it } from "vitest";
import { Dense } from "../src/layers/dense.js";
import { Parameter } from "../src/layers/parameter.js";
import { Sequential } from "../src/layers/sequential.js";
import { mseLoss } from "../src/losses/mse.js";
import { Adam, AdamW } from "../src/optim/adam.js";
import { OneCycleLR } from "../src/optim/one-cycle-lr.js";
import type { Optimizer } from "../src/optim/optimizer.js";
import { ReduceLROnPlateau } from "../src/optim/reduce-lr-on-plateau.js";
import { RMSprop } from "../src/optim/rmsprop.js";
import { SGD } from "../src/optim/sgd.js";
import { randn, tensor } from "../src/tensor/creation.js";
import { generator } from "../src/tensor/random.js";
import { fit } from "../src/train/fit.js";
import { LearningRateScheduler } from "../src/train/lr-scheduler-callback.js";

const data = { x: randn([32, 3], { rng: generator(1) }), y: randn([32, 2], { rng: generator(2) }) };
const net = (seed: number): Sequential =>
  new Sequential(new Dense(3, 8, { activation: "tanh", rng: generator(seed) }), new Dense(8, 2, { rng: generator(seed + 1) }));

describe("frozen parameters (requiresGrad = false) are skipped, as PyTorch", () => {
  const makers: [string, (ps: Parameter[]) => Optimizer][] = [
    ["SGD with momentum and weight decay", (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, weightDecay: 0.1 })],
    ["Adam", (ps) => new Adam(ps, { lr: 0.01 })],
    ["AdamW", (ps) => new AdamW(ps, { lr: 0.01 })],
    ["RMSprop", (ps) => new RMSprop(ps, { lr: 0.01, momentum: 0.5 })],
  ];
  for (const [name, make] of makers) {
    it(`${name}: fine-tuning with a frozen first layer trains only the second`, () => {
      const model = net(3);
      fit(model, data, { loss: mseLoss, optimizer: new Adam(model.parameters(), { lr: 0.01 }), epochs: 2, verbose: 0, seed: 0 });
      const [first, second] = model.children() as Dense[];
      for (const p of first.parameters()) p.requiresGrad = false;
      const frozen = first.parameters().map((p) => Array.from(p.data));
      const before = second.parameters().map((p) => Array.from(p.data));
      const h = fit(model, data, { loss: mseLoss, optimizer: make(model.parameters()), epochs: 5, verbose: 0, seed: 1 });
      expect(first.parameters().map((p) => Array.from(p.data))).toEqual(frozen);
      expect(second.parameters().map((p) => Array.from(p.data))).not.toEqual(before);
      expect(h.loss.at(-1)!).toBeLessThan(h.loss[0]);
      // Unfrozen again, the first layer trains.
      for (const p of first.parameters()) p.requiresGrad = true;
      fit(model, data, { loss: mseLoss, optimizer: make(model.parameters()), epochs: 1, verbose: 0, seed: 2 });
      expect(first.parameters().map((p) => Array.from(p.data))).not.toEqual(frozen);
    });
  }

  it("a frozen parameter with a gradient left from before is not moved, and zeroGrad leaves it alone", () => {
    const p = new Parameter(tensor([1, 2]));
    p.grad = tensor([1, 1]);
    p.requiresGrad = false;
    const opt = new SGD([p], { lr: 0.1, weightDecay: 0.5 });
    opt.step();
    opt.zeroGrad();
    expect(Array.from(p.data)).toEqual([1, 2]);
    expect(Array.from(p.grad.data)).toEqual([1, 1]);
  });
});

describe("fit checks that the optimiser trains the model", () => {
  it("an optimiser built on another model's parameters is an Error naming the problem", () => {
    const model = net(1);
    const other = net(5);
    expect(() => fit(model, data, { loss: mseLoss, optimizer: new SGD(other.parameters(), { lr: 0.1 }), epochs: 1, verbose: 0 })).toThrow(
      "fit: the optimizer holds none of the model's 4 trainable parameters (it holds 4 others), so training would change nothing; " +
        "build it from this model's parameters(), after any model.to(dtype) (which replaces them)",
    );
  });

  it("so is one built before model.to(dtype) replaced the parameters", () => {
    const model = net(1);
    const opt = new Adam(model.parameters());
    model.to("float64");
    expect(() => fit(model, { x: data.x.to("float64"), y: data.y.to("float64") }, { loss: mseLoss, optimizer: opt, epochs: 1, verbose: 0 })).toThrow(
      "fit: the optimizer holds none of the model's 4 trainable parameters",
    );
  });

  it("an unknown fit option is an Error naming it and the closest known one", () => {
    const model = net(1);
    expect(() => fit(model, data, { loss: mseLoss, optimizer: new SGD(model.parameters()), epochs: 1, verbose: 0, batch_size: 8 } as never)).toThrow(
      "(did you mean batchSize?)",
    );
  });
});

describe("SGD without options", () => {
  it("takes PyTorch ≥ 2.2's defaults: lr 1e-3, no momentum", () => {
    const p = new Parameter(tensor([1]));
    const opt = new SGD([p]);
    expect(opt.paramGroups[0].options).toEqual({ lr: 1e-3, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 });
    p.grad = tensor([2]);
    opt.step();
    expect(p.data[0]).toBeCloseTo(1 - 2e-3, 7);
  });

  it("a bad lr is an Error naming SGD and lr", () => {
    expect(() => new SGD([new Parameter(tensor([1]))], { lr: "0.1" as never })).toThrow('SGD: invalid learning rate (lr): "0.1"');
  });
});

describe("ReduceLROnPlateau and OneCycleLR in fit", () => {
  it("ReduceLROnPlateau steps on the monitored metric after each epoch", () => {
    const model = net(1);
    const opt = new SGD(model.parameters(), { lr: 1e-3 });
    const plateau = new ReduceLROnPlateau(opt, { patience: 1, factor: 0.5, threshold: 0.5 });
    const h = fit(model, data, { loss: mseLoss, optimizer: opt, epochs: 6, verbose: 0, seed: 0, callbacks: [new LearningRateScheduler(plateau, { monitor: "loss" })] });
    // At a rate of 1e-3 nothing improves by 50 %: a reduction every second bad epoch.
    expect(h.lr.map((v) => v / 1e-3)).toEqual([1, 1, 1, 0.5, 0.5, 0.25]);
  });

  it("monitors valLoss by default when there is validation data, and names a missing log", () => {
    const model = net(1);
    const opt = new SGD(model.parameters(), { lr: 0.01 });
    const plateau = new ReduceLROnPlateau(opt, { patience: 0 });
    fit(model, data, { loss: mseLoss, optimizer: opt, epochs: 2, verbose: 0, validationSplit: 0.25, seed: 0, callbacks: [new LearningRateScheduler(plateau)] });
    expect(plateau.best).not.toBe(Infinity);
    const cb = new LearningRateScheduler(new ReduceLROnPlateau(opt), { monitor: "valAccuracy" });
    expect(() => fit(model, data, { loss: mseLoss, optimizer: opt, epochs: 1, verbose: 0, callbacks: [cb] })).toThrow(
      'LearningRateScheduler: "valAccuracy" is not logged; logged: loss (pass validationData or validationSplit to fit)',
    );
  });

  it("OneCycleLR steps after every batch with { per: 'batch' } and ends at its minimum", () => {
    const model = net(1);
    const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const batches = 4; // 32 samples, batchSize 8
    const sched = new OneCycleLR(opt, { maxLr: 0.05, epochs: 3, stepsPerEpoch: batches });
    fit(model, data, { loss: mseLoss, optimizer: opt, epochs: 3, batchSize: 8, verbose: 0, seed: 0, callbacks: [new LearningRateScheduler(sched, { per: "batch" })] });
    expect(sched.lastEpoch).toBe(12);
    expect(() => new LearningRateScheduler((_e, lr) => lr, { per: "batch" })).toThrow("per: \"batch\" goes with a scheduler object");
    expect(() => new LearningRateScheduler(sched, { monitor: "loss" })).toThrow("monitor (a log name such as \"valLoss\") goes with a ReduceLROnPlateau");
  });
});
