// Hessians and Hessian-vector products of a 2-layer MLP (Dense → activation → Dense, MSE)
// with every registered activation, against PyTorch 1.13 (scripts/fixtures/torch_mlp_hessians.py),
// float64, to 1e-10. The first Dense runs its fused node, so this also checks the fallback
// of fused kernels to their composed form under createGraph.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { activationNames } from "../src/activations/registry.js";
import { gradOf } from "../src/autograd/grad.js";
import { concat, reshape } from "../src/autograd/ops/shape.js";
import { Dense } from "../src/layers/dense.js";
import type { Module } from "../src/layers/module.js";
import { mseLoss } from "../src/losses/mse.js";
import { Tensor } from "../src/tensor/tensor.js";

interface Entry {
  params: Record<string, number[]>;
  order: string[];
  loss: number;
  grad: number[];
  hessian: number[];
  v: number[];
  hvp: number[];
}
const fixture = JSON.parse(readFileSync(new URL("./fixtures/torch_mlp_hessians.json", import.meta.url), "utf8")) as {
  x: number[];
  x_shape: number[];
  t: number[];
  t_shape: number[];
  activations: Record<string, Entry>;
};

const f64 = (values: number[], shape: number[]) => new Tensor(Float64Array.from(values), shape);

function expectClose(label: string, actual: ArrayLike<number>, expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    if (!(Math.abs(actual[i] - e) <= 1e-10 * (1 + Math.abs(e)))) expect.fail(`${label}[${i}]: ${actual[i]} vs PyTorch ${e}`);
  });
}

describe("Hessians and HVPs of a 2-layer MLP vs PyTorch 1.13 (float64, 1e-10)", () => {
  it("the fixture covers every registered activation", () => {
    expect(activationNames().filter((n) => !(n in fixture.activations))).toEqual([]);
  });

  for (const [name, e] of Object.entries(fixture.activations)) {
    it(name, () => {
      const l1 = new Dense(3, 4, { activation: name, dtype: "float64" });
      const l2 = new Dense(4, 2, { dtype: "float64" });
      l1.weight.data.set(e.params.W1);
      l1.bias!.data.set(e.params.b1);
      l2.weight.data.set(e.params.W2);
      l2.bias!.data.set(e.params.b2);
      const byName: Record<string, Tensor> = { W1: l1.weight, b1: l1.bias!, W2: l2.weight, b2: l2.bias! };
      if (e.params.act !== undefined) {
        const [p] = (l1.activation as Module).parameters();
        p.data.set(e.params.act);
        byName.act = p;
      }
      const params = e.order.map((n) => byName[n]);
      const x = f64(fixture.x, fixture.x_shape);
      const t = f64(fixture.t, fixture.t_shape);
      const loss = mseLoss(l2.forward(l1.forward(x)), t);
      expect(loss.item()).toBeCloseTo(e.loss, 12);
      const grads = gradOf(loss, params, { createGraph: true });
      const flat = concat(grads.map((g) => reshape(g!, [-1])));
      expectClose("grad", flat.data, e.grad);
      // H·v by double backward
      const n = flat.size;
      const hv = gradOf(flat.mul(f64(e.v, [n])).sum(), params, { retainGraph: true, allowUnused: true });
      expectClose("hvp", concat(hv.map((g, k) => (g === null ? new Tensor(new Float64Array(params[k].size), [params[k].size]) : reshape(g, [-1])))).data, e.hvp);
      // the Hessian, one row per backward
      const rows: number[] = [];
      for (let i = 0; i < n; i++) {
        const onehot = new Float64Array(n);
        onehot[i] = 1;
        const row = gradOf(flat, params, { gradOutputs: new Tensor(onehot, [n]), retainGraph: true, allowUnused: true });
        row.forEach((g, k) => rows.push(...(g === null ? new Array<number>(params[k].size).fill(0) : Array.from(g.data))));
      }
      expectClose("hessian", rows, e.hessian);
    });
  }
});
