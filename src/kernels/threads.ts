import { nodeBuiltin } from "../platform/node.js";

/**
 * Worker threads for the WebAssembly kernels: each runs its own instance of the kernels on
 * the one shared memory, and helps the calling thread with large products.
 *
 * Protocol (control words, Int32, in shared memory at `control`):
 *
 * ```text
 * [CLAIM]  (generation & 0x7fff) << 16 | next chunk index   claimed with compareExchange
 * [COUNT]  chunks in the current job        [DONE]  chunks finished
 * [JOB]    address of the job descriptor    [GEN]   job counter; workers sleep on it
 * [READY]  workers started                  [FAILED] a worker's chunk threw
 * [ACTIVE] workers that take part (index < ACTIVE)
 * ```
 *
 * The caller publishes a job: CLAIM first (the new generation, index 0), so a worker still
 * looping over the previous job can no longer claim a chunk of it against the new
 * descriptor; then the descriptor address, COUNT, DONE = 0 and ACTIVE; then GEN, and wakes
 * the workers. It then claims and runs chunks itself until none is left, and waits until
 * DONE = COUNT. So a worker that has not started yet, or wakes late, costs nothing: the
 * caller does the chunks it would have done, and no call can wait on a thread that never
 * came. A chunk is computed the same way whoever runs it, so results do not depend on the
 * thread count or the timing.
 *
 * Workers are started once and kept: a smaller thread count only lowers ACTIVE (a worker
 * whose index is not below it sleeps on the ACTIVE word, not on GEN, so jobs do not wake it
 * until the count changes), a larger one starts more, each with a workspace of its own.
 */

const CLAIM = 0;
const COUNT = 1;
const DONE = 2;
const JOB = 3;
const GEN = 4;
const READY = 5;
const FAILED = 6;
const ACTIVE = 7;
/** Bytes of control words {@link ThreadPool} needs. */
export const CONTROL_BYTES = 64;

/** Spins on a control word this many times before sleeping (a futex wake costs tens of µs). */
const SPINS = 20000;

/** The WebAssembly JS-API parts a pool needs, typed locally (the project's `lib` has no DOM). */
export interface PoolModule {
  /** The compiled kernels (a `WebAssembly.Module`), sent to each worker. */
  readonly module: object;
  /** The shared `WebAssembly.Memory`. */
  readonly memory: { readonly buffer: ArrayBufferLike };
}

/**
 * The body of every worker, as source: it instantiates the kernels on the shared memory,
 * sets its workspace, and runs chunks as {@link ThreadPool.run} publishes them. Plain
 * JavaScript, so it runs as a Node `worker_threads` eval script and as a Web Worker.
 */
const WORKER_BODY = `
function typegradKernelWorker(module, memory, control, work, me) {
  const e = new WebAssembly.Instance(module, { env: { memory } }).exports;
  e.setThreadWorkspace(work);
  const c = new Int32Array(memory.buffer, control, ${CONTROL_BYTES / 4});
  let seen = Atomics.load(c, ${GEN});
  Atomics.add(c, ${READY}, 1);
  for (;;) {
    let spins = 0;
    while (Atomics.load(c, ${GEN}) === seen && spins < ${SPINS}) spins++;
    if (Atomics.load(c, ${GEN}) === seen) Atomics.wait(c, ${GEN}, seen);
    seen = Atomics.load(c, ${GEN});
    if (seen === -1) return;
    const active = Atomics.load(c, ${ACTIVE});
    // Not taking part: sleep on ACTIVE (GEN's wakes are not for this worker) until it changes.
    if (me >= active) {
      Atomics.wait(c, ${ACTIVE}, active);
      continue;
    }
    const generation = seen & 0x7fff;
    for (;;) {
      const w = Atomics.load(c, ${CLAIM});
      if (w >>> 16 !== generation) break;
      const index = w & 0xffff;
      if (index >= Atomics.load(c, ${COUNT})) break;
      if (Atomics.compareExchange(c, ${CLAIM}, w, w + 1) !== w) continue;
      try {
        e.runChunk(Atomics.load(c, ${JOB}), index);
      } catch (error) {
        Atomics.store(c, ${FAILED}, 1);
      }
      Atomics.add(c, ${DONE}, 1);
      Atomics.notify(c, ${DONE});
    }
  }
}
`;

/** A started worker, whichever runtime made it. */
interface WorkerHandle {
  terminate(): unknown;
}


interface WebWorkerApi {
  new (url: string): WorkerHandle & {
    postMessage(message: unknown): void;
    onerror: ((event: { message?: string; preventDefault?: () => void }) => void) | null;
  };
}
interface UrlApi {
  createObjectURL(blob: unknown): string;
  revokeObjectURL(url: string): void;
}
interface BlobApi {
  new (parts: string[], options: { type: string }): unknown;
}

/**
 * Starts worker number `me` running {@link WORKER_BODY} with these arguments, or returns why
 * it cannot. `failed` is called (later, from the event loop) if the worker dies.
 */
function startWorker(
  pool: PoolModule, control: number, work: number, me: number, failed: (why: string) => void,
): WorkerHandle | string {
  const threads = nodeBuiltin("worker_threads");
  if (threads !== undefined) {
    const source = `${WORKER_BODY}
const { workerData: d } = process.getBuiltinModule("worker_threads");
typegradKernelWorker(d.module, d.memory, d.control, d.work, d.me);`;
    const worker = new threads.Worker(source, {
      eval: true,
      workerData: { module: pool.module, memory: pool.memory, control, work, me },
      // Neither the parent's flags nor its environment: a loader or preload (tsx; in execArgv or
      // NODE_OPTIONS), --cpu-prof or --inspect would run again in every kernel thread. V8's
      // flags (--experimental-wasm-…) are per process, so workers have them anyway (and Node
      // refuses them in a worker's execArgv).
      execArgv: [],
      env: {},
    });
    // Without a listener, a worker's error would be thrown in the process as an unhandled event.
    worker.on("error", (error) => failed(`a worker thread failed: ${error.message}`));
    worker.on("exit", (code) => failed(`a worker thread exited (code ${code})`));
    // A sleeping kernel thread must not keep the process alive.
    worker.unref();
    return worker;
  }
  const g = globalThis as { Worker?: WebWorkerApi; Blob?: BlobApi; URL?: UrlApi };
  if (typeof g.Worker !== "function" || typeof g.Blob !== "function" || typeof g.URL?.createObjectURL !== "function") {
    return "this runtime has no Worker";
  }
  const source = `${WORKER_BODY}
self.onmessage = (event) => { const d = event.data; typegradKernelWorker(d.module, d.memory, d.control, d.work, d.me); };`;
  const url = g.URL.createObjectURL(new g.Blob([source], { type: "text/javascript" }));
  try {
    const worker = new g.Worker(url);
    worker.onerror = (event) => {
      // Reported through kernelInfo().threadsError, not as an uncaught error on the page.
      event.preventDefault?.();
      failed(`a worker thread failed: ${event.message ?? "unknown error"}`);
    };
    try {
      worker.postMessage({ module: pool.module, memory: pool.memory, control, work, me });
    } catch (error) {
      void worker.terminate();
      return `a worker thread could not be given the kernels: ${(error as Error).message}`;
    }
    return worker;
  } finally {
    g.URL.revokeObjectURL(url);
  }
}

/**
 * Whether this thread may block in `Atomics.wait` (a browser's main thread may not), given
 * a shared Int32Array to probe with.
 */
export function canBlock(probe: Int32Array): boolean {
  try {
    Atomics.wait(probe, 0, 1, 0); // "not-equal" at once where waiting is allowed
    return true;
  } catch {
    return false;
  }
}

/** Worker threads plus the calling thread, sharing one WebAssembly memory. */
export class ThreadPool {
  readonly #pool: PoolModule;
  readonly #controlAddress: number;
  readonly #control: Int32Array;
  readonly #workers: WorkerHandle[] = [];
  #error: string | null = null;
  #terminated = false;

  /**
   * @param control - address of {@link CONTROL_BYTES} zeroed bytes of shared memory
   */
  constructor(pool: PoolModule, control: number) {
    this.#pool = pool;
    this.#controlAddress = control;
    this.#control = new Int32Array(pool.memory.buffer, control, CONTROL_BYTES / 4);
  }

  /** Workers started so far (the calling thread not counted). */
  get workers(): number {
    return this.#workers.length;
  }

  /** Workers that have started running (they join jobs from then on). */
  get ready(): number {
    return Atomics.load(this.#control, READY);
  }

  /** Why a worker died (the pool must not be used any more), or null. */
  get error(): string | null {
    return this.#error;
  }

  /**
   * Starts one more worker with the workspace at `work`.
   *
   * @throws Error when it cannot be started (no Worker in this runtime, …)
   */
  addWorker(work: number): void {
    const worker = startWorker(this.#pool, this.#controlAddress, work, this.#workers.length, (why) => {
      if (!this.#terminated) this.#error ??= why;
    });
    if (typeof worker === "string") throw new Error(worker);
    this.#workers.push(worker);
  }

  /**
   * Runs chunks `0 … count−1` of the job at `job`, on this thread and the first `helpers`
   * workers that are running, and returns when all are done.
   *
   * @param runChunk - this thread's instance's `runChunk`
   * @throws Error when a worker's chunk threw (the job's output is then incomplete)
   */
  run(job: number, count: number, helpers: number, runChunk: (job: number, index: number) => void): void {
    const c = this.#control;
    // GEN only ever counts up (−1 stops the workers); CLAIM carries its low 15 bits.
    const gen = (Atomics.load(c, GEN) + 1) & 0x3fffffff;
    // CLAIM first: from here on no worker can claim a chunk of the previous job.
    Atomics.store(c, CLAIM, (gen & 0x7fff) << 16);
    Atomics.store(c, JOB, job);
    Atomics.store(c, COUNT, count);
    Atomics.store(c, DONE, 0);
    if (Atomics.exchange(c, ACTIVE, helpers) !== helpers) Atomics.notify(c, ACTIVE);
    Atomics.store(c, GEN, gen);
    Atomics.notify(c, GEN);
    let failure: unknown = null;
    for (;;) {
      const w = Atomics.load(c, CLAIM);
      const index = w & 0xffff;
      if (index >= count) break;
      if (Atomics.compareExchange(c, CLAIM, w, w + 1) !== w) continue;
      try {
        runChunk(job, index);
      } catch (error) {
        failure ??= error;
      }
      Atomics.add(c, DONE, 1);
    }
    // Wait for the workers' chunks even when this thread's failed: they write into C.
    let spins = 0;
    for (let done = Atomics.load(c, DONE); done < count; done = Atomics.load(c, DONE)) {
      if (spins++ > SPINS) Atomics.wait(c, DONE, done, 100);
    }
    if (failure !== null) throw failure;
    if (Atomics.load(c, FAILED) !== 0) {
      Atomics.store(c, FAILED, 0);
      throw new Error("typegrad kernel thread: a worker failed while computing its part of a product");
    }
  }

  /** Stops the workers. */
  terminate(): void {
    this.#terminated = true;
    Atomics.store(this.#control, GEN, -1);
    Atomics.notify(this.#control, GEN);
    Atomics.store(this.#control, ACTIVE, 0x7fffffff);
    Atomics.notify(this.#control, ACTIVE);
    for (const w of this.#workers) void w.terminate();
    this.#workers.length = 0;
  }
}
