// float64 gradcheck of every activation w.r.t. its input and every trainable parameter
// (shared and per-feature), and of every trainable module, away from kinks.
import { describe, expect, it } from "vitest";
import { gradcheck } from "../src/autograd/gradcheck.js";
import { LEAF } from "../src/activations/modules-leaf.js";
import { LogSoftmax, Softmax } from "../src/activations/modules.js";
import { PReLU, Swish } from "../src/activations/modules-trainable.js";
import { Tensor } from "../src/tensor/tensor.js";
import { Generator } from "../src/tensor/random.js";
import { CASES, randomTensor, TrainableELU } from "./helpers/activations.js";
import { activation, activationNames } from "../src/activations/registry.js";
import type { Module } from "../src/layers/module.js";

const FEATURES = 4;

/** Parameters near the case's values, perturbed so no test relies on a special value. */
function params(values: Record<string, number>, size: number, seed: number): Record<string, Tensor> {
  const rng = new Generator(seed);
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(values)) {
    const data = new Float64Array(size);
    // p3 = 65536 (LEAF-as-ReLU) stays huge; others move by up to ±0.3.
    for (let i = 0; i < size; i++) data[i] = v > 1000 ? v : v + 0.6 * (rng.uniform() - 0.5);
    out[k] = new Tensor(data, [size], { requiresGrad: true });
  }
  return out;
}

describe("gradcheck (float64, eps 1e-6, atol 1e-5, rtol 1e-3) of every activation", () => {
  CASES.forEach((c, n) => {
    it(`${c.label}: w.r.t. the input`, () => {
      const x = randomTensor([3, FEATURES], 100 + n, { minAbs: 0.05 });
      const p = params(c.params ?? {}, 1, 200 + n);
      expect(gradcheck((t) => c.run(t, p), [x], { seed: n })).toBe(true);
    });
    if (c.params === undefined) return;
    it(`${c.label}: w.r.t. shared parameters [1]`, () => {
      const x = randomTensor([3, FEATURES], 300 + n, { minAbs: 0.05 });
      const p = params(c.params!, 1, 400 + n);
      expect(gradcheck((t) => c.run(t, p), [x], { params: Object.values(p), seed: n })).toBe(true);
    });
    it(`${c.label}: w.r.t. per-feature parameters [${FEATURES}]`, () => {
      const x = randomTensor([2, 3, FEATURES], 500 + n, { minAbs: 0.05 });
      const p = params(c.params!, FEATURES, 600 + n);
      expect(gradcheck((t) => c.run(t, p), [x], { params: Object.values(p), seed: n })).toBe(true);
    });
  });

  it("LEAF extended with random p1..p4 (as the authors' own check does)", () => {
    const rng = new Generator(7);
    const rand = (lo: number, hi: number) => {
      const d = new Float64Array(FEATURES);
      for (let i = 0; i < FEATURES; i++) d[i] = lo + (hi - lo) * rng.uniform();
      return new Tensor(d, [FEATURES], { requiresGrad: true });
    };
    const m = new LEAF({ form: "extended", numParameters: FEATURES }).to("float64");
    const ps = [rand(-1, 1), rand(-1, 1), rand(-2, 2), rand(-1, 1)];
    m.p1!.data.set(ps[0].data);
    m.p2!.data.set(ps[1].data);
    m.p3!.data.set(ps[2].data);
    m.p4!.data.set(ps[3].data);
    const x = randomTensor([5, FEATURES], 8);
    expect(gradcheck((t) => m.forward(t), [x], { params: m.parameters() })).toBe(true);
  });
});

describe("gradcheck of every trainable and axis module", () => {
  const modules: [string, () => Module][] = [
    ["Swish shared β", () => new Swish({ beta: 1.3 })],
    ["Swish per-feature β", () => new Swish({ beta: 0.7, numParameters: FEATURES })],
    ["Swish fixed β", () => new Swish({ beta: 2, trainable: false })],
    ["PReLU shared", () => new PReLU()],
    ["PReLU per-feature", () => new PReLU({ numParameters: FEATURES, init: 0.1 })],
    ["LEAF article", () => new LEAF({ alpha: 0.3, numParameters: FEATURES })],
    ...(["relu", "silu", "tanh", "sigmoid"] as const).map(
      (initAs): [string, () => Module] => [`LEAF extended ${initAs}`, () => new LEAF({ form: "extended", initAs, numParameters: FEATURES })],
    ),
    ["TrainableELU (defineActivation)", () => new TrainableELU({ numParameters: FEATURES, init: { alpha: 0.8 } })],
    ["Softmax axis 0", () => new Softmax({ axis: 0 })],
    ["LogSoftmax", () => new LogSoftmax()],
    // Every registered name, so a newly registered built-in cannot skip its gradcheck.
    ...activationNames().map((name): [string, () => Module] => [`registry "${name}"`, () => activation(name)]),
  ];
  modules.forEach(([label, make], n) => {
    it(label, () => {
      const m = make().to("float64");
      const x = randomTensor([3, FEATURES], 900 + n, { minAbs: 0.05 });
      expect(gradcheck((t) => m.forward(t), [x], { params: m.parameters(), seed: n })).toBe(true);
    });
  });
});
