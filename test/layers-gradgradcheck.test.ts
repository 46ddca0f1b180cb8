// Second derivatives through layers and losses whose nodes are fused or hand-written:
// the fused cross-entropy, BCE-with-logits, Huber, Dropout, Dense with every fused
// activation, KANLinear (spline op and basis), a KAN after updateGrid.
import { describe, expect, it } from "vitest";
import { gradgradcheck } from "../src/autograd/gradcheck.js";
import { gradOf } from "../src/autograd/grad.js";
import { Dense } from "../src/layers/dense.js";
import { Dropout } from "../src/layers/dropout.js";
import { KANLinear } from "../src/layers/kan-linear.js";
import { KAN } from "../src/layers/kan.js";
import { bceWithLogitsLoss } from "../src/losses/bce-with-logits.js";
import { crossEntropyLoss } from "../src/losses/cross-entropy.js";
import { huberLoss } from "../src/losses/huber.js";
import { mseLoss } from "../src/losses/mse.js";
import { nllLoss } from "../src/losses/nll.js";
import { Generator } from "../src/tensor/random.js";
import { Tensor } from "../src/tensor/tensor.js";
import { randomTensor } from "./helpers/index.js";

const constant = (shape: number[], seed: number, opts: Parameters<typeof randomTensor>[2] = {}) =>
  randomTensor(shape, seed, { ...opts, requiresGrad: false });

describe("gradgradcheck of the losses", () => {
  it("crossEntropyLoss with labels (fused node), mean / sum / none", () => {
    for (const reduction of ["mean", "sum", "none"] as const) {
      expect(gradgradcheck((x) => crossEntropyLoss(x, [2, 0, 1], { reduction }), [randomTensor([3, 4], 1)])).toBe(true);
    }
  });

  it("crossEntropyLoss with class weights and label smoothing", () => {
    const weight = constant([4], 2, { low: 0.5, high: 2 });
    const f = (x: Tensor) => crossEntropyLoss(x, [2, 0, 3], { weight, labelSmoothing: 0.1 });
    expect(gradgradcheck(f, [randomTensor([3, 4], 3)])).toBe(true);
  });

  it("crossEntropyLoss with class probabilities", () => {
    const q = constant([3, 4], 4, { low: 0, high: 1 }).softmax();
    expect(gradgradcheck((x) => crossEntropyLoss(x, q), [randomTensor([3, 4], 5)])).toBe(true);
  });

  it("bceWithLogitsLoss w.r.t. logits, target and a posWeight tensor; and a number posWeight", () => {
    const f = (x: Tensor, t: Tensor, p: Tensor) => bceWithLogitsLoss(x, t, { posWeight: p });
    expect(gradgradcheck(f, [randomTensor([2, 3], 6), randomTensor([2, 3], 7, { low: 0, high: 1 }), randomTensor([3], 8, { low: 0.5, high: 2 })])).toBe(true);
    expect(gradgradcheck((x, t) => bceWithLogitsLoss(x, t, { posWeight: 1.7, reduction: "sum" }), [randomTensor([4], 9), randomTensor([4], 10, { low: 0, high: 1 })])).toBe(true);
  });

  it("huberLoss w.r.t. input and target, away from |d| = δ", () => {
    const x = randomTensor([2, 3], 11, { low: -3, high: 3 });
    const t = constant([2, 3], 12);
    for (let i = 0; i < x.size; i++) if (Math.abs(Math.abs(x.data[i] - t.data[i]) - 1) < 0.05) x.data[i] += 0.2;
    expect(gradgradcheck((a, b) => huberLoss(a, b).mul(huberLoss(a, b)), [x, t.detach()])).toBe(true);
  });

  it("mseLoss and nllLoss", () => {
    expect(gradgradcheck((a, b) => mseLoss(a, b).pow(2), [randomTensor([2, 3], 13), randomTensor([2, 3], 14)])).toBe(true);
    expect(gradgradcheck((x) => nllLoss(x.logSoftmax(), [1, 0]), [randomTensor([2, 3], 15)])).toBe(true);
  });
});

describe("gradgradcheck of layers", () => {
  for (const activation of [null, "relu", "tanh", "sigmoid", "gelu", "silu", "elu", "selu", "softplus", "mish"]) {
    it(`Dense with ${activation ?? "no"} activation (fused node → composed form)`, () => {
      const layer = new Dense(3, 2, { activation, rng: new Generator(20), dtype: "float64" });
      const x = randomTensor([4, 3], 21, { minAbs: 0.05 });
      // Squared so that even the linear layer has a second derivative.
      expect(gradgradcheck((v) => layer.forward(v).pow(2), [x], { params: layer.parameters() })).toBe(true);
    });
  }

  it("Dropout (training, seeded)", () => {
    // A fresh layer with the same seed on every call, so every call draws the same mask.
    const f = (x: Tensor) => {
      const y = new Dropout(0.4, { rng: new Generator(3) }).forward(x);
      return y.mul(y);
    };
    expect(gradgradcheck(f, [randomTensor([3, 4], 22)])).toBe(true);
  });

  for (const [label, options] of [
    ["cubic, standalone scaler", {}],
    ["quadratic, no standalone scaler, G=4", { enableStandaloneScaleSpline: false, splineOrder: 2, gridSize: 4 }],
    ["linear splines", { splineOrder: 1 }],
  ] as const) {
    it(`KANLinear (${label}) w.r.t. input and every parameter`, () => {
      const layer = new KANLinear(2, 2, { ...options, dtype: "float64", rng: new Generator(30) });
      const rng = new Generator(31);
      for (let q = 0; q < layer.splineWeight.size; q++) layer.splineWeight.data[q] = rng.normal();
      const x = randomTensor([3, 2], 32, { low: -0.9, high: 0.9 });
      expect(gradgradcheck((v) => layer.forward(v), [x], { params: layer.parameters() })).toBe(true);
    });
  }

  it("a KAN after updateGrid: second derivatives w.r.t. the input (a PDE's Laplacian)", () => {
    const kan = new KAN([2, 3, 1], { dtype: "float64", rng: new Generator(40) });
    kan.updateGrid(randomTensor([16, 2], 41, { low: -0.8, high: 0.8, requiresGrad: false }));
    const x = randomTensor([4, 2], 42, { low: -0.7, high: 0.7 });
    expect(gradgradcheck((v) => kan.forward(v), [x], { params: kan.parameters() })).toBe(true);
    // ∂²u/∂x² through the spline op equals finite differences of ∂u/∂x.
    const d2 = (v: Tensor) => {
      const xv = new Tensor(v.data.slice(), v.shape, { requiresGrad: true });
      const [g] = gradOf(kan.forward(xv).sum(), [xv], { createGraph: true });
      const [h] = gradOf(g!.slice(1, 0, 1).sum(), [xv]);
      return h!.data;
    };
    const first = (v: Tensor) => {
      const xv = new Tensor(v.data.slice(), v.shape, { requiresGrad: true });
      return gradOf(kan.forward(xv).sum(), [xv])[0]!.data;
    };
    const eps = 1e-5;
    const plus = x.detach();
    const minus = x.detach();
    const p = new Tensor(plus.data.slice(), plus.shape);
    const m = new Tensor(minus.data.slice(), minus.shape);
    for (let b = 0; b < 4; b++) {
      p.data[b * 2] += eps;
      m.data[b * 2] -= eps;
    }
    const analytic = d2(x);
    const fp = first(p);
    const fm = first(m);
    for (let b = 0; b < 4; b++) expect(analytic[b * 2]).toBeCloseTo((fp[b * 2] - fm[b * 2]) / (2 * eps), 5);
  });
});
