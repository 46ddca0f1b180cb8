import { describe, expect, it } from "vitest";
import { Dense } from "../src/layers/dense.js";
import { Dropout } from "../src/layers/dropout.js";
import { Sequential } from "../src/layers/sequential.js";
import { mseLoss } from "../src/losses/mse.js";
import { randn, tensor } from "../src/tensor/creation.js";
import { Generator } from "../src/tensor/random.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { evaluate } from "../src/train/evaluate.js";
import { accuracy, binaryAccuracy, mae, mse } from "../src/train/metrics.js";
import { predict } from "../src/train/predict.js";
import { mlp } from "./helpers/io-train.js";

const regression = { x: randn([10, 3], { rng: new Generator(1) }), y: randn([10, 2], { rng: new Generator(2) }) };

describe("evaluate and predict", () => {
  it("evaluate gives the same numbers whatever the batch size, in eval mode, without a graph", () => {
    const model = mlp([3, 4, 2], 11);
    const a = evaluate(model, regression, { loss: mseLoss, metrics: ["mse"], batchSize: 3 });
    const b = evaluate(model, regression, { loss: mseLoss, metrics: ["mse"], batchSize: 100 });
    expect(a.loss).toBeCloseTo(b.loss, 6);
    expect(a.mse).toBeCloseTo(b.mse, 6);
    expect(b.loss).toBe(mseLoss(model.forward(regression.x), regression.y).item());
    expect(model.training).toBe(true);
  });

  it("predict concatenates batches, turns Dropout off and restores training mode", () => {
    const rng = new Generator(12);
    const model = new Sequential(new Dense(3, 8, { rng }), new Dropout(0.5, { rng }), new Dense(8, 2, { rng }));
    const out = predict(model, regression.x, { batchSize: 3 });
    expect(out.shape).toEqual([10, 2]);
    expect(out.requiresGrad).toBe(false);
    model.eval();
    const reference = model.forward(regression.x);
    model.train();
    expect(Array.from(out.data)).toEqual(Array.from(reference.data));
    expect(model.training).toBe(true);
    expect(() => predict(model, regression.x, { batchSize: 0 })).toThrow("predict: batchSize must be a positive integer, got 0");
  });
});

describe("metrics", () => {
  const acc = (o: Tensor, t: Tensor): number => {
    const { total, count } = accuracy.compute(o, t);
    return total / count;
  };

  it("binaryAccuracy, mse and mae are element-wise", () => {
    const o = tensor([[1, -1], [0, 3]]);
    const t = tensor([[1, 1], [0, 2]]);
    expect(binaryAccuracy.compute(o, t)).toEqual({ total: 3, count: 4 });
    expect(mse.compute(o, t)).toEqual({ total: 0 + 4 + 0 + 1, count: 4 });
    expect(mae.compute(o, t)).toEqual({ total: 0 + 2 + 0 + 1, count: 4 });
    expect(() => mse.compute(o, tensor([1]))).toThrow("mse: output [2,2] and target [1] differ in size");
  });

  it("accuracy takes the argmax of multi-class outputs against labels or one-hot targets", () => {
    const logits = tensor([[1, 2, 0], [3, 1, 1], [0, 0, 5], [2, 2, 1]]);
    expect(acc(logits, tensor([1, 0, 1, 0]))).toBe(0.75); // ties pick the first index
    expect(acc(logits, tensor([[0, 1, 0], [1, 0, 0], [0, 1, 0], [1, 0, 0]]))).toBe(0.75);
  });

  it("accuracy thresholds a single output column at 0 against {0, 1} targets", () => {
    expect(acc(tensor([[2], [-1], [0], [0.5]]), tensor([[1], [0], [0], [0]]))).toBe(0.75); // logit 0 → class 0
    expect(acc(tensor([2, -1]), tensor([1, 1]))).toBe(0.5);
  });

  it("names both shapes when they do not fit", () => {
    expect(() => acc(tensor([[1, 2], [3, 4]]), tensor([[1, 0, 0], [0, 1, 0]]))).toThrow("accuracy: output [2,2] needs 2 integer labels or [2,2] probabilities, got target [2,3]");
  });
});
