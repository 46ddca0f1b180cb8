import cliProgress from "cli-progress";
import type { Logs } from "./callback.js";

/** How much `fit` prints: 0 nothing, 1 a live bar on a TTY (a line per epoch otherwise), 2 a line per epoch. */
export type Verbosity = 0 | 1 | 2;

/** Where progress goes: a writable stream; a live bar is drawn only when `isTTY` is true. */
export interface ProgressStream extends NodeJS.WritableStream {
  isTTY?: boolean;
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
 * one line per epoch; nothing with verbosity 0.
 */
export class ProgressReporter {
  readonly #live: boolean;
  #bar: cliProgress.SingleBar | null = null;
  #started = 0;

  constructor(
    readonly verbose: Verbosity,
    readonly epochs: number,
    readonly batches: number,
    readonly stream: ProgressStream = process.stdout,
  ) {
    this.#live = verbose === 1 && stream.isTTY === true;
  }

  /** Starts an epoch (0-based `epoch`). */
  epochBegin(epoch: number): void {
    this.#started = performance.now();
    if (!this.#live) return;
    const width = String(this.epochs).length;
    this.#bar = new cliProgress.SingleBar(
      {
        format: `Epoch ${String(epoch + 1).padStart(width)}/${this.epochs} [{bar}] {value}/{total} | ETA {eta_formatted} | {logs}`,
        stream: this.stream,
        hideCursor: true,
        clearOnComplete: false,
        barsize: 24,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
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
