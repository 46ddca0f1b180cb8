// The checks of the relaxed-SIMD kernels (typegrad/relaxed-simd), shared by the Node child
// process of test/kernels-relaxed.test.ts (started with --experimental-wasm-relaxed-simd) and
// its Chromium page: no Node built-in here, so the page bundles it.
import { gemmReference } from "../../src/kernels/gemm.js";
import { kernels } from "../../src/kernels/index.js";
import { linearBackwardReference, linearForwardReference, type LinearAct } from "../../src/kernels/linear.js";
import { enableWasmKernels, kernelInfo, linearBackwardWasm, linearForwardWasm, setNumThreads, type KernelInfo } from "../../src/kernels/wasm.js";
import { WasmKernelModule } from "../../src/kernels/wasm-module.js";
import { bytesFromHex } from "../../src/kernels/hex.js";
import { KERNELS_RELAXED_WASM_HEX } from "../../src/kernels/wasm-bytes-relaxed.generated.js";
import { Dense } from "../../src/layers/dense.js";
import { Sequential } from "../../src/layers/sequential.js";
import { crossEntropyLoss } from "../../src/losses/cross-entropy.js";
import { SGD } from "../../src/optim/sgd.js";
import { generator } from "../../src/tensor/random.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { enableRelaxedSimd, relaxedSimdSupported } from "../../src/relaxed-simd.js";

export const SIZES = [1, 3, 7, 17, 64, 100];
const VARIANTS: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

function random(n: number, seed: number): Float32Array {
  const rng = generator(seed);
  return Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
}

/**
 * The largest error over all elements, in units of the float32 tolerance
 * `1e-5·√k·Σ|a||b|` (≤ 1 passes), against the float64 product of the same float32 inputs.
 */
function gemmErrorRatio(
  gemm: (ta: boolean, tb: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array) => void,
  ta: boolean, tb: boolean, m: number, n: number, k: number,
): { ratio: number; bits: Float32Array } {
  const a = random(m * k, 1 + m + 7 * k + (ta ? 1000 : 0));
  const b = random(k * n, 2 + n + 3 * k + (tb ? 1000 : 0));
  const c = new Float32Array(m * n).fill(Number.NaN);
  gemm(ta, tb, m, n, k, a, b, c);
  const exact = new Float64Array(m * n);
  gemmReference(ta, tb, m, n, k, Float64Array.from(a), Float64Array.from(b), exact);
  const scale = new Float64Array(m * n);
  gemmReference(ta, tb, m, n, k, Float64Array.from(a, Math.abs), Float64Array.from(b, Math.abs), scale);
  let ratio = 0;
  for (let i = 0; i < c.length; i++) {
    const tol = 1e-5 * Math.sqrt(k) * scale[i] + 1e-30;
    const r = Math.abs(c[i] - exact[i]) / tol;
    ratio = Math.max(ratio, Number.isNaN(r) ? Infinity : r);
  }
  return { ratio, bits: c };
}

/** Seeded SGD training of a small MLP (Dense forward and backward in the kernels); every step's loss and the final parameters. */
export function train(steps: number, swapAfter = -1): { losses: number[]; params: number[][] } {
  const rng = generator(5);
  const model = new Sequential(new Dense(20, 64, { activation: "relu", rng }), new Dense(64, 64, { activation: "tanh", rng }), new Dense(64, 5, { rng }));
  const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const losses: number[] = [];
  for (let t = 0; t < steps; t++) {
    if (t === swapAfter) enableRelaxedSimd();
    const x = new Tensor(random(32 * 20, 100 + t), [32, 20]);
    const labels = Int32Array.from({ length: 32 }, (_, i) => (i * 7 + t) % 5);
    opt.zeroGrad();
    const loss = crossEntropyLoss(model.forward(x), labels);
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  return { losses, params: model.parameters().map((p) => Array.from(p.data)) };
}

/** Largest |a − b| / (|b| + floor) over two runs' parameters. */
export function paramsDistance(a: number[][], b: number[][], floor = 1e-2): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) for (let j = 0; j < a[i].length; j++) d = Math.max(d, Math.abs(a[i][j] - b[i][j]) / (Math.abs(b[i][j]) + floor));
  return d;
}

export interface RelaxedReport {
  supported: boolean;
  before: KernelInfo;
  enabled: boolean;
  after: KernelInfo;
  /** Worst gemm error ratio (≤ 1 passes) of the relaxed module called directly, over every size and transpose. */
  gemmDirect: number;
  /** The same through the installed kernels (`kernels().gemm`, small products in TypeScript). */
  gemmInstalled: number;
  /** Cases where the relaxed bits differ from the default build's (informational: FMA or not). */
  differFromPlain: number;
  cases: number;
  /** Worst Dense forward / backward error ratio. */
  linear: number;
  /** A product large enough for the thread pool, before and after the swap: error ratio. */
  threaded: number;
  /** Threads the relaxed module may use after the switch (setNumThreads(2) carried over). */
  threadsAfter: number;
  /** Whether that product gives the same bits on one thread and on two. */
  threadsSameBits: boolean;
  plainLosses: number[];
  relaxedLosses: number[];
  relaxedSameBits: boolean;
  relaxedVsPlain: number;
  swapLosses: number[];
  swapVsPlain: number;
}

/** Dense forward and backward through the WebAssembly kernels (linearForwardWasm, the loaded module) vs float64 references; worst error ratio. */
function linearErrorRatio(): number {
  let worst = 0;
  for (const [batch, out, inF] of [[17, 33, 65], [64, 100, 7], [3, 64, 100]]) {
    for (const act of [0, 1] as LinearAct[]) {
      const x = random(batch * inF, batch + act);
      const w = random(out * inF, out + act);
      const b = random(out, inF);
      const y = new Float32Array(batch * out);
      linearForwardWasm(batch, out, inF, x, w, b, act, y);
      const y64 = new Float64Array(batch * out);
      linearForwardReference(batch, out, inF, Float64Array.from(x), Float64Array.from(w), Float64Array.from(b), act, y64);
      const scaleF = new Float64Array(batch * out);
      linearForwardReference(batch, out, inF, Float64Array.from(x, Math.abs), Float64Array.from(w, Math.abs), Float64Array.from(b, Math.abs), 0, scaleF);
      for (let i = 0; i < y.length; i++) {
        // ReLU at a value within rounding of 0 may clamp one and not the other: compare before the kink only where clear.
        if (act === 1 && Math.abs(y64[i]) <= 1e-5 * Math.sqrt(inF) * scaleF[i]) continue;
        worst = Math.max(worst, Math.abs(y[i] - y64[i]) / (1e-5 * Math.sqrt(inF) * scaleF[i] + 1e-30));
      }
      const gy = random(batch * out, 7 + act);
      const gx = new Float32Array(batch * inF);
      const gw = new Float32Array(out * inF);
      const gb = new Float32Array(out);
      linearBackwardWasm(batch, out, inF, gy, y, act, x, w, gx, gw, gb);
      // The reference backward on float64 copies, with the float32 forward's output deciding ReLU's mask.
      const gx64 = new Float64Array(batch * inF);
      const gw64 = new Float64Array(out * inF);
      const gb64 = new Float64Array(out);
      linearBackwardReference(batch, out, inF, Float64Array.from(gy), Float64Array.from(y), act, Float64Array.from(x), Float64Array.from(w), gx64, gw64, gb64);
      const abs = (a: Float32Array) => Float64Array.from(a, Math.abs);
      const sx = new Float64Array(batch * inF);
      const sw = new Float64Array(out * inF);
      linearBackwardReference(batch, out, inF, abs(gy), Float64Array.from(y), act, abs(x), abs(w), sx, sw, null);
      for (let i = 0; i < gx.length; i++) worst = Math.max(worst, Math.abs(gx[i] - gx64[i]) / (1e-5 * Math.sqrt(out) * sx[i] + 1e-30));
      for (let i = 0; i < gw.length; i++) worst = Math.max(worst, Math.abs(gw[i] - gw64[i]) / (1e-5 * Math.sqrt(batch) * sw[i] + 1e-30));
      for (let i = 0; i < gb.length; i++) worst = Math.max(worst, Math.abs(gb[i] - gb64[i]) / (1e-5 * Math.sqrt(batch) * batch + 1e-30));
    }
  }
  return worst;
}

/**
 * Everything the relaxed kernels must do, in one run: plain training first (the default
 * kernels), then the switch, then the products, the Dense layer and training on the relaxed
 * kernels, and a run that switches halfway (parameters made in the default kernels' memory).
 */
export function relaxedChecks(): RelaxedReport {
  const supported = relaxedSimdSupported();
  enableWasmKernels(); // as importing typegrad does
  // Two threads from the start, so the default kernels' workers run (and must stop at the switch).
  setNumThreads(2);
  const threadedBefore = gemmErrorRatio(kernels().gemm, false, true, 256, 160, 128).ratio;
  const before = kernelInfo();
  const plain = train(12);
  const swap = train(12, 6);
  const enabled = enableRelaxedSimd();
  const after = kernelInfo();

  const relaxedModule = KERNELS_RELAXED_WASM_HEX === null ? "not built" : WasmKernelModule.load(bytesFromHex(KERNELS_RELAXED_WASM_HEX));
  const plainModule = WasmKernelModule.load();
  let gemmDirect = Infinity;
  let gemmInstalled = 0;
  let differFromPlain = 0;
  let cases = 0;
  if (typeof relaxedModule !== "string" && typeof plainModule !== "string") {
    gemmDirect = 0;
    for (const m of SIZES) for (const n of SIZES) for (const k of SIZES) {
      for (const [ta, tb] of VARIANTS) {
        const r = gemmErrorRatio((...args) => void relaxedModule.gemm(...args), ta, tb, m, n, k);
        const p = gemmErrorRatio((...args) => void plainModule.gemm(...args), ta, tb, m, n, k);
        const i = gemmErrorRatio(kernels().gemm, ta, tb, m, n, k);
        gemmDirect = Math.max(gemmDirect, r.ratio);
        gemmInstalled = Math.max(gemmInstalled, i.ratio);
        if (r.bits.some((v, j) => !Object.is(v, p.bits[j]))) differFromPlain++;
        cases++;
      }
    }
  }
  const threadedRun = gemmErrorRatio(kernels().gemm, false, true, 256, 160, 128);
  const threaded = threadedRun.ratio;
  setNumThreads(1);
  const oneThread = gemmErrorRatio(kernels().gemm, false, true, 256, 160, 128).bits;
  setNumThreads(2);
  const threadsSameBits = oneThread.every((v, i) => Object.is(v, threadedRun.bits[i]));
  const relaxed1 = train(12);
  const relaxed2 = train(12);
  return {
    supported, before, enabled, after, gemmDirect, gemmInstalled, differFromPlain, cases,
    linear: linearErrorRatio(),
    threaded: Math.max(threaded, threadedBefore),
    threadsAfter: kernelInfo().threads,
    threadsSameBits,
    plainLosses: plain.losses,
    relaxedLosses: relaxed1.losses,
    relaxedSameBits: JSON.stringify(relaxed1) === JSON.stringify(relaxed2),
    relaxedVsPlain: paramsDistance(relaxed1.params, plain.params),
    swapLosses: swap.losses,
    swapVsPlain: paramsDistance(swap.params, plain.params),
  };
}
