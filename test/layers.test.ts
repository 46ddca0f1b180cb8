import { describe, expect, it } from "vitest";
import { gradcheck } from "../src/autograd/gradcheck.js";
import { Dense } from "../src/layers/dense.js";
import { Dropout } from "../src/layers/dropout.js";
import { Flatten } from "../src/layers/flatten.js";
import { glorotUniform, heNormal, initializer, lecunNormal } from "../src/layers/init.js";
import { Module } from "../src/layers/module.js";
import { Parameter } from "../src/layers/parameter.js";
import { Sequential } from "../src/layers/sequential.js";
import { moduleFromSpec } from "../src/layers/spec.js";
import { ones, randn, tensor, zeros } from "../src/tensor/creation.js";
import { generator } from "../src/tensor/random.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { randomTensor } from "./helpers/index.js";

const mlp = (seed = 0) =>
  new Sequential(
    new Dense(2, 4, { activation: "tanh", rng: generator(seed) }),
    new Dense(4, 3, { activation: "relu", rng: generator(seed + 1) }),
    new Dense(3, 1, { rng: generator(seed + 2) }),
  );

class Pair extends Module {
  readonly first = new Dense(3, 2, { rng: generator(1) });
  readonly blocks = [new Dense(2, 2, { rng: generator(2) }), new Dense(2, 1, { bias: false, rng: generator(3) })];
  readonly scale = new Parameter(ones([1]));
  readonly counter = zeros([1]); // a buffer
  forward(x: Tensor): Tensor {
    return this.blocks[1].forward(this.blocks[0].forward(this.first.forward(x))).mul(this.scale);
  }
}

describe("Module", () => {
  it("discovers parameters with dotted names in declaration order", () => {
    expect(new Pair().namedParameters().map(([n]) => n)).toEqual([
      "first.weight", "first.bias", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "scale",
    ]);
    expect(new Pair().namedBuffers().map(([n]) => n)).toEqual(["counter"]);
    expect(mlp().namedParameters().map(([n]) => n)).toEqual(["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"]);
    expect(mlp().children()).toHaveLength(3);
  });

  it("stateDict returns copies and loadStateDict round-trips", () => {
    const a = mlp(0);
    const b = mlp(10);
    const sd = a.stateDict();
    a.parameters()[0].data[0] += 1;
    expect(sd["0.weight"].data[0]).not.toBe(a.parameters()[0].data[0]);
    b.loadStateDict(sd);
    expect(Array.from(b.parameters()[0].data)).toEqual(Array.from(sd["0.weight"].data));
    const x = randn([5, 2], { rng: generator(3) });
    a.loadStateDict(sd);
    expect(Array.from(b.forward(x).data)).toEqual(Array.from(a.forward(x).data));
  });

  it("strict loadStateDict lists missing, unexpected and mismatched keys and changes nothing", () => {
    const model = mlp(0);
    const before = model.stateDict();
    const sd = mlp(5).stateDict();
    delete sd["2.bias"];
    sd["9.weight"] = zeros([1]);
    sd["0.weight"] = zeros([7, 2]);
    expect(() => model.loadStateDict(sd)).toThrow(
      "loadStateDict: missing [2.bias], unexpected [9.weight]; 0.weight: shape [7,2] in the state dict, [4,2] in the model",
    );
    for (const [k, t] of Object.entries(model.stateDict())) expect(Array.from(t.data)).toEqual(Array.from(before[k].data));
    const partial = mlp(5).stateDict();
    delete partial["2.bias"];
    model.loadStateDict(partial, { strict: false });
    expect(Array.from(model.stateDict()["0.weight"].data)).toEqual(Array.from(partial["0.weight"].data));
  });

  it("train()/eval() propagate; zeroGrad zeroes every gradient", () => {
    const model = new Sequential(new Dense(2, 2), new Dropout(0.5));
    model.eval();
    expect(model.children().every((m) => !m.training)).toBe(true);
    model.train();
    expect(model.children().every((m) => m.training)).toBe(true);
    model.forward(ones([3, 2])).sum().backward();
    model.zeroGrad();
    for (const p of model.parameters()) expect(Array.from(p.grad!.data).every((v) => v === 0)).toBe(true);
  });

  it("to('float64') converts parameters and buffers", () => {
    const model = new Pair().to("float64");
    expect(model.parameters().every((p) => p.dtype === "float64" && p instanceof Parameter)).toBe(true);
    expect(model.namedBuffers()[0][1].dtype).toBe("float64");
  });

  it("spec() rebuilds the same architecture", () => {
    const model = mlp(0);
    const rebuilt = moduleFromSpec(JSON.parse(JSON.stringify(model.spec())));
    rebuilt.loadStateDict(model.stateDict());
    const x = randn([4, 2], { rng: generator(9) });
    expect(Array.from(rebuilt.forward(x).data)).toEqual(Array.from(model.forward(x).data));
    expect(() => moduleFromSpec({ type: "Nope" })).toThrow(/moduleFromSpec: unknown module type "Nope"; known: .*Dense/);
  });
});

describe("Dense", () => {
  it("computes act(x·Wᵀ + b) with a PyTorch-layout weight", () => {
    const d = new Dense(2, 3, { rng: generator(0) });
    d.weight.data.set([1, 2, 3, 4, 5, 6]);
    d.bias!.data.set([0.5, -0.5, 1]);
    expect(d.forward(tensor([[1, 1]])).toArray()).toEqual([[3.5, 6.5, 12]]);
    expect(d.weight.shape).toEqual([3, 2]);
    expect(d.forward(ones([2, 5, 2])).shape).toEqual([2, 5, 3]);
  });

  it("passes a float64 gradcheck for input, weight and bias, with and without an activation", () => {
    for (const activation of [undefined, "tanh", "sigmoid"]) {
      const layer = new Dense(3, 2, { activation, rng: generator(4), dtype: "float64" });
      expect(gradcheck((x) => layer.forward(x), [randomTensor([4, 3], 5)], { params: layer.parameters() })).toBe(true);
    }
  });

  it("picks He for ReLU, LeCun for SELU, Glorot otherwise", () => {
    const std = (t: Tensor) => Math.sqrt(Array.from(t.data).reduce((s, v) => s + v * v, 0) / t.size);
    const n = 400;
    expect(std(new Dense(n, n, { activation: "relu", rng: generator(1) }).weight)).toBeCloseTo(Math.sqrt(2 / n), 2);
    expect(std(new Dense(n, n, { activation: "selu", rng: generator(1) }).weight)).toBeCloseTo(Math.sqrt(1 / n), 2);
    expect(std(new Dense(n, n, { activation: "tanh", rng: generator(1) }).weight)).toBeCloseTo(Math.sqrt(2 / (2 * n)), 2);
    const ctx = { fanIn: 10, fanOut: 20, rng: generator(0) };
    expect(Math.max(...glorotUniform([1000], ctx).data.map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 30));
    expect(initializer("heNormal")).toBe(heNormal);
    expect(initializer("lecunNormal")).toBe(lecunNormal);
  });

  it("same seed gives identical weights", () => {
    expect(Array.from(mlp(3).parameters()[0].data)).toEqual(Array.from(mlp(3).parameters()[0].data));
  });

  const errors: [string, () => unknown, string | RegExp][] = [
    ["input width", () => new Dense(3, 2).forward(zeros([4, 5])), "Dense(3 → 2): expected input [batch, 3], got [4,5]"],
    ["sizes", () => new Dense(0, 2), "Dense: inFeatures must be a positive integer, got 0"],
    ["sizes", () => new Dense(2, 1.5), "Dense: outFeatures must be a positive integer, got 1.5"],
    ["unknown activation", () => new Dense(2, 2, { activation: "relux" }), /unknown activation "relux"; known: .*relu/],
    ["unknown init", () => new Dense(2, 2, { init: "xavier" as "heNormal" }), /initializer: unknown initialiser "xavier"; known: glorotUniform/],
    ["Dropout p", () => new Dropout(1.5), "Dropout: p must be in [0, 1], got 1.5"],
    ["Dropout p negative", () => new Dropout(-0.1), "Dropout: p must be in [0, 1], got -0.1"],
    ["Sequential arg", () => new Sequential({} as Module), "Sequential: argument 0 is not a Module"],
    ["Flatten scalar", () => new Flatten().forward(zeros([])), "Flatten: expected an input with a batch axis, got []"],
  ];
  for (const [name, fn, message] of errors) it(`refuses bad input: ${name}`, () => expect(fn).toThrow(message));
});

describe("Dropout", () => {
  it("zeroes about p of the elements, scales survivors, is seeded and inactive in eval", () => {
    const x = ones([100, 100]);
    const y = new Dropout(0.3, { rng: generator(1) }).forward(x);
    const zeroed = y.data.filter((v) => v === 0).length / y.size;
    expect(zeroed).toBeGreaterThan(0.27);
    expect(zeroed).toBeLessThan(0.33);
    expect(y.data.find((v) => v !== 0)).toBeCloseTo(1 / 0.7, 6);
    const again = new Dropout(0.3, { rng: generator(1) }).forward(x);
    expect(Array.from(again.data)).toEqual(Array.from(y.data));
    const d = new Dropout(0.3);
    d.eval();
    expect(d.forward(x)).toBe(x);
  });

  it("backpropagates through the same mask", () => {
    const x = randomTensor([20], 3);
    const y = new Dropout(0.5, { rng: generator(2) }).forward(x);
    y.sum().backward();
    for (let i = 0; i < 20; i++) expect(x.grad!.data[i]).toBe(y.data[i] === 0 ? 0 : 2);
  });
});

describe("Flatten", () => {
  it("flattens all but the batch axis", () => {
    expect(new Flatten().forward(zeros([2, 3, 4])).shape).toEqual([2, 12]);
  });
});
