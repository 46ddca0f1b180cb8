// Activation lab, section 6: trajectories of trainable activation parameters (Swish β, LEAF α).
import { join } from "node:path";
import { Adam, crossEntropyLoss, evaluate, fit, generator, LEAF, spirals, Swish, type Module, type Tensor } from "../../src/index.js";
import { PALETTE, writeLineChart, type Series } from "./svg-chart.js";
import { buildMlp, mdTable, meanStd, pct, type LabContext } from "./lab-common.js";

/** Statistics of one layer's parameter values at one time. */
export interface ParamStats {
  mean: number;
  std: number;
  min: number;
  max: number;
}

/** One training run with trainable activation parameters. */
export interface TrainableRun {
  /** `swish` (β) or `leaf` (α, article form). */
  activation: "swish" | "leaf";
  parameter: "β" | "α";
  /** `shared`: one value per layer; `per-feature`: one per hidden unit. */
  mode: "shared" | "per-feature";
  init: number;
  /** `trajectory[e][l]`: stats of layer l+1's parameter after epoch e (e = 0: at init). */
  trajectory: ParamStats[][];
  finalTrainAccuracy: number;
}

/** Section 6's figures. */
export interface TrainableResult {
  sizes: number[];
  epochs: number;
  lr: number;
  runs: TrainableRun[];
  charts: { swish: string; leaf: string };
}

function stats(t: Tensor): ParamStats {
  const { mean, std } = meanStd(t.data);
  return { mean, std, min: Math.min(...t.data), max: Math.max(...t.data) };
}

function paramOf(act: Module): Tensor {
  if (act instanceof Swish) return act.beta;
  if (act instanceof LEAF && act.alpha !== null) return act.alpha;
  throw new Error("activation lab: expected a Swish or article-form LEAF module");
}

/** Trains spirals networks with trainable Swish β / LEAF α (shared and per feature) and records the parameters every epoch. */
export function runTrainable(ctx: LabContext): TrainableResult {
  const hidden = ctx.quick ? 16 : 32;
  const epochs = ctx.quick ? 30 : 100;
  const lr = 0.01;
  const sizes = [2, hidden, hidden, 3];
  const data = spirals({ seed: ctx.seed, pointsPerClass: ctx.quick ? 40 : 100 });
  const runs: TrainableRun[] = [];
  for (const activation of ["swish", "leaf"] as const) {
    for (const mode of ["shared", "per-feature"] as const) {
      const numParameters = mode === "shared" ? 1 : hidden;
      const make = (): Module => (activation === "swish" ? new Swish({ numParameters }) : new LEAF({ form: "article", numParameters }));
      const mlp = buildMlp(sizes, { activation: make, rng: generator(ctx.seed + 7) });
      const snapshot = () => mlp.acts.map((a) => stats(paramOf(a)));
      const trajectory = [snapshot()];
      fit(mlp.model, data, {
        loss: crossEntropyLoss,
        optimizer: new Adam(mlp.model.parameters(), { lr }),
        epochs,
        batchSize: 32,
        seed: ctx.seed,
        verbose: 0,
        callbacks: [{ onEpochEnd: () => void trajectory.push(snapshot()) }],
      });
      const run: TrainableRun = {
        activation,
        parameter: activation === "swish" ? "β" : "α",
        mode,
        init: trajectory[0][0].mean,
        trajectory,
        finalTrainAccuracy: evaluate(mlp.model, data, { metrics: ["accuracy"] }).accuracy,
      };
      runs.push(run);
      const end = trajectory[trajectory.length - 1];
      ctx.log(`  ${activation.padEnd(5)} ${run.parameter} ${mode.padEnd(11)} ${run.init} → ${end.map((s) => s.mean.toFixed(3)).join(", ")} (layer means)`);
    }
  }
  const charts = { swish: "trainable-swish-beta.svg", leaf: "trainable-leaf-alpha.svg" };
  for (const activation of ["swish", "leaf"] as const) {
    const series: Series[] = [];
    for (const run of runs.filter((x) => x.activation === activation)) {
      const x = run.trajectory.map((_, e) => e);
      run.trajectory[0].forEach((_, l) => {
        const color = PALETTE[series.filter((s) => !s.dashed).length % PALETTE.length];
        const label = `${run.mode === "shared" ? "shared" : "per-unit"} L${l + 1}`;
        series.push({ label: run.mode === "shared" ? label : `${label} mean`, x, y: run.trajectory.map((s) => s[l].mean), color });
        if (run.mode === "per-feature") {
          series.push({ label: `${label} mean+sd`, x, y: run.trajectory.map((s) => s[l].mean + s[l].std), color, dashed: true });
          series.push({ label: `${label} mean−sd`, x, y: run.trajectory.map((s) => s[l].mean - s[l].std), color, dashed: true });
        }
      });
    }
    writeLineChart(join(ctx.out, charts[activation]), {
      title: `${activation === "swish" ? "Swish β" : "LEAF α"} during training (spirals, Adam lr ${lr})`,
      xLabel: "epoch (0 = init)",
      yLabel: activation === "swish" ? "β" : "α",
            series,
    });
  }
  return { sizes, epochs, lr, runs, charts };
}

/** Table rows: activation, parameter, mode, layer, init, final mean, sd, min, max, train accuracy. */
export function trainableRows(r: TrainableResult): string[][] {
  return r.runs.flatMap((run) =>
    run.trajectory[run.trajectory.length - 1].map((s, l) => [
      run.activation,
      run.parameter,
      run.mode,
      String(l + 1),
      run.init.toFixed(3),
      s.mean.toFixed(3),
      s.std.toFixed(3),
      s.min.toFixed(3),
      s.max.toFixed(3),
      pct(run.finalTrainAccuracy),
    ]),
  );
}

/** Largest |final − init| over the layers' means of a run. */
export function largestMove(run: TrainableRun): number {
  const end = run.trajectory[run.trajectory.length - 1];
  return Math.max(...end.map((s) => Math.abs(s.mean - run.init)));
}

/** Section 6 of REPORT.md. */
export function trainableMarkdown(r: TrainableResult): string {
  const lines = [
    "## 6. Trainable activation parameters",
    "",
    `Spirals, network ${r.sizes.join("-")}, Adam lr ${r.lr}, ${r.epochs} epochs. Swish β starts at 1, LEAF α (article form) at 0.25; ` +
      "either one value per layer (shared) or one per hidden unit (per-feature, “per-unit” in the charts: the layer's mean, dashed ± one standard deviation).",
    "",
    mdTable(["activation", "parameter", "mode", "layer", "init", "final mean", "final sd", "final min", "final max", "train accuracy"], trainableRows(r)),
    "",
    `![Swish beta](${r.charts.swish})`,
    `![LEAF alpha](${r.charts.leaf})`,
    "",
  ];
  for (const run of r.runs) {
    const move = largestMove(run);
    lines.push(
      `- ${run.activation} ${run.parameter} (${run.mode}): largest change of a layer's mean ${move.toFixed(3)}` +
        (move < 0.05 ? " — it barely moves from its initial value with this budget." : "."),
    );
  }
  return lines.join("\n");
}
