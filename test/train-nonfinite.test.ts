// Issue 11, defect 7: non-finite gradients and bad optimiser state never corrupt weights silently.
import { describe, expect, it } from "vitest";
import { backward } from "../src/autograd/engine.js";
import { linear } from "../src/autograd/ops/matmul.js";
import { Module } from "../src/layers/module.js";
import { Parameter } from "../src/layers/parameter.js";
import { mseLoss } from "../src/losses/mse.js";
import { Adam, AdamW } from "../src/optim/adam.js";
import { NonFiniteGradientError } from "../src/optim/grad-check.js";
import { RMSprop } from "../src/optim/rmsprop.js";
import { SGD } from "../src/optim/sgd.js";
import { randn, tensor, zeros } from "../src/tensor/creation.js";
import { Generator } from "../src/tensor/random.js";
import { Tensor } from "../src/tensor/tensor.js";
import { fit } from "../src/train/fit.js";

/** y = x·Wᵀ + ‖b‖: the loss is finite at b = 0, its gradient in b is NaN (0/0 through sqrt). */
class NormModel extends Module {
  readonly weight = new Parameter(randn([1, 2], { rng: new Generator(1) }));
  readonly b: Parameter;
  constructor(b: number[]) {
    super();
    this.b = new Parameter(tensor(b));
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight).add(this.b.mul(this.b).sum().sqrt());
  }
}

const data = { x: randn([8, 2], { rng: new Generator(2) }), y: randn([8, 1], { rng: new Generator(3) }) };

function snapshot(model: Module, optimizer: { stateDict(): { tensors: Record<string, Tensor>; step: number } }): string {
  const state = optimizer.stateDict();
  const tensors = Object.entries(state.tensors).map(([k, t]) => [k, Array.from(t.data)]);
  return JSON.stringify([model.parameters().map((p) => Array.from(p.data)), state.step, tensors]);
}

describe("issue 11, defect 7: fit and non-finite gradients", () => {
  it("a finite loss with a NaN gradient stops fit with the parameter, epoch, batch and op named, changing nothing", () => {
    const model = new NormModel([0, 0]);
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    const before = snapshot(model, optimizer);
    expect(() => fit(model, data, { loss: mseLoss, optimizer, epochs: 2, batchSize: 4, verbose: 0, seed: 0 })).toThrow(
      /^fit: the gradient of "b" \[2\] is NaN at element 0 at epoch 1\/2, batch 1\/2; training stopped before this batch's update, with the weights and optimiser state as they were \(the op: sqrt turned a finite gradient into -Infinity at element 0 of the gradient of its input 0 \[\]\)\. Pass nonFiniteGradients: "skip" to skip such steps instead$/,
    );
    expect(snapshot(model, optimizer)).toBe(before);
    for (const p of model.parameters()) expect(Array.from(p.data).every(Number.isFinite)).toBe(true);
  });

  it("stops at the first bad batch, after good ones, with the state of the last good step", () => {
    // b starts non-zero; a huge lr SGD step can make it exactly zero? Simpler: a model whose b is zeroed by a callback.
    const model = new NormModel([1, 1]);
    const optimizer = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    let kept = "";
    const callbacks = [
      {
        onBatchEnd: (ctx: { batch: number; epoch: number }) => {
          if (ctx.epoch === 1 && ctx.batch === 0) {
            model.b.data.fill(0);
            kept = snapshot(model, optimizer);
          }
        },
      },
    ];
    expect(() => fit(model, data, { loss: mseLoss, optimizer, epochs: 3, batchSize: 4, verbose: 0, seed: 0, callbacks })).toThrow(
      /the gradient of "b" \[2\] is NaN at element 0 at epoch 2\/3, batch 2\/2/,
    );
    expect(snapshot(model, optimizer)).toBe(kept);
  });

  it('nonFiniteGradients: "skip" drops such updates and counts them', () => {
    const model = new NormModel([0, 0]);
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    const history = fit(model, data, { loss: mseLoss, optimizer, epochs: 3, batchSize: 4, verbose: 0, seed: 0, nonFiniteGradients: "skip" });
    expect(history.skippedSteps).toBe(6);
    expect(optimizer.stepCount).toBe(0);
    expect(Array.from(model.b.data)).toEqual([0, 0]);
    const healthy = new NormModel([1, 1]);
    const h2 = fit(healthy, data, { loss: mseLoss, optimizer: new Adam(healthy.parameters()), epochs: 1, verbose: 0, seed: 0 });
    expect(h2.skippedSteps).toBe(0);
    expect(() => fit(healthy, data, { loss: mseLoss, optimizer: new Adam(healthy.parameters()), epochs: 1, nonFiniteGradients: "ignore" as never })).toThrow(
      'fit: nonFiniteGradients must be "stop" or "skip", got "ignore"',
    );
  });

  it("backward({ checkFinite }) names the op whose backward made the NaN", () => {
    const b = new Parameter(zeros([3]));
    expect(() => backward(b.mul(b).sum().sqrt(), null, { checkFinite: true })).toThrow("backward: sqrt turned a finite gradient into Infinity at element 0 of the gradient of its input 0 []");
  });
});

describe("issue 11, defect 7: optimiser steps check their gradients first", () => {
  const makers = [
    ["Adam", (ps: Parameter[]) => new Adam(ps, { lr: 0.1 })],
    ["AdamW amsgrad", (ps: Parameter[]) => new AdamW(ps, { lr: 0.1, amsgrad: true })],
    ["SGD momentum", (ps: Parameter[]) => new SGD(ps, { lr: 0.1, momentum: 0.9, weightDecay: 0.01 })],
    ["RMSprop centered", (ps: Parameter[]) => new RMSprop(ps, { lr: 0.1, centered: true, momentum: 0.5 })],
  ] as const;

  for (const [name, make] of makers) {
    it(`${name}: a NaN or ±∞ gradient throws NonFiniteGradientError and changes nothing`, () => {
      const p = new Parameter(tensor([1, 2, 3]));
      const q = new Parameter(tensor([[4, 5]]));
      const opt = make([p, q]);
      p.grad = tensor([0.1, 0.2, 0.3]);
      q.grad = tensor([[0.5, 0.6]]);
      opt.step();
      const before = snapshot({ parameters: () => [p, q] } as unknown as Module, opt);
      for (const bad of [NaN, Infinity, -Infinity]) {
        q.grad = tensor([[0.5, bad]]);
        let error: unknown;
        try {
          opt.step();
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(NonFiniteGradientError);
        expect((error as NonFiniteGradientError).parameterIndex).toBe(1);
        expect((error as Error).message).toBe(
          `${opt.constructor.name}.step: the gradient of parameter 1 [1,2] is ${bad} at element 1; no parameter or optimiser state was changed`,
        );
        expect(snapshot({ parameters: () => [p, q] } as unknown as Module, opt)).toBe(before);
      }
    });
  }

  it("a .grad of the wrong shape or dtype is an Error at step(), before anything changes", () => {
    const p = new Parameter(tensor([1, 2, 3, 4]));
    const opt = new Adam([p], { lr: 0.1 });
    p.grad = tensor([1, 1]);
    expect(() => opt.step()).toThrow("Adam.step: parameter 0 is [4] float32 but its .grad is [2] float32; no parameter was changed");
    p.grad = tensor([[1, 1], [1, 1]]);
    expect(() => opt.step()).toThrow("Adam.step: parameter 0 is [4] float32 but its .grad is [2,2] float32");
    p.grad = tensor([1, 1, 1, 1], { dtype: "float64" });
    expect(() => opt.step()).toThrow("Adam.step: parameter 0 is [4] float32 but its .grad is [4] float64");
    expect(Array.from(p.data)).toEqual([1, 2, 3, 4]);
    expect(opt.stepCount).toBe(0);
  });
});

describe("issue 11, defect 7: optimiser state dicts are validated before anything changes", () => {
  function trained(): { p: Parameter; opt: Adam } {
    const p = new Parameter(tensor([1, 2]));
    const opt = new Adam([p], { lr: 0.1, amsgrad: true });
    p.grad = tensor([0.5, -0.5]);
    opt.step();
    return { p, opt };
  }

  it("rejects NaN or infinite moments and negative second moments", () => {
    for (const [key, values, message] of [
      ["0.m", [NaN, 0], '"0.m" holds NaN at element 0; optimiser state must be finite'],
      ["0.v", [0, Infinity], '"0.v" holds Infinity at element 1; optimiser state must be finite'],
      ["0.v", [0.1, -0.25], '"0.v" holds -0.25 at element 1; a second moment cannot be negative'],
      ["0.vMax", [-1, 0], '"0.vMax" holds -1 at element 0; a second moment cannot be negative'],
    ] as const) {
      const { opt } = trained();
      const state = opt.stateDict();
      state.tensors[key] = tensor([...values]);
      const target = trained();
      const before = JSON.stringify([Array.from(target.p.data), target.opt.stateDict()]);
      expect(() => target.opt.loadStateDict(state)).toThrow(`Adam.loadStateDict: ${message}`);
      expect(JSON.stringify([Array.from(target.p.data), target.opt.stateDict()])).toBe(before);
    }
  });

  it("rejects a negative RMSprop square average and a non-object tensors field", () => {
    const p = new Parameter(tensor([1]));
    const opt = new RMSprop([p], { lr: 0.1 });
    p.grad = tensor([1]);
    opt.step();
    const state = opt.stateDict();
    state.tensors["0.squareAvg"] = tensor([-2]);
    expect(() => opt.loadStateDict(state)).toThrow('RMSprop.loadStateDict: "0.squareAvg" holds -2 at element 0; a second moment cannot be negative');
    expect(() => opt.loadStateDict({ ...opt.stateDict(), tensors: 5 as never })).toThrow("RMSprop.loadStateDict: tensors must be an object of Tensors");
  });
});
