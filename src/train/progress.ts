import type * as CliProgress from "cli-progress";
import { nodeBuiltin } from "../platform/node.js";
import type { Logs } from "./callback.js";

/** How much `fit` prints: 0 nothing, 1 a live bar on a TTY (a line per epoch otherwise), 2 a line per epoch. */
export type Verbosity = 0 | 1 | 2;

/**
 * Where progress goes: anything with `write(text)`, such as `process.stdout` or an object
 * appending to a page. A live bar is drawn only on a terminal (a Node stream whose `isTTY`
 * is true); everything else gets one line per epoch.
 */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Where progress goes by default: the terminal (`process.stdout`) in Node, Deno and Bun;
 * elsewhere (browsers, workers) the console, a line per epoch. `process` is read only where
 * it exists.
 */
function defaultStream(): ProgressStream {
  const proc = (globalThis as { process?: { stdout?: ProgressStream } }).process;
  if (proc?.stdout !== undefined && typeof proc.stdout.write === "function") return proc.stdout;
  return { write: (text: string) => console.log(text.replace(/\n$/, "")) };
}

/**
 * The terminal progress bar package, loaded on first use and only in Node (it needs Node's
 * `events`, `readline` and a TTY), so browser bundles never contain it; null when it cannot
 * be loaded (then progress falls back to a line per epoch).
 */
let cliProgress: typeof CliProgress | null | undefined;
function loadCliProgress(): typeof CliProgress | null {
  if (cliProgress !== undefined) return cliProgress;
  cliProgress = null;
  try {
    const module = nodeBuiltin("module");
    if (module !== undefined) cliProgress = module.createRequire(import.meta.url)("cli-progress") as typeof CliProgress;
  } catch {
    // A bundle without node_modules beside it: lines per epoch instead of a live bar.
  }
  return cliProgress;
}

/** A logged number for display: 4 decimals, or 3 significant digits in exponent form when tiny. */
export function formatValue(v: number): string {
  return v === 0 || !Number.isFinite(v) || Math.abs(v) >= 1e-3 ? v.toFixed(4) : v.toExponential(3);
}

/** `loss: 0.1234 - accuracy: 0.9500`, in the logs' key order. */
export function formatLogs(logs: Readonly<Logs>): string {
  return Object.entries(logs)
    .map(([k, v]) => `${k}: ${formatValue(v)}`)
    .join(" - ");
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/**
 * Reports `fit`'s progress: on a TTY with verbosity 1 a live bar per epoch (cli-progress)
 * with batch count, ETA and the running loss and metrics; otherwise (or with verbosity 2)
 * one line per epoch (to the console where there is no `process.stdout`); nothing with
 * verbosity 0.
 */
export class ProgressReporter {
  readonly #live: typeof CliProgress | null;
  readonly stream: ProgressStream;
  #bar: CliProgress.SingleBar | null = null;
  #started = 0;

  constructor(
    readonly verbose: Verbosity,
    readonly epochs: number,
    readonly batches: number,
    stream?: ProgressStream,
  ) {
    this.stream = stream ?? defaultStream();
    this.#live = verbose === 1 && this.stream.isTTY === true ? loadCliProgress() : null;
  }

  /** Starts an epoch (0-based `epoch`). */
  epochBegin(epoch: number): void {
    this.#started = performance.now();
    const cli = this.#live;
    if (cli === null) return;
    const width = String(this.epochs).length;
    this.#bar = new cli.SingleBar(
      {
        format: `Epoch ${String(epoch + 1).padStart(width)}/${this.epochs} [{bar}] {value}/{total} | ETA {eta_formatted} | {logs}`,
        stream: this.stream as NodeJS.WritableStream, // a TTY stream: isTTY is true
        hideCursor: true,
        clearOnComplete: false,
        barsize: 24,
        etaBuffer: 20,
      },
      cli.Presets.shades_classic,
    );
    this.#bar.start(this.batches, 0, { logs: "" });
  }

  /** After batch `batch` (0-based) with the epoch's running logs. */
  batchEnd(batch: number, running: Readonly<Logs>): void {
    this.#bar?.update(batch + 1, { logs: formatLogs(running) });
  }

  /** Ends an epoch with its final logs (validation included). */
  epochEnd(epoch: number, logs: Readonly<Logs>): void {
    const elapsed = formatDuration(performance.now() - this.#started);
    if (this.#bar !== null) {
      this.#bar.update({ logs: `${formatLogs(logs)} | ${elapsed}` });
      this.#bar.stop();
      this.#bar = null;
    } else if (this.verbose > 0) {
      this.stream.write(`Epoch ${epoch + 1}/${this.epochs} - ${elapsed} - ${formatLogs(logs)}\n`);
    }
  }

  /** Stops a live bar left open by an error. */
  close(): void {
    this.#bar?.stop();
    this.#bar = null;
  }
}
