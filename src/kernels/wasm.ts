import { allocate, type DType, type TypedArray } from "../tensor/dtype.js";
import { adamGroupReference, isPlain, type AdamDecay, type AdamSegment } from "./adam.js";
import { allFiniteReference } from "./finite.js";
import { gemmReference } from "./gemm.js";
import { linearBackwardReference, linearForwardReference, type LinearAct } from "./linear.js";
import { kernels, setKernels, type Kernels } from "./index.js";
import { rmspropReference, sgdReference, type RmspropScalars, type RmspropSegment, type SgdScalars, type SgdSegment } from "./optim.js";
import { THREAD_MIN_WORK, WasmKernelModule } from "./wasm-module.js";

export { THREAD_MIN_WORK };

/**
 * Below this many multiply-adds (`m·n·k`) the call and the copies into WebAssembly memory
 * cost more than the SIMD kernel saves, and the TypeScript loop runs instead. Measured on
 * a 2-core x86-64 with Node 20 (`npm run bench`, crossover table): both take ~0.2 µs at
 * 4·4·4 and 4·8·2, and wasm is 2–5× faster from 8·8·8 on, in every transpose variant.
 */
export const WASM_GEMM_MIN_WORK = 256;

let loaded: WasmKernelModule | null = null;
let failure: string | null = null;
/** Set by {@link setNumThreads}; null: the module's default. */
let wantedThreads: number | null = null;

/**
 * Matrix multiply that runs products of at least {@link WASM_GEMM_MIN_WORK} multiply-adds in
 * the WebAssembly SIMD kernels (float32: f32x4, cache-blocked; float64: f64x2, bit for bit
 * {@link gemmReference}), and everything else (small products, or before the module is
 * loaded) in {@link gemmReference}. Same contract as `Kernels.gemm`.
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
  if (
    loaded !== null &&
    m * n * k >= WASM_GEMM_MIN_WORK &&
    a instanceof Float64Array &&
    b instanceof Float64Array &&
    c instanceof Float64Array &&
    a.length >= m * k &&
    b.length >= k * n &&
    c.length >= m * n &&
    loaded.hasGemm64 &&
    loaded.gemm64(transA, transB, m, n, k, a, b, c)
  ) {
    return;
  }
  gemmReference(transA, transB, m, n, k, a, b, c);
}

/**
 * Dense forward `y = act(x·Wᵀ + b)`: float32 and float64 products of at least
 * {@link WASM_GEMM_MIN_WORK} multiply-adds run as one WebAssembly call (product, bias and
 * ReLU); everything else runs {@link linearForwardReference} on {@link gemmWasm}. Both give
 * the same bits for the same product.
 */
export function linearForwardWasm(
  batch: number, out: number, inF: number, x: TypedArray, w: TypedArray, b: TypedArray | null, act: LinearAct, y: TypedArray,
): void {
  if (
    loaded !== null &&
    batch * out * inF >= WASM_GEMM_MIN_WORK &&
    x instanceof Float32Array && x.length === batch * inF &&
    w instanceof Float32Array && w.length === out * inF &&
    (b === null || (b instanceof Float32Array && b.length === out)) &&
    y instanceof Float32Array && y.length === batch * out &&
    loaded.linearForward(batch, out, inF, x, w, b as Float32Array | null, act, y)
  ) {
    return;
  }
  if (
    loaded !== null &&
    batch * out * inF >= WASM_GEMM_MIN_WORK &&
    x instanceof Float64Array && x.length === batch * inF &&
    w instanceof Float64Array && w.length === out * inF &&
    (b === null || (b instanceof Float64Array && b.length === out)) &&
    y instanceof Float64Array && y.length === batch * out &&
    loaded.hasFloat64Kernels &&
    loaded.linearForward64(batch, out, inF, x, w, b as Float64Array | null, act, y)
  ) {
    return;
  }
  linearForwardReference(batch, out, inF, x, w, b, act, y, gemmWasm);
}

/** Dense backward, dispatched as {@link linearForwardWasm}. */
export function linearBackwardWasm(
  batch: number, out: number, inF: number, gy: TypedArray, y: TypedArray, act: LinearAct, x: TypedArray, w: TypedArray,
  gx: TypedArray | null, gw: TypedArray | null, gb: TypedArray | null, accumulateW = false, accumulateB = false,
): void {
  if (
    loaded !== null &&
    batch * out * inF >= WASM_GEMM_MIN_WORK &&
    gy instanceof Float32Array && gy.length === batch * out &&
    y instanceof Float32Array && y.length === batch * out &&
    x instanceof Float32Array && x.length === batch * inF &&
    w instanceof Float32Array && w.length === out * inF &&
    (gx === null || (gx instanceof Float32Array && gx.length === batch * inF)) &&
    (gw === null || (gw instanceof Float32Array && gw.length === out * inF)) &&
    (gb === null || (gb instanceof Float32Array && gb.length === out)) &&
    loaded.linearBackward(
      batch, out, inF, gy, y, act, x, w, gx as Float32Array | null, gw as Float32Array | null, gb as Float32Array | null, accumulateW, accumulateB,
    )
  ) {
    return;
  }
  if (
    loaded !== null &&
    batch * out * inF >= WASM_GEMM_MIN_WORK &&
    gy instanceof Float64Array && gy.length === batch * out &&
    y instanceof Float64Array && y.length === batch * out &&
    x instanceof Float64Array && x.length === batch * inF &&
    w instanceof Float64Array && w.length === out * inF &&
    (gx === null || (gx instanceof Float64Array && gx.length === batch * inF)) &&
    (gw === null || (gw instanceof Float64Array && gw.length === out * inF)) &&
    (gb === null || (gb instanceof Float64Array && gb.length === out)) &&
    loaded.hasFloat64Kernels &&
    loaded.linearBackward64(
      batch, out, inF, gy, y, act, x, w, gx as Float64Array | null, gw as Float64Array | null, gb as Float64Array | null, accumulateW, accumulateB,
    )
  ) {
    return;
  }
  linearBackwardReference(batch, out, inF, gy, y, act, x, w, gx, gw, gb, gemmWasm, accumulateW, accumulateB);
}

/** Adam's plain update of one parameter: {@link adamGroupWasm} over it alone. */
export function adamWasm(
  theta: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray,
  beta1: number, beta2: number, stepSize: number, bias2Sqrt: number, eps: number,
): void {
  adamGroupWasm([{ theta, g, m, v }], beta1, beta2, stepSize, bias2Sqrt, eps);
}

/** Smallest total element count of a group's update sent to the WebAssembly optimiser kernels. */
export const WASM_OPTIM_MIN_SIZE = 256;

/** Whether every array is a `kind` array (Float32Array or Float64Array) of `theta`'s length (null entries are unused buffers). */
function allOf(kind: typeof Float32Array | typeof Float64Array, theta: TypedArray, ...arrays: (TypedArray | null)[]): boolean {
  if (!(theta instanceof kind)) return false;
  for (const a of arrays) if (a !== null && !(a instanceof kind && a.length === theta.length)) return false;
  return true;
}

/**
 * Dispatches an optimiser's update over a group: the float32 segments `ok` accepts, then the
 * float64 ones, each to `run` (one WebAssembly call; `run` falls back itself when the module
 * declines) when there are at least {@link WASM_OPTIM_MIN_SIZE} elements of that dtype; the
 * rest to `reference`. The same bits either way.
 */
function dispatch<S extends { theta: TypedArray }>(
  segments: readonly S[],
  ok: (s: S, kind: typeof Float32Array | typeof Float64Array) => boolean,
  run: (module: WasmKernelModule, part: S[]) => void,
  reference: (part: S[]) => void,
): void {
  let rest: readonly S[] = segments;
  for (const kind of [Float32Array, Float64Array]) {
    if (loaded === null) break;
    const part: S[] = [];
    const other: S[] = [];
    let total = 0;
    for (const s of rest) {
      if (ok(s, kind)) {
        part.push(s);
        total += s.theta.length;
      } else other.push(s);
    }
    if (total < WASM_OPTIM_MIN_SIZE) continue;
    run(loaded, part);
    rest = other;
  }
  if (rest.length > 0) reference(rest as S[]);
}

/**
 * SGD over a group: its float32 and its float64 parameters each in one WebAssembly call per `first` flag (when
 * there are at least {@link WASM_OPTIM_MIN_SIZE} elements), the rest in TypeScript; the same
 * bits either way.
 */
export function sgdWasm(segments: readonly SgdSegment[], o: SgdScalars): void {
  const withB = o.momentum !== 0;
  dispatch(
    segments,
    (s, kind) => allOf(kind, s.theta, s.g, withB ? s.b : null) && (!withB || s.b !== null),
    (module, f) => {
      for (const first of [true, false]) {
        const part = f.filter((s) => s.first === first) as never[];
        if (part.length > 0 && !module.sgd(part, first, o)) sgdReference(part, o);
      }
    },
    (rest) => sgdReference(rest, o),
  );
}

/**
 * Adam's update over a group sharing one step count, dispatched as {@link sgdWasm}: its
 * float32 and its float64 parameters each in one WebAssembly call, the rest in TypeScript.
 * The plain update runs in the SIMD kernels (`adamStep`, `adamStep64`); with a `decay` that is
 * not plain, every option in one generic scalar kernel (`adamGeneral`).
 */
export function adamGroupWasm(
  segments: readonly AdamSegment[], beta1: number, beta2: number, stepSize: number, bias2Sqrt: number, eps: number, decay?: AdamDecay,
): void {
  const plain = isPlain(decay);
  const reference = (part: AdamSegment[]): void => adamGroupReference(part, beta1, beta2, stepSize, bias2Sqrt, eps, decay);
  dispatch(
    segments,
    (s, kind) => (plain || !decay?.amsgrad || s.vMax !== undefined) && allOf(kind, s.theta, s.g, s.m, s.v, plain ? null : (s.vMax ?? null)),
    (module, part) => {
      const done = plain
        ? module.adamGroup(part as never[], beta1, beta2, stepSize, bias2Sqrt, eps)
        : module.adamGeneral(part, beta1, beta2, stepSize, bias2Sqrt, eps, decay as AdamDecay);
      if (!done) reference(part);
    },
    reference,
  );
}

/** RMSprop over a group, dispatched as {@link sgdWasm} (float32 and float64 each in one WebAssembly call). */
export function rmspropWasm(segments: readonly RmspropSegment[], o: RmspropScalars): void {
  dispatch(
    segments,
    (s, kind) =>
      allOf(kind, s.theta, s.g, s.v, o.centered ? s.gAvg : null, o.momentum > 0 ? s.b : null) &&
      (!o.centered || s.gAvg !== null) &&
      (o.momentum <= 0 || s.b !== null),
    (module, part) => {
      if (!module.rmsprop(part as never[], o)) rmspropReference(part, o);
    },
    (rest) => rmspropReference(rest, o),
  );
}

/**
 * The WebAssembly SIMD kernels — gemm, the Dense layer's forward and backward (product,
 * bias, ReLU), the optimisers' updates — for float32; gemm, the Dense layer, SGD, Adam (every
 * option) and RMSprop for float64 (bit for bit the TypeScript references); the rest and small problems go to the
 * TypeScript references. Install them with {@link enableWasmKernels}, which also loads
 * the module; until it is loaded, this object simply runs the TypeScript kernels.
 */
export const wasmKernels: Kernels = {
  name: "wasm-simd",
  gemm: gemmWasm,
  linearForward: linearForwardWasm,
  linearBackward: linearBackwardWasm,
  adam: adamWasm,
  sgd: sgdWasm,
  rmsprop: rmspropWasm,
  adamGroup: adamGroupWasm,
  allFinite: allFiniteWasm,
};

/** Arrays of fewer elements than this stay ordinary arrays in {@link allocateStorage}. */
export const RESIDENT_MIN_SIZE = 1024;

let residentStorage = true;

/**
 * Turns storage in WebAssembly memory ({@link allocateStorage}) on or off for arrays made
 * from now on (it is on by default); for tests and diagnosis. Returns the previous setting.
 */
export function setResidentStorage(on: boolean): boolean {
  const previous = residentStorage;
  residentStorage = on;
  return previous;
}

/**
 * Zero-filled storage for a long-lived tensor — a parameter, its gradient, an optimiser's
 * state — of `size` elements. Where the WebAssembly kernels run on a shared memory (Node; a
 * cross-origin isolated page), arrays of at least {@link RESIDENT_MIN_SIZE} elements live in
 * that memory, so the Dense kernels and the optimisers use them in place instead of copying
 * them in and out on every call; the memory returns when the array is garbage-collected
 * (nothing to free). Everywhere else, an ordinary typed array.
 *
 * Such an array views a `SharedArrayBuffer` that holds other tensors too: use its elements
 * (`slice()` copies them out), not its `.buffer`. Its memory is reused once the array object
 * itself is collected, so a view made of it (`subarray`, `new Float32Array(a.buffer, …)`)
 * must not outlive it: keep the array, or copy with `slice()`. A `postMessage` or
 * `structuredClone` of it shares the memory instead of copying it, as for any array on a
 * `SharedArrayBuffer`.
 */
export function allocateStorage(dtype: DType, size: number): TypedArray {
  if (residentStorage && loaded !== null && size >= RESIDENT_MIN_SIZE && kernels() === wasmKernels) {
    const array = loaded.allocate(dtype, size);
    if (array !== null) return array;
  }
  return allocate(dtype, size);
}

/** Whether `data` was made by {@link allocateStorage} in the kernels' memory. */
export function isResidentStorage(data: TypedArray): boolean {
  return loaded !== null && (data instanceof Float32Array || data instanceof Float64Array) && loaded.isResident(data);
}

/**
 * Sets every element of `data` to +0 (a gradient's `zeroGrad`): one `memory.fill` for an
 * array in WebAssembly memory ({@link allocateStorage}), `fill(0)` for any other.
 */
export function zeroStorage(data: TypedArray): void {
  if (loaded !== null && (data instanceof Float32Array || data instanceof Float64Array)) loaded.zero(data);
  else data.fill(0);
}

/**
 * Whether every element is finite: arrays in WebAssembly memory ({@link allocateStorage}, e.g.
 * gradients) are scanned in place with SIMD, the rest in TypeScript; the same answer either way.
 */
export function allFiniteWasm(data: TypedArray): boolean {
  return (loaded === null ? null : loaded.allFinite(data)) ?? allFiniteReference(data);
}

/** Options of {@link enableWasmKernels}. */
export interface EnableWasmOptions {
  /**
   * Another build of the kernels: a `.wasm` path or `file:` URL, read with the file system
   * of Node, Deno or Bun, or the module's bytes (any runtime). It replaces a module already
   * loaded: arrays living in the old module's memory stay valid and are copied in and out
   * like any other array (see CONTRIBUTING "Relaxed SIMD"). Default: the kernels embedded in
   * typegrad, compiled from `assembly/` when the package was built, which load in every
   * runtime (Node, browsers, workers) with no file to serve or fetch; a module already loaded
   * is kept.
   */
  wasmPath?: string | URL | Uint8Array;
}

/** {@link KernelInfo.gemmKernel}: the float32 gemm micro-kernel's multiply-add. */
export type GemmKernel = "typescript" | "f32x4 mul+add" | "f32x4.relaxed_madd";

/** Why the relaxed-SIMD kernels are not in use, until `enableRelaxedSimd` says otherwise. */
export const RELAXED_NOT_REQUESTED = 'not requested (call enableRelaxedSimd() from "typegrad/relaxed-simd" to opt in)';
let relaxedFailure: string = RELAXED_NOT_REQUESTED;

/**
 * Records why the relaxed-SIMD kernels are not in use ({@link KernelInfo.relaxedSimdError}).
 * Internal: for `typegrad/relaxed-simd`.
 */
export function setRelaxedSimdError(reason: string): void {
  relaxedFailure = reason;
}

/**
 * Compiles the WebAssembly SIMD kernels synchronously (once) and makes the ops use
 * {@link wasmKernels}. typegrad calls it when imported. When WebAssembly, its SIMD
 * extension or the kernels are unavailable, nothing changes: ops keep the TypeScript
 * kernels, and {@link kernelInfo} says why.
 *
 * @returns whether the WebAssembly kernels are now active
 */
export function enableWasmKernels(options: EnableWasmOptions = {}): boolean {
  if (loaded === null || options.wasmPath !== undefined) {
    const result = WasmKernelModule.load(options.wasmPath);
    if (typeof result === "string") {
      failure = result;
      return false;
    }
    relaxedFailure = RELAXED_NOT_REQUESTED;
    install(result);
  }
  setKernels(wasmKernels);
  return true;
}

/** Makes `module` the loaded kernels, in place of any loaded before. */
function install(module: WasmKernelModule): void {
  // A replaced module's workers stop; arrays in its memory stay valid (the new module copies them).
  loaded?.close();
  loaded = module;
  failure = null;
  if (wantedThreads !== null) loaded.setThreads(wantedThreads);
}

/**
 * Loads the kernel build `bytes` in place of the loaded module and makes the ops use
 * {@link wasmKernels}. Internal: for `typegrad/relaxed-simd`, which reports a failure through
 * {@link KernelInfo.relaxedSimdError}, so here a failure changes nothing (the module in use,
 * the active kernels and `kernelInfo().wasmError` stay as they were).
 *
 * @returns null, or why the build could not be loaded
 */
export function replaceKernelModule(bytes: Uint8Array): string | null {
  const result = WasmKernelModule.load(bytes);
  if (typeof result === "string") return result;
  install(result);
  setKernels(wasmKernels);
  return null;
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
  /** Threads large products may use, the calling one included ({@link setNumThreads}); 1 when they cannot use more. */
  readonly threads: number;
  /** Threads running now: 1 until the first product of {@link THREAD_MIN_WORK} multiply-adds starts the workers. */
  readonly activeThreads: number;
  /** Why products run on one thread (no shared memory, a thread that may not block, …), or null. */
  readonly threadsError: string | null;
  /** Smallest `m·n·k` split across threads. */
  readonly threadMinWork: number;
  /** Bytes of parameters, gradients and optimiser state living in WebAssembly memory ({@link allocateStorage}). */
  readonly residentBytes: number;
  /**
   * The multiply-add of the float32 gemm micro-kernels in the loaded module:
   * `"f32x4 mul+add"` (the default build: two roundings, the same bits on every machine),
   * `"f32x4.relaxed_madd"` (the relaxed-SIMD build, `enableRelaxedSimd` from
   * `"typegrad/relaxed-simd"`: fused or not depending on the CPU, so bits are reproducible on
   * one machine but may differ between machines), or `"typescript"` when no module is loaded.
   */
  readonly gemmKernel: GemmKernel;
  /**
   * Why the relaxed-SIMD kernels are not in use (not requested; this runtime has no relaxed
   * SIMD; not built; could not be loaded), or null when they are.
   */
  readonly relaxedSimdError: string | null;
}

/** Which kernel implementation the ops run, and why, for logs and benchmark reports. */
export function kernelInfo(): KernelInfo {
  return {
    active: kernels().name,
    wasmLoaded: loaded !== null,
    wasmError: failure,
    wasmMemoryBytes: loaded === null ? 0 : loaded.memoryBytes,
    wasmGemmMinWork: WASM_GEMM_MIN_WORK,
    threads: loaded === null || loaded.threadsError !== null ? 1 : loaded.threads,
    activeThreads: loaded === null ? 1 : loaded.activeThreads,
    threadsError: loaded === null ? "the WebAssembly kernels are not loaded" : loaded.threadsError,
    threadMinWork: THREAD_MIN_WORK,
    residentBytes: loaded === null ? 0 : loaded.residentBytes,
    gemmKernel: loaded === null ? "typescript" : loaded.relaxedSimd ? "f32x4.relaxed_madd" : "f32x4 mul+add",
    relaxedSimdError: loaded !== null && loaded.relaxedSimd ? null : relaxedFailure,
  };
}

/**
 * Sets how many threads (the calling one included) the WebAssembly kernels may use for
 * large products — matrix products and the Dense forward and backward of at least
 * {@link THREAD_MIN_WORK} multiply-adds — like PyTorch's `torch.set_num_threads`. Default:
 * the hardware threads the runtime reports (`os.availableParallelism()` in Node,
 * `navigator.hardwareConcurrency` in a browser), at most 8.
 *
 * Each thread computes whole rows or columns of a product, each element summed in the same
 * order as on one thread, so **results are bit-identical whatever the count**, and seeded
 * training is too. Threads need a shared WebAssembly memory (Node; in a browser, a
 * cross-origin isolated page) and a thread that may block (in a browser, a Web Worker, not
 * the page's main thread); elsewhere products run on one thread and
 * {@link kernelInfo}`().threadsError` says why. Workers start on the first large product
 * and never keep a Node process alive.
 *
 * @param threads - an integer from 1 (no worker threads) to 64
 * @throws Error for anything else, naming the value
 */
export function setNumThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new Error(`setNumThreads: threads must be an integer from 1 to 64, got ${String(threads)}`);
  }
  wantedThreads = threads;
  loaded?.setThreads(threads);
}

/** Threads the kernels may use ({@link setNumThreads}); 1 when they cannot use more (see `kernelInfo().threadsError`). */
export function getNumThreads(): number {
  return loaded === null || loaded.threadsError !== null ? 1 : loaded.threads;
}
