// Second derivatives (float64 gradgradcheck) of every activation w.r.t. its input and every
// trainable parameter, of every registered activation module, and of a custom activation;
// and the error when a hand-written activation has no tensor-op derivative.
import { describe, expect, it } from "vitest";
import { LEAF } from "../src/activations/modules-leaf.js";
import { LogSoftmax, Softmax } from "../src/activations/modules.js";
import { PReLU, Swish } from "../src/activations/modules-trainable.js";
import { activation, activationNames } from "../src/activations/registry.js";
import { defineActivation } from "../src/activations/define.js";
import { gradgradcheck } from "../src/autograd/gradcheck.js";
import { grad } from "../src/autograd/transforms.js";
import type { Module } from "../src/layers/module.js";
import { Generator } from "../src/tensor/random.js";
import { Tensor } from "../src/tensor/tensor.js";
import { CASES, randomTensor, TrainableELU } from "./helpers/activations.js";

const FEATURES = 3;

function params(values: Record<string, number>, size: number, seed: number): Record<string, Tensor> {
  const rng = new Generator(seed);
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(values)) {
    const data = new Float64Array(size);
    for (let i = 0; i < size; i++) data[i] = v > 1000 ? v : v + 0.6 * (rng.uniform() - 0.5);
    out[k] = new Tensor(data, [size], { requiresGrad: true });
  }
  return out;
}

describe("gradgradcheck (float64) of every activation", () => {
  CASES.forEach((c, n) => {
    it(`${c.label}: w.r.t. the input`, () => {
      const x = randomTensor([2, FEATURES], 100 + n, { minAbs: 0.05 });
      const p = params(c.params ?? {}, 1, 200 + n);
      expect(gradgradcheck((t) => c.run(t, p), [x], { seed: n })).toBe(true);
    });
    if (c.params === undefined) return;
    it(`${c.label}: w.r.t. the input and per-feature parameters [${FEATURES}]`, () => {
      const x = randomTensor([2, FEATURES], 500 + n, { minAbs: 0.05 });
      const p = params(c.params!, FEATURES, 600 + n);
      expect(gradgradcheck((t) => c.run(t, p), [x], { params: Object.values(p), seed: n })).toBe(true);
    });
  });
});

describe("gradgradcheck of every trainable and registered activation module", () => {
  const modules: [string, () => Module][] = [
    ["Swish per-feature β", () => new Swish({ beta: 0.7, numParameters: FEATURES })],
    ["PReLU per-feature", () => new PReLU({ numParameters: FEATURES, init: 0.1 })],
    ["LEAF article", () => new LEAF({ alpha: 0.3, numParameters: FEATURES })],
    ...(["relu", "silu", "tanh", "sigmoid"] as const).map(
      (initAs): [string, () => Module] => [`LEAF extended ${initAs}`, () => new LEAF({ form: "extended", initAs, numParameters: FEATURES })],
    ),
    ["TrainableELU (defineActivation with derivative)", () => new TrainableELU({ numParameters: FEATURES, init: { alpha: 0.8 } })],
    ["Softmax axis 0", () => new Softmax({ axis: 0 })],
    ["LogSoftmax", () => new LogSoftmax()],
    // Every registered name, so a newly registered built-in cannot skip its check.
    ...activationNames().map((name): [string, () => Module] => [`registry "${name}"`, () => activation(name)]),
  ];
  modules.forEach(([label, make], n) => {
    it(label, () => {
      const m = make().to("float64");
      const x = randomTensor([2, FEATURES], 900 + n, { minAbs: 0.05 });
      expect(gradgradcheck((t) => m.forward(t), [x], { params: m.parameters(), seed: n })).toBe(true);
    });
  });
});

describe("custom activations and createGraph", () => {
  const Cube = defineActivation({
    name: "cubeNoDerivative",
    forward(x, y) {
      for (let i = 0; i < x.length; i++) y[i] = x[i] ** 3;
    },
    backward(x, _y, gy, gx) {
      if (gx !== null) for (let i = 0; i < x.length; i++) gx[i] = 3 * x[i] ** 2 * gy[i];
    },
  });

  it("a hand-written activation without derivative is still once differentiable", () => {
    const x = new Tensor(new Float64Array([1, 2]), [2], { requiresGrad: true });
    new Cube().forward(x).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([3, 12]);
  });

  it("createGraph through it throws, naming the activation and what to add", () => {
    const x = new Tensor(new Float64Array([1, 2]), [2], { requiresGrad: true });
    const y = new Cube().forward(x).sum();
    expect(() => y.backward({ createGraph: true })).toThrow(/activation "cubeNoDerivative".*add derivative\(x, y, params\)/);
  });

  it("a level-1 activation (composed from ops) is twice differentiable for free", () => {
    const f = (x: Tensor) => x.mul(x.exp()).sum();
    const x = new Tensor(new Float64Array([0.5, -1]), [2]);
    expect(gradgradcheck(f, [x])).toBe(true);
    const d2 = grad((t: Tensor) => grad(f)(t).sum())(x);
    // (x eˣ)″ = (x + 2) eˣ
    expect(d2.data[0]).toBeCloseTo(2.5 * Math.exp(0.5), 12);
  });
});
