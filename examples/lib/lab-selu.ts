// Activation lab, section 4: SELU self-normalisation — activation statistics through a deep network.
import { join } from "node:path";
import { generator, noGrad, randn, type InitName } from "../../src/index.js";
import { writeLineChart } from "./svg-chart.js";
import { buildMlp, fixed3, hiddenValues, mdTable, meanStd, signed, type LabContext } from "./lab-common.js";

/** One activation (and init) of section 4. */
export interface SeluRun {
  label: string;
  activation: string;
  init: InitName;
  /** Mean of all activations (samples × units) after each hidden layer. */
  means: number[];
  /** Population standard deviation of the same values. */
  stds: number[];
}

/** Section 4's figures. */
export interface SeluResult {
  depth: number;
  width: number;
  samples: number;
  /** Mean and standard deviation of the input itself. */
  input: { mean: number; std: number };
  runs: SeluRun[];
  /** Layers (1-based) shown in the table. */
  tableLayers: number[];
  charts: { mean: string; std: string };
}

const CONFIGS: readonly { activation: string; init: InitName; label: string }[] = [
  { activation: "selu", init: "lecunNormal", label: "selu" },
  { activation: "relu", init: "lecunNormal", label: "relu" },
  { activation: "tanh", init: "lecunNormal", label: "tanh" },
  { activation: "relu", init: "heNormal", label: "relu (He init)" },
];

/** Passes standard-normal inputs through `depth` layers of width `width` (LeCun-normal init, no training). */
export function runSelu(ctx: LabContext): SeluResult {
  const depth = ctx.quick ? 12 : 32;
  const width = ctx.quick ? 32 : 64;
  const samples = ctx.quick ? 200 : 1000;
  const x = randn([samples, width], { rng: generator(ctx.seed + 3) });
  const input = meanStd(x.data);
  const runs = CONFIGS.map((cfg) => {
    const mlp = buildMlp(new Array<number>(depth + 2).fill(width), { activation: cfg.activation, init: cfg.init, rng: generator(ctx.seed + 4) });
    const stats = noGrad(() => hiddenValues(mlp, x).post.map((a) => meanStd(a.data)));
    const run: SeluRun = { ...cfg, means: stats.map((s) => s.mean), stds: stats.map((s) => s.std) };
    ctx.log(`  ${cfg.label.padEnd(15)} layer ${depth}: mean ${signed(run.means[depth - 1])}, std ${fixed3(run.stds[depth - 1])}`);
    return run;
  });
  const layers = Array.from({ length: depth }, (_, l) => l + 1);
  const charts = { mean: "selu-mean.svg", std: "selu-std.svg" };
  writeLineChart(join(ctx.out, charts.mean), {
    title: `Mean activation per layer (width ${width}, N(0,1) inputs)`,
    xLabel: "hidden layer",
    yLabel: "mean of activations",
    series: runs.map((r) => ({ label: r.label, x: layers, y: r.means, dashed: r.init !== "lecunNormal" })),
  });
  writeLineChart(join(ctx.out, charts.std), {
    title: `Std of activations per layer (width ${width}, N(0,1) inputs)`,
    xLabel: "hidden layer",
    yLabel: "standard deviation (log scale)",
    logY: true,
    series: runs.map((r) => ({ label: r.label, x: layers, y: r.stds, dashed: r.init !== "lecunNormal" })),
  });
  const tableLayers = [...new Set([1, 2, 5, 10, 20, depth].filter((l) => l <= depth))];
  return { depth, width, samples, input, runs, tableLayers, charts };
}

/** Table rows: activation, init, then "mean / std" at each table layer. */
export function seluRows(r: SeluResult): string[][] {
  return r.runs.map((run) => [run.label, run.init, ...r.tableLayers.map((l) => `${signed(run.means[l - 1])} / ${fixed3(run.stds[l - 1])}`)]);
}

/** Whether a run stays normalised: |mean| < 0.1 and |std − 1| < 0.2 at every layer. */
export function staysNormalised(run: SeluRun): boolean {
  return run.means.every((m, l) => Math.abs(m) < 0.1 && Math.abs(run.stds[l] - 1) < 0.2);
}

/** Section 4 of REPORT.md. */
export function seluMarkdown(r: SeluResult): string {
  const find = (label: string) => r.runs.find((x) => x.label === label);
  const selu = find("selu");
  const others = r.runs.filter((x) => x.label !== "selu");
  const last = r.depth - 1;
  const lines = [
    "## 4. SELU self-normalisation",
    "",
    `${r.samples} standard-normal input vectors (measured mean ${signed(r.input.mean)}, std ${r.input.std.toFixed(3)}) go through ${r.depth} hidden layers of width ${r.width}, ` +
      "biases 0, weights LeCun normal N(0, 1/fan_in), no training. Each cell is the mean / standard deviation of all activations of that layer (samples × units). " +
      "ReLU with He-normal init (its usual init) is shown dashed for comparison.",
    "",
    mdTable(["activation", "init", ...r.tableLayers.map((l) => `layer ${l} mean / std`)], seluRows(r)),
    "",
    `![mean per layer](${r.charts.mean})`,
    `![std per layer](${r.charts.std})`,
    "",
  ];
  if (selu) {
    const ok = staysNormalised(selu);
    lines.push(
      ok
        ? `**The claim holds here:** with SELU every layer keeps |mean| < 0.1 and std within 0.2 of 1 (layer ${r.depth}: ${signed(selu.means[last])} / ${fixed3(selu.stds[last])}), ` +
            `while ${others.filter((o) => !staysNormalised(o)).map((o) => `${o.label} ends at ${signed(o.means[last])} / ${fixed3(o.stds[last])}`).join(", ")}.`
        : `**The claim does not fully hold here:** SELU leaves the band |mean| < 0.1, |std − 1| < 0.2 somewhere (layer ${r.depth}: ${signed(selu.means[last])} / ${fixed3(selu.stds[last])}).`,
    );
  }
  return lines.join("\n");
}
