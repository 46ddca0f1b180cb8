import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { gemmReference } from "../src/kernels/gemm.js";
import { allFiniteReference } from "../src/kernels/finite.js";
import { allFiniteWasm, allocateStorage, enableWasmKernels, gemmWasm, kernelInfo, RESIDENT_MIN_SIZE, setResidentStorage } from "../src/kernels/wasm.js";
import { Dense } from "../src/layers/dense.js";
import { Parameter } from "../src/layers/parameter.js";
import { Sequential } from "../src/layers/sequential.js";
import { crossEntropyLoss } from "../src/losses/cross-entropy.js";
import { Adam } from "../src/optim/adam.js";
import { RMSprop } from "../src/optim/rmsprop.js";
import { SGD } from "../src/optim/sgd.js";
import { randn } from "../src/tensor/creation.js";
import { generator } from "../src/tensor/random.js";
import { Tensor } from "../src/tensor/tensor.js";

// Parameters, gradients and optimiser state live in the WebAssembly kernels' (shared) memory,
// so the Dense kernels and the optimisers use them in place instead of copying them in and
// out on every call. The results must be the same bits as with ordinary arrays.

const wasmOn = enableWasmKernels();
const shared = (a: Float32Array | Float64Array): boolean => a.buffer instanceof SharedArrayBuffer;

function values(n: number, seed: number): Float32Array {
  const rng = generator(seed);
  return Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
}

/** Seeded training; returns every parameter's bits and whether they were resident. */
function train(optimizer: "sgd" | "adam" | "rmsprop", resident: boolean): { bits: number[][]; resident: boolean[] } {
  const previous = setResidentStorage(resident);
  try {
    const rng = generator(3);
    const model = new Sequential(new Dense(40, 64, { activation: "relu", rng }), new Dense(64, 64, { activation: "tanh", rng }), new Dense(64, 5, { rng }));
    const params = model.parameters();
    const opt =
      optimizer === "sgd"
        ? new SGD(params, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })
        : optimizer === "adam"
          ? new Adam(params, { lr: 0.01 })
          : new RMSprop(params, { lr: 0.01, momentum: 0.5, centered: true });
    for (let t = 0; t < 10; t++) {
      const x = new Tensor(values(16 * 40, 100 + t), [16, 40]);
      const labels = Int32Array.from({ length: 16 }, (_, i) => (i + t) % 5);
      opt.zeroGrad();
      crossEntropyLoss(model.forward(x), labels).backward();
      opt.step();
    }
    return {
      bits: params.map((p) => Array.from(new Uint32Array((p.data as Float32Array).slice().buffer))),
      resident: params.map((p) => shared(p.data) && p.grad !== null && shared(p.grad.data)),
    };
  } finally {
    setResidentStorage(previous);
  }
}

describe.skipIf(!wasmOn)("parameters, gradients and optimiser state in WebAssembly memory", () => {
  it("a Dense layer's weight, its gradient and Adam's moments are resident; small arrays are not", () => {
    const layer = new Dense(64, 32);
    const opt = new Adam(layer.parameters());
    layer.forward(randn([4, 64])).sum().backward();
    opt.step();
    expect(layer.weight.size).toBeGreaterThanOrEqual(RESIDENT_MIN_SIZE);
    expect(shared(layer.weight.data)).toBe(true);
    expect(shared((layer.weight.grad as Tensor).data)).toBe(true);
    // The bias (32 elements) is below RESIDENT_MIN_SIZE: an ordinary array.
    expect(shared((layer.bias as Parameter).data)).toBe(false);
    expect(kernelInfo().residentBytes).toBeGreaterThanOrEqual(3 * 64 * 32 * 4);
  });

  for (const optimizer of ["sgd", "adam", "rmsprop"] as const) {
    it(`seeded ${optimizer} training gives the same bits with resident and with ordinary arrays`, () => {
      const on = train(optimizer, true);
      const off = train(optimizer, false);
      expect(on.resident.some((r) => r)).toBe(true);
      expect(off.resident.every((r) => !r)).toBe(true);
      expect(on.bits).toEqual(off.bits);
    });
  }

  it("an in-place change of one resident tensor does not block the backward of another (version counters are per array)", () => {
    const w = new Parameter(randn([2048], { rng: generator(1) }));
    const other = new Tensor(allocateStorage("float32", 2048), [2048]);
    expect(shared(w.data) && shared(other.data)).toBe(true);
    const loss = w.mul(w).sum();
    other.add_(1);
    loss.backward();
    expect(Array.from((w.grad as Tensor).data.slice(0, 3))).toEqual(Array.from(w.data.slice(0, 3)).map((v) => Math.fround(2 * v)));
    // Changing a recorded input is still caught.
    const again = w.mul(w).sum();
    w.data[0] += 0; // not an op: no version change
    expect(() => again.backward()).not.toThrow();
    const x = new Tensor(allocateStorage("float32", 2048), [2048], { requiresGrad: true });
    const y = x.mul(x).sum();
    x.detach().add_(1);
    expect(() => y.backward()).toThrow(/modified in place by add_/);
  });

  it("the pre-step finiteness scan of resident gradients (SIMD, in place) agrees with the TypeScript one", () => {
    for (const dtype of ["float32", "float64"] as const) {
      for (const length of [1024, 1031, 4099]) {
        const a = allocateStorage(dtype, length);
        expect(shared(a)).toBe(true);
        a.set(values(length, length));
        expect(allFiniteWasm(a)).toBe(true);
        for (const bad of [Number.NaN, Infinity, -Infinity]) {
          for (const at of [0, 5, 8, length - 9, length - 1]) {
            const keep = a[at];
            a[at] = bad;
            expect(allFiniteWasm(a), `${dtype} ${length}: ${bad} at ${at}`).toBe(false);
            expect(allFiniteReference(a)).toBe(false);
            a[at] = keep;
          }
        }
        // The largest finite values and −0 are finite.
        a[3] = dtype === "float32" ? 3.4028234663852886e38 : Number.MAX_VALUE;
        a[4] = -0;
        expect(allFiniteWasm(a)).toBe(true);
      }
    }
  });

  it("a product whose output overlaps a resident input is computed from the inputs as they were", () => {
    const [m, n, k] = [20, 30, 30];
    const storage = allocateStorage("float32", 4096) as Float32Array;
    const a = storage.subarray(0, m * k);
    a.set(values(m * k, 1));
    const b = values(k * n, 2);
    const expected = new Float32Array(m * n);
    gemmWasm(false, false, m, n, k, a.slice(), b, expected);
    const reference = new Float32Array(m * n);
    gemmReference(false, false, m, n, k, a.slice(), b, reference);
    for (let i = 0; i < m * n; i++) expect(Math.abs(expected[i] - reference[i])).toBeLessThan(1e-4);
    // C is A's own storage (m·n = m·k here).
    gemmWasm(false, false, m, n, k, a, b, a);
    expect(a).toEqual(expected);
  });

  /**
   * In a child process with a forced GC: 40 rounds of building the model `build(i)` (source
   * text over `t`, typegrad, and the round `i`), one Adam step on `input(i)`, collecting it;
   * returns the memory size after each round and the resident bytes at the end.
   */
  function collectedRounds(build: string, input: string): { sizes: number[]; resident: number } {
    const script = `
      const t = await import(${JSON.stringify(new URL("../src/index.ts", import.meta.url).href)});
      const v8 = await import("node:v8");
      const vm = await import("node:vm");
      v8.setFlagsFromString("--expose-gc");
      const gc = vm.runInNewContext("gc");
      const sizes = [];
      for (let i = 0; i < 40; i++) {
        const model = ${build};
        const opt = new t.Adam(model.parameters());
        model.forward(t.randn(${input})).sum().backward();
        opt.step();
        gc();
        await new Promise((resolve) => setTimeout(resolve, 0));
        sizes.push(t.kernelInfo().wasmMemoryBytes);
      }
      console.log(JSON.stringify({ sizes, resident: t.kernelInfo().residentBytes }));
    `;
    const tsx = new URL("../node_modules/tsx/dist/cli.mjs", import.meta.url).pathname;
    const run = spawnSync(process.execPath, ["--expose-gc", tsx, "--input-type=module", "-e", script], { encoding: "utf8", timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    return JSON.parse(run.stdout.trim().split("\n").pop() as string) as { sizes: number[]; resident: number };
  }

  it("memory comes back when models are garbage-collected (no dispose)", () => {
    const got = collectedRounds("new t.Sequential(new t.Dense(500, 1000), new t.Dense(1000, 10))", "[8, 500]");
    // One model holds ~0.5 M parameters × 4 arrays (value, gradient, two moments) × 4 bytes ≈ 8 MB;
    // 40 of them kept would be 320 MB.
    expect(got.sizes[got.sizes.length - 1]).toBeLessThan(64 * 2 ** 20);
    expect(got.resident).toBeLessThan(20 * 2 ** 20);
  });

  it("freed blocks are merged and reused by arrays of other sizes, and given back to the scratch at the top", () => {
    // A different width every round: exact-size reuse alone would take new blocks each time.
    const got = collectedRounds("new t.Sequential(new t.Dense(300 + 17 * i, 1000), new t.Dense(1000, 10 + (i % 7)))", "[8, 300 + 17 * i]");
    // The largest model holds ~1 M parameters × 4 arrays × 4 bytes ≈ 16 MB; 40 of them kept would be ~450 MB.
    expect(got.sizes[got.sizes.length - 1]).toBeLessThan(80 * 2 ** 20);
    expect(got.resident).toBeLessThan(40 * 2 ** 20);
  });

  it("zeroGrad(setToNone) in a synchronous loop does not take a new block every step", () => {
    const rng = generator(5);
    const model = new Sequential(new Dense(256, 512, { activation: "relu", rng }), new Dense(512, 10, { rng }));
    const opt = new SGD(model.parameters(), { lr: 0.01 });
    const x = new Tensor(values(4 * 256, 1), [4, 256]);
    const labels = Int32Array.from([1, 2, 3, 4]);
    const memory: number[] = [];
    for (let t = 0; t < 40; t++) {
      opt.zeroGrad(true);
      crossEntropyLoss(model.forward(x), labels).backward();
      opt.step();
      memory.push(kernelInfo().wasmMemoryBytes);
    }
    // 40 steps × 0.13 M gradient elements × 4 bytes would be 21 MB of new blocks.
    expect(memory[memory.length - 1] - memory[1]).toBeLessThan(2 ** 20);
    // A gradient set to None comes back in ordinary storage (copied into the kernels per call).
    const w = (model.parameters()[0].grad as Tensor).data;
    expect(shared(w)).toBe(false);
    // …and training is the same as with zeroGrad() (gradients zeroed in place).
    const again = (setToNone: boolean): number[] => {
      const r = generator(6);
      const m = new Sequential(new Dense(256, 64, { activation: "relu", rng: r }), new Dense(64, 10, { rng: r }));
      const o = new Adam(m.parameters(), { lr: 0.01 });
      for (let t = 0; t < 5; t++) {
        o.zeroGrad(setToNone);
        crossEntropyLoss(m.forward(x), labels).backward();
        o.step();
      }
      return Array.from(new Uint32Array((m.parameters()[0].data as Float32Array).slice().buffer));
    };
    expect(again(true)).toEqual(again(false));
  });

  it("zeroGrad zeroes a resident gradient in place (one memory.fill), every element +0, other memory untouched", () => {
    const w = new Parameter(randn([4096], { rng: generator(2) }));
    const neighbour = allocateStorage("float32", 2048);
    neighbour.fill(7);
    w.mul(w).sum().backward();
    const g = (w.grad as Tensor).data;
    expect(shared(g)).toBe(true);
    g[5] = -0;
    g[4095] = Number.NaN;
    w.zeroGrad();
    expect((w.grad as Tensor).data).toBe(g);
    for (let i = 0; i < g.length; i++) if (!Object.is(g[i], 0)) throw new Error(`element ${i} is ${g[i]}`);
    expect(neighbour.every((v) => v === 7)).toBe(true);
  });

  it("a fresh input that requires grad each step (saliency, adversarial examples) gets its gradient in ordinary memory", () => {
    const layer = new Dense(1024, 8, { rng: generator(4) });
    const memory: number[] = [];
    for (let t = 0; t < 30; t++) {
      const x = new Tensor(values(4 * 1024, t), [4, 1024], { requiresGrad: true });
      layer.forward(x).sum().backward();
      expect(shared((x.grad as Tensor).data)).toBe(false);
      memory.push(kernelInfo().wasmMemoryBytes);
    }
    // 30 steps × 4 096 elements × 4 bytes: a new block each step would be ~0.5 MB.
    expect(memory[memory.length - 1]).toBe(memory[1]);
    // The parameter's own gradient is resident, and is the same array every step.
    expect(shared((layer.weight.grad as Tensor).data)).toBe(true);
  });
});
