/**
 * `npm run bench` (`tsx bench/run.ts`): typegrad against PyTorch (when importable) and
 * TensorFlow.js, side by side.
 *
 *   --quick       a few seconds (smaller matmul, fewer rounds, no memory run)
 *   --out <file>  where to write the JSON results (default bench/results.json; "-" for none)
 *   --no-torch    leave PyTorch out (it runs when `/usr/bin/python3` can import torch)
 *   --python <p>  the interpreter for the PyTorch peer (default /usr/bin/python3)
 *   --markdown    also print the main and threads tables as Markdown (for the README)
 *
 * Run with `tsx --expose-gc bench/run.ts` to force a GC before each heap sample.
 */
import { fileURLToPath } from "node:url";
import { formatTable, markdownTable } from "./harness.js";
import { runBenchmark, type BenchResults } from "./suite.js";

function fmt(x: number | undefined, digits = 1): string {
  return x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits);
}

/** The contender columns of the main table, in order. */
export function contenderNames(r: BenchResults): string[] {
  const oneThread = Object.values(r.workloads).some((w) => "typegrad-1t" in w.value) ? ["typegrad-1t"] : [];
  return ["typegrad", ...oneThread, ...Object.keys(r.torch.peers), ...r.tfjsBackends.map((b) => `tfjs-${b}`)];
}

/**
 * typegrad's threads: per row with a one-thread column, the speed-up of all threads over one,
 * and each against PyTorch with the same number of threads (time ÷ time; below 1 is faster).
 */
export function threadsTable(r: BenchResults): string[][] {
  const threads = r.kernels.threads;
  const rows: string[][] = [["workload", `typegrad ${threads}t speed-up over 1t`, "typegrad-1t / torch-1t", `typegrad ${threads}t / torch-${threads}t`]];
  for (const [name, w] of Object.entries(r.workloads)) {
    const one = w.msPerStep["typegrad-1t"];
    if (one === undefined) continue;
    const t = w.msPerStep.typegrad;
    const torch1 = w.msPerStep["torch-1t"];
    const torchN = w.msPerStep[`torch-${threads}t`];
    rows.push([name, fmt(one / t, 2) + "×", torch1 === undefined ? "–" : fmt(one / torch1, 2), torchN === undefined ? "–" : fmt(t / torchN, 2)]);
  }
  return rows;
}

/** The main table: every row's figure per contender and typegrad's time ÷ each peer's (lower is better). */
export function mainTable(r: BenchResults): string[][] {
  const names = contenderNames(r);
  const torchNames = Object.keys(r.torch.peers);
  const head = ["workload", "unit", ...names, ...torchNames.map((n) => `typegrad/${n}`), ...(torchNames.length > 0 ? ["typegrad/best torch"] : []), "typegrad/best tfjs"];
  const rows: string[][] = [head];
  for (const [name, w] of Object.entries(r.workloads)) {
    const digits = w.unit === "µs/step" ? 0 : w.unit === "ms/step" && w.value.typegrad < 10 ? 2 : 1;
    rows.push([
      name,
      w.unit,
      ...names.map((n) => fmt(w.value[n], digits)),
      ...torchNames.map((n) => fmt(w.ratioToTorch[n], 2)),
      ...(torchNames.length > 0 ? [fmt(w.ratioToTorch.best, 2)] : []),
      w.ratioToBestTfjs === null ? "–" : fmt(w.ratioToBestTfjs, 3),
    ]);
  }
  return rows;
}

/** The on-screen report. */
export function report(r: BenchResults): string {
  const peers = Object.entries(r.torch.peers);
  const torchLine = r.torch.available
    ? `PyTorch ${peers[0][1].torch} as a peer (${peers.map(([n]) => n).join(", ")}), BLAS: ${peers[0][1].blas}`
    : `PyTorch peer skipped: ${r.torch.skipped ?? "unavailable"}`;
  const rows = mainTable(r);
  const accuracies = Object.entries(r.workloads)
    .filter(([, w]) => Object.keys(w.accuracy).length > 0)
    .map(([name, w]) => `${name} training accuracy: ${Object.entries(w.accuracy).map(([n, a]) => `${n} ${fmt(a * 100, 1)}%`).join(", ")}`);
  const mm = r.matmul;
  const mmNames = ["typegrad-wasm", "typegrad-ts", ...r.tfjsBackends.map((b) => `tfjs-${b}`)];
  const mrows: string[][] = [[`matmul ${mm.size}³`, ...mmNames, "typegrad-wasm/tfjs-wasm"]];
  for (const v of ["NN", "NT", "TN"] as const) mrows.push([v + " GFLOP/s", ...mmNames.map((n) => fmt(mm.gflops[v][n])), fmt(mm.ratioToTfjsWasm[v], 2) + "×"]);
  const crows: string[][] = [["crossover m×n×k", "variant", "ts µs", "wasm µs"]];
  for (const c of r.crossover) crows.push([c.shape, c.variant, fmt(c.tsMicros, 2), fmt(c.wasmMicros, 2)]);
  const lines = [
    `typegrad vs PyTorch and TensorFlow.js ${r.versions["@tensorflow/tfjs-core"]} — ${r.mode} mode, ${r.machine.cpu} ×${r.machine.cores}, Node ${r.node}, kernels: ${r.kernels.active}, ${r.kernels.threads} thread(s)${r.kernels.threadsError === null ? "" : ` (${r.kernels.threadsError})`}`,
    torchLine,
    "ratios are typegrad's time ÷ the peer's (below 1: typegrad is faster)",
    "",
    formatTable(rows),
    ...accuracies,
    "",
    ...(threadsTable(r).length > 1 ? [formatTable(threadsTable(r)), ""] : []),
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
  const pythonIndex = args.indexOf("--python");
  const results = await runBenchmark({
    quick: args.includes("--quick"),
    out,
    log: (line) => console.error(line),
    torch: !args.includes("--no-torch"),
    ...(pythonIndex >= 0 ? { python: args[pythonIndex + 1] } : {}),
  });
  console.log(report(results));
  if (args.includes("--markdown")) {
    console.log(["", markdownTable(mainTable(results)), "", ...(threadsTable(results).length > 1 ? [markdownTable(threadsTable(results))] : [])].join("\n"));
  }
  if (out !== null) console.error(`wrote ${out}`);
}
