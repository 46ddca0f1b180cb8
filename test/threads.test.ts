import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { setKernels } from "../src/kernels/index.js";
import {
  enableWasmKernels, getNumThreads, gemmWasm, kernelInfo, linearBackwardWasm, linearForwardWasm, setNumThreads, THREAD_MIN_WORK, wasmKernels,
} from "../src/kernels/wasm.js";
import { Dense } from "../src/layers/dense.js";
import { Sequential } from "../src/layers/sequential.js";
import { crossEntropyLoss } from "../src/losses/cross-entropy.js";
import { Adam } from "../src/optim/adam.js";
import { generator } from "../src/tensor/random.js";
import { Tensor } from "../src/tensor/tensor.js";

// Large products split across worker threads by rows or columns of the output, each
// element computed whole by one thread in the single-threaded order: so every result here
// must be the same bits with 1, 2 or 3 threads, not merely close.

const wasmOn = enableWasmKernels();
const defaultThreads = getNumThreads();
afterAll(() => setNumThreads(Math.max(1, defaultThreads)));

function values(n: number, seed: number): Float32Array {
  const rng = generator(seed);
  return Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
}

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

/** The first index where `a` and `b` differ (bit patterns), or −1 (vitest's deep equality is slow on long arrays). */
function firstDifference(a: readonly Uint32Array[], b: readonly Uint32Array[]): string | null {
  if (a.length !== b.length) return `${a.length} vs ${b.length} arrays`;
  for (let j = 0; j < a.length; j++) {
    if (a[j].length !== b[j].length) return `array ${j}: length ${a[j].length} vs ${b[j].length}`;
    for (let i = 0; i < a[j].length; i++) if (a[j][i] !== b[j][i]) return `array ${j}, element ${i}: ${a[j][i]} vs ${b[j][i]}`;
  }
  return null;
}

/** Runs `fn` with each thread count and returns its results. */
function perThreadCount<T>(counts: readonly number[], fn: () => T): T[] {
  return counts.map((t) => {
    setNumThreads(t);
    return fn();
  });
}

describe.skipIf(!wasmOn)("threads: large products give the single-threaded bits", () => {
  // Odd sizes on both sides of the row/column split, and tall, wide and square products.
  const shapes: [number, number, number][] = [
    [1001, 67, 65],
    [67, 1001, 65],
    [130, 257, 129],
    [513, 511, 17],
    [7, 4099, 147],
    [4099, 5, 211],
  ];
  for (const variant of ["NN", "NT", "TN", "TT"] as const) {
    it(`gemm ${variant}: bit-identical with 1, 2 and 3 threads on odd sizes`, () => {
      const ta = variant[0] === "T";
      const tb = variant[1] === "T";
      const inputs = shapes.map(([m, n, k]) => [values(m * k, m + k), values(k * n, n + 3 * k)]);
      // One pass over every shape per thread count (starting workers is the slow part).
      const [one, two, three] = perThreadCount([1, 2, 3], () =>
        shapes.map(([m, n, k], s) => {
          expect(m * n * k).toBeGreaterThanOrEqual(THREAD_MIN_WORK);
          const c = new Float32Array(m * n).fill(Number.NaN);
          gemmWasm(ta, tb, m, n, k, inputs[s][0], inputs[s][1], c);
          return bits(c);
        }),
      );
      shapes.forEach(([m, n, k], s) => {
        expect(firstDifference([two[s]], [one[s]]), `${m}×${n}×${k}, 2 threads`).toBeNull();
        expect(firstDifference([three[s]], [one[s]]), `${m}×${n}×${k}, 3 threads`).toBeNull();
      });
    });
  }

  for (const act of [0, 1] as const) {
    it(`Dense forward and backward (${act === 1 ? "ReLU" : "no activation"}, bias, accumulating): bit-identical with 1 and 2 threads`, () => {
      for (const [batch, out, inF] of [[257, 130, 129], [33, 1000, 129], [600, 31, 230]] as const) {
        expect(batch * out * inF).toBeGreaterThanOrEqual(THREAD_MIN_WORK);
        const x = values(batch * inF, 1);
        const w = values(out * inF, 2);
        const b = values(out, 3);
        const gy = values(batch * out, 4);
        const [one, two] = perThreadCount([1, 2], () => {
          const y = new Float32Array(batch * out);
          linearForwardWasm(batch, out, inF, x, w, b, act, y);
          const gx = new Float32Array(batch * inF);
          const gw = values(out * inF, 5);
          const gb = values(out, 6);
          linearBackwardWasm(batch, out, inF, gy, y, act, x, w, gx, gw, gb, true, true);
          const gw2 = new Float32Array(out * inF);
          linearBackwardWasm(batch, out, inF, gy, y, act, x, w, null, gw2, null);
          return [y, gx, gw, gb, gw2].map(bits);
        });
        expect(firstDifference(two, one), `${batch}×${out}×${inF}`).toBeNull();
      }
    });
  }

  it("seeded training (MLP, Adam, batch 256) is bit-identical with 1 and 2 threads", () => {
    const train = (): Uint32Array[] => {
      const rng = generator(11);
      const model = new Sequential(new Dense(96, 256, { activation: "relu", rng }), new Dense(256, 256, { activation: "relu", rng }), new Dense(256, 10, { rng }));
      expect(256 * 256 * 256).toBeGreaterThanOrEqual(THREAD_MIN_WORK);
      const params = model.parameters();
      const opt = new Adam(params, { lr: 1e-3 });
      const x = new Tensor(values(256 * 96, 12), [256, 96]);
      const labels = Int32Array.from({ length: 256 }, (_, i) => (i * 7) % 10);
      for (let t = 0; t < 8; t++) {
        opt.zeroGrad();
        crossEntropyLoss(model.forward(x), labels).backward();
        opt.step();
      }
      return params.map((p) => bits(p.data as Float32Array));
    };
    setKernels(wasmKernels);
    const [one, two] = perThreadCount([1, 2], train);
    expect(firstDifference(two, one)).toBeNull();
  });

  it("kernelInfo reports the threads, and setNumThreads rejects bad counts naming the value", async () => {
    setNumThreads(2);
    const c = new Float32Array(256 * 256);
    gemmWasm(false, false, 256, 256, 256, values(256 * 256, 1), values(256 * 256, 2), c);
    // The worker starts on the first large product, and joins once it has loaded the kernels.
    for (let i = 0; i < 3000 && kernelInfo().activeThreads < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const info = kernelInfo();
    expect(info.activeThreads).toBe(2);
    expect(info.threadMinWork).toBe(THREAD_MIN_WORK);
    // In Node, worker_threads and shared memory are always there.
    expect(info.threadsError).toBeNull();
    expect(info.threads).toBe(2);
    expect(getNumThreads()).toBe(2);
    for (const bad of [0, -1, 1.5, Number.NaN, 65]) expect(() => setNumThreads(bad)).toThrow(/setNumThreads: threads must be an integer from 1 to 64, got/);
    expect(getNumThreads()).toBe(2);
  });
});

describe.skipIf(!wasmOn)("threads: changing the thread count", () => {
  it("keeps the workers: switching between 2 and 3 threads neither grows memory nor changes bits", () => {
    const [m, n, k] = [300, 301, 129];
    const a = values(m * k, 1);
    const b = values(k * n, 2);
    const product = (): Uint32Array => {
      const c = new Float32Array(m * n);
      gemmWasm(false, true, m, n, k, a, values(n * k, 2), c);
      return bits(c);
    };
    setNumThreads(1);
    const one = product();
    const memory: number[] = [];
    for (let i = 0; i < 12; i++) {
      setNumThreads(2 + (i % 2));
      expect(firstDifference([product()], [one]), `round ${i}, ${2 + (i % 2)} threads`).toBeNull();
      memory.push(kernelInfo().wasmMemoryBytes);
    }
    expect(b.length).toBe(k * n);
    // Each switch used to start a new pool with new workspaces (~0.9 MB).
    expect(memory[memory.length - 1]).toBe(memory[1]);
    expect(kernelInfo().threadsError).toBeNull();
  });
});

describe.skipIf(!wasmOn)("threads: where the runtime cannot share memory", () => {
  it("without SharedArrayBuffer the kernels load on a plain memory, run on one thread and say why", () => {
    // A child process whose global SharedArrayBuffer is removed before typegrad loads: as in
    // a page that is not cross-origin isolated.
    const got = inChild<{ active: string; threads: number; error: string; c0: number }>(
      "delete globalThis.SharedArrayBuffer;",
      `t.setNumThreads(2);
       const a = new Float32Array(300 * 300).fill(0.5);
       const c = new Float32Array(300 * 300);
       t.kernels().gemm(false, false, 300, 300, 300, a, a, c);
       const info = t.kernelInfo();
       console.log(JSON.stringify({ active: info.active, threads: info.threads, error: info.threadsError, c0: c[0] }));`,
    );
    expect(got.active).toBe("wasm-simd");
    expect(got.threads).toBe(1);
    expect(got.error).toMatch(/no shared WebAssembly memory: SharedArrayBuffer is not available/);
    expect(got.c0).toBe(75);
  });
});

/** Runs an ES module `script` in a child Node process (typegrad's source is `t`) and returns its last stdout line as JSON. */
function inChild<T>(prelude: string, body: string, options: { nodeFlags?: string[]; env?: Record<string, string> } = {}): T {
  const script = `
    ${prelude}
    const t = await import(${JSON.stringify(new URL("../src/index.ts", import.meta.url).href)});
    ${body}
  `;
  const tsx = new URL("../node_modules/tsx/dist/cli.mjs", import.meta.url).pathname;
  const run = spawnSync(process.execPath, [...(options.nodeFlags ?? []), tsx, "--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, ...options.env },
  });
  expect(run.status, run.stderr).toBe(0);
  // Set by a preload in the flags test: it must never have run in a kernel worker.
  expect(run.stderr).not.toMatch(/kernel-worker-preload/);
  return JSON.parse(run.stdout.trim().split("\n").pop() as string) as T;
}

/** A large product on 1 thread, then with 2 wanted; prints both checksums, the info, and after a pause the same again. */
const PRODUCT_TWICE = `
  const n = 300;
  const a = Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const product = () => { const c = new Float32Array(n * n); t.kernels().gemm(false, true, n, n, n, a, a, c); return c.reduce((s, v) => s + v, 0); };
  t.setNumThreads(1);
  const one = product();
  t.setNumThreads(2);
  const first = product();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const second = product();
  const info = t.kernelInfo();
  console.log(JSON.stringify({ one, first, second, active: info.activeThreads, error: info.threadsError }));
`;

describe.skipIf(!wasmOn)("threads: where workers cannot run", () => {
  it("without worker_threads (and no Worker global) products run on the calling thread and kernelInfo says why", () => {
    const got = inChild<{ one: number; first: number; second: number; active: number; error: string }>(
      `const builtin = process.getBuiltinModule.bind(process);
       process.getBuiltinModule = (id) => (id === "node:worker_threads" || id === "worker_threads" ? undefined : builtin(id));`,
      PRODUCT_TWICE,
    );
    expect(got.first).toBe(got.one);
    expect(got.second).toBe(got.one);
    expect(got.active).toBe(1);
    expect(got.error).toMatch(/worker threads could not start: this runtime has no Worker/);
  });

  it("a worker that dies at start does not crash the process: later products run on one thread, and kernelInfo says why", () => {
    const got = inChild<{ one: number; first: number; second: number; active: number; error: string }>(
      `const builtin = process.getBuiltinModule.bind(process);
       const real = builtin("node:worker_threads");
       class Failing extends real.Worker {
         constructor(source, options) { super("throw new Error('boom at start')", { eval: true }); }
       }
       const fake = { ...real, Worker: Failing };
       process.getBuiltinModule = (id) => (id === "node:worker_threads" || id === "worker_threads" ? fake : builtin(id));`,
      PRODUCT_TWICE,
    );
    expect(got.first).toBe(got.one);
    expect(got.second).toBe(got.one);
    expect(got.active).toBe(1);
    expect(got.error).toMatch(/worker threads stopped: a worker thread failed: boom at start/);
  });
});

describe.skipIf(!wasmOn)("threads: the parent's flags and environment", () => {
  it("a V8 flag on the command line (--experimental-wasm-relaxed-simd) and a NODE_OPTIONS preload neither stop the workers nor run in them", () => {
    // A preload that says when it runs in a kernel worker (its workerData has the control address).
    const dir = mkdtempSync(join(tmpdir(), "typegrad-threads-"));
    const preload = join(dir, "preload.cjs");
    writeFileSync(preload, `const w = require("node:worker_threads"); if (!w.isMainThread && w.workerData && "control" in w.workerData) process.stderr.write("kernel-worker-preload\\n");`);
    try {
      const got = inChild<{ one: number; first: number; second: number; active: number; error: string | null }>("", PRODUCT_TWICE, {
        nodeFlags: ["--experimental-wasm-relaxed-simd"],
        env: { NODE_OPTIONS: `--require ${preload}` },
      });
      expect(got.error).toBeNull();
      expect(got.active).toBe(2);
      expect(got.first).toBe(got.one);
      expect(got.second).toBe(got.one);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

