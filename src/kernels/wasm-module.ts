import { nodeBuiltin } from "../platform/node.js";
import type { AdamDecay, AdamSegment } from "./adam.js";
import type { RmspropScalars, SgdScalars } from "./optim.js";
import { canBlock, CONTROL_BYTES, ThreadPool } from "./threads.js";
import { withSharedMemoryImport } from "./wasm-binary.js";
import { bytesFromHex } from "./hex.js";
import { KERNELS_WASM_HEX } from "./wasm-bytes.generated.js";

/** The element types the optimiser kernels take. */
type FloatArray = Float32Array | Float64Array;

// The few WebAssembly JS-API members used here, typed locally: the project's `lib` is
// ES2022 without DOM, so TypeScript has no global `WebAssembly` declarations.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

/** The exports of `build/kernels.wasm` (compiled from `assembly/` by `scripts/build-wasm.mjs`). */
interface KernelExports {
  readonly memory: WasmMemory;
  heapBase(): number;
  workspaceBytes(): number;
  gemm(transA: number, transB: number, m: number, n: number, k: number, a: number, b: number, c: number, work: number): void;
  linearForward(batch: number, out: number, inF: number, x: number, w: number, b: number, act: number, y: number, work: number): void;
  linearBackward(
    batch: number, out: number, inF: number, gy: number, y: number, act: number, x: number, w: number,
    gz: number, gx: number, gw: number, gb: number, sums: number, work: number, gwTemp: number, accumulateB: number,
  ): void;
  linearGradZ(n: number, gy: number, y: number, act: number, gz: number): void;
  linearGradBias(batch: number, out: number, gz: number, gb: number, sums: number, accumulateB: number): void;
  setThreadWorkspace(work: number): void;
  /** Optional (a module built before them lacks them). */
  allFinite32?(n: number, p: number): number;
  allFinite64?(n: number, p: number): number;
  zeroBytes?(p: number, bytes: number): void;
  runChunk(job: number, index: number): void;
  adamStep(
    n: number, theta: number, g: number, m: number, v: number,
    w: number, w1: number, fromStart: number, beta2: number, w2: number, stepSize: number, bias2Sqrt: number, eps: number,
  ): void;
  /** Optional (a module built before it lacks it: float64 products then run in TypeScript). */
  gemm64?(transA: number, transB: number, m: number, n: number, k: number, a: number, b: number, c: number, work: number): void;
  workspaceBytes64?(k: number): number;
  /** Optional (a module built before them lacks them: the float64 Dense layer and SGD then run in TypeScript). */
  linearForward64?(batch: number, out: number, inF: number, x: number, w: number, b: number, act: number, y: number, work: number): void;
  linearBackward64?(
    batch: number, out: number, inF: number, gy: number, y: number, act: number, x: number, w: number,
    gz: number, gx: number, gw: number, gb: number, work: number, gwTemp: number, sums: number,
  ): void;
  linearGradZ64?(n: number, gy: number, y: number, act: number, gz: number): void;
  linearGradBias64?(batch: number, out: number, gz: number, gb: number, sums: number): void;
  sgdStep64?(
    n: number, theta: number, g: number, b: number,
    lr: number, momentum: number, oneMinusDampening: number, nesterov: number, weightDecay: number, first: number,
  ): void;
  /** Optional (a module built before them lacks them: float64 Adam and RMSprop then run in TypeScript). */
  adamStep64?(
    n: number, theta: number, g: number, m: number, v: number,
    w: number, w1: number, fromStart: number, beta2: number, w2: number, stepSize: number, bias2Sqrt: number, eps: number,
  ): void;
  /** Optional (a module built before them lacks them: Adam's weight decay and amsgrad then run in TypeScript). */
  adamGeneral?(
    is64: number, n: number, theta: number, g: number, m: number, v: number, vMax: number,
    w: number, beta2: number, w2: number, stepSize: number, bias2Sqrt: number, eps: number, l2: number, shrink: number,
  ): void;
  rmspropStep64?(
    n: number, theta: number, g: number, v: number, gAvg: number, b: number,
    lr: number, alpha: number, oneMinusAlpha: number, eps: number, momentum: number, centered: number, weightDecay: number,
  ): void;
  /** Optional (a module built before them lacks them: the optimisers then run in TypeScript). */
  sgdStep?(
    n: number, theta: number, g: number, b: number,
    lr: number, momentum: number, oneMinusDampening: number, nesterov: number, weightDecay: number, first: number,
  ): void;
  rmspropStep?(
    n: number, theta: number, g: number, v: number, gAvg: number, b: number,
    lr: number, alpha: number, oneMinusAlpha: number, eps: number, momentum: number, centered: number, weightDecay: number,
  ): void;
  /** Optional (a module built before it lacks it, and is a default build): 1 in the relaxed-simd build (assembly/madd.ts). */
  relaxedSimd?(): number;
}

/**
 * The smallest module using a SIMD instruction (`v128.const` then `i8x16.popcnt`, as
 * wasm-feature-detect checks): `WebAssembly.validate` accepts it only where SIMD is supported.
 */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

/** How the kernels embedded in typegrad are named in messages. */
const EMBEDDED = "the embedded WebAssembly kernels";

/** The kernels compiled from assembly/ by `npm ci` (the `prepare` script), embedded in the package; null when not built. */
function embeddedKernels(): Uint8Array | null {
  return KERNELS_WASM_HEX === null ? null : bytesFromHex(KERNELS_WASM_HEX);
}

const PAGE = 65536;
const ALIGN = 64;
/** wasm32 addresses stop at 4 GiB; stay well below so a huge product falls back instead of failing. */
const MAX_BYTES = 2 ** 31;
/** The memory's maximum in pages (as declared by the build: `--maximumMemory 32768`). */
const MAX_PAGES = MAX_BYTES / PAGE;

const align = (x: number): number => Math.ceil(x / ALIGN) * ALIGN;

/**
 * Products of at least this many multiply-adds (`m·n·k`) are split across threads when
 * there are several: below it, waking a thread costs about what it saves. Measured on a
 * 2-core x86-64 with Node 20 (MLP 784-512-512-10 steps, see CONTRIBUTING "Threads").
 */
export const THREAD_MIN_WORK = 2 ** 22;
/** Fewest rows of C per chunk for a split by rows (see `#runJob`). */
const ROW_SPLIT_MIN = 24;
/** Most threads typegrad uses by default. */
export const MAX_DEFAULT_THREADS = 8;

/** Words of a job descriptor (assembly/jobs.ts). */
const JOB_WORDS = 16;
const KIND_GEMM = 0;
const KIND_LINEAR_FORWARD = 1;
const KIND_GEMM_ACCUMULATE = 2;
const KIND_GEMM64 = 3;
const KIND_LINEAR_FORWARD64 = 4;
const KIND_GEMM64_ACCUMULATE = 5;

/** The number of hardware threads this runtime reports (1 when it says nothing). */
function hardwareThreads(): number {
  const os = nodeBuiltin("os");
  if (os !== undefined) return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === "number" && n >= 1 ? Math.floor(n) : 1;
}

/**
 * One instance of the WebAssembly kernels and its memory: a fixed workspace for packed
 * panels; then blocks (resident arrays, see {@link allocate}; the thread pool's control
 * words and its workers' workspaces), with free ones reused and merged; then, above the
 * highest block, a scratch region for operands that grows on demand. Operands that are not
 * resident are copied in, the kernel runs, the result is copied out. Where the memory is
 * shared, large products are split across worker threads (see {@link setThreads}).
 */
export class WasmKernelModule {
  readonly #exports: KernelExports;
  readonly #module: object;
  readonly #memory: WasmMemory;
  /** Whether the memory is a shared one (threads possible), and if not, why. */
  readonly #sharedError: string | null;
  /** First byte of the operand scratch region: above every block in use (it moves up and down with them). */
  #scratch: number;
  readonly #work: number;
  /** A view of the whole memory, re-created whenever `memory.grow` detaches the old one. */
  #heap: Float32Array;
  /** Threads wanted (the caller's included); the pool starts on the first large product. */
  #threads: number;
  #pool: ThreadPool | null = null;
  /** Most workers to start (lowered when one could not start; reset by {@link setThreads}). */
  #workerLimit = Number.POSITIVE_INFINITY;
  /** Why products run on one thread although more are wanted, or null. */
  #threadsError: string | null = null;
  /** Address of the job descriptor and control words (0 until a pool is started). */
  #job = 0;
  #jobWords: Int32Array | null = null;
  /** The memory's buffers that resident arrays view (a shared memory has a new one after each grow). */
  readonly #buffers = new WeakSet<object>();
  /**
   * Free blocks below the scratch region, by address, none adjacent to another (they are
   * merged when freed); a block freed at the top gives its bytes back to the scratch.
   */
  readonly #free: { address: number; bytes: number }[] = [];
  /** Bytes of resident arrays alive (not yet collected). */
  #residentBytes = 0;
  /** Returns a resident array's block once the array is garbage-collected. */
  readonly #registry = new FinalizationRegistry<readonly [number, number]>(([address, bytes]) => {
    this.#release(address, bytes);
    this.#residentBytes -= bytes;
  });

  private constructor(exports: KernelExports, module: object, memory: WasmMemory, sharedError: string | null) {
    this.#exports = exports;
    this.#module = module;
    this.#memory = memory;
    this.#sharedError = sharedError;
    this.#work = align(exports.heapBase());
    this.#scratch = align(this.#work + exports.workspaceBytes());
    this.#heap = new Float32Array(memory.buffer);
    exports.setThreadWorkspace(this.#work);
    this.#threads = sharedError === null ? Math.min(hardwareThreads(), MAX_DEFAULT_THREADS) : 1;
  }

  /**
   * Compiles and instantiates the kernels synchronously.
   *
   * @param source - the module: by default the kernels embedded in typegrad (compiled from
   * `assembly/` when the package was built, so no file is fetched or read, in any runtime);
   * or a path or `file:` URL of a `.wasm` file (read with Node's file system); or its bytes
   * @returns the module, or a sentence saying why it could not be loaded (no WebAssembly or
   * no SIMD in this runtime, kernels not built, missing file, or a module without the
   * expected exports)
   */
  static load(source?: URL | string | Uint8Array): WasmKernelModule | string {
    const wasm = (globalThis as { WebAssembly?: WasmApi | null }).WebAssembly;
    if (typeof wasm !== "object" || wasm === null || typeof wasm.Module !== "function") {
      return "WebAssembly is not available in this runtime";
    }
    let bytes: Uint8Array;
    let name: string;
    if (source === undefined) {
      const embedded = embeddedKernels();
      if (embedded === null) return `${EMBEDDED} were not built (run "node scripts/build-wasm.mjs" to compile assembly/)`;
      bytes = embedded;
      name = EMBEDDED;
    } else if (source instanceof Uint8Array) {
      bytes = source;
      name = "the given WebAssembly bytes";
    } else {
      name = String(source);
      const fs = nodeBuiltin("fs");
      if (fs === undefined) return `${name} cannot be read: this runtime has no file system (pass the bytes, or use ${EMBEDDED})`;
      try {
        bytes = fs.readFileSync(source);
      } catch {
        return `${name} not found (run "node scripts/build-wasm.mjs" to compile assembly/)`;
      }
    }
    if (typeof wasm.validate === "function" && !wasm.validate(SIMD_PROBE)) {
      return "this runtime's WebAssembly has no SIMD (128-bit) support";
    }
    try {
      // A shared memory where the runtime allows it (Node; a cross-origin isolated page or
      // worker), so worker threads can run the same kernels on it; a plain one otherwise.
      let module: object;
      let memory: WasmMemory;
      let sharedError: string | null = null;
      try {
        if (typeof (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer !== "function") {
          throw new Error("SharedArrayBuffer is not available (a page must be cross-origin isolated to have it)");
        }
        memory = new wasm.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
        module = new wasm.Module(withSharedMemoryImport(bytes));
      } catch (error) {
        sharedError = `no shared WebAssembly memory: ${(error as Error).message}`;
        memory = new wasm.Memory({ initial: 1, maximum: MAX_PAGES });
        module = new wasm.Module(bytes);
      }
      const instance = new wasm.Instance(module, { env: { memory } });
      const e = instance.exports as Partial<KernelExports>;
      const required = [
        "heapBase", "workspaceBytes", "gemm", "linearForward", "linearBackward", "adamStep",
        "linearGradZ", "linearGradBias", "setThreadWorkspace", "runChunk",
      ] as const;
      const missing = required.filter((key) => typeof e[key] !== "function");
      if (missing.length > 0) return `${name} lacks the expected exports (${missing.join(", ")})`;
      return new WasmKernelModule(e as KernelExports, module, memory, sharedError);
    } catch (error) {
      return `${name} could not be instantiated: ${(error as Error).message}`;
    }
  }

  /** Threads products may use (the calling one included), as set by {@link setThreads}. */
  get threads(): number {
    return this.#threads;
  }

  /**
   * Threads that take part in large products now: the calling one plus the workers that have
   * started (up to the count set by {@link setThreads}); 1 before the first large product
   * starts them, or when none can run.
   */
  get activeThreads(): number {
    const pool = this.#pool;
    if (pool === null || this.#threads < 2 || pool.error !== null) return 1;
    return 1 + Math.min(pool.ready, pool.workers, this.#threads - 1);
  }

  /** Why products run on one thread, or null when they may use several. */
  get threadsError(): string | null {
    const died = this.#pool?.error ?? null;
    return this.#sharedError ?? this.#threadsError ?? (died === null ? null : `worker threads stopped: ${died}`);
  }

  /** Whether arrays can live in this module's memory ({@link allocate}): only a shared memory never moves them. */
  get canAllocate(): boolean {
    return this.#sharedError === null;
  }

  /** Bytes of arrays made by {@link allocate} that are still alive. */
  get residentBytes(): number {
    return this.#residentBytes;
  }

  /**
   * A zero-filled array that lives in the kernels' memory, so the kernels read and write it
   * in place instead of copying it in and out on every call. Its block returns to this
   * module when the array is garbage-collected (a `FinalizationRegistry`): nothing to free.
   * Only where the memory is shared (a shared memory grows without moving, so the view stays
   * valid; a plain memory detaches every view when it grows).
   *
   * @returns the array, or null (no shared memory, or the memory cannot grow any more)
   */
  allocate(dtype: "float32" | "float64", length: number): Float32Array | Float64Array | null {
    if (this.#sharedError !== null) return null;
    const bytes = align(Math.max(1, length) * (dtype === "float64" ? 8 : 4));
    const address = this.#claim(bytes);
    if (address === null) return null;
    const buffer = this.#memory.buffer;
    this.#buffers.add(buffer);
    const view = dtype === "float64" ? new Float64Array(buffer, address, length) : new Float32Array(buffer, address, length);
    this.#zero(view);
    this.#registry.register(view, [address, bytes]);
    this.#residentBytes += bytes;
    return view;
  }

  /**
   * A block of `bytes` (a multiple of the alignment): the smallest free block that holds it
   * (its low end; the rest stays free), else a new one at the top, where the operand
   * scratch starts (the scratch moves up). Null when the memory cannot grow that far.
   */
  #claim(bytes: number): number | null {
    let best = -1;
    for (let i = 0; i < this.#free.length; i++) {
      const f = this.#free[i];
      if (f.bytes >= bytes && (best < 0 || f.bytes < this.#free[best].bytes)) best = i;
    }
    if (best >= 0) {
      const f = this.#free[best];
      const address = f.address;
      if (f.bytes === bytes) this.#free.splice(best, 1);
      else {
        f.address += bytes;
        f.bytes -= bytes;
      }
      return address;
    }
    const address = this.#scratch;
    if (!this.#fits(address + bytes)) return null;
    this.#scratch = address + bytes;
    return address;
  }

  /** Returns a block from {@link #claim}: merged with free neighbours, or into the scratch at the top. */
  #release(address: number, bytes: number): void {
    const free = this.#free;
    let i = 0;
    while (i < free.length && free[i].address < address) i++;
    let block = { address, bytes };
    const before = i > 0 ? free[i - 1] : undefined;
    if (before !== undefined && before.address + before.bytes === address) {
      before.bytes += bytes;
      block = before;
      i--;
    } else free.splice(i, 0, block);
    const after = free[i + 1];
    if (after !== undefined && block.address + block.bytes === after.address) {
      block.bytes += after.bytes;
      free.splice(i + 1, 1);
    }
    if (block.address + block.bytes === this.#scratch) {
      this.#scratch = block.address;
      free.splice(i, 1);
    }
  }

  /**
   * Whether every element of a resident array ({@link allocate}) is finite, scanned in place
   * with SIMD; null when `a` is not resident or this build lacks the kernel.
   */
  allFinite(a: Float32Array | Float64Array): boolean | null {
    if (!this.#buffers.has(a.buffer)) return null;
    const scan = a instanceof Float64Array ? this.#exports.allFinite64 : this.#exports.allFinite32;
    return scan === undefined ? null : scan(a.length, a.byteOffset) === 1;
  }

  /**
   * Sets every element of `a` to +0: one `memory.fill` for a resident array ({@link allocate};
   * V8 fills an array on a shared buffer element by element), `fill(0)` otherwise.
   */
  zero(a: Float32Array | Float64Array): void {
    if (this.#buffers.has(a.buffer)) this.#zero(a);
    else a.fill(0);
  }

  #zero(a: Float32Array | Float64Array): void {
    const fill = this.#exports.zeroBytes;
    if (fill === undefined) a.fill(0);
    else fill(a.byteOffset, a.byteLength);
  }

  /** Whether `a` views this module's memory (made by {@link allocate}). */
  isResident(a: Float32Array | Float64Array): boolean {
    return this.#buffers.has(a.buffer);
  }

  /**
   * The address of input `a` for a kernel: its own when it is resident, else `scratch`,
   * after copying its first `length` elements there. Call after `#reserve`.
   */
  #in(a: Float32Array | Float64Array, scratch: number, length = a.length): number {
    if (this.#buffers.has(a.buffer)) return a.byteOffset;
    const src = length === a.length ? a : a.subarray(0, length);
    if (a instanceof Float64Array) new Float64Array(this.#memory.buffer, scratch, length).set(src);
    else this.#heap.set(src, scratch >>> 2);
    return scratch;
  }

  /**
   * The address a kernel writes output `a` at: its own when it is resident and overlaps none
   * of `inputs` (a kernel must not read what it writes), else `scratch` (see {@link #out}).
   */
  #outAt(a: Float32Array | Float64Array, scratch: number, ...inputs: (Float32Array | Float64Array | null)[]): number {
    if (!this.#buffers.has(a.buffer)) return scratch;
    const lo = a.byteOffset;
    const hi = lo + a.byteLength;
    for (const i of inputs) {
      if (i !== null && i !== a && this.#buffers.has(i.buffer) && i.byteOffset < hi && lo < i.byteOffset + i.byteLength) return scratch;
    }
    return lo;
  }

  /** Copies a kernel's output at `address` into `a` (nothing to do when it was written in place). */
  #out(a: Float32Array | Float64Array, address: number, length = a.length): void {
    if (this.#buffers.has(a.buffer) && address === a.byteOffset) return;
    if (a instanceof Float64Array) a.set(new Float64Array(this.#memory.buffer, address, length));
    else a.set(this.#heap.subarray(address >>> 2, (address >>> 2) + length));
  }

  /**
   * Sets how many threads (the calling one included) large products may use; 1 turns
   * threading off. Workers start on the first product of at least {@link THREAD_MIN_WORK}
   * multiply-adds. Results are the same bits whatever the count.
   */
  setThreads(threads: number): void {
    if (threads === this.#threads) return;
    // Workers are kept whatever the count (a smaller one lets some sleep through jobs);
    // a failed start is tried again when the count changes.
    if (this.#pool === null || this.#pool.error === null) this.#threadsError = null;
    this.#workerLimit = Number.POSITIVE_INFINITY;
    this.#threads = threads;
  }

  /** The pool for a product of `work` multiply-adds, or null to run it on this thread. */
  #poolFor(work: number): ThreadPool | null {
    if (work < THREAD_MIN_WORK || this.#threads < 2 || this.#sharedError !== null || this.#threadsError !== null) return null;
    let pool = this.#pool;
    if (pool !== null && pool.error !== null) {
      // A worker died (it reported, from the event loop, between two calls): one thread from now on.
      this.#threadsError = `worker threads stopped: ${pool.error}`;
      pool.terminate();
      return null;
    }
    if (pool === null) {
      const region = this.#claim(align(CONTROL_BYTES + 4 * JOB_WORDS));
      if (region === null) return null;
      const memory = this.#memory;
      new Uint8Array(memory.buffer, region, CONTROL_BYTES).fill(0);
      if (!canBlock(new Int32Array(memory.buffer, region, 1))) {
        this.#threadsError = "this thread cannot wait for others (a browser's main thread may not block): run typegrad in a Web Worker to use threads";
        this.#release(region, align(CONTROL_BYTES + 4 * JOB_WORDS));
        return null;
      }
      this.#pool = pool = new ThreadPool({ module: this.#module, memory }, region);
      this.#job = region + CONTROL_BYTES;
      this.#jobWords = new Int32Array(memory.buffer, this.#job, JOB_WORDS);
    }
    // More workers when more threads are wanted than ever before, each with its own
    // workspace (kept for the pool's life, as the workers are).
    const workspace = align(this.#exports.workspaceBytes());
    while (pool.workers < Math.min(this.#threads - 1, this.#workerLimit)) {
      const work = this.#claim(workspace);
      let why = "no memory for its workspace";
      if (work !== null) {
        try {
          pool.addWorker(work);
          continue;
        } catch (error) {
          why = (error as Error).message;
          this.#release(work, workspace);
        }
      }
      // Run with the workers there are; try again only when the thread count changes.
      this.#workerLimit = pool.workers;
      if (pool.workers === 0) this.#threadsError = `worker threads could not start: ${why}`;
    }
    return pool.workers > 0 ? pool : null;
  }

  /**
   * Runs a job (assembly/jobs.ts) of `kind` over C `[m,n]` on the pool, split into ranges
   * of rows or columns, each computed whole by one thread.
   */
  #runJob(
    pool: ThreadPool, kind: number, transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: number, b: number, c: number, bias = 0, act = 0, temp = 0,
  ): void {
    // About two chunks per thread, so a late worker leaves little for the others, in whole
    // micro-kernel tiles (6 rows or 8 columns). A row chunk re-packs all of op(B) (a cost of
    // 1/rows of its arithmetic), a column chunk all of op(A) (1/columns, but packing A is the
    // slower): columns when C is more than 1.5× as wide as tall (a Dense layer at batch 128:
    // 2–9 % faster than rows, measured), or when rows would give a chunk fewer than
    // ROW_SPLIT_MIN of them.
    const helpers = Math.min(pool.workers, this.#threads - 1);
    const perThread = 2 * (1 + helpers);
    const columns = n > 1.5 * m || (m < ROW_SPLIT_MIN * perThread && n > m);
    const extent = columns ? n : m;
    const unit = columns ? 8 : 6;
    const chunk = Math.max(unit, Math.ceil(extent / perThread / unit) * unit);
    const count = Math.ceil(extent / chunk);
    const words = this.#jobWords as Int32Array;
    words[0] = kind;
    words[1] = transA ? 1 : 0;
    words[2] = transB ? 1 : 0;
    words[3] = m;
    words[4] = n;
    words[5] = k;
    words[6] = a;
    words[7] = b;
    words[8] = c;
    words[9] = columns ? 1 : 0;
    words[10] = chunk;
    words[11] = bias;
    words[12] = act;
    words[13] = temp;
    pool.run(this.#job, count, helpers, this.#exports.runChunk);
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
    const pool = this.#poolFor(m * n * k);
    const offA = this.#scratch;
    const offB = align(offA + 4 * sizeA);
    const offC = align(offB + 4 * sizeB);
    const end = offC + 4 * sizeC;
    if (!this.#fits(end)) return false;
    const atA = this.#in(a, offA, sizeA);
    const atB = this.#in(b, offB, sizeB);
    const atC = this.#outAt(c, offC, a, b);
    if (pool !== null) this.#runJob(pool, KIND_GEMM, transA, transB, m, n, k, atA, atB, atC);
    else this.#exports.gemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, atA, atB, atC, this.#work);
    this.#out(c, atC, sizeC);
    return true;
  }

  /**
   * `y = act(x·Wᵀ + b)` in float32 (`act` 0: none, 1: ReLU); see `Kernels.linearForward`.
   *
   * @returns false, having done nothing, when the operands do not fit in wasm32 memory
   */
  linearForward(batch: number, out: number, inF: number, x: Float32Array, w: Float32Array, b: Float32Array | null, act: number, y: Float32Array): boolean {
    const pool = this.#poolFor(batch * out * inF);
    const offX = this.#scratch;
    const offW = align(offX + 4 * batch * inF);
    const offB = align(offW + 4 * out * inF);
    const offY = align(offB + 4 * out);
    const end = offY + 4 * batch * out;
    if (!this.#fits(end)) return false;
    const atX = this.#in(x, offX);
    const atW = this.#in(w, offW);
    const atB = b === null ? 0 : this.#in(b, offB);
    const atY = this.#outAt(y, offY, x, w, b);
    if (pool !== null) this.#runJob(pool, KIND_LINEAR_FORWARD, false, true, batch, out, inF, atX, atW, atY, atB, act);
    else this.#exports.linearForward(batch, out, inF, atX, atW, atB, act, atY, this.#work);
    this.#out(y, atY);
    return true;
  }

  /**
   * The backward of {@link linearForward}: fills whichever of `gx`, `gw`, `gb` is not null
   * (adding into `gw` / `gb` with `accumulateW` / `accumulateB`). `y` (the forward's
   * output) is read only for ReLU.
   *
   * @returns false, having done nothing, when the operands do not fit in wasm32 memory
   */
  linearBackward(
    batch: number, out: number, inF: number, gy: Float32Array, y: Float32Array, act: number, x: Float32Array, w: Float32Array,
    gx: Float32Array | null, gw: Float32Array | null, gb: Float32Array | null, accumulateW = false, accumulateB = false,
  ): boolean {
    const sizeG = batch * out;
    const pool = this.#poolFor(batch * out * inF);
    const offGy = this.#scratch;
    const offY = align(offGy + 4 * sizeG);
    const offX = align(offY + 4 * sizeG);
    const offW = align(offX + 4 * batch * inF);
    const offGzAct = align(offW + 4 * out * inF);
    const offGx = align(offGzAct + 4 * sizeG);
    const offGw = align(offGx + 4 * batch * inF);
    const offGb = align(offGw + 4 * out * inF);
    const offSums = align(offGb + 4 * out);
    const offGwTemp = align(offSums + 8 * out);
    const end = offGwTemp + (accumulateW ? 4 * out * inF : 0);
    if (!this.#fits(end)) return false;
    const atGy = this.#in(gy, offGy);
    const atY = act !== 0 ? this.#in(y, offY) : offY;
    const atX = gw !== null ? this.#in(x, offX) : offX;
    const atW = gx !== null ? this.#in(w, offW) : offW;
    const inputs = [gy, act !== 0 ? y : null, gw !== null ? x : null, gx !== null ? w : null];
    const atGx = gx === null ? 0 : this.#outAt(gx, offGx, ...inputs);
    const atGw = gw === null ? 0 : this.#outAt(gw, offGw, ...inputs);
    const atGb = gb === null ? 0 : this.#outAt(gb, offGb, ...inputs);
    // Accumulating outputs are read too: copy them in where they are not resident.
    if (gw !== null && accumulateW && atGw === offGw) this.#heap.set(gw, offGw >>> 2);
    if (gb !== null && accumulateB && atGb === offGb) this.#heap.set(gb, offGb >>> 2);
    // G_z: scratch for ReLU; for no activation it is G_y itself (read only).
    const atGz = act !== 0 ? offGzAct : atGy;
    if (pool !== null) {
      // The same phases as the one-call kernel, the two products split across threads.
      const e = this.#exports;
      e.linearGradZ(sizeG, atGy, atY, act, atGz);
      if (gx !== null) this.#runJob(pool, KIND_GEMM, false, false, batch, inF, out, atGz, atW, atGx);
      if (gw !== null) {
        if (accumulateW) this.#runJob(pool, KIND_GEMM_ACCUMULATE, true, false, out, inF, batch, atGz, atX, atGw, 0, 0, offGwTemp);
        else this.#runJob(pool, KIND_GEMM, true, false, out, inF, batch, atGz, atX, atGw);
      }
      if (gb !== null) e.linearGradBias(batch, out, atGz, atGb, offSums, accumulateB ? 1 : 0);
    } else {
      this.#exports.linearBackward(
        batch, out, inF, atGy, atY, act, atX, atW, atGz, atGx, atGw, atGb, offSums, this.#work,
        accumulateW ? offGwTemp : 0, accumulateB ? 1 : 0,
      );
    }
    if (gx !== null) this.#out(gx, atGx);
    if (gw !== null) this.#out(gw, atGw);
    if (gb !== null) this.#out(gb, atGb);
    return true;
  }

  /** Whether this build has the float64 product (`gemm64`). */
  get hasGemm64(): boolean {
    return typeof this.#exports.gemm64 === "function" && typeof this.#exports.workspaceBytes64 === "function";
  }

  /**
   * `C = op(A) · op(B)` in float64 through the f64x2 kernel, bit for bit `gemmReference`
   * (every element summed over k in order); same contract as `Kernels.gemm`.
   *
   * @returns false, having done nothing, when the operands do not fit in wasm32 memory or this build lacks the kernel
   */
  gemm64(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Float64Array, b: Float64Array, c: Float64Array): boolean {
    const e = this.#exports;
    if (e.gemm64 === undefined || e.workspaceBytes64 === undefined) return false;
    const sizeA = m * k;
    const sizeB = k * n;
    const sizeC = m * n;
    const pool = this.#poolFor(m * n * k);
    const offA = this.#scratch;
    const offB = align(offA + 8 * sizeA);
    const offC = align(offB + 8 * sizeB);
    const offW = align(offC + 8 * sizeC);
    const end = offW + e.workspaceBytes64(k);
    if (!this.#fits(end)) return false;
    const atA = this.#in(a, offA, sizeA);
    const atB = this.#in(b, offB, sizeB);
    const atC = this.#outAt(c, offC, a, b);
    if (pool !== null) this.#runJob(pool, KIND_GEMM64, transA, transB, m, n, k, atA, atB, atC);
    else e.gemm64(transA ? 1 : 0, transB ? 1 : 0, m, n, k, atA, atB, atC, offW);
    this.#out(c, atC, sizeC);
    return true;
  }

  /** Whether this build has the float64 Dense kernels and SGD (`linearForward64`, `linearBackward64`, `sgdStep64`). */
  get hasFloat64Kernels(): boolean {
    const e = this.#exports;
    return this.hasGemm64 && typeof e.linearForward64 === "function" && typeof e.linearBackward64 === "function" && typeof e.sgdStep64 === "function";
  }

  /**
   * `y = act(x·Wᵀ + b)` in float64 (`act` 0: none, 1: ReLU) as one call, bit for bit
   * `linearForwardReference`; see `Kernels.linearForward`.
   *
   * @returns false, having done nothing, when the operands do not fit in wasm32 memory or this build lacks the kernel
   */
  linearForward64(
    batch: number, out: number, inF: number, x: Float64Array, w: Float64Array, b: Float64Array | null, act: number, y: Float64Array,
  ): boolean {
    const e = this.#exports;
    if (e.linearForward64 === undefined || e.workspaceBytes64 === undefined) return false;
    const pool = this.#poolFor(batch * out * inF);
    const offX = this.#scratch;
    const offW = align(offX + 8 * batch * inF);
    const offB = align(offW + 8 * out * inF);
    const offY = align(offB + 8 * out);
    const offWork = align(offY + 8 * batch * out);
    const end = offWork + e.workspaceBytes64(inF);
    if (!this.#fits(end)) return false;
    const atX = this.#in(x, offX);
    const atW = this.#in(w, offW);
    const atB = b === null ? 0 : this.#in(b, offB);
    const atY = this.#outAt(y, offY, x, w, b);
    if (pool !== null) this.#runJob(pool, KIND_LINEAR_FORWARD64, false, true, batch, out, inF, atX, atW, atY, atB, act);
    else e.linearForward64(batch, out, inF, atX, atW, atB, act, atY, offWork);
    this.#out(y, atY);
    return true;
  }

  /**
   * The backward of {@link linearForward64}, bit for bit `linearBackwardReference` in float64:
   * fills whichever of `gx`, `gw`, `gb` is not null (adding into `gw` / `gb` with
   * `accumulateW` / `accumulateB`). `y` is read only for ReLU.
   *
   * @returns false, having done nothing, when the operands do not fit in wasm32 memory or this build lacks the kernel
   */
  linearBackward64(
    batch: number, out: number, inF: number, gy: Float64Array, y: Float64Array, act: number, x: Float64Array, w: Float64Array,
    gx: Float64Array | null, gw: Float64Array | null, gb: Float64Array | null, accumulateW = false, accumulateB = false,
  ): boolean {
    const e = this.#exports;
    const { linearBackward64, linearGradZ64, linearGradBias64, workspaceBytes64 } = e;
    if (linearBackward64 === undefined || linearGradZ64 === undefined || linearGradBias64 === undefined || workspaceBytes64 === undefined) {
      return false;
    }
    const sizeG = batch * out;
    const pool = this.#poolFor(batch * out * inF);
    const offGy = this.#scratch;
    const offY = align(offGy + 8 * sizeG);
    const offX = align(offY + 8 * sizeG);
    const offW = align(offX + 8 * batch * inF);
    const offGzAct = align(offW + 8 * out * inF);
    const offGx = align(offGzAct + 8 * sizeG);
    const offGw = align(offGx + 8 * batch * inF);
    const offGb = align(offGw + 8 * out * inF);
    const offSums = align(offGb + 8 * out);
    const offGwTemp = align(offSums + 8 * out);
    const offWork = align(offGwTemp + (accumulateW ? 8 * out * inF : 0));
    const end = offWork + workspaceBytes64(Math.max(out, batch));
    if (!this.#fits(end)) return false;
    const atGy = this.#in(gy, offGy);
    const atY = act !== 0 ? this.#in(y, offY) : offY;
    const atX = gw !== null ? this.#in(x, offX) : offX;
    const atW = gx !== null ? this.#in(w, offW) : offW;
    const inputs = [gy, act !== 0 ? y : null, gw !== null ? x : null, gx !== null ? w : null];
    const atGx = gx === null ? 0 : this.#outAt(gx, offGx, ...inputs);
    const atGw = gw === null ? 0 : this.#outAt(gw, offGw, ...inputs);
    const atGb = gb === null ? 0 : this.#outAt(gb, offGb, ...inputs);
    // Accumulating outputs are read too: copy them in where they are not resident.
    if (gw !== null && accumulateW && atGw === offGw) this.#in(gw, offGw);
    if (gb !== null && accumulateB && atGb === offGb) this.#in(gb, offGb);
    // G_z: scratch for ReLU; for no activation it is G_y itself (read only).
    const atGz = act !== 0 ? offGzAct : atGy;
    if (pool !== null) {
      // The same phases as the one-call kernel, the two products split across threads.
      linearGradZ64(sizeG, atGy, atY, act, atGz);
      if (gx !== null) this.#runJob(pool, KIND_GEMM64, false, false, batch, inF, out, atGz, atW, atGx);
      if (gw !== null) {
        if (accumulateW) this.#runJob(pool, KIND_GEMM64_ACCUMULATE, true, false, out, inF, batch, atGz, atX, atGw, 0, 0, offGwTemp);
        else this.#runJob(pool, KIND_GEMM64, true, false, out, inF, batch, atGz, atX, atGw);
      }
      if (gb !== null) linearGradBias64(batch, out, atGz, atGb, accumulateB ? offSums : 0);
    } else {
      linearBackward64(
        batch, out, inF, atGy, atY, act, atX, atW, atGz, atGx, atGw, atGb, offWork,
        accumulateW ? offGwTemp : 0, accumulateB ? offSums : 0,
      );
    }
    if (gx !== null) this.#out(gx, atGx);
    if (gw !== null) this.#out(gw, atGw);
    if (gb !== null) this.#out(gb, atGb);
    return true;
  }

  /**
   * SGD's update over many parameters of one dtype (float32 or float64) in one call, bit for bit `sgdReference`:
   * parameters whose arrays all live in wasm memory are updated in place, one call each; θ, g
   * (and b with momentum) of the rest packed into one region each (see {@link #packed}).
   * `first` applies to all of them.
   *
   * @returns false, having done nothing, when they do not fit in wasm32 memory or this build lacks the kernel
   */
  sgd(segments: readonly { theta: FloatArray; g: FloatArray; b: FloatArray | null }[], first: boolean, o: SgdScalars): boolean {
    const step = segments[0].theta instanceof Float64Array ? this.#exports.sgdStep64 : this.#exports.sgdStep;
    if (step === undefined) return false;
    const withB = o.momentum !== 0;
    const arrays = segments.map((s) => (withB ? [s.theta, s.g, s.b as FloatArray] : [s.theta, s.g]));
    return this.#packed(arrays, (n, [t, g, b]) =>
      step(n, t, g, b ?? 0, o.lr, o.momentum, 1 - o.dampening, o.nesterov ? 1 : 0, o.weightDecay, first ? 1 : 0),
    );
  }

  /**
   * Adam's plain update (no weight decay, no amsgrad) over many parameters of one dtype sharing
   * one step count, bit for bit `adamGroupReference`, in one call (as {@link sgd}).
   *
   * @returns false, having done nothing, when they do not fit in wasm32 memory or this build lacks the kernel
   */
  adamGroup(
    segments: readonly { theta: FloatArray; g: FloatArray; m: FloatArray; v: FloatArray }[],
    beta1: number, beta2: number, stepSize: number, bias2Sqrt: number, eps: number,
  ): boolean {
    const step = segments[0].theta instanceof Float64Array ? this.#exports.adamStep64 : this.#exports.adamStep;
    if (step === undefined) return false;
    const w = 1 - beta1;
    return this.#packed(segments.map((s) => [s.theta, s.g, s.m, s.v]), (n, [t, g, m, v]) =>
      step(n, t, g, m, v, w, 1 - w, w < 0.5 ? 1 : 0, beta2, 1 - beta2, stepSize, bias2Sqrt, eps),
    );
  }

  /**
   * Adam's update with `decay` (L2 penalty, decoupled shrink, amsgrad) over many parameters of
   * one dtype (all float32 or all float64, `vMax` present with amsgrad) sharing one step count,
   * bit for bit `adamGroupReference`, in one call (as {@link sgd}).
   *
   * @returns false, having done nothing, when they do not fit in wasm32 memory or this build lacks the kernel
   */
  adamGeneral(
    segments: readonly AdamSegment[], beta1: number, beta2: number, stepSize: number, bias2Sqrt: number, eps: number, d: AdamDecay,
  ): boolean {
    const step = this.#exports.adamGeneral;
    if (step === undefined) return false;
    const is64 = segments[0].theta instanceof Float64Array ? 1 : 0;
    const arrays = segments.map((s) => [s.theta, s.g, s.m, s.v, ...(d.amsgrad ? [s.vMax] : [])] as FloatArray[]);
    return this.#packed(arrays, (n, o) =>
      step(is64, n, o[0], o[1], o[2], o[3], o[4] ?? 0, 1 - beta1, beta2, 1 - beta2, stepSize, bias2Sqrt, eps, d.l2, d.shrink),
    );
  }

  /**
   * RMSprop's update over many parameters of one dtype, bit for bit `rmspropReference`, in one call (as {@link sgd}).
   *
   * @returns false, having done nothing, when they do not fit in wasm32 memory or this build lacks the kernel
   */
  rmsprop(
    segments: readonly { theta: FloatArray; g: FloatArray; v: FloatArray; gAvg: FloatArray | null; b: FloatArray | null }[],
    o: RmspropScalars,
  ): boolean {
    const step = segments[0].theta instanceof Float64Array ? this.#exports.rmspropStep64 : this.#exports.rmspropStep;
    if (step === undefined) return false;
    const withAvg = o.centered;
    const withB = o.momentum > 0;
    const arrays = segments.map((s) => {
      const a = [s.theta, s.g, s.v];
      if (withAvg) a.push(s.gAvg as FloatArray);
      if (withB) a.push(s.b as FloatArray);
      return a;
    });
    return this.#packed(arrays, (n, off) => {
      const avg = withAvg ? off[3] : 0;
      const b = withB ? off[withAvg ? 4 : 3] : 0;
      step(n, off[0], off[1], off[2], avg, b, o.lr, o.alpha, 1 - o.alpha, o.eps, o.momentum, o.centered ? 1 : 0, o.weightDecay);
    });
  }

  /**
   * Runs an element-wise kernel over segments of one dtype (float32 or float64; every array of
   * a segment one length). Segments whose arrays all live in wasm memory run in place, one
   * call each (an update is element by element, so the bits are the same); array `j` of every
   * other segment is packed into region `j`, `run(total length, region addresses)` called once
   * over them, and every region but region 1 copied back: every optimiser passes θ, g, then
   * its state, and only g is read only. Room for the packed part is reserved before anything
   * runs, so a step never stops half done.
   */
  #packed(segments: readonly (readonly FloatArray[])[], run: (n: number, offsets: number[]) => void): boolean {
    const inPlace: (readonly FloatArray[])[] = [];
    const packed: (readonly FloatArray[])[] = [];
    for (const s of segments) (s.every((a) => this.#buffers.has(a.buffer)) ? inPlace : packed).push(s);
    const size = segments[0]?.[0].BYTES_PER_ELEMENT ?? 4;
    const count = segments[0]?.length ?? 0;
    let n = 0;
    for (const s of packed) n += s[0].length;
    const offsets: number[] = [];
    let end = this.#scratch;
    for (let j = 0; j < count; j++) {
      offsets.push(end);
      end = align(end + size * n);
    }
    if (packed.length > 0 && !this.#fits(end)) return false;
    for (const s of inPlace) run(s[0].length, s.map((a) => a.byteOffset));
    if (packed.length === 0) return true;
    // After #fits: the memory may have grown (a new buffer).
    const heap = size === 4 ? this.#heap : new Float64Array(this.#memory.buffer);
    for (let j = 0; j < count; j++) {
      let at = offsets[j] / size;
      for (const s of packed) {
        heap.set(s[j], at);
        at += s[j].length;
      }
    }
    run(n, offsets);
    for (let j = 0; j < count; j++) {
      if (j === 1) continue;
      let at = offsets[j] / size;
      for (const s of packed) {
        s[j].set(heap.subarray(at, at + s[j].length));
        at += s[j].length;
      }
    }
    return true;
  }

  /**
   * Whether this is the relaxed-SIMD build (scripts/build-wasm.mjs), whose float32 gemm
   * micro-kernels use `f32x4.relaxed_madd`; false for the default build (mul then add).
   */
  get relaxedSimd(): boolean {
    return this.#exports.relaxedSimd?.() === 1;
  }

  /**
   * Stops this module's worker threads, if any started: for when another module replaces it
   * (arrays living in its memory stay valid; the new module copies them as any other array).
   */
  close(): void {
    this.#pool?.terminate();
    this.#pool = null;
  }

  /**
   * Whether the memory reaches byte `end` (growing it if needed): false when that is beyond
   * wasm32's reach or the runtime refuses to grow it, so the caller falls back.
   */
  #fits(end: number): boolean {
    if (end > MAX_BYTES) return false;
    try {
      this.#reserve(end);
      return true;
    } catch {
      return false;
    }
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
