// Adam's general WebAssembly kernel `adamGeneral` (assembly/adam.ts: L2 weight decay,
// AdamW's decoupled shrink, amsgrad; f32 and f64) is bit for bit `adamGeneralReference` on odd
// lengths, every option, awkward values (±0, subnormals, huge magnitudes, ±∞, NaN), resident and
// ordinary arrays, and through Adam/AdamW in seeded float32 training (float64 training: test/kernels-f64-optim.test.ts).
import { describe, expect, it, vi } from "vitest";
import { adamGroupReference, type AdamDecay, type AdamSegment } from "../src/kernels/adam.js";
import { setKernels, typescriptKernels } from "../src/kernels/index.js";
import { adamGroupWasm, allocateStorage, enableWasmKernels, setResidentStorage, wasmKernels } from "../src/kernels/wasm.js";
import { WasmKernelModule } from "../src/kernels/wasm-module.js";
import { Dense } from "../src/layers/dense.js";
import type { Parameter } from "../src/layers/parameter.js";
import { Sequential } from "../src/layers/sequential.js";
import { crossEntropyLoss } from "../src/losses/cross-entropy.js";
import { Adam, AdamW } from "../src/optim/adam.js";
import { generator } from "../src/tensor/random.js";
import { Tensor } from "../src/tensor/tensor.js";

const wasmOn = enableWasmKernels();
const LENGTHS = [1, 3, 1023, 1031, 4099];
type Dtype = "float32" | "float64";
type Arr = Float32Array | Float64Array;

/** Values in (−scale, scale), every 7th an awkward one for the dtype (`all`: ±∞ and NaN too). */
function values(dtype: Dtype, n: number, seed: number, all: boolean, scale = 1): Arr {
  const rng = generator(seed);
  const special =
    dtype === "float64"
      ? [0, -0, 5e-324, -1e-310, 2.2e-308, 1e300, -1e154, 3e-160]
      : [0, -0, 1e-45, -1e-40, 1.2e-38, 3e38, -1e19, 3e-20];
  if (all) special.push(Infinity, -Infinity, NaN);
  const a = dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = i % 7 === 3 ? special[(i / 7) % special.length | 0] : (rng.uniform() * 2 - 1) * scale;
  if (n < 4) a[0] = -0;
  return a;
}

/** A copy of `a`, in WebAssembly memory when `resident`. */
function place(a: Arr, resident: boolean): Arr {
  if (!resident) return a.slice();
  const r = allocateStorage(a instanceof Float64Array ? "float64" : "float32", a.length) as Arr;
  expect(r.buffer instanceof SharedArrayBuffer, "allocateStorage gave a resident array").toBe(true);
  r.set(a);
  return r;
}

/** Indices where `a` and `b` differ bit for bit (Object.is: NaN equals NaN, +0 differs from −0). */
function differences(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) out.push(i);
  return out;
}

interface Case {
  name: string;
  lr: number;
  betas: [number, number];
  eps: number;
  decay: AdamDecay;
}
const adamW = (lr: number, lambda: number): AdamDecay => ({ l2: 0, shrink: 1 - lr * lambda, amsgrad: false });
const CASES: Case[] = [
  { name: "AdamW λ 0.01", lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, decay: adamW(0.01, 0.01) },
  { name: "AdamW λ 0.1", lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, decay: adamW(0.1, 0.1) },
  { name: "Adam L2 0.01", lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, decay: { l2: 0.01, shrink: 1, amsgrad: false } },
  { name: "amsgrad", lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, decay: { l2: 0, shrink: 1, amsgrad: true } },
  { name: "amsgrad, L2 0.1, eps 0", lr: 0.01, betas: [0.9, 0.999], eps: 0, decay: { l2: 0.1, shrink: 1, amsgrad: true } },
  { name: "amsgrad, AdamW λ 0.1", lr: 0.05, betas: [0.9, 0.999], eps: 1e-8, decay: { ...adamW(0.05, 0.1), amsgrad: true } },
  { name: "AdamW, eps 0, betas (0, 0.999)", lr: 0.01, betas: [0, 0.999], eps: 0, decay: adamW(0.01, 0.01) },
  { name: "amsgrad, L2, betas (0.9, 0)", lr: 0.01, betas: [0.9, 0], eps: 1e-8, decay: { l2: 0.01, shrink: 1, amsgrad: true } },
];

/** One parameter's arrays with state already moving (m, v, vMax non-trivial), `resident` or not. */
function segment(dtype: Dtype, n: number, seed: number, all: boolean, resident: boolean): AdamSegment {
  const v = values(dtype, n, seed + 3, all, 0.5).map(Math.abs) as Arr;
  const vMax = v.map((x, i) => (i % 2 === 0 ? x * 1.5 : x / 2)) as Arr;
  return {
    theta: place(values(dtype, n, seed, all, 1e3), resident),
    g: place(values(dtype, n, seed + 1, all), resident),
    m: place(values(dtype, n, seed + 2, all, 0.1), resident),
    v: place(v, resident),
    vMax: place(vMax, resident),
  };
}

function expectSame(got: AdamSegment[], ref: AdamSegment[], label: string): void {
  for (let j = 0; j < ref.length; j++) {
    for (const k of ["theta", "m", "v", "vMax"] as const) {
      expect(differences(got[j][k] as Arr, ref[j][k] as Arr), `${label}: parameter ${j} (${ref[j].theta.length}), ${k}`).toEqual([]);
    }
  }
}

describe.skipIf(!wasmOn)("Adam's general WebAssembly kernel: bit for bit the TypeScript reference", () => {
  for (const dtype of ["float32", "float64"] as const) {
    for (const [placement, residentAt] of [
      ["ordinary", (): boolean => false],
      ["resident (in place) where ≥ 1024 elements, the rest packed", (n: number): boolean => n >= 1024],
    ] as const) {
      it(`${dtype}, one group of lengths ${LENGTHS.join(", ")}, ${placement}: every option, 3 steps`, () => {
        const spy = vi.spyOn(WasmKernelModule.prototype, "adamGeneral");
        try {
          for (const all of [false, true]) {
            for (const c of CASES) {
              const ref = LENGTHS.map((n, j) => segment(dtype, n, 10 * j + 1, all, false));
              const got = LENGTHS.map((n, j) => segment(dtype, n, 10 * j + 1, all, residentAt(n)));
              for (let t = 1; t <= 3; t++) {
                const stepSize = c.lr / (1 - c.betas[0] ** t);
                const bias2Sqrt = Math.sqrt(1 - c.betas[1] ** t);
                adamGroupReference(ref, c.betas[0], c.betas[1], stepSize, bias2Sqrt, c.eps, c.decay);
                adamGroupWasm(got, c.betas[0], c.betas[1], stepSize, bias2Sqrt, c.eps, c.decay);
              }
              expectSame(got, ref, `${c.name}${all ? ", ±∞ and NaN" : ""}`);
            }
          }
          expect(spy).toHaveBeenCalled();
          for (const r of spy.mock.results) expect(r.value).toBe(true);
        } finally {
          spy.mockRestore();
        }
      });
    }
  }

  it("max(−0, +0) is +0 and NaN propagates in amsgrad's running maximum, as Math.max", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const n = 512;
      const make = (): AdamSegment[] => {
        const s = segment(dtype, n, 99, false, false);
        // v ends +0 (g = 0, v = 0 with β₂ = 0); vMax holds −0, +0 and NaN.
        for (let i = 0; i < n; i++) {
          s.g[i] = i % 3 === 0 ? 0 : s.g[i];
          s.v[i] = 0;
          (s.vMax as Arr)[i] = i % 3 === 0 ? (i % 2 === 0 ? -0 : 0) : i % 5 === 0 ? NaN : (s.vMax as Arr)[i];
        }
        return [s];
      };
      const ref = make();
      const got = make();
      const decay = { l2: 0, shrink: 1, amsgrad: true };
      adamGroupReference(ref, 0.9, 0, 0.01, 1, 1e-8, decay);
      adamGroupWasm(got, 0.9, 0, 0.01, 1, 1e-8, decay);
      expectSame(got, ref, dtype);
      expect(Object.is(got[0].vMax?.[0], 0)).toBe(true);
    }
  });
});

type Make = (params: Parameter[]) => Adam;
const TRAINING: [string, Make][] = [
  ["AdamW (λ 0.01)", (p) => new AdamW(p, { lr: 0.01 })],
  ["AdamW (λ 0.1, amsgrad)", (p) => new AdamW(p, { lr: 0.01, weightDecay: 0.1, amsgrad: true })],
  ["Adam (amsgrad)", (p) => new Adam(p, { lr: 0.01, amsgrad: true })],
  ["Adam (L2 0.01)", (p) => new Adam(p, { lr: 0.01, weightDecay: 0.01 })],
];

/** Trains a small float32 MLP 8 steps, seeded; returns its parameters' final values. */
function train(make: Make, wasm: boolean, resident: boolean): Float32Array[] {
  const previousKernels = setKernels(wasm ? wasmKernels : typescriptKernels);
  const previousResident = setResidentStorage(resident);
  try {
    const rng = generator(5);
    const model = new Sequential(
      new Dense(30, 48, { activation: "relu", rng }),
      new Dense(48, 40, { activation: "tanh", rng }),
      new Dense(40, 5, { rng }),
    );
    const params = model.parameters();
    const opt = make(params);
    const data = generator(300);
    for (let t = 0; t < 8; t++) {
      const x = new Tensor(Float32Array.from({ length: 16 * 30 }, () => data.uniform() * 2 - 1), [16, 30]);
      const labels = Int32Array.from({ length: 16 }, (_, i) => (i * 3 + t) % 5);
      opt.zeroGrad();
      crossEntropyLoss(model.forward(x), labels).backward();
      opt.step();
    }
    return params.map((p) => (p.data as Float32Array).slice());
  } finally {
    setResidentStorage(previousResident);
    setKernels(previousKernels);
  }
}

// float32 products in WebAssembly are not bit for bit the TypeScript ones (another summation
// order), so both runs use the WebAssembly kernels; in the reference run `adamGeneral`
// declines, and the dispatcher falls back to `adamGeneralReference` (the TypeScript loop).
describe.skipIf(!wasmOn)("seeded float32 training: the same bits with Adam's WebAssembly kernel and the TypeScript loop", () => {
  for (const [name, make] of TRAINING) {
    it(name, () => {
      for (const resident of [true, false]) {
        const spy = vi.spyOn(WasmKernelModule.prototype, "adamGeneral").mockReturnValue(false);
        let ref: Float32Array[];
        try {
          ref = train(make, true, resident);
          expect(spy).toHaveBeenCalled();
        } finally {
          spy.mockRestore();
        }
        const real = vi.spyOn(WasmKernelModule.prototype, "adamGeneral");
        try {
          const got = train(make, true, resident);
          expect(real).toHaveBeenCalled();
          for (const r of real.mock.results) expect(r.value).toBe(true);
          for (let j = 0; j < ref.length; j++) expect(differences(got[j], ref[j]), `parameter ${j}, resident ${resident}`).toEqual([]);
        } finally {
          real.mockRestore();
        }
      }
    });
  }
});
