import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { gradcheck } from "../src/autograd/gradcheck.js";
import { randn, tensor } from "../src/tensor/creation.js";
import type { DType } from "../src/tensor/dtype.js";
import { generator } from "../src/tensor/random.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { bceWithLogitsLoss } from "../src/losses/bce-with-logits.js";
import { crossEntropyLoss } from "../src/losses/cross-entropy.js";
import { huberLoss } from "../src/losses/huber.js";
import { mseLoss } from "../src/losses/mse.js";
import { nllLoss } from "../src/losses/nll.js";

// tfjs is the reference here; production mode keeps its "looks like you are running TensorFlow.js in
// Node.js" banner out of the test output (bench/tfjs-setup.ts does the same).
tf.env().set("PROD", true);

function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-12, rtol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const ok = Math.abs(actual[i] - expected[i]) <= atol + rtol * Math.abs(expected[i]);
    if (!ok) throw new Error(`element ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

const f64 = (v: number[] | number[][], requiresGrad = false): Tensor => tensor(v, { dtype: "float64", requiresGrad });
const rnd = (shape: number[], seed: number): Tensor => randn(shape, { dtype: "float64", rng: generator(seed) });
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const grad = (t: Tensor): ArrayLike<number> => {
  if (t.grad === null) throw new Error("no grad");
  return t.grad.data;
};

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("mseLoss", () => {
  it("matches the closed form for every reduction", () => {
    const x = f64([1, -2, 3.5]);
    const t = f64([0.5, 1, 3]);
    const sq = [0.25, 9, 0.25];
    assertAllClose(mseLoss(x, t, { reduction: "none" }).data, sq);
    expect(mseLoss(x, t, { reduction: "sum" }).item()).toBe(9.5);
    expect(mseLoss(x, t).item()).toBeCloseTo(9.5 / 3, 15);
  });

  it("gradchecks with respect to input and target", () => {
    gradcheck((x, t) => mseLoss(x, t), [rnd([2, 3], 1), rnd([2, 3], 2)]);
    gradcheck((x, t) => mseLoss(x, t, { reduction: "none" }), [rnd([4], 3), rnd([4], 4)]);
  });

  it("rejects mismatched shapes, dtypes and reductions, naming them", () => {
    expect(() => mseLoss(f64([1, 2]), f64([[1, 2]]))).toThrow("mseLoss: input shape [2] does not match target shape [1,2]");
    expect(() => mseLoss(f64([1]), tensor([1]))).toThrow("mseLoss: input is float64 but target is float32");
    // @ts-expect-error an invalid reduction
    expect(() => mseLoss(f64([1]), f64([1]), { reduction: "avg" })).toThrow('mseLoss: invalid reduction "avg"; expected "mean", "sum" or "none"');
  });
});

describe("bceWithLogitsLoss", () => {
  const xs = [-3, -0.5, 0, 0.7, 2.5, 4];
  const ts = [0, 1, 0.3, 1, 0, 0.8];

  it("matches −[t·log σ(x) + (1 − t)·log(1 − σ(x))] and its gradient σ(x) − t", () => {
    const x = f64(xs, true);
    const out = bceWithLogitsLoss(x, f64(ts), { reduction: "none" });
    assertAllClose(out.data, xs.map((v, i) => -(ts[i] * Math.log(sigmoid(v)) + (1 - ts[i]) * Math.log(1 - sigmoid(v)))), 1e-14, 1e-13);
    bceWithLogitsLoss(x, f64(ts)).backward();
    assertAllClose(grad(x), xs.map((v, i) => (sigmoid(v) - ts[i]) / xs.length), 1e-15, 1e-13);
  });

  it("matches the 50-digit reference values for targets 0 and 1", () => {
    type Ref = Record<string, { points: { x: number; f: number; df: number }[] }>;
    const ref = JSON.parse(readFileSync(new URL("./fixtures/activation_reference.json", import.meta.url), "utf8")) as Ref;
    for (const [key, target] of [["bce_with_logits_target1", 1], ["bce_with_logits_target0", 0]] as const) {
      const pts = ref[key].points;
      const x = f64(pts.map((p) => p.x), true);
      const out = bceWithLogitsLoss(x, f64(pts.map(() => target)), { reduction: "none" });
      assertAllClose(out.data, pts.map((p) => p.f), 0, 1e-14);
      bceWithLogitsLoss(x, f64(pts.map(() => target)), { reduction: "sum" }).backward();
      assertAllClose(grad(x), pts.map((p) => p.df), 0, 1e-14);
    }
  });

  it("applies posWeight as PyTorch: −[p·t·log σ(x) + (1 − t)·log(1 − σ(x))], gradient (1 + (p − 1)t)σ(x) − p·t", () => {
    const p = [2, 0.5, 3];
    const x = f64([[0.3, -1.2, 2], [-0.4, 0.9, -2.2]], true);
    const t = f64([[1, 0, 0.5], [0.2, 1, 1]]);
    const out = bceWithLogitsLoss(x, t, { reduction: "none", posWeight: f64(p) });
    const xv = Array.from(x.data);
    const tv = Array.from(t.data);
    const pv = [...p, ...p];
    assertAllClose(out.data, xv.map((v, i) => -(pv[i] * tv[i] * Math.log(sigmoid(v)) + (1 - tv[i]) * Math.log(1 - sigmoid(v)))), 1e-14, 1e-13);
    bceWithLogitsLoss(x, t, { reduction: "sum", posWeight: f64(p) }).backward();
    assertAllClose(grad(x), xv.map((v, i) => (1 + (pv[i] - 1) * tv[i]) * sigmoid(v) - pv[i] * tv[i]), 1e-15, 1e-13);
    const scalar = bceWithLogitsLoss(x, t, { reduction: "none", posWeight: 2 });
    assertAllClose(scalar.data, xv.map((v, i) => -(2 * tv[i] * Math.log(sigmoid(v)) + (1 - tv[i]) * Math.log(1 - sigmoid(v)))), 1e-14, 1e-13);
  });

  it("gradchecks with respect to logits, target and posWeight", () => {
    const t = randn([2, 3], { dtype: "float64", rng: generator(5) });
    for (let i = 0; i < t.size; i++) t.data[i] = sigmoid(t.data[i]);
    gradcheck((x, tt, p) => bceWithLogitsLoss(x, tt, { posWeight: p }), [rnd([2, 3], 6), t, f64([1.5, 0.5, 2])]);
    gradcheck((x, tt) => bceWithLogitsLoss(x, tt, { reduction: "sum" }), [rnd([5], 7), f64([0, 1, 0.5, 0.2, 1])]);
  });

  it("stays finite and exact at logits ±1e4, in float64 and float32", () => {
    for (const dtype of ["float64", "float32"] as DType[]) {
      const x = tensor([1e4, -1e4, 1e4, -1e4], { dtype, requiresGrad: true });
      const t = tensor([1, 0, 0, 1], { dtype });
      expect(Array.from(bceWithLogitsLoss(x, t, { reduction: "none" }).data)).toEqual([0, 0, 1e4, 1e4]);
      bceWithLogitsLoss(x, t, { reduction: "sum", posWeight: 3 }).backward();
      expect(Array.from(grad(x))).toEqual([0, 0, 1, -3]);
    }
  });

  it("agrees with tfjs sigmoidCrossEntropy", () => {
    const xs2 = [-2, -0.3, 0.1, 1.7, 3, -4];
    const ts2 = [0, 1, 1, 0, 1, 0];
    const ours = bceWithLogitsLoss(tensor(xs2), tensor(ts2)).item();
    const theirs = tf.losses.sigmoidCrossEntropy(tf.tensor(ts2), tf.tensor(xs2)).dataSync()[0];
    expect(Math.abs(ours - theirs)).toBeLessThan(1e-6);
  });

  it("rejects mismatched shapes, a bad posWeight and invalid reductions", () => {
    expect(() => bceWithLogitsLoss(f64([1, 2, 3]), f64([1, 0]))).toThrow("bceWithLogitsLoss: logits shape [3] does not match target shape [2]");
    expect(() => bceWithLogitsLoss(f64([[1, 2]]), f64([[1, 0]]), { posWeight: f64([1, 2, 3]) })).toThrow(
      "bceWithLogitsLoss: cannot broadcast [3] with [1,2]",
    );
    expect(() => bceWithLogitsLoss(f64([1, 2]), f64([1, 0]), { posWeight: f64([[1], [2]]) })).toThrow(
      "bceWithLogitsLoss: posWeight shape [2,1] does not broadcast to logits shape [2]",
    );
    expect(() => bceWithLogitsLoss(f64([1]), f64([1]), { posWeight: NaN })).toThrow("bceWithLogitsLoss: posWeight must be finite, got NaN");
    // @ts-expect-error an invalid reduction
    expect(() => bceWithLogitsLoss(f64([1]), f64([1]), { reduction: null })).toThrow('bceWithLogitsLoss: invalid reduction null');
  });
});

/** −log softmax(row)[k], by the closed form. */
function nlogp(row: number[], k: number): number {
  return -(row[k] - Math.log(row.reduce((s, v) => s + Math.exp(v), 0)));
}

describe("crossEntropyLoss", () => {
  const rows = [[1, 2, 3], [1, 1, 1], [-0.5, 2, 0.25]];
  const labels = [2, 0, 1];

  it("matches −log softmax(x)[y] for labels given as a tensor, a number[] or an Int32Array", () => {
    const expected = labels.map((y, n) => nlogp(rows[n], y));
    expect(nlogp(rows[1], 0)).toBeCloseTo(Math.log(3), 15);
    for (const target of [f64(labels), labels, Int32Array.from(labels)]) {
      assertAllClose(crossEntropyLoss(f64(rows), target, { reduction: "none" }).data, expected, 1e-15, 1e-14);
      assertAllClose([crossEntropyLoss(f64(rows), target).item()], [expected.reduce((a, b) => a + b) / 3], 1e-15, 1e-14);
      assertAllClose([crossEntropyLoss(f64(rows), target, { reduction: "sum" }).item()], [expected.reduce((a, b) => a + b)], 1e-15, 1e-14);
    }
  });

  it("has gradient softmax(x) − onehot(y) (divided by N for the mean)", () => {
    const x = f64(rows, true);
    crossEntropyLoss(x, labels).backward();
    const expected: number[] = [];
    rows.forEach((r, n) => {
      const z = r.reduce((s, v) => s + Math.exp(v), 0);
      r.forEach((v, c) => expected.push((Math.exp(v) / z - (c === labels[n] ? 1 : 0)) / 3));
    });
    assertAllClose(grad(x), expected, 1e-16, 1e-13);
  });

  it("weights classes and normalises the mean by Σ w[y], as PyTorch", () => {
    const w = [0.2, 1.5, 3];
    const per = labels.map((y, n) => w[y] * nlogp(rows[n], y));
    assertAllClose(crossEntropyLoss(f64(rows), labels, { weight: f64(w), reduction: "none" }).data, per, 1e-15, 1e-14);
    const mean = crossEntropyLoss(f64(rows), labels, { weight: f64(w) }).item();
    assertAllClose([mean], [per.reduce((a, b) => a + b) / (w[2] + w[0] + w[1])], 1e-15, 1e-14);
  });

  it("smooths labels: (1 − ε)·nll + ε/C·Σ_c w_c·(−log p_c)", () => {
    const eps = 0.1;
    const w = [0.2, 1.5, 3];
    const per = labels.map((y, n) => {
      let smooth = 0;
      for (let c = 0; c < 3; c++) smooth += w[c] * nlogp(rows[n], c);
      return (1 - eps) * w[y] * nlogp(rows[n], y) + (eps / 3) * smooth;
    });
    const denom = w[2] + w[0] + w[1];
    const got = crossEntropyLoss(f64(rows), labels, { weight: f64(w), labelSmoothing: eps }).item();
    assertAllClose([got], [per.reduce((a, b) => a + b) / denom], 1e-15, 1e-14);
    const plain = crossEntropyLoss(f64(rows), labels, { labelSmoothing: eps, reduction: "none" });
    assertAllClose(
      plain.data,
      labels.map((y, n) => (1 - eps) * nlogp(rows[n], y) + (eps / 3) * [0, 1, 2].reduce((s, c) => s + nlogp(rows[n], c), 0)),
      1e-15,
      1e-14,
    );
  });

  it("accepts class probabilities [N, C] (mean divides by N)", () => {
    const q = [[0.1, 0.2, 0.7], [1, 0, 0], [0.3, 0.3, 0.4]];
    const w = [1, 2, 0.5];
    const per = q.map((qn, n) => qn.reduce((s, v, c) => s + w[c] * ((1 - 0.2) * v + 0.2 / 3) * nlogp(rows[n], c), 0));
    const got = crossEntropyLoss(f64(rows), f64(q), { weight: f64(w), labelSmoothing: 0.2 }).item();
    assertAllClose([got], [per.reduce((a, b) => a + b) / 3], 1e-15, 1e-14);
    // hard probabilities equal integer labels
    const oneHot = f64(labels.map((y) => [0, 1, 2].map((c) => (c === y ? 1 : 0))));
    assertAllClose([crossEntropyLoss(f64(rows), oneHot).item()], [crossEntropyLoss(f64(rows), labels).item()], 1e-15, 1e-14);
  });

  it("gradchecks for labels, smoothing with weights, and probabilities (also w.r.t. the target)", () => {
    gradcheck((x) => crossEntropyLoss(x, [0, 2, 1, 1]), [rnd([4, 3], 11)]);
    gradcheck((x) => crossEntropyLoss(x, [0, 2, 1, 1], { labelSmoothing: 0.15, weight: f64([0.5, 2, 1]) }), [rnd([4, 3], 12)]);
    gradcheck((x, q) => crossEntropyLoss(x, q, { reduction: "sum", labelSmoothing: 0.1 }), [rnd([2, 4], 13), rnd([2, 4], 14)]);
    gradcheck((x) => crossEntropyLoss(x, [3, 1], { reduction: "none" }), [rnd([2, 4], 15)]);
  });

  it("stays finite at logits ±1e4", () => {
    for (const dtype of ["float64", "float32"] as DType[]) {
      const x = tensor([[1e4, -1e4, 0], [-1e4, 1e4, 1e4]], { dtype, requiresGrad: true });
      const loss = crossEntropyLoss(x, [1, 0], { reduction: "sum" });
      assertAllClose([loss.item()], [2e4 + 2e4 + Math.log(2)], 0, dtype === "float32" ? 1e-7 : 1e-15);
      loss.backward();
      assertAllClose(grad(x), [1, -1, 0, -1, 0.5, 0.5], 1e-7, 0);
    }
  });

  it("agrees with tfjs softmaxCrossEntropy (with label smoothing)", () => {
    const oneHot = labels.map((y) => [0, 1, 2].map((c) => (c === y ? 1 : 0)));
    const theirs = tf.losses.softmaxCrossEntropy(tf.tensor(oneHot), tf.tensor(rows), undefined, 0.1).dataSync()[0];
    const ours = crossEntropyLoss(tensor(rows), labels, { labelSmoothing: 0.1 }).item();
    expect(Math.abs(ours - theirs)).toBeLessThan(1e-6);
  });

  it("rejects bad labels, naming the label and its position", () => {
    expect(() => crossEntropyLoss(f64(rows), [2, 3, 0])).toThrow("crossEntropyLoss: label 3 at position 1 is out of range [0, 3)");
    expect(() => crossEntropyLoss(f64(rows), [2, -1, 0])).toThrow("crossEntropyLoss: label -1 at position 1 is out of range [0, 3)");
    expect(() => crossEntropyLoss(f64(rows), f64([0, 1, 1.5]))).toThrow("crossEntropyLoss: label 1.5 at position 2 is not an integer class index");
    expect(() => crossEntropyLoss(f64(rows), [0, NaN, 1])).toThrow("crossEntropyLoss: label NaN at position 1 is not an integer class index");
    expect(() => crossEntropyLoss(f64(rows), [0, 1])).toThrow("crossEntropyLoss: 2 labels for an input of shape [3,3] (3 rows)");
  });

  it("rejects bad shapes and options, naming them", () => {
    expect(() => crossEntropyLoss(f64([1, 2]), [0])).toThrow("crossEntropyLoss: logits must have shape [N, C], got [2]");
    expect(() => crossEntropyLoss(f64(rows), f64([[1, 0, 0]]))).toThrow(
      "crossEntropyLoss: logits shape [3,3] does not match target probabilities shape [1,3]",
    );
    expect(() => crossEntropyLoss(f64(rows), labels, { labelSmoothing: 1.5 })).toThrow("crossEntropyLoss: labelSmoothing must be in [0, 1], got 1.5");
    expect(() => crossEntropyLoss(f64(rows), labels, { weight: f64([1, 2]) })).toThrow("crossEntropyLoss: weight must have shape [C] = [3], got [2]");
    // @ts-expect-error an invalid reduction
    expect(() => crossEntropyLoss(f64(rows), labels, { reduction: "max" })).toThrow('crossEntropyLoss: invalid reduction "max"');
  });
});

describe("nllLoss", () => {
  it("picks −logProbs[n, yₙ] and has gradient −1/N there", () => {
    const lp = f64([[-1, -2], [-3, -4]], true);
    expect(nllLoss(lp, [0, 1]).item()).toBe(2.5);
    assertAllClose(nllLoss(lp, [1, 1], { reduction: "none" }).data, [2, 4]);
    expect(nllLoss(lp, [1, 0], { reduction: "sum" }).item()).toBe(5);
    nllLoss(lp, [0, 1]).backward();
    expect(Array.from(grad(lp))).toEqual([-0.5, 0, 0, -0.5]);
  });

  it("is not poisoned by −∞ log-probabilities of other classes", () => {
    expect(nllLoss(f64([[-Infinity, -0.5]]), [1]).item()).toBe(0.5);
  });

  it("gradchecks and rejects bad labels", () => {
    gradcheck((x) => nllLoss(x, [2, 0, 1]), [rnd([3, 3], 21)]);
    expect(() => nllLoss(f64([[-1, -2]]), [2])).toThrow("nllLoss: label 2 at position 0 is out of range [0, 2)");
    expect(() => nllLoss(f64([[-1, -2]]), f64([[0]]))).toThrow("nllLoss: label tensor must have shape [N] = [1], got [1,1]");
  });
});

describe("huberLoss", () => {
  it("is ½d² inside δ and δ(|d| − ½δ) outside, with gradient clamp(d, −δ, δ)", () => {
    const x = f64([0.5, 3, -4, -0.2, 2], true);
    const t = f64([0, 0, 0, 0, 0]);
    assertAllClose(huberLoss(x, t, { reduction: "none" }).data, [0.125, 2.5, 3.5, 0.02, 1.5], 1e-16, 1e-15);
    assertAllClose(huberLoss(x, t, { delta: 2, reduction: "none" }).data, [0.125, 4, 6, 0.02, 2], 1e-16, 1e-15);
    huberLoss(x, t, { delta: 2, reduction: "sum" }).backward();
    expect(Array.from(grad(x))).toEqual([0.5, 2, -2, -0.2, 2]); // |d| = δ gives ±δ, both pieces agree
    expect(huberLoss(x, t).item()).toBeCloseTo((0.125 + 2.5 + 3.5 + 0.02 + 1.5) / 5, 15);
  });

  it("gradchecks with respect to input and target (away from |d| = δ)", () => {
    gradcheck((x, t) => huberLoss(x, t, { delta: 0.7 }), [rnd([2, 4], 31), rnd([2, 4], 32)]);
  });

  it("rejects a bad delta and mismatched shapes", () => {
    expect(() => huberLoss(f64([1]), f64([1]), { delta: 0 })).toThrow("huberLoss: delta must be a finite number > 0, got 0");
    expect(() => huberLoss(f64([1, 2]), f64([1]))).toThrow("huberLoss: input shape [2] does not match target shape [1]");
  });
});

describe("the TSDoc examples hold", () => {
  it("mseLoss, huberLoss, nllLoss, crossEntropyLoss and bceWithLogitsLoss", () => {
    expect(mseLoss(tensor([1, 2]), tensor([0, 0])).item()).toBe(2.5);
    expect(huberLoss(tensor([0.5, 3]), tensor([0, 0]), { reduction: "none" }).toArray()).toEqual([0.125, 2.5]);
    expect(nllLoss(tensor([[-1, -2], [-3, -4]]), [0, 1]).item()).toBe(2.5);
    expect(crossEntropyLoss(tensor([[0, 0]]), [1]).item()).toBeCloseTo(Math.LN2, 7);
    expect(bceWithLogitsLoss(tensor([0]), tensor([1])).item()).toBeCloseTo(Math.LN2, 7);
  });
});
