// The measurement of bench/relaxed-simd.ts, run in Node and in a Chromium page: float32 gemm
// 1024×1024×1024 on the default kernels (f32x4 mul+add) and on the relaxed-SIMD build
// (f32x4.relaxed_madd), one thread, both modules loaded side by side and run alternately so
// both see the same machine load. No Node built-in here (the page bundles it).
import { WasmKernelModule } from "../src/kernels/wasm-module.js";
import { bytesFromHex } from "../src/kernels/hex.js";
import { KERNELS_RELAXED_WASM_HEX } from "../src/kernels/wasm-bytes-relaxed.generated.js";
import { relaxedSimdSupported } from "../src/relaxed-simd.js";

export interface RelaxedBench {
  supported: boolean;
  /** GFLOP/s (2·n³ per product), median of the runs, or null when that build cannot load. */
  plain: number | null;
  relaxed: number | null;
  runs: number;
}

export function benchRelaxedGemm(n = 1024, runs = 7): RelaxedBench {
  const plainModule = WasmKernelModule.load();
  const relaxedModule =
    KERNELS_RELAXED_WASM_HEX === null ? "not built" : WasmKernelModule.load(bytesFromHex(KERNELS_RELAXED_WASM_HEX));
  const a = Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 500 - 1);
  const b = Float32Array.from({ length: n * n }, (_, i) => ((i * 104729) % 1000) / 500 - 1);
  const c = new Float32Array(n * n);
  const modules = [plainModule, relaxedModule].map((m) => (typeof m === "string" ? null : m));
  for (const m of modules) m?.setThreads(1);
  const times: number[][] = [[], []];
  for (let r = -1; r < runs; r++) {
    modules.forEach((m, i) => {
      if (m === null) return;
      const t0 = performance.now();
      m.gemm(false, false, n, n, n, a, b, c);
      const ms = performance.now() - t0;
      if (r >= 0) times[i].push(ms); // the first run warms up
    });
  }
  const gflops = (t: number[]): number | null => {
    if (t.length === 0) return null;
    const sorted = [...t].sort((x, y) => x - y);
    return (2 * n ** 3) / (sorted[Math.floor(sorted.length / 2)] * 1e6);
  };
  return { supported: relaxedSimdSupported(), plain: gflops(times[0]), relaxed: gflops(times[1]), runs };
}
