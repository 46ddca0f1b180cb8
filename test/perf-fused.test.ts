// The fast paths of the performance work must be exact: the fused Dense forward
// (affine map + activation in one node), the one-node cross-entropy for integer labels and
// the tight Adam loop give the same values and gradients as the composed ops they replace.
import { describe, expect, it } from "vitest";
import { Activation } from "../src/activations/activation.js";
import { sigmoid, tanh } from "../src/activations/basic.js";
import { Sigmoid, Tanh } from "../src/activations/modules.js";
import { ReLU } from "../src/activations/modules-relu.js";
import { relu } from "../src/activations/relu-family.js";
import { gradcheck } from "../src/autograd/gradcheck.js";
import { linear } from "../src/autograd/ops/matmul.js";
import { div, mul } from "../src/autograd/ops/binary.js";
import { sum } from "../src/autograd/ops/reduce.js";
import { logSoftmax } from "../src/autograd/ops/softmax.js";
import { neg } from "../src/autograd/ops/unary.js";
import { Dense } from "../src/layers/dense.js";
import { Parameter } from "../src/layers/parameter.js";
import { crossEntropyLoss } from "../src/losses/cross-entropy.js";
import { Adam } from "../src/optim/adam.js";
import { lerp } from "../src/kernels/optim.js";
import { randn, tensor } from "../src/tensor/creation.js";
import type { DType, TypedArray } from "../src/tensor/dtype.js";
import { generator } from "../src/tensor/random.js";
import { Tensor } from "../src/tensor/tensor.js";
import { assertAllClose } from "./helpers/index.js";

const same = (a: ArrayLike<number>, b: ArrayLike<number>): void => expect(Array.from(a)).toEqual(Array.from(b));

/** x with a few special values (0, −0, NaN) among random ones. */
function input(dtype: DType, rows: number, cols: number, seed: number): Tensor {
  const x = randn([rows, cols], { rng: generator(seed), dtype });
  x.data[0] = 0;
  x.data[1] = -0;
  if (x.size > 5) x.data[5] = NaN;
  return x.requiresGrad_();
}

describe("fused Dense forward (affine map + activation in one node)", () => {
  const cases: [string, () => Activation, (t: Tensor) => Tensor][] = [
    ["relu", () => new ReLU(), relu],
    ["tanh", () => new Tanh(), tanh],
    ["sigmoid", () => new Sigmoid(), sigmoid],
  ];
  for (const dtype of ["float32", "float64"] as DType[]) {
    for (const [name, make, fn] of cases) {
      it(`${name}, ${dtype}: the same values and gradients as act(linear(x, W, b)), bit for bit`, () => {
        const layer = new Dense(5, 7, { activation: make(), rng: generator(1), dtype });
        layer.bias?.data.set(randn([7], { rng: generator(2), dtype }).data);
        const x1 = input(dtype, 4, 5, 3);
        const x2 = new Tensor(x1.data.slice(), x1.shape, { requiresGrad: true });
        const gy = randn([4, 7], { rng: generator(4), dtype });
        const fused = layer.forward(x1);
        expect(fused.node?.op).toBe(`linear+${name}`);
        fused.backward(gy);
        const grads = layer.parameters().map((p) => Array.from(p.grad?.data ?? []));
        layer.zeroGrad();
        const plain = fn(linear(x2, layer.weight, layer.bias));
        plain.backward(gy);
        same(fused.data, plain.data);
        same(x1.grad?.data ?? [], x2.grad?.data ?? []);
        layer.parameters().forEach((p, k) => same(grads[k], p.grad?.data ?? []));
      });
    }
  }

  it("gradchecks in float64 through the fused path (relu, tanh, sigmoid)", () => {
    for (const make of [() => new ReLU(), () => new Tanh(), () => new Sigmoid()]) {
      const layer = new Dense(3, 4, { activation: make(), rng: generator(5), dtype: "float64" });
      layer.bias?.data.set([0.1, -0.2, 0.3, 0.05]);
      const x = randn([5, 3], { rng: generator(6), dtype: "float64" }).requiresGrad_();
      expect(gradcheck((t) => layer.forward(t), [x], { params: layer.parameters() })).toBe(true);
    }
  });

  it("does not fuse a subclass or a custom activation (they may override forward)", () => {
    class Doubled extends ReLU {
      override forward(x: Tensor): Tensor {
        return mul(relu(x), 2);
      }
    }
    const layer = new Dense(2, 3, { activation: new Doubled(), rng: generator(7) });
    const x = tensor([[1, -2], [0.5, 3]]);
    const y = layer.forward(x);
    same(y.data, mul(relu(linear(x, layer.weight, layer.bias)), 2).data);
    const patched = new ReLU();
    patched.forward = (t: Tensor) => mul(relu(t), 3);
    const onInstance = new Dense(2, 3, { activation: patched, rng: generator(7) });
    same(onInstance.forward(x).data, mul(relu(linear(x, onInstance.weight, onInstance.bias)), 3).data);
    const custom = new Dense(2, 3, { activation: new Activation("twice", (t) => mul(t, 2)), rng: generator(8) });
    same(custom.forward(x).data, mul(linear(x, custom.weight, custom.bias), 2).data);
  });

  it("keeps a 3-D input's leading axes", () => {
    const layer = new Dense(2, 3, { activation: "relu", rng: generator(9) });
    expect(layer.forward(randn([2, 4, 2], { rng: generator(10) })).shape).toEqual([2, 4, 3]);
  });
});

describe("cross-entropy with integer labels, one node", () => {
  it("matches the composed −Σ onehot·logSoftmax and its gradient (mean, sum, none)", () => {
    const labels = [2, 0, 1, 1, 0];
    for (const reduction of ["mean", "sum", "none"] as const) {
      const x1 = randn([5, 3], { rng: generator(11), dtype: "float64" }).requiresGrad_();
      const x2 = new Tensor(x1.data.slice(), x1.shape, { requiresGrad: true });
      const onehot = new Float64Array(15);
      labels.forEach((y, n) => (onehot[n * 3 + y] = 1));
      const per = neg(sum(mul(logSoftmax(x2, 1), new Tensor(onehot, [5, 3])), 1));
      const ref = reduction === "none" ? per : reduction === "sum" ? sum(per) : div(sum(per), 5);
      const got = crossEntropyLoss(x1, labels, { reduction });
      assertAllClose(got.data, ref.data, { atol: 1e-15, rtol: 1e-14 });
      const gy = randn(ref.shape, { rng: generator(12), dtype: "float64" });
      got.backward(gy);
      ref.backward(gy);
      assertAllClose(x1.grad?.data ?? [], x2.grad?.data ?? [], { atol: 1e-15, rtol: 1e-14 });
    }
  });

  it("propagates NaN logits to the loss and gradient of their row", () => {
    const x = tensor([[NaN, 0, 1], [0, 1, 2]], { dtype: "float64", requiresGrad: true });
    const loss = crossEntropyLoss(x, [0, 2], { reduction: "none" });
    expect(Number.isNaN(loss.data[0])).toBe(true);
    expect(Number.isFinite(loss.data[1])).toBe(true);
  });
});

/** Adam exactly as written before the fast loop, for the bit-for-bit comparison. */
function adamReference(theta: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, t: number, lr: number, beta1: number, beta2: number, eps: number): void {
  const stepSize = lr / (1 - beta1 ** t);
  const bias2Sqrt = Math.sqrt(1 - beta2 ** t);
  for (let i = 0; i < theta.length; i++) {
    m[i] = lerp(m[i], g[i], 1 - beta1);
    v[i] = v[i] * beta2 + (1 - beta2) * g[i] * g[i];
    theta[i] -= stepSize * (m[i] / (Math.sqrt(v[i]) / bias2Sqrt + eps));
  }
}

describe("Adam's tight loop", () => {
  for (const dtype of ["float32", "float64"] as DType[]) {
    for (const betas of [[0.9, 0.999], [0.3, 0.9]] as [number, number][]) {
      it(`is bit for bit the reference update (${dtype}, betas ${betas.join(", ")})`, () => {
        const rng = generator(13);
        const p = new Parameter(randn([41], { rng, dtype }));
        const theta = p.data.slice();
        const m = theta.slice().fill(0);
        const v = theta.slice().fill(0);
        const opt = new Adam([p], { lr: 0.05, betas });
        for (let t = 1; t <= 12; t++) {
          const g = randn([41], { rng, dtype });
          p.grad = new Tensor(g.data.slice(), g.shape);
          opt.step();
          adamReference(theta, g.data, m, v, t, 0.05, betas[0], betas[1], 1e-8);
          same(p.data, theta);
        }
      });
    }
  }
});
