import type { TypedArray } from "../tensor/dtype.js";
import { gemmReference } from "./gemm.js";
import { kernels, setKernels, type Kernels } from "./index.js";
import { DEFAULT_WASM_URL, WasmKernelModule } from "./wasm-module.js";

/**
 * Below this many multiply-adds (`m·n·k`) the call and the copies into WebAssembly memory
 * cost more than the SIMD kernel saves, and the TypeScript loop runs instead. Measured on
 * a 2-core x86-64 with Node 20 (`npm run bench`, crossover table): both take ~0.2 µs at
 * 4·4·4 and 4·8·2, and wasm is 2–5× faster from 8·8·8 on, in every transpose variant.
 */
export const WASM_GEMM_MIN_WORK = 256;

let loaded: WasmKernelModule | null = null;
let failure: string | null = null;

/**
 * Matrix multiply that runs float32 products of at least {@link WASM_GEMM_MIN_WORK}
 * multiply-adds in the WebAssembly SIMD kernel, and everything else (float64, small
 * products, or before the module is loaded) in {@link gemmReference}. Same contract as
 * `Kernels.gemm`.
 */
export function gemmWasm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: TypedArray,
  b: TypedArray,
  c: TypedArray,
): void {
  if (
    loaded !== null &&
    m * n * k >= WASM_GEMM_MIN_WORK &&
    a instanceof Float32Array &&
    b instanceof Float32Array &&
    c instanceof Float32Array &&
    a.length >= m * k &&
    b.length >= k * n &&
    c.length >= m * n &&
    loaded.gemm(transA, transB, m, n, k, a, b, c)
  ) {
    return;
  }
  gemmReference(transA, transB, m, n, k, a, b, c);
}

/**
 * The WebAssembly SIMD kernels (float32; float64 and small problems go to the
 * TypeScript reference). Install them with {@link enableWasmKernels}, which also loads
 * the module; until it is loaded, this object simply runs the TypeScript kernels.
 */
export const wasmKernels: Kernels = {
  name: "wasm-simd",
  gemm: gemmWasm,
};

/** Options of {@link enableWasmKernels}. */
export interface EnableWasmOptions {
  /** The compiled kernels. Default `build/kernels.wasm` in the package root. */
  wasmPath?: string | URL;
}

/**
 * Loads `build/kernels.wasm` synchronously (once) and makes the ops use
 * {@link wasmKernels}. When WebAssembly or the file is unavailable, nothing changes:
 * ops keep the TypeScript kernels, and {@link kernelInfo} says why.
 *
 * @returns whether the WebAssembly kernels are now active
 */
export function enableWasmKernels(options: EnableWasmOptions = {}): boolean {
  const url = options.wasmPath ?? DEFAULT_WASM_URL;
  if (loaded === null || options.wasmPath !== undefined) {
    const result = WasmKernelModule.load(url);
    if (typeof result === "string") {
      failure = result;
      return false;
    }
    loaded = result;
    failure = null;
  }
  setKernels(wasmKernels);
  return true;
}

/** What {@link kernelInfo} reports. */
export interface KernelInfo {
  /** `name` of the kernels ops use now: `"wasm-simd"` or `"typescript"`. */
  readonly active: string;
  /** Whether the WebAssembly module is loaded (it may be loaded but not active). */
  readonly wasmLoaded: boolean;
  /** Why the WebAssembly kernels could not be loaded, or null. */
  readonly wasmError: string | null;
  /** Bytes of WebAssembly memory reserved for operands and workspace (0 when not loaded). */
  readonly wasmMemoryBytes: number;
  /** Smallest `m·n·k` sent to the WebAssembly gemm. */
  readonly wasmGemmMinWork: number;
}

/** Which kernel implementation the ops run, and why, for logs and benchmark reports. */
export function kernelInfo(): KernelInfo {
  return {
    active: kernels().name,
    wasmLoaded: loaded !== null,
    wasmError: failure,
    wasmMemoryBytes: loaded === null ? 0 : loaded.memoryBytes,
    wasmGemmMinWork: WASM_GEMM_MIN_WORK,
  };
}
