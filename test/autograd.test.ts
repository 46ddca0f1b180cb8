import { describe, expect, it } from "vitest";
import { findNonFinite } from "../src/autograd/anomaly.js";
import { defineUnaryOp } from "../src/autograd/define-op.js";
import { graphSize } from "../src/autograd/engine.js";
import { gradcheck } from "../src/autograd/gradcheck.js";
import { isGradEnabled, noGrad } from "../src/autograd/grad-mode.js";
import { linear, matmul } from "../src/autograd/ops/matmul.js";
import { logSoftmax, softmax } from "../src/autograd/ops/softmax.js";
import { sum } from "../src/autograd/ops/reduce.js";
import { exp, log, sqrt } from "../src/autograd/ops/unary.js";
import { randn, tensor } from "../src/tensor/creation.js";
import { generator } from "../src/tensor/random.js";
import { assertAllClose, randomTensor } from "./helpers/index.js";

describe("backward()", () => {
  it("computes the gradient of a scalar and accumulates across calls until zeroGrad", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([2, 4, 6]);
    x.mul(x).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([4, 8, 12]);
    x.zeroGrad();
    expect(Array.from(x.grad!.data)).toEqual([0, 0, 0]);
  });

  it("sums gradients over fan-out (a tensor used twice)", () => {
    const x = tensor([3], { requiresGrad: true, dtype: "float64" });
    const y = x.mul(2);
    y.add(y).mul(y).sum().backward(); // (2y)·y = 2y² = 8x² → 16x
    expect(x.grad!.item()).toBe(48);
  });

  it("needs an explicit gradient for a non-scalar root, and says so", () => {
    const x = tensor([[1, 2, 3]], { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow(
      "backward: a gradient can be created implicitly only for a one-element output, got shape [1,3]; pass backward(gradient) with a tensor of that shape",
    );
    x.mul(2).backward(tensor([[1, 0, -1]]));
    expect(Array.from(x.grad!.data)).toEqual([2, 0, -2]);
    expect(() => x.mul(2).backward(tensor([1, 2]))).toThrow("backward: gradient shape [2] does not match output shape [1,3]");
  });

  it("throws for a tensor without a graph", () => {
    expect(() => tensor([1]).backward()).toThrow(/backward: this tensor does not require grad/);
  });

  it("frees the graph after backward", () => {
    const w = randomTensor([3, 2], 1);
    const x = randomTensor([4, 3], 2, { requiresGrad: false });
    const loss = sum(exp(matmul(x, w)));
    expect(graphSize(loss)).toBe(3);
    loss.backward();
    expect(graphSize(loss)).toBe(0);
    expect(loss.node).toBeNull();
  });

  it("throws on a second backward through a freed graph, and allows it with retainGraph", () => {
    const x = tensor([2], { requiresGrad: true, dtype: "float64" });
    const y = x.mul(x).sum();
    y.backward();
    expect(() => y.backward()).toThrow(/backward: the graph behind this tensor was freed by an earlier backward\(\)/);
    const shared = x.mul(3);
    shared.sum().backward();
    expect(() => shared.mul(2).sum().backward()).toThrow(/freed by an earlier backward/);

    x.grad = null;
    const z = x.mul(x).sum();
    z.backward(null, { retainGraph: true });
    z.backward();
    expect(x.grad!.item()).toBe(8);
  });

  it("backpropagates through a 100 000-op chain without recursion", () => {
    const x = tensor([1], { requiresGrad: true, dtype: "float64" });
    let y = x;
    for (let i = 0; i < 100_000; i++) y = y.mul(1.000001);
    y.sum().backward();
    expect(x.grad!.item()).toBeCloseTo(Math.pow(1.000001, 100_000), 9);
  });

  it("records nothing inside noGrad, restores the mode even when fn throws", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
    expect(() =>
      noGrad(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(isGradEnabled()).toBe(true);
  });

  it("detach() cuts the graph; requiresGrad_ switches leaves only", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const d = x.mul(2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.node).toBeNull();
    expect(tensor([1]).requiresGrad_().requiresGrad).toBe(true);
    expect(() => x.mul(2).requiresGrad_(false)).toThrow(/requiresGrad_: only leaf tensors/);
  });

  it("does not compute the gradient of inputs that do not require grad", () => {
    const x = randomTensor([4, 3], 3, { requiresGrad: false });
    const w = randomTensor([2, 3], 4);
    linear(x, w).sum().backward();
    expect(x.grad).toBeNull();
    expect(w.grad).not.toBeNull();
  });
});

describe("gradcheck", () => {
  it("passes a correct op and returns true", () => {
    expect(gradcheck((x) => sqrt(x).mul(log(x)), [randomTensor([5], 5, { low: 0.5, high: 2 })])).toBe(true);
  });

  it("catches a backward that ignores the incoming gradient", () => {
    const broken = defineUnaryOp({
      name: "brokenSquare",
      forward(x, y) {
        for (let i = 0; i < x.length; i++) y[i] = x[i] * x[i];
      },
      backward(x, _y, _gy, gx) {
        for (let i = 0; i < x.length; i++) gx[i] = 2 * x[i]; // bug: forgot · gy[i]
      },
    });
    expect(() => gradcheck((x) => broken(x), [randomTensor([4], 23)])).toThrow(
      /^gradcheck: input 0 \(shape \[4\]\) element 0 \(index \[0\]\): analytic gradient .* but numeric/,
    );
    expect(gradcheck((x) => broken(x), [randomTensor([4], 23)], { raiseOnFailure: false })).toBe(false);
  });

  it("checks params the function closes over, and names them", () => {
    const w = randomTensor([3], 7);
    expect(gradcheck((x) => x.mul(w), [randomTensor([3], 8)], { params: [w] })).toBe(true);
    const frozen = defineUnaryOp({
      name: "noGradToInput",
      forward(x, y) {
        y.set(x);
      },
      backward(_x, _y, _gy, gx) {
        gx.fill(0);
      },
    });
    expect(() => gradcheck((x) => x.mul(frozen(w)), [randomTensor([3], 8)], { params: [w] })).toThrow(/gradcheck: param 0/);
  });

  it("refuses float32 inputs and non-leaves", () => {
    expect(() => gradcheck((x) => x, [randn([2])])).toThrow('gradcheck: input 0 is float32; gradcheck needs float64 (use .to("float64") on a leaf)');
    const nonLeaf = randomTensor([2], 1).mul(2);
    expect(() => gradcheck((x) => x, [nonLeaf])).toThrow("gradcheck: input 0 is not a leaf tensor");
  });
});

describe("float32 and float64 agree", () => {
  it("forward results of a small network agree to float32 precision", () => {
    const x64 = randn([8, 5], { dtype: "float64", rng: generator(1) });
    const w64 = randn([4, 5], { dtype: "float64", rng: generator(2) });
    const b64 = randn([4], { dtype: "float64", rng: generator(3) });
    const run = (x: typeof x64, w: typeof x64, b: typeof x64) => softmax(exp(linear(x, w, b).mul(0.3)).sub(1), 1);
    const y64 = run(x64, w64, b64);
    const y32 = run(x64.to("float32"), w64.to("float32"), b64.to("float32"));
    expect(y32.dtype).toBe("float32");
    assertAllClose(y32.data, y64.data, { atol: 1e-6, rtol: 1e-5 });
    assertAllClose(logSoftmax(x64.to("float32")).data, logSoftmax(x64).data, { atol: 1e-6, rtol: 1e-6 });
  });
});

describe("findNonFinite", () => {
  it("names the first op that turned finite inputs into NaN or ±∞", () => {
    const x = tensor([1, -1, 2], { requiresGrad: true, dtype: "float64" });
    const y = exp(log(x).mul(2)).sum();
    const origin = findNonFinite(y)!;
    expect(origin.op).toBe("log");
    expect(origin.index).toBe(1);
    expect(origin.message).toBe("log turned finite inputs ([3]) into NaN at element 1 of its output [3]");
    expect(findNonFinite(exp(x.mul(1000)).sum())?.op).toBe("exp");
  });

  it("returns null when the non-finite value came in with an input, or all is finite", () => {
    const x = tensor([1, NaN], { requiresGrad: true });
    expect(findNonFinite(x.mul(2).sum())).toBeNull();
    expect(findNonFinite(tensor([1, 2], { requiresGrad: true }).mul(2).sum())).toBeNull();
  });
});
