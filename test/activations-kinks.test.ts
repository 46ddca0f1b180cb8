// Kink conventions (PyTorch's, exactly), landmark values, the Softplus threshold switch,
// and the @example outputs of the TSDoc.
import { describe, expect, it } from "vitest";
import { identity, logSigmoid, sigmoid, tanh } from "../src/activations/basic.js";
import { gelu } from "../src/activations/gelu.js";
import { leafExtended } from "../src/activations/leaf.js";
import { leaf, prelu } from "../src/activations/prelu.js";
import { elu, leakyRelu, relu, selu } from "../src/activations/relu-family.js";
import { mish, silu, softplus } from "../src/activations/smooth.js";
import { swish } from "../src/activations/swish.js";
import { tensor } from "../src/tensor/creation.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { vec } from "./helpers/activations.js";

/** f(x) and f'(x) for each value, float64. */
function valueAndGrad(fn: (x: Tensor) => Tensor, xs: number[]): [number[], number[]] {
  const x = vec(xs, "float64", true);
  const y = fn(x);
  y.sum().backward();
  return [Array.from(y.data), Array.from(x.grad!.data)];
}

describe("kink conventions follow PyTorch exactly", () => {
  it("relu'(0) = relu'(−0) = 0, relu(−0) = +0", () => {
    const [y, g] = valueAndGrad(relu, [0, -0]);
    expect(g).toEqual([0, 0]);
    expect(Object.is(y[1], 0)).toBe(true);
  });

  it("leakyRelu'(0) = negativeSlope", () => {
    expect(valueAndGrad((x) => leakyRelu(x), [0])[1]).toEqual([0.01]);
    expect(valueAndGrad((x) => leakyRelu(x, 0.2), [0, -0])[1]).toEqual([0.2, 0.2]);
  });

  it("elu'(0) = α and selu'(0) = λα (left branch)", () => {
    expect(valueAndGrad((x) => elu(x), [0])[1]).toEqual([1]);
    expect(valueAndGrad((x) => elu(x, 0.5), [0])[1]).toEqual([0.5]);
    expect(valueAndGrad(selu, [0])[1]).toEqual([1.7580993408473768]);
    // the right branch just above 0 (the tfjs EluGrad bug tested y ≥ 1 and failed on (0,1))
    expect(valueAndGrad((x) => elu(x), [0.5, 1e-3])[1]).toEqual([1, 1]);
    expect(valueAndGrad(selu, [0.5])[1]).toEqual([1.0507009873554805]);
  });

  it("prelu and leaf (article form): ∂/∂x = a and ∂/∂a = 0 at x = 0", () => {
    for (const fn of [prelu, leaf]) {
      const x = vec([0, -0, 2, -2], "float64", true);
      const a = vec([0.25, 0.25, 0.25, 0.25], "float64", true);
      fn(x, a).sum().backward();
      expect(Array.from(x.grad!.data)).toEqual([0.25, 0.25, 1, 0.25]);
      expect(Array.from(a.grad!.data).map((v) => v + 0)).toEqual([0, 0, 0, -2]);
    }
  });

  it("LEAF-as-ReLU (extended form) has derivative ½ at 0, as the authors note", () => {
    const [, g] = valueAndGrad((x) => leafExtended(x, { p1: 1, p2: 0, p3: 65536, p4: 0 }), [0]);
    expect(g).toEqual([0.5]);
  });
});

describe("landmarks", () => {
  const closeTo = (a: number, e: number, rtol: number) => expect(Math.abs(a - e)).toBeLessThanOrEqual(rtol * Math.abs(e));

  it("smooth activations at 0: σ' = ¼, gelu' = silu' = softplus' = ½, mish' = 0.6, tanh' = 1", () => {
    expect(valueAndGrad(sigmoid, [0])[1]).toEqual([0.25]);
    expect(valueAndGrad(tanh, [0])[1]).toEqual([1]);
    expect(valueAndGrad((x) => gelu(x), [0])[1]).toEqual([0.5]);
    expect(valueAndGrad((x) => gelu(x, { approximate: "tanh" }), [0])[1]).toEqual([0.5]);
    expect(valueAndGrad(silu, [0])[1]).toEqual([0.5]);
    expect(valueAndGrad((x) => softplus(x), [0])[1]).toEqual([0.5]);
    closeTo(valueAndGrad(mish, [0])[1][0], 0.6, 1e-15);
    expect(valueAndGrad(logSigmoid, [0])[1]).toEqual([0.5]);
  });

  it("minima of GELU, SiLU and Mish (value, and derivative ≈ 0 there)", () => {
    const minima: [string, (x: Tensor) => Tensor, number, number][] = [
      ["gelu", (x) => gelu(x), -0.75179152469356446, -0.16997120747990366],
      ["silu", silu, -1.2784645427610738, -0.2784645427610738],
      ["mish", mish, -1.1924312145154952, -0.30884341301725041],
    ];
    for (const [, fn, xm, fm] of minima) {
      const [[y], [g]] = valueAndGrad(fn, [xm]);
      closeTo(y, fm, 1e-15);
      expect(Math.abs(g)).toBeLessThan(1e-15);
    }
  });

  it("GELU's derivative peaks at √2 with 1.1289041451851548", () => {
    const [, [g]] = valueAndGrad((x) => gelu(x), [Math.SQRT2]);
    closeTo(g, 1.1289041451851548, 1e-15);
  });

  it("max |geluTanh − gelu| ≈ 4.73e−4 near x = −2.699", () => {
    const xs = Array.from({ length: 12001 }, (_, i) => -6 + i * 1e-3);
    const exact = gelu(vec(xs)).data;
    const approx = gelu(vec(xs), { approximate: "tanh" }).data;
    let best = 0;
    let at = 0;
    for (let i = 0; i < xs.length; i++) {
      const d = Math.abs(exact[i] - approx[i]);
      if (d > best) [best, at] = [d, xs[i]];
    }
    expect(best).toBeGreaterThan(4.7e-4);
    expect(best).toBeLessThan(4.76e-4);
    expect(Math.abs(at + 2.699)).toBeLessThan(0.01);
  });

  it("swish tends to relu for large β and to x/2 for β → 0", () => {
    const xs = [-3, -1, 1, 3];
    expect(Array.from(swish(vec(xs), 1e4).data).map((v) => v + 0)).toEqual([0, 0, 1, 3]);
    const small = swish(vec(xs), 1e-12).data;
    xs.forEach((x, i) => closeTo(small[i], x / 2, 1e-11));
  });
});

describe("softplus: exact by default, PyTorch threshold on request", () => {
  it("default (exact) keeps log1p(e⁻ˣ) above 20; threshold 20 returns x exactly (strict >)", () => {
    const x = [20, 20.000001, 30];
    const exact = softplus(vec(x)).data;
    const torch = softplus(vec(x), { threshold: 20 }).data;
    expect(exact[0]).toBe(20.000000002061154);
    expect(torch[0]).toBe(20.000000002061154);
    expect(torch[1]).toBe(20.000001);
    expect(torch[2]).toBe(30);
    expect(exact[1]).toBeGreaterThan(20.000001);
    expect(exact[2]).toBe(30 + Math.exp(-30));
  });

  it("beta scales: softplus(x; β) = softplus(βx)/β", () => {
    const y = softplus(vec([1, -2]), { beta: 2 }).data;
    expect(Math.abs(y[0] - Math.log1p(Math.exp(2)) / 2)).toBeLessThan(1e-16);
    expect(Math.abs(y[1] - Math.log1p(Math.exp(-4)) / 2)).toBeLessThan(1e-17);
  });
});

describe("TSDoc @example outputs", () => {
  const f64 = (v: number[]) => tensor(v, { dtype: "float64" });
  it("the documented values", () => {
    expect(identity(tensor([-2, 3])).toArray()).toEqual([-2, 3]);
    expect(sigmoid(f64([0])).toArray()).toEqual([0.5]);
    expect(tanh(f64([0])).toArray()).toEqual([0]);
    expect(logSigmoid(f64([-800, 800])).toArray()).toEqual([-800, 0]);
    expect(relu(tensor([-2, 0, 3])).toArray()).toEqual([0, 0, 3]);
    expect(leakyRelu(f64([-2, 0, 3])).toArray()).toEqual([-0.02, 0, 3]);
    expect(elu(f64([0, 2])).toArray()).toEqual([0, 2]);
    expect(selu(f64([1])).toArray()).toEqual([1.0507009873554805]);
    expect(gelu(f64([1])).toArray()).toEqual([0.841344746068543]);
    expect(silu(f64([0, 1])).toArray()).toEqual([0, 0.7310585786300049]);
    expect(softplus(f64([0])).toArray()).toEqual([0.6931471805599453]);
    expect(mish(f64([0, 20])).toArray()).toEqual([0, 20]);
    expect(prelu(tensor([-2, 3]), tensor([0.25])).toArray()).toEqual([-0.5, 3]);
    expect(leaf(tensor([-2, 3]), tensor([0.25])).toArray()).toEqual([-0.5, 3]);
    expect(leafExtended(f64([0.5]), { p1: 0, p2: 2, p3: 2, p4: -1 }).toArray()).toEqual([0.4621171572600098]);
  });
});
