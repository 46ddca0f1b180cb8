// The thread check the browser tests run in Chromium, in a cross-origin isolated page and in a
// Web Worker of it: large products and seeded training give the same bits with 1 and 2
// threads, and kernelInfo says how many threads ran (or why only one could).
import { Adam, crossEntropyLoss, Dense, generator, kernelInfo, kernels, Sequential, setNumThreads, Tensor, type KernelInfo } from "../../src/index.js";

/** What the check reports back to the test. */
export interface ThreadsReport {
  crossOriginIsolated: boolean;
  /** kernelInfo() after the 2-thread runs. */
  info: KernelInfo;
  /** The products (every transpose) equal with 1 and 2 threads, bit for bit. */
  gemmIdentical: boolean;
  /** The parameters after seeded training equal with 1 and 2 threads, bit for bit. */
  trainingIdentical: boolean;
  /** A product that the single thread computes exactly (all 0.5 · 0.5 over k = 300 → 75). */
  exact: boolean;
}

function values(n: number, seed: number): Float32Array {
  const rng = generator(seed);
  return Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function products(): Float32Array[] {
  const [m, n, k] = [301, 257, 129];
  const a = values(m * k, 1);
  const b = values(k * n, 2);
  const out: Float32Array[] = [];
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      const c = new Float32Array(m * n);
      kernels().gemm(ta, tb, m, n, k, a, b, c);
      out.push(c);
    }
  }
  return out;
}

function train(): Float32Array[] {
  const rng = generator(11);
  const model = new Sequential(new Dense(96, 256, { activation: "relu", rng }), new Dense(256, 10, { rng }));
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const x = new Tensor(values(256 * 96, 12), [256, 96]);
  const labels = Int32Array.from({ length: 256 }, (_, i) => (i * 7) % 10);
  for (let t = 0; t < 5; t++) {
    opt.zeroGrad();
    crossEntropyLoss(model.forward(x), labels).backward();
    opt.step();
  }
  return model.parameters().map((p) => p.data as Float32Array);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runThreads(): Promise<ThreadsReport> {
  setNumThreads(1);
  const gemm1 = products();
  const train1 = train();
  setNumThreads(2);
  products();
  // The worker starts on the first large product; wait until it has joined (or cannot).
  for (let i = 0; i < 2000 && kernelInfo().activeThreads < 2 && kernelInfo().threadsError === null; i++) await sleep(10);
  const gemm2 = products();
  const train2 = train();
  const a = new Float32Array(300 * 300).fill(0.5);
  const c = new Float32Array(300 * 300);
  kernels().gemm(false, false, 300, 300, 300, a, a, c);
  return {
    crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    info: kernelInfo(),
    gemmIdentical: gemm1.every((g, i) => sameBits(g, gemm2[i])),
    trainingIdentical: train1.every((p, i) => sameBits(p, train2[i])),
    exact: c.every((v) => v === 75),
  };
}
