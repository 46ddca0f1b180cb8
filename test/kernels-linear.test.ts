// The Dense-layer and Adam kernels: the WebAssembly ones agree with the TypeScript
// references (bit for bit given the same product; to float32 tolerance against the
// TypeScript product), including odd sizes, and the engine's in-place accumulation into
// leaf gradients gives the same bits as accumulating afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReLU } from "../src/activations/modules-relu.js";
import { adamPlainReference } from "../src/kernels/adam.js";
import { gemmReference } from "../src/kernels/gemm.js";
import { kernels, setKernels, typescriptKernels, type Kernels } from "../src/kernels/index.js";
import { linearBackwardReference, linearForwardReference, type GemmFn, type LinearAct } from "../src/kernels/linear.js";
import { adamWasm, enableWasmKernels, gemmWasm, linearBackwardWasm, linearForwardWasm } from "../src/kernels/wasm.js";
import { Dense } from "../src/layers/dense.js";
import { Sequential } from "../src/layers/sequential.js";
import { crossEntropyLoss } from "../src/losses/cross-entropy.js";
import { Adam } from "../src/optim/adam.js";
import { randn } from "../src/tensor/creation.js";
import type { DType } from "../src/tensor/dtype.js";
import { generator } from "../src/tensor/random.js";

function random(n: number, seed: number, specials = false): Float32Array {
  const rng = generator(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() * 2 - 1;
  if (specials && n > 6) {
    a[0] = 0;
    a[1] = -0;
    a[5] = NaN;
  }
  return a;
}

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const sameBits = (a: Float32Array, b: Float32Array): void => expect(bits(a)).toEqual(bits(b));

function close(a: Float32Array, b: Float32Array, tol: number): void {
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(b[i])) expect(a[i]).toBeNaN();
    else expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i])));
  }
}

const wasmOn = enableWasmKernels();
let previous: Kernels = kernels();
beforeAll(() => (previous = kernels()));
afterAll(() => setKernels(previous));

// [batch, out, in]: odd sizes, sizes below the wasm threshold, and the spirals layers.
const shapes: [number, number, number][] = [
  [1, 1, 1], [3, 3, 3], [17, 3, 17], [32, 64, 2], [32, 64, 64], [32, 3, 64], [7, 9, 5], [5, 13, 33], [9, 11, 257], [3, 513, 17],
];

describe.skipIf(!wasmOn)("WebAssembly Dense kernels agree with the TypeScript reference", () => {
  for (const [batch, out, inF] of shapes) {
    for (const act of [0, 1] as LinearAct[]) {
      for (const withBias of [true, false]) {
        it(`forward and backward ${batch}×${out}×${inF}, act ${act}, ${withBias ? "bias" : "no bias"}`, () => {
          const seed = batch * 31 + out * 7 + inF;
          const x = random(batch * inF, seed, true);
          const w = random(out * inF, seed + 1);
          const b = withBias ? random(out, seed + 2) : null;
          const y = new Float32Array(batch * out).fill(NaN);
          linearForwardWasm(batch, out, inF, x, w, b, act, y);
          const ySame = new Float32Array(batch * out);
          linearForwardReference(batch, out, inF, x, w, b, act, ySame, gemmWasm);
          sameBits(y, ySame);
          const yTs = new Float32Array(batch * out);
          linearForwardReference(batch, out, inF, x, w, b, act, yTs, gemmReference);
          close(y, yTs, 1e-5 * Math.sqrt(inF));

          const gy = random(batch * out, seed + 3);
          const run = (fn: typeof linearBackwardWasm, accumulate: boolean) => {
            const gx = new Float32Array(batch * inF).fill(7);
            const gw = random(out * inF, seed + 4);
            const gb = b === null ? null : random(out, seed + 5);
            if (!accumulate) {
              gw.fill(NaN);
              gb?.fill(NaN);
            }
            fn(batch, out, inF, gy, y, act, x, w, gx, gw, gb, accumulate, accumulate);
            return [gx, gw, gb ?? new Float32Array(0)];
          };
          for (const accumulate of [false, true]) {
            const got = run(linearBackwardWasm, accumulate);
            const withGemm = (gemm: GemmFn): typeof linearBackwardWasm => (bt, o, i, g, yy, ac, xx, ww, gx, gw, gb, accW, accB) =>
              linearBackwardReference(bt, o, i, g, yy, ac, xx, ww, gx, gw, gb, gemm, accW, accB);
            const same = run(withGemm(gemmWasm), accumulate);
            const ts = run(withGemm(gemmReference), accumulate);
            for (let i = 0; i < 3; i++) {
              sameBits(got[i], same[i]);
              close(got[i], ts[i], 1e-5 * Math.sqrt(Math.max(batch, out)) * 4);
            }
          }
          // Only the requested gradients are written.
          const gx = new Float32Array(batch * inF).fill(3);
          linearBackwardWasm(batch, out, inF, gy, y, act, x, w, gx, null, null);
          const gxRef = new Float32Array(batch * inF);
          linearBackwardReference(batch, out, inF, gy, y, act, x, w, gxRef, null, null, gemmWasm);
          sameBits(gx, gxRef);
        });
      }
    }
  }
});

describe.skipIf(!wasmOn)("WebAssembly Adam is bit for bit the TypeScript loop", () => {
  for (const n of [1, 3, 17, 64, 65, 513, 4096]) {
    for (const beta1 of [0.9, 0.3]) {
      it(`${n} elements, β₁ ${beta1}`, () => {
        const theta = random(n, n, true);
        const g = random(n, n + 1, true);
        const m = random(n, n + 2);
        const v = random(n, n + 3).map(Math.abs);
        const [t2, g2, m2, v2] = [theta.slice(), g.slice(), m.slice(), v.slice()];
        for (let step = 1; step <= 3; step++) {
          const stepSize = 0.01 / (1 - beta1 ** step);
          const bias2Sqrt = Math.sqrt(1 - 0.999 ** step);
          adamWasm(theta, g, m, v, beta1, 0.999, stepSize, bias2Sqrt, 1e-8);
          adamPlainReference(t2, g2, m2, v2, beta1, 0.999, stepSize, bias2Sqrt, 1e-8);
        }
        sameBits(theta, t2);
        sameBits(m, m2);
        sameBits(v, v2);
      });
    }
  }
});

/** A few training steps of a 5-16-16-3 ReLU net; returns the weights and Adam state. */
function train(kern: Kernels, dtype: DType, setToNone: boolean, shared = false): number[][] {
  setKernels(kern);
  const rng = generator(11);
  const hidden = new Dense(16, 16, { activation: new ReLU(), rng, dtype });
  const model = new Sequential(new Dense(5, 16, { activation: new ReLU(), rng, dtype }), hidden, ...(shared ? [hidden] : []), new Dense(16, 3, { rng, dtype }));
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  const x = randn([24, 5], { rng: generator(12), dtype });
  const labels = Int32Array.from({ length: 24 }, (_, i) => i % 3);
  for (let t = 0; t < 4; t++) {
    opt.zeroGrad(setToNone);
    crossEntropyLoss(model.forward(x), labels).backward();
    opt.step();
  }
  const state = opt.stateDict().tensors;
  return [...model.parameters().map((p) => Array.from(p.data)), ...Object.values(state).map((s) => Array.from(s.data))];
}

describe("accumulating leaf gradients inside the Dense kernel", () => {
  const sets: [string, Kernels | null][] = [["typescript", typescriptKernels], ["wasm", wasmOn ? kernels() : null]];
  for (const [name, kern] of sets) {
    for (const dtype of ["float32", "float64"] as DType[]) {
      it.skipIf(kern === null)(`${name}, ${dtype}: zeroGrad() (in place) and zeroGrad(true) train to the same bits`, () => {
        const k = kern as Kernels;
        expect(train(k, dtype, false)).toEqual(train(k, dtype, true));
        expect(train(k, dtype, false, true)).toEqual(train(k, dtype, true, true));
      });
    }
  }

  it("gradients add up over two backward passes without zeroGrad", () => {
    setKernels(wasmOn ? kernels() : typescriptKernels);
    const layer = new Dense(40, 20, { activation: new ReLU(), rng: generator(3), dtype: "float64" });
    const x = randn([30, 40], { rng: generator(4), dtype: "float64" });
    layer.forward(x).sum().backward();
    const once = layer.parameters().map((p) => Array.from(p.grad?.data ?? []));
    layer.forward(x).sum().backward();
    const twice = layer.parameters().map((p) => Array.from(p.grad?.data ?? []));
    expect(twice).toEqual(once.map((g) => g.map((v) => v + v)));
  });
});
