// The float64 WebAssembly kernels besides the whole product (kernels-f64.test.ts): the Dense
// forward and backward, SGD, and the block entry points threads use. Each is bit for bit its
// TypeScript reference (the float64 contract), on odd sizes, every flag, and NaN, ±∞, ±0.
import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { gemmReference } from "../src/kernels/gemm.js";
import { linearBackwardReference, linearForwardReference, type LinearAct } from "../src/kernels/linear.js";
import { sgdReference, type SgdScalars } from "../src/kernels/optim.js";
import { enableWasmKernels, linearBackwardWasm, linearForwardWasm, sgdWasm, WASM_OPTIM_MIN_SIZE } from "../src/kernels/wasm.js";
import { WasmKernelModule } from "../src/kernels/wasm-module.js";
import { generator } from "../src/tensor/random.js";

const wasmOn = enableWasmKernels();

/** Uniform values in (−1, 1) with, when asked, the awkward ones mixed in: ±0, ±∞, NaN, huge, subnormal. */
function values(n: number, seed: number, specials = false, scale = 1): Float64Array {
  const rng = generator(seed);
  const a = new Float64Array(n);
  const special = [0, -0, Infinity, -Infinity, NaN, 1e300, -1e-310];
  for (let i = 0; i < n; i++) a[i] = specials && i % 13 === 6 ? special[(i / 13) % special.length | 0] : (rng.uniform() * 2 - 1) * scale;
  return a;
}

/** Indices where `a` and `b` differ bit for bit (Object.is: NaN equals NaN, +0 differs from −0). */
function differences(a: Float64Array, b: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) out.push(i);
  return out;
}

// [batch, out, in]: odd sizes, one KC block and more (k = 257, 513; G_W accumulated over batch 300 > KC).
const shapes: [number, number, number][] = [
  [1, 7, 41], [3, 3, 31], [7, 9, 5], [17, 3, 17], [5, 13, 33], [9, 11, 257], [3, 513, 17], [13, 10, 513], [37, 29, 19], [300, 3, 5],
];

describe.skipIf(!wasmOn)("float64 WebAssembly Dense kernels: bit for bit the TypeScript reference", () => {
  it("float64 Dense forward, backward and SGD run in WebAssembly (not the TypeScript fallback)", () => {
    const spies = [
      vi.spyOn(WasmKernelModule.prototype, "linearForward64"),
      vi.spyOn(WasmKernelModule.prototype, "linearBackward64"),
      vi.spyOn(WasmKernelModule.prototype, "sgd"),
    ];
    try {
      const [batch, out, inF] = [4, 8, 16];
      const x = values(batch * inF, 1);
      const w = values(out * inF, 2);
      const y = new Float64Array(batch * out);
      linearForwardWasm(batch, out, inF, x, w, null, 1, y);
      linearBackwardWasm(batch, out, inF, values(batch * out, 3), y, 1, x, w, null, new Float64Array(out * inF), new Float64Array(out));
      sgdWasm([{ theta: values(WASM_OPTIM_MIN_SIZE, 4), g: values(WASM_OPTIM_MIN_SIZE, 5), b: null, first: true }], {
        lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0,
      });
      for (const spy of spies) expect(spy.mock.results.map((result) => result.value), spy.getMockName()).toEqual([true]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  for (const [batch, out, inF] of shapes) {
    for (const act of [0, 1] as LinearAct[]) {
      it(`forward ${batch}×${out}×${inF}, act ${act}, with and without bias`, () => {
        const seed = batch * 31 + out * 7 + inF;
        const x = values(batch * inF, seed, true);
        const w = values(out * inF, seed + 1);
        for (const b of [values(out, seed + 2, true), null]) {
          const ref = new Float64Array(batch * out);
          const got = new Float64Array(batch * out).fill(NaN);
          linearForwardReference(batch, out, inF, x, w, b, act, ref, gemmReference);
          linearForwardWasm(batch, out, inF, x, w, b, act, got);
          expect(differences(got, ref), b === null ? "no bias" : "bias").toEqual([]);
        }
      });

      it(`backward ${batch}×${out}×${inF}, act ${act}, every output subset, overwriting and accumulating`, () => {
        const seed = batch * 17 + out * 5 + inF;
        const x = values(batch * inF, seed, true);
        const w = values(out * inF, seed + 1, true);
        const gy = values(batch * out, seed + 2, true);
        // The forward's output: ReLU's backward reads its sign (−0, +0, NaN included).
        const y = values(batch * out, seed + 3, true);
        for (let mask = 1; mask < 8; mask++) {
          for (const accumulate of [false, true]) {
            const make = (): (Float64Array | null)[] => [
              mask & 1 ? values(batch * inF, seed + 4) : null,
              mask & 2 ? values(out * inF, seed + 5) : null,
              mask & 4 ? values(out, seed + 6) : null,
            ];
            const [rx, rw, rb] = make();
            const [gx, gw, gb] = make();
            linearBackwardReference(batch, out, inF, gy, y, act, x, w, rx, rw, rb, gemmReference, accumulate, accumulate);
            linearBackwardWasm(batch, out, inF, gy, y, act, x, w, gx, gw, gb, accumulate, accumulate);
            const label = `outputs ${mask}, accumulate ${accumulate}`;
            if (rx !== null) expect(differences(gx as Float64Array, rx), `G_x, ${label}`).toEqual([]);
            if (rw !== null) expect(differences(gw as Float64Array, rw), `G_W, ${label}`).toEqual([]);
            if (rb !== null) expect(differences(gb as Float64Array, rb), `G_b, ${label}`).toEqual([]);
          }
        }
      });
    }
  }

  it("the backward leaves its inputs unchanged (G_y is not used as scratch)", () => {
    const [batch, out, inF] = [6, 10, 9];
    const gy = values(batch * out, 1);
    const y = values(batch * out, 2);
    const copy = Float64Array.from(gy);
    linearBackwardWasm(batch, out, inF, gy, y, 1, values(batch * inF, 3), values(out * inF, 4), new Float64Array(batch * inF), null, null);
    expect(differences(gy, copy)).toEqual([]);
  });
});

describe.skipIf(!wasmOn)("float64 WebAssembly SGD: bit for bit the TypeScript reference", () => {
  const SIZES = [1, 3, 17, 64, 513];
  const cases: SgdScalars[] = [
    { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
    { lr: 0.01, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.05 },
    { lr: 0.03, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 },
    { lr: 0.03, momentum: 0.9, dampening: 0.1, nesterov: false, weightDecay: 1e-3 },
    { lr: 0.03, momentum: 0.5, dampening: 0, nesterov: true, weightDecay: 1e-2 },
  ];
  for (const o of cases) {
    it(`SGD ${JSON.stringify(o)} over a group of sizes ${SIZES.join(", ")}, 3 steps, with ±∞, NaN, ±0`, () => {
      const make = () =>
        SIZES.map((n, j) => ({ theta: values(n, 10 + j, true), g: values(n, 20 + j, true, 0.5), b: o.momentum !== 0 ? new Float64Array(n) : null }));
      const ref = make();
      const wasm = make();
      expect(SIZES.reduce((a, b) => a + b)).toBeGreaterThanOrEqual(WASM_OPTIM_MIN_SIZE);
      for (let step = 0; step < 3; step++) {
        sgdReference(ref.map((s) => ({ ...s, first: step === 0 })), o);
        sgdWasm(wasm.map((s) => ({ ...s, first: step === 0 })), o);
      }
      for (let j = 0; j < SIZES.length; j++) {
        expect(differences(wasm[j].theta, ref[j].theta), `θ ${j}`).toEqual([]);
        if (ref[j].b !== null) expect(differences(wasm[j].b as Float64Array, ref[j].b as Float64Array), `b ${j}`).toEqual([]);
      }
    });
  }

  it("a group mixing float32 and float64 parameters updates each with its own kernel, as the reference does", () => {
    const o: SgdScalars = { lr: 0.05, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 };
    const make = () => [
      { theta: values(300, 1), g: values(300, 2), b: new Float64Array(300), first: true },
      { theta: Float32Array.from(values(300, 3)), g: Float32Array.from(values(300, 4)), b: new Float32Array(300), first: true },
    ];
    const ref = make();
    const wasm = make();
    sgdReference(ref, o);
    sgdWasm(wasm, o);
    expect(differences(wasm[0].theta as Float64Array, ref[0].theta as Float64Array)).toEqual([]);
    expect(Array.from(wasm[1].theta)).toEqual(Array.from(ref[1].theta));
  });
});

// The block entry points (`gemm64Block`, `linearForward64Block`) through the raw exports of
// build/kernels.wasm: each block of C computed alone equals that block of the whole product.
interface RawMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface RawWasm {
  Module: { new (bytes: Uint8Array): object; imports(module: object): { kind: string }[] };
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number }) => RawMemory;
}
type Block = (...args: number[]) => void;

function rawKernels(): { memory: RawMemory; exports: Record<string, unknown> } | null {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(new URL("../build/kernels.wasm", import.meta.url));
  } catch {
    return null;
  }
  const wasm = (globalThis as unknown as { WebAssembly: RawWasm }).WebAssembly;
  const module = new wasm.Module(bytes);
  // The build imports its memory (threads share it) or, before that change, exports it.
  const imported = wasm.Module.imports(module).some((i) => i.kind === "memory");
  const own = imported ? new wasm.Memory({ initial: 1, maximum: 32768 }) : null;
  const instance = new wasm.Instance(module, own === null ? {} : { env: { memory: own } });
  return { memory: own ?? (instance.exports.memory as RawMemory), exports: instance.exports };
}

const raw = wasmOn ? rawKernels() : null;

describe.skipIf(raw === null || typeof raw.exports.gemm64Block !== "function")("float64 block kernels (for threads)", () => {
  const r = raw as { memory: RawMemory; exports: Record<string, unknown> };
  const heapBase = (r.exports.heapBase as () => number)();
  const workspaceBytes64 = r.exports.workspaceBytes64 as (k: number) => number;
  const align = (x: number): number => Math.ceil(x / 64) * 64;
  /** Copies the arrays into memory after the static data and returns their addresses and the workspace's. */
  function place(arrays: Float64Array[], k: number): { at: number[]; work: number; heap: Float64Array } {
    let end = align(heapBase);
    const at = arrays.map((a) => {
      const p = end;
      end = align(end + 8 * a.length);
      return p;
    });
    const work = end;
    end += workspaceBytes64(k);
    const have = r.memory.buffer.byteLength;
    if (end > have) r.memory.grow(Math.ceil((end - have) / 65536));
    const heap = new Float64Array(r.memory.buffer);
    arrays.forEach((a, i) => heap.set(a, at[i] >>> 3));
    return { at, work, heap };
  }

  it("the float64 workspace fits in the float32 one (each thread's workspace serves both)", () => {
    const workspaceBytes = r.exports.workspaceBytes as () => number;
    for (const k of [1, 255, 256, 257, 100000]) expect(workspaceBytes64(k)).toBeLessThanOrEqual(workspaceBytes());
  });

  for (const variant of ["NN", "NT", "TN", "TT"] as const) {
    it(`gemm64Block ${variant}: blocks of rows and of columns, odd edges, give the whole product's bits`, () => {
      const [m, n, k] = [23, 19, 300];
      const ta = variant[0] === "T";
      const tb = variant[1] === "T";
      const a = values(m * k, 5, true);
      const b = values(k * n, 6, true);
      const ref = new Float64Array(m * n);
      gemmReference(ta, tb, m, n, k, a, b, ref);
      for (const [i0, i1, j0, j1] of [[0, 23, 0, 19], [0, 7, 0, 19], [7, 23, 0, 19], [0, 23, 5, 6], [0, 23, 6, 19], [3, 20, 2, 17]]) {
        const { at, work, heap } = place([a, b, new Float64Array(m * n).fill(NaN)], k);
        (r.exports.gemm64Block as Block)(ta ? 1 : 0, tb ? 1 : 0, m, n, k, at[0], at[1], at[2], work, i0, i1, j0, j1);
        const c = heap.slice(at[2] >>> 3, (at[2] >>> 3) + m * n);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            const inside = i >= i0 && i < i1 && j >= j0 && j < j1;
            expect(Object.is(c[i * n + j], inside ? ref[i * n + j] : NaN), `${variant} block ${[i0, i1, j0, j1]} at ${i},${j}`).toBe(true);
          }
        }
      }
    });
  }

  it("linearForward64Block: blocks give the whole forward's bits (bias, ReLU)", () => {
    const [batch, out, inF] = [11, 9, 37];
    const x = values(batch * inF, 7, true);
    const w = values(out * inF, 8);
    const bias = values(out, 9, true);
    const ref = new Float64Array(batch * out);
    linearForwardReference(batch, out, inF, x, w, bias, 1, ref, gemmReference);
    for (const [i0, i1, j0, j1] of [[0, 11, 0, 9], [0, 4, 0, 9], [4, 11, 3, 8]]) {
      const { at, work, heap } = place([x, w, bias, new Float64Array(batch * out).fill(NaN)], inF);
      (r.exports.linearForward64Block as Block)(batch, out, inF, at[0], at[1], at[2], 1, at[3], work, i0, i1, j0, j1);
      const y = heap.slice(at[3] >>> 3, (at[3] >>> 3) + batch * out);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) expect(Object.is(y[i * out + j], ref[i * out + j])).toBe(true);
    }
  });
});
