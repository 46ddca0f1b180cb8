import { readFileSync } from "node:fs";

// The few WebAssembly JS-API members used here, typed locally: the project's `lib` is
// ES2022 without DOM, so TypeScript has no global `WebAssembly` declarations.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: abstract new (...args: never[]) => WasmMemory;
}

/** The exports of `build/kernels.wasm` (compiled from `assembly/` by `scripts/build-wasm.mjs`). */
interface KernelExports {
  readonly memory: WasmMemory;
  heapBase(): number;
  workspaceBytes(): number;
  gemm(transA: number, transB: number, m: number, n: number, k: number, a: number, b: number, c: number, work: number): void;
}

/** Where `npm ci` (the `prepare` script) writes the compiled kernels. */
export const DEFAULT_WASM_URL = new URL("../../build/kernels.wasm", import.meta.url);

const PAGE = 65536;
const ALIGN = 64;
/** wasm32 addresses stop at 4 GiB; stay well below so a huge product falls back instead of failing. */
const MAX_BYTES = 2 ** 31;

const align = (x: number): number => Math.ceil(x / ALIGN) * ALIGN;

/**
 * One instance of the WebAssembly kernels and its memory: a fixed workspace for packed
 * panels, then a scratch region for the operands that grows on demand. Operands are
 * copied in, the kernel runs, the result is copied out.
 */
export class WasmKernelModule {
  readonly #exports: KernelExports;
  /** First byte of the operand scratch region (after the static data and the workspace). */
  readonly #scratch: number;
  readonly #work: number;
  /** A view of the whole memory, re-created whenever `memory.grow` detaches the old one. */
  #heap: Float32Array;

  private constructor(exports: KernelExports) {
    this.#exports = exports;
    this.#work = align(exports.heapBase());
    this.#scratch = align(this.#work + exports.workspaceBytes());
    this.#heap = new Float32Array(exports.memory.buffer);
  }

  /**
   * Compiles and instantiates the kernels synchronously.
   *
   * @returns the module, or a sentence saying why it could not be loaded (no
   * WebAssembly, missing file, or a module without the expected exports)
   */
  static load(url: URL | string = DEFAULT_WASM_URL): WasmKernelModule | string {
    const wasm = (globalThis as { WebAssembly?: WasmApi | null }).WebAssembly;
    if (typeof wasm !== "object" || wasm === null || typeof wasm.Module !== "function") {
      return "WebAssembly is not available in this runtime";
    }
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(url);
    } catch {
      return `${String(url)} not found (run "node scripts/build-wasm.mjs" to compile assembly/)`;
    }
    try {
      const instance = new wasm.Instance(new wasm.Module(bytes), {});
      const e = instance.exports as Partial<KernelExports>;
      if (
        !(e.memory instanceof wasm.Memory) ||
        typeof e.heapBase !== "function" ||
        typeof e.workspaceBytes !== "function" ||
        typeof e.gemm !== "function"
      ) {
        return `${String(url)} lacks the expected exports (memory, heapBase, workspaceBytes, gemm)`;
      }
      return new WasmKernelModule(e as KernelExports);
    } catch (error) {
      return `${String(url)} could not be instantiated: ${(error as Error).message}`;
    }
  }

  /** Bytes of WebAssembly memory currently reserved (it never shrinks). */
  get memoryBytes(): number {
    return this.#exports.memory.buffer.byteLength;
  }

  /**
   * `C = op(A) · op(B)` in float32 through the SIMD kernel; same contract as
   * `Kernels.gemm`. Only the first `m·k`, `k·n` and `m·n` elements of `a`, `b`, `c` are used.
   *
   * @returns false, having done nothing, when the operands do not fit in wasm32 memory
   */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array): boolean {
    const sizeA = m * k;
    const sizeB = k * n;
    const sizeC = m * n;
    const offA = this.#scratch;
    const offB = align(offA + 4 * sizeA);
    const offC = align(offB + 4 * sizeB);
    const end = offC + 4 * sizeC;
    if (end > MAX_BYTES) return false;
    const heap = this.#reserve(end);
    heap.set(a.length === sizeA ? a : a.subarray(0, sizeA), offA >>> 2);
    heap.set(b.length === sizeB ? b : b.subarray(0, sizeB), offB >>> 2);
    this.#exports.gemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, offA, offB, offC, this.#work);
    c.set(heap.subarray(offC >>> 2, (offC >>> 2) + sizeC));
    return true;
  }

  /** Grows memory to at least `bytes` and returns a view that is valid now. */
  #reserve(bytes: number): Float32Array {
    const memory = this.#exports.memory;
    const have = memory.buffer.byteLength;
    if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE));
    // grow() detaches the old ArrayBuffer, so the cached view must be rebuilt.
    if (this.#heap.buffer !== memory.buffer) this.#heap = new Float32Array(memory.buffer);
    return this.#heap;
  }
}
