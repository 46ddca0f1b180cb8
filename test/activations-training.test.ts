// A trainable Swish β and a LEAF α actually learn: a few steps of plain gradient descent
// on a tiny regression (linear → activation → linear) move them and lower the loss, and
// their gradients match central finite differences.
import { describe, expect, it } from "vitest";
import { linear } from "../src/autograd/ops/matmul.js";
import { noGrad } from "../src/autograd/grad-mode.js";
import { LEAF } from "../src/activations/modules-leaf.js";
import { Swish } from "../src/activations/modules-trainable.js";
import { Parameter } from "../src/layers/parameter.js";
import type { Activation } from "../src/activations/activation.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { randomTensor } from "./helpers/activations.js";

function setup(act: Activation, seed: number) {
  act.to("float64");
  const x = randomTensor([32, 2], seed, { low: -2, high: 2 });
  // Target: a fixed nonlinear function of x, asymmetric so the negative side matters.
  const t = new Float64Array(32);
  for (let i = 0; i < 32; i++) {
    const a = x.data[2 * i] - 0.5 * x.data[2 * i + 1];
    t[i] = a > 0 ? a : 0.6 * a + 0.2 * Math.sin(3 * a);
  }
  const target = randomTensor([32, 1], 0).detach();
  target.data.set(t);
  const w1 = new Parameter(randomTensor([4, 2], seed + 1, { low: -1, high: 1 }));
  const b1 = new Parameter(randomTensor([4], seed + 2, { low: -0.1, high: 0.1 }));
  const w2 = new Parameter(randomTensor([1, 4], seed + 3, { low: -1, high: 1 }));
  const b2 = new Parameter(randomTensor([1], seed + 4, { low: -0.1, high: 0.1 }));
  const params = [w1, b1, w2, b2, ...act.parameters()];
  const loss = (): Tensor => {
    const d = linear(act.forward(linear(x, w1, b1)), w2, b2).sub(target);
    return d.mul(d).mean();
  };
  return { params, loss };
}

function checkAndTrain(act: Activation, p: () => Tensor, seed: number) {
  const { params, loss } = setup(act, seed);
  const l0 = loss();
  l0.backward();
  // The activation parameter's gradient against central differences.
  const param = p();
  const analytic = Array.from(param.grad!.data);
  const eps = 1e-6;
  analytic.forEach((a, i) => {
    const v = param.data[i];
    param.data[i] = v + eps;
    const plus = noGrad(() => loss().item());
    param.data[i] = v - eps;
    const minus = noGrad(() => loss().item());
    param.data[i] = v;
    const numeric = (plus - minus) / (2 * eps);
    expect(Math.abs(a - numeric), `∂loss/∂param[${i}] ${a} vs ${numeric}`).toBeLessThanOrEqual(1e-7 + 1e-5 * Math.abs(numeric));
    expect(Math.abs(a)).toBeGreaterThan(1e-6);
  });
  const start = Array.from(param.data);
  const first = l0.item();
  let last = first;
  for (let step = 0; step < 30; step++) {
    for (const q of params) q.zeroGrad();
    const l = loss();
    l.backward();
    noGrad(() => {
      for (const q of params) for (let i = 0; i < q.size; i++) q.data[i] -= 0.1 * q.grad!.data[i];
    });
    last = l.item();
  }
  return { start, end: Array.from(param.data), first, last };
}

describe("trainable activation parameters learn", () => {
  it("Swish β (shared) moves and the loss falls", () => {
    const act = new Swish();
    const r = checkAndTrain(act, () => act.beta, 21);
    expect(Math.abs(r.end[0] - r.start[0])).toBeGreaterThan(1e-3);
    expect(r.last).toBeLessThan(r.first);
  });

  it("Swish β (one per feature) moves", () => {
    const act = new Swish({ numParameters: 4 });
    const r = checkAndTrain(act, () => act.beta, 22);
    expect(r.end.some((v, i) => Math.abs(v - r.start[i]) > 1e-3)).toBe(true);
    expect(r.last).toBeLessThan(r.first);
  });

  it("LEAF α (article form) moves and the loss falls", () => {
    const act = new LEAF();
    const r = checkAndTrain(act, () => act.alpha!, 23);
    expect(Math.abs(r.end[0] - r.start[0])).toBeGreaterThan(1e-3);
    expect(r.last).toBeLessThan(r.first);
  });

  it("LEAF extended (SiLU preset) p1..p4 all move", () => {
    for (const k of ["p1", "p2", "p3", "p4"] as const) {
      const fresh = new LEAF({ form: "extended", initAs: "silu" });
      const r = checkAndTrain(fresh, () => fresh[k]!, 24);
      expect(Math.abs(r.end[0] - r.start[0]), k).toBeGreaterThan(1e-4);
      expect(r.last).toBeLessThan(r.first);
    }
  });
});
