import { describe, expect, it } from "vitest";
import { ReLU } from "../src/activations/modules-relu.js";
import { batchNorm } from "../src/autograd/ops/normalization.js";
import { gradcheck } from "../src/autograd/gradcheck.js";
import { BatchNorm1d } from "../src/layers/batch-norm.js";
import { Dense } from "../src/layers/dense.js";
import { LayerNorm } from "../src/layers/layer-norm.js";
import { Sequential } from "../src/layers/sequential.js";
import { moduleFromSpec } from "../src/layers/spec.js";
import { mseLoss } from "../src/losses/mse.js";
import { Adam } from "../src/optim/adam.js";
import { randn, tensor } from "../src/tensor/creation.js";
import { generator } from "../src/tensor/random.js";
import { fit } from "../src/train/fit.js";
import { predict } from "../src/train/predict.js";

const rows = (t: { data: ArrayLike<number>; shape: readonly number[] }): number[][] => {
  const d = t.shape[t.shape.length - 1];
  return Array.from({ length: t.data.length / d }, (_, i) => Array.from(t.data).slice(i * d, i * d + d));
};

describe("LayerNorm", () => {
  it("standardises each sample over its last dims (biased variance), then scales and shifts", () => {
    const ln = new LayerNorm(4, { dtype: "float64" });
    ln.weight!.data.set([1, 2, 3, 4]);
    ln.bias!.data.set([0, 1, 0, -1]);
    const y = ln.forward(tensor([[1, 2, 3, 4], [2, 2, 2, 2]], { dtype: "float64" }));
    const r = 1 / Math.sqrt(1.25 + 1e-5);
    const expected = [[-1.5 * r, 2 * -0.5 * r + 1, 3 * 0.5 * r, 4 * 1.5 * r - 1], [0, 1, 0, -1]];
    rows(y).forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], 12)));
  });

  it("names its parameters as PyTorch; options, describe and spec round trip", () => {
    expect(new LayerNorm([3, 2]).namedParameters().map(([n, p]) => [n, p.shape])).toEqual([["weight", [3, 2]], ["bias", [3, 2]]]);
    expect(new LayerNorm(3, { elementwiseAffine: false }).parameters()).toEqual([]);
    expect(new LayerNorm(3, { bias: false }).namedParameters().map(([n]) => n)).toEqual(["weight"]);
    const ln = new LayerNorm(3, { eps: 1e-3, dtype: "float64" });
    expect(String(ln)).toBe("LayerNorm((3), eps=0.001)");
    expect(moduleFromSpec(ln.spec()).spec()).toEqual(ln.spec());
  });

  it("float64 gradcheck with its parameters", () => {
    const ln = new LayerNorm([2, 3], { dtype: "float64" });
    ln.weight!.data.set([0.5, 1, 1.5, -1, 2, 0.3]);
    ln.bias!.data.set([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    expect(gradcheck((x) => ln.forward(x), [randn([4, 2, 3], { dtype: "float64", rng: generator(3) })], { params: ln.parameters() })).toBe(true);
  });

  it("bad sizes, options and inputs are Errors naming them", () => {
    expect(() => new LayerNorm(0)).toThrow("LayerNorm: normalizedShape must be a positive integer or a list of them, got 0");
    expect(() => new LayerNorm(3, { epsilon: 1 } as never)).toThrow("LayerNorm: unknown option epsilon; known: eps, elementwiseAffine, bias, dtype");
    expect(() => new LayerNorm(3).forward(randn([2, 4]))).toThrow("layerNorm: input [2,4] does not end with normalizedShape [3]");
  });
});

describe("BatchNorm1d", () => {
  it("training: batch statistics, running statistics updated with the unbiased variance and momentum 0.1", () => {
    const bn = new BatchNorm1d(2, { dtype: "float64" });
    const x = tensor([[1, 10], [3, 20], [5, 60]], { dtype: "float64" });
    const y = bn.forward(x);
    const r0 = 1 / Math.sqrt(8 / 3 + 1e-5);
    expect(y.data[0]).toBeCloseTo(-2 * r0, 12);
    expect(Array.from(bn.running_mean!.data)).toEqual([0.9 * 0 + 0.1 * 3, 0.1 * 30]);
    expect(bn.running_var!.data[0]).toBeCloseTo(0.9 + 0.1 * 4, 14);
    expect(bn.num_batches_tracked!.data[0]).toBe(1);
  });

  it("evaluation uses the running statistics and changes nothing", () => {
    const bn = new BatchNorm1d(2, { dtype: "float64" });
    bn.running_mean!.data.set([1, 2]);
    bn.running_var!.data.set([4, 9]);
    bn.eval();
    const y = bn.forward(tensor([[3, 2]], { dtype: "float64" }));
    expect(y.data[0]).toBeCloseTo(2 / Math.sqrt(4 + 1e-5), 14);
    expect(y.data[1]).toBe(0);
    expect(bn.num_batches_tracked!.data[0]).toBe(0);
  });

  it("momentum null keeps a cumulative average; [N, C, L] inputs pool over N and L", () => {
    const bn = new BatchNorm1d(1, { momentum: null, dtype: "float64" });
    bn.forward(tensor([[[1, 3]], [[5, 7]]], { dtype: "float64" })); // mean 4
    bn.forward(tensor([[[0, 0]], [[2, 2]]], { dtype: "float64" })); // mean 1
    expect(bn.running_mean!.data[0]).toBeCloseTo(2.5, 14);
    expect(bn.num_batches_tracked!.data[0]).toBe(2);
  });

  it("without running statistics it uses batch statistics in evaluation too, and has no buffers", () => {
    const bn = new BatchNorm1d(3, { trackRunningStats: false });
    expect(bn.namedBuffers()).toEqual([]);
    bn.eval();
    const x = randn([6, 3], { rng: generator(1) });
    expect(Array.from(bn.forward(x).data)).toEqual(Array.from(batchNorm(x, bn.weight, bn.bias).data));
  });

  it("PyTorch's state-dict names; spec and state dict round trip", () => {
    const bn = new BatchNorm1d(4);
    expect(Object.keys(bn.stateDict())).toEqual(["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]);
    expect(bn.namedParameters().map(([n]) => n)).toEqual(["weight", "bias"]);
    expect(Object.keys(new BatchNorm1d(4, { affine: false }).stateDict())).toEqual(["running_mean", "running_var", "num_batches_tracked"]);
    const back = moduleFromSpec(bn.spec()) as BatchNorm1d;
    expect(back.spec()).toEqual(bn.spec());
    expect(String(bn)).toBe("BatchNorm1d(4, eps=0.00001, momentum=0.1)".replace("0.00001", String(1e-5)));
  });

  it("float64 gradcheck in training and in evaluation, with its parameters", () => {
    const bn = new BatchNorm1d(3, { dtype: "float64" });
    bn.weight!.data.set([0.5, -1, 2]);
    bn.bias!.data.set([0.1, 0.2, 0.3]);
    const x = randn([5, 3], { dtype: "float64", rng: generator(4) });
    expect(gradcheck((t) => bn.forward(t), [x], { params: bn.parameters() })).toBe(true);
    bn.eval();
    expect(gradcheck((t) => bn.forward(t), [x], { params: bn.parameters() })).toBe(true);
  });

  it("fit trains in training mode and predict evaluates with the running statistics", () => {
    const model = new Sequential(new Dense(3, 8, { rng: generator(1) }), new BatchNorm1d(8), new ReLU(), new Dense(8, 1, { rng: generator(2) }));
    const data = { x: randn([64, 3], { rng: generator(3) }), y: randn([64, 1], { rng: generator(4) }) };
    const h = fit(model, data, { loss: mseLoss, optimizer: new Adam(model.parameters(), { lr: 0.01 }), epochs: 5, batchSize: 16, verbose: 0, seed: 0 });
    expect(h.loss.at(-1)!).toBeLessThan(h.loss[0]);
    const bn = model.children()[1] as BatchNorm1d;
    expect(bn.num_batches_tracked!.data[0]).toBe(20);
    const before = Array.from(bn.running_mean!.data);
    predict(model, data.x);
    expect(Array.from(bn.running_mean!.data)).toEqual(before);
  });

  it("bad sizes, options and inputs are Errors naming them", () => {
    expect(() => new BatchNorm1d(2, { momentum: 2 })).toThrow("BatchNorm1d: momentum must be in [0, 1] or null (cumulative average), got 2");
    expect(() => new BatchNorm1d(2, { track_running_stats: false } as never)).toThrow("BatchNorm1d: unknown option track_running_stats");
    expect(() => new BatchNorm1d(3).forward(randn([4, 2]))).toThrow("BatchNorm1d(3): expected input [N, 3] or [N, 3, L], got [4,2]");
    expect(() => new BatchNorm1d(3).forward(randn([1, 3]))).toThrow("batchNorm: expected more than 1 value per channel in training (batch statistics), got input [1,3]");
  });
});
