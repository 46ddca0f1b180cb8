// The higher-order engine (backward({ createGraph }), grad(outputs, inputs, options)) and
// the function transforms (grad, valueAndGrad, vjp, jvp, hvp, jacobian, hessian).
import { describe, expect, it } from "vitest";
import { Dense } from "../src/layers/dense.js";
import { gradOf } from "../src/autograd/grad.js";
import { grad, hessian, hvp, jacobian, jvp, valueAndGrad, vjp } from "../src/autograd/transforms.js";
import { noGrad } from "../src/autograd/grad-mode.js";
import { linearFused } from "../src/autograd/ops/linear-fused.js";
import { sigmoid, tanh, tanhEpilogue } from "../src/activations/basic.js";
import { reluEpilogue } from "../src/activations/relu-family.js";
import { defineUnaryOp } from "../src/autograd/define-op.js";
import { Generator } from "../src/tensor/random.js";
import { tensor } from "../src/tensor/creation.js";
import { Tensor } from "../src/tensor/tensor.js";
import { randomTensor } from "./helpers/index.js";

const f64 = (values: number[], requiresGrad = false) => tensor(values, { dtype: "float64", requiresGrad });
const arr = (t: Tensor | null) => Array.from(t!.data);

describe("backward({ createGraph: true })", () => {
  it("makes x.grad differentiable: d²/dx² of x³ is 6x", () => {
    const x = f64([1, 2, -3], true);
    x.pow(3).sum().backward({ createGraph: true });
    const g = x.grad!;
    expect(arr(g)).toEqual([3, 12, 27]);
    expect(g.requiresGrad).toBe(true);
    x.grad = null;
    g.sum().backward();
    expect(arr(x.grad)).toEqual([6, 12, -18]);
  });

  it("accumulates into an existing grad, and keeps the graph (retainGraph defaults to true)", () => {
    const x = f64([2], true);
    const y = x.mul(x).sum();
    y.backward({ createGraph: true });
    y.backward({ createGraph: true });
    expect(arr(x.grad)).toEqual([8]);
  });

  it("leaves the fast path's results unchanged", () => {
    const make = () => randomTensor([3, 4], 1);
    const a = make();
    const b = make();
    a.exp().mul(a).softmax().max(1).sum().backward();
    b.exp().mul(b).softmax().max(1).sum().backward({ createGraph: true });
    const ga = arr(a.grad);
    arr(b.grad).forEach((v, i) => expect(v).toBeCloseTo(ga[i], 14));
  });
});

describe("grad(outputs, inputs, options) — torch.autograd.grad", () => {
  it("returns gradients without touching .grad, for leaves and intermediate tensors", () => {
    const x = f64([1, 2], true);
    const h = x.mul(3);
    const y = h.pow(2).sum();
    const [gx, gh] = grad(y, [x, h]);
    expect(arr(gx)).toEqual([18, 36]);
    expect(arr(gh)).toEqual([6, 12]);
    expect(x.grad).toBeNull();
  });

  it("takes gradOutputs for non-scalar outputs and several outputs at once", () => {
    const x = f64([1, 2], true);
    const [g] = gradOf([x.mul(2), x.pow(2)], [x], { gradOutputs: [f64([1, 1]), f64([1, 0])] });
    expect(arr(g)).toEqual([4, 2]);
  });

  it("frees the graph unless retainGraph or createGraph", () => {
    const x = f64([1], true);
    const y = x.exp().sum();
    gradOf(y, [x]);
    expect(() => gradOf(y, [x])).toThrow(/freed by an earlier backward/);
    const z = x.exp().sum();
    gradOf(z, [x], { retainGraph: true });
    expect(arr(gradOf(z, [x])[0])).toEqual([Math.E]);
  });

  it("throws for an unused input unless allowUnused, and for bad arguments", () => {
    const x = f64([1], true);
    const u = f64([1], true);
    expect(() => gradOf(x.mul(2).sum(), [x, u])).toThrow(/grad: input 1 \(shape \[1\]\) is not used.*allowUnused/);
    expect(gradOf(x.mul(2).sum(), [x, u], { allowUnused: true })[1]).toBeNull();
    expect(() => gradOf(x.mul(2).sum(), [f64([1])])).toThrow(/grad: input 0 .*does not require grad/);
    expect(() => gradOf(x.mul(2), [x], { gradOutputs: f64([1, 2]) })).toThrow(/gradient shape \[2\] does not match output shape \[1\]/);
    expect(() => gradOf(x.mul(f64([1, 2])), [x])).toThrow(/implicitly only for a one-element output, got shape \[2\]/);
  });

  it("createGraph through an op without a differentiable backward throws, naming it and what to add", () => {
    const cube = defineUnaryOp({
      name: "cube",
      forward(x, y) {
        for (let i = 0; i < x.length; i++) y[i] = x[i] ** 3;
      },
      backward(x, _y, gy, gx) {
        for (let i = 0; i < x.length; i++) gx[i] = 3 * x[i] ** 2 * gy[i];
      },
    });
    const x = f64([2], true);
    expect(arr(gradOf(cube(x).sum(), [x])[0])).toEqual([12]);
    expect(() => gradOf(cube(x).sum(), [x], { createGraph: true })).toThrow(
      /cube: this op has no differentiable backward.*declare derivative\(x, y\)/,
    );
  });
});

describe("fused kernels under createGraph fall back to their composed form", () => {
  for (const [label, epilogue] of [["linear+tanh", tanhEpilogue], ["linear+relu", reluEpilogue], ["linear", null]] as const) {
    it(`${label}: same first derivative as the fused backward, to rounding`, () => {
      const x = randomTensor([5, 3], 1, { minAbs: 0.05 });
      const w = randomTensor([4, 3], 2);
      const b = randomTensor([4], 3);
      const seed = randomTensor([5, 4], 4, { requiresGrad: false });
      const fast = gradOf(linearFused(x, w, b, epilogue), [x, w, b], { gradOutputs: seed });
      const graph = gradOf(linearFused(x, w, b, epilogue), [x, w, b], { gradOutputs: seed, createGraph: true });
      graph.forEach((g, k) => {
        arr(g).forEach((v, i) => expect(Math.abs(v - fast[k]!.data[i])).toBeLessThan(1e-13));
      });
    });
  }

  it("a Dense layer's Hessian-vector product in float64 equals finite differences of its gradient", () => {
    const layer = new Dense(3, 2, { activation: "tanh", rng: new Generator(5), dtype: "float64" });
    const x = randomTensor([4, 3], 6);
    const v = randomTensor([2, 3], 7, { requiresGrad: false });
    const loss = (w: Tensor) => {
      const saved = layer.weight.data.slice();
      layer.weight.data.set(w.data);
      const out = layer.forward(x).pow(2).sum();
      layer.weight.data.set(saved);
      return out;
    };
    const w0 = layer.weight.detach();
    const [, hv] = hvp((w: Tensor) => {
      // The fused node with the weight as the differentiated tensor.
      return linearFused(x, w, layer.bias, tanhEpilogue).pow(2).sum();
    }, w0, v);
    const eps = 1e-6;
    const gradAt = (t: number) => {
      const w = new Tensor(w0.data.map((wi, i) => wi + t * v.data[i]), w0.shape, { requiresGrad: true });
      return arr(gradOf(linearFused(x, w, layer.bias, tanhEpilogue).pow(2).sum(), [w])[0]);
    };
    const plus = gradAt(eps);
    const minus = gradAt(-eps);
    arr(hv).forEach((h, i) => expect(h).toBeCloseTo((plus[i] - minus[i]) / (2 * eps), 6));
    expect(loss(w0).item()).toBeCloseTo(linearFused(x, w0, layer.bias, tanhEpilogue).pow(2).sum().item(), 12);
  });
});

describe("function transforms", () => {
  const cube = (x: Tensor) => x.pow(3).sum();

  it("grad and nested grad", () => {
    const x = f64([1, 2, 3]);
    expect(arr(grad(cube)(x))).toEqual([3, 12, 27]);
    expect(arr(grad((t: Tensor) => grad(cube)(t).sum())(x))).toEqual([6, 12, 18]);
    expect(grad(cube)(x).requiresGrad).toBe(false);
  });

  it("grad with argnums, valueAndGrad", () => {
    const f = (a: Tensor, b: Tensor) => a.mul(b).sum();
    const [ga, gb] = grad(f, { argnums: [0, 1] })(f64([1, 2]), f64([3, 4]));
    expect(arr(ga)).toEqual([3, 4]);
    expect(arr(gb)).toEqual([1, 2]);
    expect(arr(grad(f, { argnums: 1 })(f64([1, 2]), f64([3, 4])))).toEqual([1, 2]);
    const [value, g] = valueAndGrad(cube)(f64([2]));
    expect(value.item()).toBe(8);
    expect(arr(g)).toEqual([12]);
    expect(() => grad(cube, { argnums: 2 })(f64([1]))).toThrow(/grad: argnums 2 is out of range/);
    expect(() => grad((x: Tensor) => x.mul(2))(f64([1, 2]))).toThrow(/one-element tensor, got shape \[2\]/);
  });

  it("grad keeps a graph to a module's parameters (what a PINN loss needs)", () => {
    const w = f64([0.5, -1], true);
    const u = (x: Tensor) => tanh(x.mul(w)).sum();
    const du = grad(u)(f64([0.3, 0.7]));
    expect(du.requiresGrad).toBe(true);
    du.pow(2).sum().backward();
    expect(w.grad).not.toBeNull();
    expect(noGrad(() => grad(u)(f64([0.3, 0.7]))).requiresGrad).toBe(false);
  });

  it("vjp and jvp", () => {
    const f = (x: Tensor) => x.pow(2).mul(f64([1, 3]));
    const x = f64([2, -1]);
    const [y, pullback] = vjp(f, x);
    expect(arr(y)).toEqual([4, 3]);
    expect(arr(pullback(f64([1, 1]))[0])).toEqual([4, -6]);
    expect(arr(pullback(f64([1, 0]))[0]).map((v) => v + 0)).toEqual([4, 0]);
    const [y2, t] = jvp(f, [x], [f64([1, 2])]);
    expect(arr(y2)).toEqual([4, 3]);
    expect(arr(t)).toEqual([4, -12]);
    expect(() => jvp(f, [x], [f64([1])])).toThrow(/jvp: tangent 0 must be a Tensor of its primal's shape \[2\], got \[1\]/);
  });

  it("hvp, jacobian and hessian have JAX's shapes", () => {
    const x = tensor([[0.5, -1], [2, 0.25]], { dtype: "float64" });
    const f = (t: Tensor) => t.pow(3).sum().add(t.exp().sum().pow(2));
    const H = hessian(f)(x);
    expect(H.shape).toEqual([2, 2, 2, 2]);
    const v = tensor([[1, -2], [0.5, 3]], { dtype: "float64" });
    const [value, hv] = hvp(f, x, v);
    expect(value.item()).toBeCloseTo(f(x).item(), 14);
    const Hv = H.reshape([4, 4]).matmul(v.reshape([4, 1])).reshape([2, 2]);
    arr(hv).forEach((h, i) => expect(h).toBeCloseTo(Hv.data[i], 11));
    // symmetric
    const H2 = H.reshape([4, 4]);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(H2.data[i * 4 + j]).toBeCloseTo(H2.data[j * 4 + i], 11);
    const J = jacobian((t: Tensor) => t.softmax())(f64([0.1, 0.2, 0.3]));
    expect(J.shape).toEqual([3, 3]);
    const s = f64([0.1, 0.2, 0.3]).softmax().data;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(J.data[i * 3 + j]).toBeCloseTo((i === j ? s[i] : 0) - s[i] * s[j], 14);
  });

  it("third derivatives: grad of grad of grad", () => {
    const f = (x: Tensor) => sigmoid(x).sum();
    const d3 = grad((a: Tensor) => grad((b: Tensor) => grad(f)(b).sum())(a).sum())(f64([0.3]));
    const s = 1 / (1 + Math.exp(-0.3));
    // σ‴ = σ(1−σ)(1 − 6σ + 6σ²)
    expect(d3.item()).toBeCloseTo(s * (1 - s) * (1 - 6 * s + 6 * s * s), 14);
  });
});
