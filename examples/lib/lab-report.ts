// Activation lab: the summary table (screen and REPORT.md) and the report's assembly.
import { benchmarkMarkdown, ranking, TARGET, type BenchmarkResult } from "./lab-benchmark.js";
import { curvesMarkdown, type CurvesResult } from "./lab-curves.js";
import { dyingMarkdown, worstReluGap, type DyingResult } from "./lab-dying.js";
import { linearityAccuracy, linearityHolds, linearityMarkdown, NONLINEAR, type LinearityResult } from "./lab-linearity.js";
import { seluMarkdown, staysNormalised, type SeluResult } from "./lab-selu.js";
import { largestMove, trainableMarkdown, type TrainableResult } from "./lab-trainable.js";
import { VANISHED, vanishingMarkdown, type VanishingResult } from "./lab-vanishing.js";
import { fixed3, mdTable, ms, num, pct, signed } from "./lab-common.js";
import { deepMarkdown, deepVerdict, type DeepResult } from "./lab-deep.js";

/** Everything the lab measured (timings are the fields ending in `Ms`). */
export interface LabResult {
  options: { quick: boolean; seed: number; out: string };
  linearity: LinearityResult;
  vanishing: VanishingResult;
  dying: DyingResult;
  selu: SeluResult;
  benchmark: BenchmarkResult;
  trainable: TrainableResult;
  curves: CurvesResult;
  deep: DeepResult;
  /** One row per section: claim, what was measured, verdict. */
  summary: string[][];
  /** Every image the report links, relative to `options.out`. */
  images: string[];
  /** Absolute or relative path of REPORT.md. */
  reportPath: string;
  /** Wall time of each section and in total. Not deterministic. */
  sectionMs: number[];
  totalMs: number;
}

/** The header of the summary table. */
export const SUMMARY_HEADER = ["#", "claim", "measured", "verdict"] as const;

/** The summary rows, computed from the measured figures only. */
export function summaryRows(r: Omit<LabResult, "summary" | "images" | "reportPath" | "sectionMs" | "totalMs">): string[][] {
  const lin = r.linearity;
  const linMeasured = (["xor", "spirals"] as const)
    .map((t) => `${t}: identity ${pct(linearityAccuracy(lin, t, "identity"))} vs ${NONLINEAR.map((a) => `${a} ${pct(linearityAccuracy(lin, t, a))}`).join(", ")}`)
    .join("; ");
  const van = r.vanishing.runs.filter((x) => !x.label.includes("("));
  const vanished = van.filter((x) => x.ratios[0] < VANISHED).map((x) => x.label);
  const sig = van.find((x) => x.label === "sigmoid");
  const relu = van.find((x) => x.label === "relu");
  const vanOk = sig !== undefined && relu !== undefined && sig.ratios[0] < VANISHED && relu.ratios[0] >= VANISHED;
  const gap = worstReluGap(r.dying);
  const dyingOk = gap !== null && gap.relu - gap.leaky >= 0.05;
  const leafAt = (name: string) => r.dying.cells.find((c) => c.activation === name && c.lr === gap?.lr);
  const leafText = (name: string) => {
    const cell = leafAt(name);
    return cell?.deadAfter == null ? "diverged" : pct(cell.deadAfter);
  };
  const selu = r.selu.runs.find((x) => x.label === "selu");
  const last = r.selu.depth - 1;
  const seluOk = selu !== undefined && staysNormalised(selu);
  const best = (d: "spirals" | "moons") => ranking(r.benchmark, d)[0];
  const idBench = r.benchmark.runs.filter((x) => x.activation === "identity");
  const moved = r.trainable.runs.map((x) => `${x.activation} ${x.parameter} ${x.mode} ${num(largestMove(x))}`);
  const worstFd = Math.max(...r.curves.curves.map((c) => c.maxFdError));
  return [
    ["1", "without a non-linearity a deep net is linear", linMeasured, linearityHolds(lin) ? "holds" : "not shown"],
    [
      "2",
      "sigmoid gradients vanish in deep nets; ReLU's do not",
      `first/last-layer gradient ratio at init (${r.vanishing.depth} layers): ${van.map((x) => `${x.label} ${num(x.ratios[0])}`).join(", ")}`,
      vanOk ? `holds (vanished: ${vanished.join(", ")})` : "not shown",
    ],
    [
      "3",
      "high learning rates kill ReLU units; Leaky ReLU / LEAF keep a gradient",
      gap === null
        ? "ReLU never has more never-active units than Leaky ReLU"
        : `lr ${gap.lr}: never active after training relu ${pct(gap.relu)}, leakyRelu ${pct(gap.leaky)}, leaf ${leafText("leaf")}, leaf with α at lr/100 ${leafText("leaf (α at lr/100)")}`,
      dyingOk ? "holds" : "not clearly observed",
    ],
    [
      "4",
      "SELU keeps activations at mean 0 / std 1",
      r.selu.runs.map((x) => `${x.label} layer ${r.selu.depth}: ${signed(x.means[last])} / ${fixed3(x.stds[last])}`).join("; "),
      seluOk ? "holds" : "not shown",
    ],
    [
      "5",
      "the activation matters for the same budget",
      `best test accuracy: spirals ${best("spirals").activation} ${pct(best("spirals").finalTestAccuracy)}, moons ${best("moons").activation} ${pct(best("moons").finalTestAccuracy)}; ` +
        `identity ${idBench.map((x) => `${x.dataset} ${pct(x.finalTestAccuracy)}`).join(", ")}; ` +
        `${r.benchmark.runs.filter((x) => x.epochsToTarget === null).length} of ${r.benchmark.runs.length} runs never reached ${TARGET * 100} %`,
      "see table",
    ],
    ["6", "Swish β and LEAF α are learned", `largest change of a layer mean: ${moved.join(", ")}`, r.trainable.runs.every((x) => largestMove(x) >= 0.05) ? "they move" : "some barely move"],
    ["7", "derivatives by autograd", `${r.curves.curves.length} activations; largest autograd vs finite-difference gap ${num(worstFd)}`, worstFd < 1e-6 ? "agree" : "check"],
    [
      "8",
      "SELU's self-normalisation matches ReLU + BatchNorm in a deep plain network",
      `${r.deep.depth} × ${r.deep.width}, same budget and seed, test accuracy: ${r.deep.runs.map((x) => `${x.label} ${pct(x.finalTestAccuracy)}`).join(", ")}`,
      deepVerdict(r.deep),
    ],
  ];
}

/** The whole REPORT.md. */
export function reportMarkdown(r: LabResult): string {
  return [
    "# Activation lab",
    "",
    "Generated by `npx tsx examples/activation-lab.ts" + (r.options.quick ? " --quick" : "") + ` --seed ${r.options.seed}\`. ` +
      "Every number below is measured by that run (the same seed gives the same numbers); only the timings vary between runs." +
      (r.options.quick ? " **Quick mode:** smaller networks, data sets and budgets than the full run." : ""),
    "",
    "## Summary",
    "",
    mdTable(SUMMARY_HEADER, r.summary),
    "",
    linearityMarkdown(r.linearity),
    "",
    vanishingMarkdown(r.vanishing),
    "",
    dyingMarkdown(r.dying),
    "",
    seluMarkdown(r.selu),
    "",
    benchmarkMarkdown(r.benchmark),
    "",
    trainableMarkdown(r.trainable),
    "",
    curvesMarkdown(r.curves),
    "",
    deepMarkdown(r.deep),
    "",
    "---",
    "",
    `Run time: ${ms(r.totalMs)} in total (sections: ${r.sectionMs.map(ms).join(", ")}).`,
    "",
  ].join("\n");
}

/** Image links `](file)` in a markdown text, in order. */
export function imageLinks(markdown: string): string[] {
  return [...markdown.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
}
