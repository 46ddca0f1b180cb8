import { describe, expect, it } from "vitest";
import { gemmReference } from "../src/kernels/gemm.js";
import { setKernels, typescriptKernels } from "../src/kernels/index.js";
import { enableWasmKernels, gemmWasm, wasmKernels } from "../src/kernels/wasm.js";
import { Dense } from "../src/layers/dense.js";
import { Sequential } from "../src/layers/sequential.js";
import { crossEntropyLoss } from "../src/losses/cross-entropy.js";
import { SGD } from "../src/optim/sgd.js";
import { generator } from "../src/tensor/random.js";
import { Tensor } from "../src/tensor/tensor.js";

const wasmOn = enableWasmKernels();

function values(n: number, seed: number): Float64Array {
  const rng = generator(seed);
  return Float64Array.from({ length: n }, () => rng.uniform() * 2 - 1);
}

/** Indices where `a` and `b` differ bit for bit (Object.is: NaN equals NaN, +0 differs from −0). */
function differences(a: Float64Array, b: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) out.push(i);
  return out;
}

describe.skipIf(!wasmOn)("float64 WebAssembly gemm: bit for bit the TypeScript reference", () => {
  const sizes = [1, 3, 17, 64, 513];
  const shapes: [number, number, number][] = [];
  for (const m of sizes) for (const n of sizes) for (const k of sizes) if (m * n * k <= 513 * 64 * 17 && m * n * k >= 256) shapes.push([m, n, k]);
  for (const variant of ["NN", "NT", "TN", "TT"] as const) {
    it(`${variant} on every shape from sizes ${sizes.join(", ")} (${shapes.length} shapes)`, () => {
      const ta = variant[0] === "T";
      const tb = variant[1] === "T";
      for (const [m, n, k] of shapes) {
        const a = values(m * k, m + 7 * k);
        const b = values(k * n, n + 11 * k);
        const ref = new Float64Array(m * n);
        const got = new Float64Array(m * n).fill(Number.NaN);
        gemmReference(ta, tb, m, n, k, a, b, ref);
        gemmWasm(ta, tb, m, n, k, a, b, got);
        expect(differences(got, ref), `${m}×${n}×${k}`).toEqual([]);
      }
    });
  }

  it("propagates NaN, ±∞ and −0 as the reference does (0·∞ = NaN, no zero skipping)", () => {
    const m = 7;
    const n = 9;
    const k = 13;
    const a = values(m * k, 1);
    const b = values(k * n, 2);
    a[3] = Number.POSITIVE_INFINITY;
    a[20] = 0;
    b[5] = Number.NaN;
    b[2 * n + 1] = Number.NEGATIVE_INFINITY;
    a[m * k - 1] = -0;
    const ref = new Float64Array(m * n);
    const got = new Float64Array(m * n);
    gemmReference(false, false, m, n, k, a, b, ref);
    gemmWasm(false, false, m, n, k, a, b, got);
    expect(differences(got, ref)).toEqual([]);
    expect(ref.some(Number.isNaN)).toBe(true);
  });

  it("k = 0 gives zeros; empty products leave C alone", () => {
    const c = new Float64Array(6).fill(5);
    gemmWasm(false, false, 2, 3, 0, new Float64Array(0), new Float64Array(0), c);
    expect(Array.from(c)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("seeded float64 Dense training is bit-identical with the WebAssembly and the TypeScript kernels", () => {
    const train = (): Float64Array[] => {
      const rng = generator(3);
      const model = new Sequential(
        new Dense(31, 40, { activation: "relu", rng, dtype: "float64" }),
        new Dense(40, 7, { rng, dtype: "float64" }),
      );
      const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
      const x = new Tensor(values(17 * 31, 4), [17, 31]);
      const labels = Int32Array.from({ length: 17 }, (_, i) => i % 7);
      for (let t = 0; t < 5; t++) {
        opt.zeroGrad();
        crossEntropyLoss(model.forward(x), labels).backward();
        opt.step();
      }
      return model.parameters().map((p) => Float64Array.from(p.data));
    };
    const previous = setKernels(typescriptKernels);
    let ts: Float64Array[];
    try {
      ts = train();
    } finally {
      setKernels(previous);
    }
    setKernels(wasmKernels);
    const wasm = train();
    for (let i = 0; i < ts.length; i++) expect(differences(wasm[i], ts[i]), `parameter ${i}`).toEqual([]);
  });
});
