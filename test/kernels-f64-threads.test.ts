// The float64 WebAssembly kernels split across worker threads and run on arrays that live in
// WebAssembly memory: still bit for bit the TypeScript reference (float64's contract), so the
// same bits with 1, 2 or 3 threads, in place or copied.
import { afterAll, describe, expect, it } from "vitest";
import { gemmReference } from "../src/kernels/gemm.js";
import { setKernels, typescriptKernels } from "../src/kernels/index.js";
import { linearBackwardReference, linearForwardReference } from "../src/kernels/linear.js";
import { sgdReference, type SgdScalars } from "../src/kernels/optim.js";
import {
  allocateStorage, enableWasmKernels, gemmWasm, getNumThreads, linearBackwardWasm, linearForwardWasm, setNumThreads, sgdWasm, THREAD_MIN_WORK,
  wasmKernels,
} from "../src/kernels/wasm.js";
import { Dense } from "../src/layers/dense.js";
import { Sequential } from "../src/layers/sequential.js";
import { crossEntropyLoss } from "../src/losses/cross-entropy.js";
import { SGD } from "../src/optim/sgd.js";
import { generator } from "../src/tensor/random.js";
import { Tensor } from "../src/tensor/tensor.js";

const wasmOn = enableWasmKernels();
const defaultThreads = getNumThreads();
afterAll(() => {
  setNumThreads(Math.max(1, defaultThreads));
  setKernels(wasmKernels);
});

function values(n: number, seed: number): Float64Array {
  const rng = generator(seed);
  return Float64Array.from({ length: n }, () => rng.uniform() * 2 - 1);
}

/** The first index where `a` and `b` differ bit for bit (Object.is), or null. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `element ${i}: ${a[i]} vs ${b[i]}`;
  return null;
}

/** `values(n, seed)` in an array that lives in WebAssembly memory where it can (else an ordinary one). */
function resident(n: number, seed: number): Float64Array {
  const a = allocateStorage("float64", n) as Float64Array;
  a.set(values(n, seed));
  return a;
}

describe.skipIf(!wasmOn)("float64 kernels on threads and in WebAssembly memory: bit for bit the reference", () => {
  for (const variant of ["NN", "NT", "TN", "TT"] as const) {
    it(`gemm ${variant} with 2 and 3 threads on odd sizes (rows and columns split)`, () => {
      const ta = variant[0] === "T";
      const tb = variant[1] === "T";
      for (const [m, n, k] of [[1001, 67, 65], [67, 1001, 65], [130, 257, 129]] as const) {
        expect(m * n * k).toBeGreaterThanOrEqual(THREAD_MIN_WORK);
        const a = values(m * k, m + k);
        const b = values(k * n, n + 3 * k);
        const ref = new Float64Array(m * n);
        gemmReference(ta, tb, m, n, k, a, b, ref);
        for (const threads of [2, 3]) {
          setNumThreads(threads);
          const c = new Float64Array(m * n).fill(NaN);
          gemmWasm(ta, tb, m, n, k, a, b, c);
          expect(firstDifference(c, ref), `${m}×${n}×${k}, ${threads} threads`).toBeNull();
        }
      }
    });
  }

  for (const where of ["ordinary arrays", "arrays in WebAssembly memory"] as const) {
    it(`Dense forward and backward (ReLU, bias, accumulating) with 1 and 2 threads, ${where}`, () => {
      const make = where === "ordinary arrays" ? values : resident;
      for (const [batch, out, inF] of [[257, 130, 129], [33, 1000, 129], [7, 9, 40]] as const) {
        const x = values(batch * inF, 1);
        const w = make(out * inF, 2);
        const b = make(out, 3);
        const gy = values(batch * out, 4);
        const y = new Float64Array(batch * out);
        linearForwardReference(batch, out, inF, x, w, b, 1, y, gemmReference);
        const gx = new Float64Array(batch * inF);
        const gw = values(out * inF, 5);
        const gb = values(out, 6);
        linearBackwardReference(batch, out, inF, gy, y, 1, x, w, gx, gw, gb, gemmReference, true, true);
        for (const threads of [1, 2]) {
          setNumThreads(threads);
          const label = `${batch}×${out}×${inF}, ${threads} threads`;
          const y2 = new Float64Array(batch * out);
          linearForwardWasm(batch, out, inF, x, w, b, 1, y2);
          expect(firstDifference(y2, y), `y, ${label}`).toBeNull();
          const gx2 = new Float64Array(batch * inF);
          const gw2 = make(out * inF, 5);
          const gb2 = make(out, 6);
          linearBackwardWasm(batch, out, inF, gy, y, 1, x, w, gx2, gw2, gb2, true, true);
          expect(firstDifference(gx2, gx), `G_x, ${label}`).toBeNull();
          expect(firstDifference(gw2, gw), `G_W, ${label}`).toBeNull();
          expect(firstDifference(gb2, gb), `G_b, ${label}`).toBeNull();
        }
      }
    });
  }

  it("SGD with momentum updates float64 parameters in WebAssembly memory in place, as the reference", () => {
    const o: SgdScalars = { lr: 0.05, momentum: 0.9, dampening: 0.1, nesterov: false, weightDecay: 1e-3 };
    const sizes = [2048, 1500, 1031];
    const ref = sizes.map((n, j) => ({ theta: values(n, j), g: values(n, 10 + j), b: new Float64Array(n) }));
    const wasm = sizes.map((n, j) => ({ theta: resident(n, j), g: resident(n, 10 + j), b: allocateStorage("float64", n) as Float64Array }));
    for (let step = 0; step < 3; step++) {
      sgdReference(ref.map((s) => ({ ...s, first: step === 0 })), o);
      sgdWasm(wasm.map((s) => ({ ...s, first: step === 0 })), o);
    }
    sizes.forEach((_, j) => {
      expect(firstDifference(wasm[j].theta, ref[j].theta), `θ ${j}`).toBeNull();
      expect(firstDifference(wasm[j].b, ref[j].b), `b ${j}`).toBeNull();
    });
  });

  it("seeded float64 training (MLP, SGD with momentum, batch 64) is bit-identical with the TypeScript kernels and 1 or 2 threads", () => {
    const train = (): Float64Array[] => {
      const rng = generator(5);
      const model = new Sequential(
        new Dense(200, 384, { activation: "relu", rng, dtype: "float64" }),
        new Dense(384, 10, { rng, dtype: "float64" }),
      );
      expect(64 * 200 * 384).toBeGreaterThanOrEqual(THREAD_MIN_WORK);
      const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
      const x = new Tensor(values(64 * 200, 6), [64, 200]);
      const labels = Int32Array.from({ length: 64 }, (_, i) => (i * 3) % 10);
      for (let t = 0; t < 4; t++) {
        opt.zeroGrad();
        crossEntropyLoss(model.forward(x), labels).backward();
        opt.step();
      }
      return model.parameters().map((p) => Float64Array.from(p.data));
    };
    setKernels(typescriptKernels);
    const ts = train();
    setKernels(wasmKernels);
    for (const threads of [1, 2]) {
      setNumThreads(threads);
      const got = train();
      got.forEach((p, i) => expect(firstDifference(p, ts[i]), `parameter ${i}, ${threads} threads`).toBeNull());
    }
  });
});
