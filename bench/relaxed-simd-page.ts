// The Chromium page of bench/relaxed-simd.ts.
import { benchRelaxedGemm } from "./relaxed-simd-gemm.js";

(globalThis as unknown as { relaxedBench: unknown }).relaxedBench = benchRelaxedGemm();
