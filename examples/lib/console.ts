import type { Callback, CallbackContext } from "../../src/index.js";
import { HelpRequested } from "./args.js";

/** Where an example writes its screen output: `console.log` by default, a collector in tests. */
export type Print = (line: string) => void;

/** What every example's `main` accepts besides its argv. */
export interface RunOptions {
  /** Receives each line of screen output. Default `console.log`. */
  print?: Print;
}

/** A plain-text table with a header row, columns padded to their widest cell. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? "").length)));
  // Numeric columns (numbers, percentages) align right, text columns left.
  const numeric = header.map((_, c) => cells.slice(1).every((r) => /^[-−+]?[\d.]+(e[-+]?\d+)?( %)?( \(.*\))?$/.test(r[c] ?? "")));
  const line = (r: readonly string[]) => r.map((s, c) => (numeric[c] ? s.padStart(widths[c]) : s.padEnd(widths[c]))).join("  ").trimEnd();
  return [line(cells[0]), widths.map((w) => "─".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

/** `0.987` → `"98.7 %"`. */
export function percent(v: number, digits = 1): string {
  return `${(100 * v).toFixed(digits)} %`;
}

/** Seconds since `start` (a `performance.now()` value), e.g. `"1.8 s"`. */
export function seconds(start: number): string {
  return `${((performance.now() - start) / 1000).toFixed(1)} s`;
}

/**
 * A `fit` callback printing one line every `every` epochs (and after the last one):
 * `epoch  40/200  loss 0.1234  accuracy 97.3 %  valAccuracy 95.0 %  (1.2 s)`.
 */
export function epochLines(print: Print, every: number, extra?: (ctx: CallbackContext) => string): Callback {
  let start = 0;
  return {
    onTrainBegin() {
      start = performance.now();
    },
    onEpochEnd(ctx) {
      const e = ctx.epoch + 1;
      if (e % every !== 0 && e !== ctx.epochs) return;
      const parts = Object.entries(ctx.logs).map(([k, v]) => (/accuracy/i.test(k) ? `${k} ${percent(v)}` : `${k} ${Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toFixed(4)}`));
      const w = String(ctx.epochs).length;
      print(`  epoch ${String(e).padStart(w)}/${ctx.epochs}  ${parts.join("  ")}${extra ? `  ${extra(ctx)}` : ""}  (${seconds(start)})`);
    },
  };
}

/**
 * Runs an example's `main` from the command line: an error (a bad option, an unknown
 * activation) prints its message alone, without a stack trace, and sets exit code 1;
 * `--help` prints the usage and exits 0.
 */
export function runCli(main: () => unknown): void {
  const fail = (e: unknown) => {
    if (e instanceof HelpRequested) {
      console.log(e.message);
      return;
    }
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  };
  try {
    const r = main();
    if (r instanceof Promise) r.catch(fail);
  } catch (e) {
    fail(e);
  }
}
