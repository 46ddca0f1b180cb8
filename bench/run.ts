/**
 * `npm run bench` (`tsx bench/run.ts`): typegrad against TensorFlow.js, side by side.
 *
 *   --quick       a few seconds (smaller matmul, fewer rounds, no memory run)
 *   --out <file>  where to write the JSON results (default bench/results.json; "-" for none)
 *
 * Run with `tsx --expose-gc bench/run.ts` to force a GC before each heap sample.
 */
import { fileURLToPath } from "node:url";
import { formatTable } from "./harness.js";
import { runBenchmark, type BenchResults } from "./suite.js";

function fmt(x: number | undefined, digits = 1): string {
  return x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits);
}

/** The on-screen report. */
export function report(r: BenchResults): string {
  const names = ["typegrad", ...r.tfjsBackends.map((b) => `tfjs-${b}`)];
  const rows: string[][] = [["workload", "unit", ...names, "typegrad/best tfjs", "accuracy (" + names.join(" / ") + ")"]];
  for (const [name, w] of Object.entries(r.workloads)) {
    const inMs = name === "mlp";
    const cells = names.map((n) => fmt(inMs ? w.msPerStep[n] : w.msPerStep[n] * 1000, inMs ? 1 : 0));
    const acc = Object.keys(w.accuracy).length === 0 ? "" : names.map((n) => fmt(w.accuracy[n] * 100, 1) + "%").join(" / ");
    rows.push([name, inMs ? "ms/step" : "µs/step", ...cells, fmt(w.ratioToBestTfjs, 3), acc]);
    if (inMs) rows.push([`${name} GFLOP/s`, "GFLOP/s", ...names.map((n) => fmt(w.gflops[n])), "", ""]);
  }
  const mm = r.matmul;
  const mmNames = ["typegrad-wasm", "typegrad-ts", ...r.tfjsBackends.map((b) => `tfjs-${b}`)];
  const mrows: string[][] = [[`matmul ${mm.size}³`, ...mmNames, "typegrad-wasm/tfjs-wasm"]];
  for (const v of ["NN", "NT", "TN"] as const) mrows.push([v + " GFLOP/s", ...mmNames.map((n) => fmt(mm.gflops[v][n])), fmt(mm.ratioToTfjsWasm[v], 2) + "×"]);
  const crows: string[][] = [["crossover m×n×k", "variant", "ts µs", "wasm µs"]];
  for (const c of r.crossover) crows.push([c.shape, c.variant, fmt(c.tsMicros, 2), fmt(c.wasmMicros, 2)]);
  const lines = [
    `typegrad vs TensorFlow.js ${r.versions["@tensorflow/tfjs-core"]} — ${r.mode} mode, ${r.machine.cpu} ×${r.machine.cores}, Node ${r.node}, kernels: ${r.kernels.active}`,
    "",
    formatTable(rows),
    "",
    formatTable(mrows),
    "",
    formatTable(crows),
  ];
  if (r.memory !== null) {
    lines.push("", `spirals heap peak: ${fmt(r.memory.peakHeapMiBTo1000)} MiB up to step 1 000, ${fmt(r.memory.peakHeapMiB1000To10000)} MiB from 1 000 to 10 000${r.memory.forcedGc ? " (GC forced before each sample)" : ""}`);
  }
  lines.push(`tfjs tensors left after disposal: ${r.tfjsTensorsLeft}`);
  return lines.join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf("--out");
  const outArg = outIndex >= 0 ? args[outIndex + 1] : undefined;
  const out = outArg === "-" ? null : outArg ?? fileURLToPath(new URL("./results.json", import.meta.url));
  const results = await runBenchmark({ quick: args.includes("--quick"), out, log: (line) => console.error(line) });
  console.log(report(results));
  if (out !== null) console.error(`wrote ${out}`);
}
