// The activation lab: tests the claims of the article typegrad comes from, one section each,
// and writes out/activation-lab/REPORT.md with its charts.
//
//   npx tsx examples/activation-lab.ts [--quick] [--seed N] [--out DIR]
//
// Sections: 1 linearity without an activation, 2 vanishing gradients, 3 dying ReLU,
// 4 SELU self-normalisation, 5 every activation on spirals and moons, 6 trainable
// Swish β / LEAF α, 7 every activation and its autograd derivative, 8 SELU vs ReLU + BatchNorm
// in a deep plain network.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { exampleArgs } from "./lib/args.js";
import { runDeep } from "./lib/lab-deep.js";
import { runCli } from "./lib/console.js";
import { runBenchmark } from "./lib/lab-benchmark.js";
import { textTable, timed, type LabContext, type Log } from "./lib/lab-common.js";
import { runCurves } from "./lib/lab-curves.js";
import { runDying } from "./lib/lab-dying.js";
import { runLinearity } from "./lib/lab-linearity.js";
import { imageLinks, reportMarkdown, SUMMARY_HEADER, summaryRows, type LabResult } from "./lib/lab-report.js";
import { runSelu } from "./lib/lab-selu.js";
import { runTrainable } from "./lib/lab-trainable.js";
import { runVanishing } from "./lib/lab-vanishing.js";

export type { LabResult } from "./lib/lab-report.js";

/** Options of {@link main} besides the command line. */
export interface LabIO {
  /** Where progress and the summary go, one line per call. Default `console.log`. */
  log?: Log;
}

/**
 * Runs every section, writes `<out>/REPORT.md` and its SVG charts, prints the summary table.
 *
 * @param argv - `--quick`, `--seed N` (default 0), `--out DIR` (default `out/activation-lab`);
 *   `--epochs` and `--activation` are not used by the lab
 * @returns every figure of the report (timings in the fields ending in `Ms`)
 * @throws Error for an unknown option or a bad value, naming it
 */
export function main(argv: string[] = process.argv.slice(2), io: LabIO = {}): LabResult {
  const args = exampleArgs({ name: "activation-lab", description: "measures the article's claims about activations; writes REPORT.md with its charts" }, argv);
  const log = io.log ?? ((line: string) => console.log(line));
  const ctx: LabContext = { quick: args.quick, seed: args.seed, out: args.out, log };
  mkdirSync(ctx.out, { recursive: true });
  const t0 = performance.now();
  const sectionMs: number[] = [];
  const section = <T>(k: number, title: string, fn: (c: LabContext) => T): T => {
    log(`[${k}/8] ${title}`);
    const { value, ms } = timed(() => fn(ctx));
    sectionMs.push(ms);
    log(`      done in ${(ms / 1000).toFixed(1)} s`);
    return value;
  };
  log(`activation lab${ctx.quick ? " (quick)" : ""}, seed ${ctx.seed}, writing to ${ctx.out}`);
  const measured = {
    options: { quick: ctx.quick, seed: ctx.seed, out: ctx.out },
    linearity: section(1, "without a non-linearity a deep network is linear", runLinearity),
    vanishing: section(2, "vanishing gradients", runVanishing),
    dying: section(3, "dying ReLU", runDying),
    selu: section(4, "SELU self-normalisation", runSelu),
    benchmark: section(5, "every activation on spirals and moons", runBenchmark),
    trainable: section(6, "trainable Swish β and LEAF α", runTrainable),
    curves: section(7, "activations and their derivatives", runCurves),
    deep: section(8, "SELU vs ReLU + BatchNorm in a deep plain network", runDeep),
  };
  const summary = summaryRows(measured);
  const reportPath = join(ctx.out, "REPORT.md");
  const result: LabResult = { ...measured, summary, images: [], reportPath, sectionMs, totalMs: performance.now() - t0 };
  const report = reportMarkdown(result);
  result.images = imageLinks(report);
  writeFileSync(reportPath, report);
  log("");
  for (const line of textTable(SUMMARY_HEADER, summary).split("\n")) log(line);
  log("");
  log(`Report: ${reportPath} (${result.images.length} charts). Total ${(result.totalMs / 1000).toFixed(1)} s.`);
  return result;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) runCli(() => main());
