// The float64 optimiser kernels `adamStep64` and `rmspropStep64` (assembly/optim64.ts): each is
// bit for bit its TypeScript reference (the float64 contract) on odd lengths, every option,
// awkward values (±0, subnormals, huge magnitudes, ±∞, NaN), resident and ordinary arrays,
// and through the optimisers in seeded float64 training.
import { describe, expect, it, vi } from "vitest";
import { adamGroupReference, type AdamSegment } from "../src/kernels/adam.js";
import { setKernels, typescriptKernels } from "../src/kernels/index.js";
import { rmspropReference, type RmspropScalars, type RmspropSegment } from "../src/kernels/optim.js";
import {
  adamGroupWasm, allocateStorage, enableWasmKernels, rmspropWasm, setResidentStorage, WASM_OPTIM_MIN_SIZE, wasmKernels,
} from "../src/kernels/wasm.js";
import { WasmKernelModule } from "../src/kernels/wasm-module.js";
import { Dense } from "../src/layers/dense.js";
import { Parameter } from "../src/layers/parameter.js";
import { Sequential } from "../src/layers/sequential.js";
import { crossEntropyLoss } from "../src/losses/cross-entropy.js";
import { Adam, AdamW, type AdamOptions } from "../src/optim/adam.js";
import { RMSprop, type RMSpropOptions } from "../src/optim/rmsprop.js";
import { generator } from "../src/tensor/random.js";
import { Tensor } from "../src/tensor/tensor.js";

const wasmOn = enableWasmKernels();
const LENGTHS = [1, 3, 5, 1023, 1031, 4099];

/** Values in (−scale, scale) with, when asked, awkward ones mixed in (`finite`: no ±∞, NaN). */
function values(n: number, seed: number, specials: "none" | "finite" | "all" = "none", scale = 1): Float64Array {
  const rng = generator(seed);
  const a = new Float64Array(n);
  const finite = [0, -0, 5e-324, -1e-310, 2.2e-308, 1e300, -1e154, 3e-160];
  const all = [...finite, Infinity, -Infinity, NaN];
  const special = specials === "all" ? all : finite;
  for (let i = 0; i < n; i++) {
    a[i] = specials !== "none" && i % 7 === 3 ? special[(i / 7) % special.length | 0] : (rng.uniform() * 2 - 1) * scale;
  }
  // A length-1 array still gets one awkward value.
  if (specials !== "none" && n < 4) a[0] = -0;
  return a;
}

/** Indices where `a` and `b` differ bit for bit (Object.is: NaN equals NaN, +0 differs from −0). */
function differences(a: Float64Array, b: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) out.push(i);
  return out;
}

/** A copy of `a` in WebAssembly memory (resident) when `resident`, else an ordinary array. */
function place(a: Float64Array, resident: boolean): Float64Array {
  if (!resident) return a.slice();
  const r = allocateStorage("float64", a.length);
  expect(r.buffer instanceof SharedArrayBuffer, "allocateStorage gave a resident array").toBe(true);
  r.set(a);
  return r as Float64Array;
}

/** Adam's per-step scalars as `Adam.step` computes them. */
function adamScalars(lr: number, beta1: number, beta2: number, t: number): [number, number] {
  return [lr / (1 - beta1 ** t), Math.sqrt(1 - beta2 ** t)];
}

interface AdamCase {
  lr: number;
  betas: [number, number];
  eps: number;
}
// w = 1 − β₁ below, at and above 0.5 (the two lerp forms), β = 0, large lr, eps 0.
const adamCases: AdamCase[] = [
  { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8 },
  { lr: 0.5, betas: [0.3, 0.2], eps: 1e-3 },
  { lr: 0.1, betas: [0.5, 0.5], eps: 0 },
  { lr: 2, betas: [0, 0], eps: 1 },
  { lr: 0, betas: [0.99, 0.9999], eps: 1e-8 },
];

const rmsCases: RmspropScalars[] = [
  { lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0, centered: false, weightDecay: 0 },
  { lr: 0.01, alpha: 0.9, eps: 1e-6, momentum: 0.9, centered: false, weightDecay: 1e-2 },
  { lr: 0.01, alpha: 0.3, eps: 1e-8, momentum: 0, centered: true, weightDecay: 0 },
  { lr: 0.02, alpha: 0.99, eps: 1e-8, momentum: 0.5, centered: true, weightDecay: 1e-3 },
  { lr: 0.5, alpha: 0.5, eps: 0, momentum: 0, centered: false, weightDecay: 0.3 },
  { lr: 0.05, alpha: 0, eps: 1, momentum: 0.1, centered: true, weightDecay: 0 },
  { lr: 0.05, alpha: 1, eps: 1e-8, momentum: 2, centered: false, weightDecay: 0 },
];

type AdamArrays = { theta: Float64Array; g: Float64Array; m: Float64Array; v: Float64Array };
type RmsArrays = { theta: Float64Array; g: Float64Array; v: Float64Array; gAvg: Float64Array | null; b: Float64Array | null };

function makeAdam(n: number, seed: number, specials: "none" | "finite" | "all", resident = false): AdamArrays {
  return {
    theta: place(values(n, seed, specials), resident),
    g: place(values(n, seed + 1, specials, 0.5), resident),
    m: place(values(n, seed + 2, specials, 0.1), resident),
    v: place(values(n, seed + 3, "none", 0.1).map(Math.abs), resident),
  };
}

function makeRms(n: number, seed: number, o: RmspropScalars, specials: "none" | "finite" | "all", resident = false): RmsArrays {
  return {
    theta: place(values(n, seed, specials), resident),
    g: place(values(n, seed + 1, specials, 0.5), resident),
    v: place(values(n, seed + 2, "none", 0.1).map(Math.abs), resident),
    gAvg: o.centered ? place(values(n, seed + 3, specials, 0.01), resident) : null,
    b: o.momentum > 0 ? place(values(n, seed + 4, specials, 0.1), resident) : null,
  };
}

function expectSameAdam(got: readonly AdamArrays[], ref: readonly AdamArrays[]): void {
  for (let j = 0; j < ref.length; j++) {
    for (const key of ["theta", "m", "v"] as const) expect(differences(got[j][key], ref[j][key]), `${key} of segment ${j}`).toEqual([]);
  }
}

function expectSameRms(got: readonly RmsArrays[], ref: readonly RmsArrays[]): void {
  for (let j = 0; j < ref.length; j++) {
    for (const key of ["theta", "v", "gAvg", "b"] as const) {
      const r = ref[j][key];
      if (r !== null) expect(differences(got[j][key] as Float64Array, r), `${key} of segment ${j}`).toEqual([]);
    }
  }
}

describe.skipIf(!wasmOn)("float64 Adam and RMSprop kernels: bit for bit the TypeScript reference", () => {
  // A module of its own, called directly: no size threshold, so every length reaches the kernel.
  const module = WasmKernelModule.load() as WasmKernelModule;

  it("float64 Adam and RMSprop groups run in WebAssembly (not the TypeScript fallback)", () => {
    const spies = [vi.spyOn(WasmKernelModule.prototype, "adamGroup"), vi.spyOn(WasmKernelModule.prototype, "rmsprop")];
    try {
      const n = WASM_OPTIM_MIN_SIZE;
      adamGroupWasm([makeAdam(n, 1, "none")], 0.9, 0.999, 1e-2, 0.5, 1e-8);
      const o = rmsCases[3];
      rmspropWasm([makeRms(n, 2, o, "none")], o);
      for (const spy of spies) {
        expect(spy.mock.results.map((result) => result.value), spy.getMockName()).toEqual([true]);
        // …with the float64 parameters.
        expect(spy.mock.calls.map(([segments]) => segments[0].theta instanceof Float64Array)).toEqual([true]);
      }
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  for (const c of adamCases) {
    for (const specials of ["finite", "all"] as const) {
      it(`Adam ${JSON.stringify(c)}, lengths ${LENGTHS.join(", ")} one call each, 3 steps, ${specials} awkward values`, () => {
        for (const n of LENGTHS) {
          const ref = makeAdam(n, n, specials);
          const got = makeAdam(n, n, specials);
          for (let t = 1; t <= 3; t++) {
            const [stepSize, bias2Sqrt] = adamScalars(c.lr, c.betas[0], c.betas[1], t);
            adamGroupReference([ref], c.betas[0], c.betas[1], stepSize, bias2Sqrt, c.eps);
            expect(module.adamGroup([got], c.betas[0], c.betas[1], stepSize, bias2Sqrt, c.eps)).toBe(true);
          }
          expectSameAdam([got], [ref]);
        }
      });
    }
  }

  for (const o of rmsCases) {
    for (const specials of ["finite", "all"] as const) {
      it(`RMSprop ${JSON.stringify(o)}, lengths ${LENGTHS.join(", ")} one call each, 3 steps, ${specials} awkward values`, () => {
        for (const n of LENGTHS) {
          const ref = makeRms(n, n, o, specials);
          const got = makeRms(n, n, o, specials);
          for (let t = 0; t < 3; t++) {
            rmspropReference([ref], o);
            expect(module.rmsprop([got], o)).toBe(true);
          }
          expectSameRms([got], [ref]);
        }
      });
    }
  }

  // Through the dispatch: one group of every length, parameters resident (updated in
  // place), ordinary (packed) and partly resident (packed) in the same call.
  const placements: [string, (j: number) => boolean][] = [
    ["ordinary", () => false],
    ["resident where ≥ 1024 elements", () => true],
  ];
  for (const [label, residentAt] of placements) {
    it(`Adam over one group of lengths ${LENGTHS.join(", ")}, ${label}, every case, 3 steps`, () => {
      for (const c of adamCases) {
        const ref = LENGTHS.map((n, j) => makeAdam(n, 50 + j, "finite"));
        const got = LENGTHS.map((n, j) => makeAdam(n, 50 + j, "finite", n >= 1024 && residentAt(j)));
        // One parameter partly resident (θ only): packed with the ordinary ones.
        if (residentAt(0)) got[4] = { ...got[4], theta: place(got[4].theta, true), g: got[4].g.slice() };
        for (let t = 1; t <= 3; t++) {
          const [stepSize, bias2Sqrt] = adamScalars(c.lr, c.betas[0], c.betas[1], t);
          adamGroupReference(ref, c.betas[0], c.betas[1], stepSize, bias2Sqrt, c.eps);
          adamGroupWasm(got, c.betas[0], c.betas[1], stepSize, bias2Sqrt, c.eps);
        }
        expectSameAdam(got, ref);
      }
    });

    it(`RMSprop over one group of lengths ${LENGTHS.join(", ")}, ${label}, every case, 3 steps`, () => {
      for (const o of rmsCases) {
        const ref = LENGTHS.map((n, j) => makeRms(n, 70 + j, o, "finite"));
        const got = LENGTHS.map((n, j) => makeRms(n, 70 + j, o, "finite", n >= 1024 && residentAt(j)));
        if (residentAt(0)) got[4] = { ...got[4], theta: place(got[4].theta, true), v: got[4].v.slice() };
        for (let t = 0; t < 3; t++) {
          rmspropReference(ref, o);
          rmspropWasm(got, o);
        }
        expectSameRms(got, ref);
      }
    });
  }

  it("a group mixing float32 and float64 parameters updates each with its own kernel, as the reference does", () => {
    const make = (): AdamSegment[] => [
      makeAdam(300, 1, "finite"),
      { theta: new Float32Array(values(300, 3)), g: new Float32Array(values(300, 4)), m: new Float32Array(300), v: new Float32Array(300) },
    ];
    const ref = make();
    const got = make();
    adamGroupReference(ref, 0.9, 0.999, 0.01, 0.1, 1e-8);
    adamGroupWasm(got, 0.9, 0.999, 0.01, 0.1, 1e-8);
    expect(differences(got[0].theta as Float64Array, ref[0].theta as Float64Array)).toEqual([]);
    expect(Array.from(got[1].theta)).toEqual(Array.from(ref[1].theta));
    const o = rmsCases[3];
    const makeR = (): RmspropSegment[] => [
      makeRms(300, 5, o, "finite"),
      { theta: new Float32Array(values(300, 6)), g: new Float32Array(values(300, 7)), v: new Float32Array(300), gAvg: new Float32Array(300), b: new Float32Array(300) },
    ];
    const refR = makeR();
    const gotR = makeR();
    rmspropReference(refR, o);
    rmspropWasm(gotR, o);
    expect(differences(gotR[0].theta as Float64Array, refR[0].theta as Float64Array)).toEqual([]);
    expect(Array.from(gotR[1].theta)).toEqual(Array.from(refR[1].theta));
  });
});

// Every option the optimisers take, through `step()` on float64 parameters (the plain Adam
// update, its weight decay and amsgrad, and RMSprop, all in the kernels).
type Make = (params: Parameter[]) => Adam | RMSprop;
const optimizers: [string, Make][] = [
  ...(
    [
      {}, { lr: 0.1, betas: [0.3, 0.6], eps: 1e-4 }, { weightDecay: 0.01 }, { amsgrad: true }, { weightDecay: 0.1, amsgrad: true, eps: 0 },
    ] as AdamOptions[]
  ).flatMap((o): [string, Make][] => [
    [`Adam ${JSON.stringify(o)}`, (ps) => new Adam(ps, o)],
    [`AdamW ${JSON.stringify(o)}`, (ps) => new AdamW(ps, o)],
  ]),
  ...(
    [
      {}, { momentum: 0.9 }, { centered: true }, { alpha: 0.3, momentum: 0.5, centered: true, weightDecay: 1e-2 }, { alpha: 0, eps: 0.1, weightDecay: 0.5 },
    ] as RMSpropOptions[]
  ).map((o): [string, Make] => [`RMSprop ${JSON.stringify(o)}`, (ps) => new RMSprop(ps, { lr: 0.01, ...o })]),
];

/** Three steps of an optimiser over parameters of every length; the parameters' final values. */
function stepParams(make: Make, wasm: boolean, resident: boolean): Float64Array[] {
  const previousKernels = setKernels(wasm ? wasmKernels : typescriptKernels);
  const previousResident = setResidentStorage(resident);
  try {
    const params = LENGTHS.map((n, j) => new Parameter(new Tensor(values(n, 90 + j, "finite"), [n])));
    const opt = make(params);
    for (let t = 0; t < 3; t++) {
      params.forEach((p, j) => {
        const g = allocateStorage("float64", p.size);
        g.set(values(p.size, 200 + 10 * t + j, "finite", 0.5));
        p.grad = new Tensor(g, [p.size]);
      });
      opt.step();
    }
    if (wasm && resident) expect(params.some((p) => p.data.buffer instanceof SharedArrayBuffer)).toBe(true);
    return params.map((p) => (p.data as Float64Array).slice());
  } finally {
    setResidentStorage(previousResident);
    setKernels(previousKernels);
  }
}

/** Seeded float64 training of a small MLP; every parameter's final values. */
function train(make: Make, wasm: boolean, resident = true): Float64Array[] {
  const previousKernels = setKernels(wasm ? wasmKernels : typescriptKernels);
  const previousResident = setResidentStorage(resident);
  try {
    const rng = generator(5);
    const model = new Sequential(
      new Dense(30, 48, { activation: "relu", rng, dtype: "float64" }),
      new Dense(48, 40, { activation: "tanh", rng, dtype: "float64" }),
      new Dense(40, 5, { rng, dtype: "float64" }),
    );
    const params = model.parameters();
    const opt = make(params);
    for (let t = 0; t < 8; t++) {
      const x = new Tensor(values(16 * 30, 300 + t), [16, 30]);
      const labels = Int32Array.from({ length: 16 }, (_, i) => (i * 3 + t) % 5);
      opt.zeroGrad();
      crossEntropyLoss(model.forward(x), labels).backward();
      opt.step();
    }
    return params.map((p) => (p.data as Float64Array).slice());
  } finally {
    setResidentStorage(previousResident);
    setKernels(previousKernels);
  }
}

describe.skipIf(!wasmOn)("float64 Adam, AdamW and RMSprop: the same bits with the WebAssembly and the TypeScript kernels", () => {
  for (const [name, make] of optimizers) {
    it(`${name}: 3 steps over parameters of lengths ${LENGTHS.join(", ")}, resident and ordinary`, () => {
      const ref = stepParams(make, false, false);
      for (const resident of [true, false]) {
        const got = stepParams(make, true, resident);
        for (let j = 0; j < ref.length; j++) expect(differences(got[j], ref[j]), `parameter ${j}, resident ${resident}`).toEqual([]);
      }
    });
  }

  for (const [name, make] of [optimizers[0], optimizers[1], optimizers[6], ...optimizers.slice(-2)]) {
    it(`seeded float64 MLP training with ${name}`, () => {
      const spy = vi.spyOn(WasmKernelModule.prototype, name.startsWith("RMSprop") ? "rmsprop" : "adamGroup");
      try {
        const ref = train(make, false);
        expect(spy).not.toHaveBeenCalled();
        const got = train(make, true);
        const plain = !name.includes("weightDecay") && !name.includes("amsgrad") && !name.startsWith("AdamW");
        if (plain) expect(spy).toHaveBeenCalled();
        // Every call that reached the kernel had float64 parameters (the MLP is float64).
        for (const [segments] of spy.mock.calls) expect(segments[0].theta).toBeInstanceOf(Float64Array);
        const ordinary = train(make, true, false);
        for (let j = 0; j < ref.length; j++) {
          expect(differences(got[j], ref[j]), `parameter ${j}`).toEqual([]);
          expect(differences(ordinary[j], ref[j]), `parameter ${j}, ordinary arrays`).toEqual([]);
        }
      } finally {
        spy.mockRestore();
      }
    });
  }
});
