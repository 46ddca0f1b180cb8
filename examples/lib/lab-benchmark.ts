// Activation lab, section 5: the same network and budget trained with every activation on spirals and moons.
import { join } from "node:path";
import { Adam, crossEntropyLoss, evaluate, fit, generator, moons, spirals, trainTestSplit, type Dataset } from "../../src/index.js";
import { writeLineChart } from "./svg-chart.js";
import { buildMlp, mdTable, ms, pct, type LabContext } from "./lab-common.js";

/** Every activation of the comparison (registry names, default options). */
export const ALL_ACTIVATIONS = [
  "identity", "sigmoid", "tanh", "relu", "leakyRelu", "elu", "selu", "gelu", "geluTanh", "silu", "swish", "mish", "softplus", "prelu", "leaf",
] as const;

/** A training-accuracy threshold reached or not. */
export const TARGET = 0.95;

/** One (dataset, activation) training run. */
export interface BenchmarkRun {
  dataset: "spirals" | "moons";
  activation: string;
  /** Accuracy on the whole training split, evaluated after each epoch. */
  trainAccuracy: number[];
  finalTrainAccuracy: number;
  finalTestAccuracy: number;
  finalLoss: number;
  /** First epoch (1-based) whose training accuracy is ≥ TARGET; null if never. */
  epochsToTarget: number | null;
  /** Wall time per epoch of the training steps (the per-epoch evaluation excluded). Not deterministic. */
  epochMs: number;
}

/** Section 5's figures. */
export interface BenchmarkResult {
  sizes: { spirals: number[]; moons: number[] };
  epochs: number;
  lr: number;
  batchSize: number;
  samples: { spirals: { train: number; test: number }; moons: { train: number; test: number } };
  runs: BenchmarkRun[];
  charts: { spirals: string; moons: string };
}

/** Trains [2, h, h, C] networks with each activation (its default init) with Adam, the same seed and budget. */
export function runBenchmark(ctx: LabContext): BenchmarkResult {
  const hidden = ctx.quick ? 16 : 32;
  const epochs = ctx.quick ? 30 : 100;
  const [lr, batchSize] = [0.01, 32];
  const split = (d: Dataset) => trainTestSplit(d.x, d.y, { testFraction: 0.2, seed: ctx.seed + 5 });
  const sets = {
    spirals: split(spirals({ seed: ctx.seed, pointsPerClass: ctx.quick ? 40 : 100 })),
    moons: split(moons({ seed: ctx.seed, n: ctx.quick ? 100 : 300 })),
  };
  const sizes = { spirals: [2, hidden, hidden, 3], moons: [2, hidden, hidden, 2] };
  const runs: BenchmarkRun[] = [];
  for (const dataset of ["spirals", "moons"] as const) {
    const { train, test } = sets[dataset];
    for (const name of ALL_ACTIVATIONS) {
      const mlp = buildMlp(sizes[dataset], { activation: name, rng: generator(ctx.seed + 6) });
      const trainAccuracy: number[] = [];
      let evalMs = 0;
      const t0 = performance.now();
      const history = fit(mlp.model, train, {
        loss: crossEntropyLoss,
        optimizer: new Adam(mlp.model.parameters(), { lr }),
        epochs,
        batchSize,
        seed: ctx.seed,
        verbose: 0,
        callbacks: [
          {
            onEpochEnd() {
              const e0 = performance.now();
              trainAccuracy.push(evaluate(mlp.model, train, { metrics: ["accuracy"] }).accuracy);
              evalMs += performance.now() - e0;
            },
          },
        ],
      });
      const epochMs = (performance.now() - t0 - evalMs) / epochs;
      const hit = trainAccuracy.findIndex((a) => a >= TARGET);
      const run: BenchmarkRun = {
        dataset,
        activation: name,
        trainAccuracy,
        finalTrainAccuracy: trainAccuracy[trainAccuracy.length - 1],
        finalTestAccuracy: evaluate(mlp.model, test, { metrics: ["accuracy"] }).accuracy,
        finalLoss: history.loss[history.loss.length - 1],
        epochsToTarget: hit < 0 ? null : hit + 1,
        epochMs,
      };
      runs.push(run);
      ctx.log(
        `  ${dataset.padEnd(7)} ${name.padEnd(9)} train ${pct(run.finalTrainAccuracy)}  test ${pct(run.finalTestAccuracy)}  ` +
          `to ${TARGET * 100} %: ${run.epochsToTarget ?? "not reached"}  ${ms(epochMs)}/epoch`,
      );
    }
  }
  const charts = { spirals: "benchmark-spirals.svg", moons: "benchmark-moons.svg" };
  for (const dataset of ["spirals", "moons"] as const) {
    writeLineChart(join(ctx.out, charts[dataset]), {
      title: `Training accuracy per epoch, ${dataset} (every activation, same budget)`,
      xLabel: "epoch",
      yLabel: "training accuracy",
      width: 760,
      height: 460,
      series: runs.filter((r) => r.dataset === dataset).map((r, k) => ({ label: r.activation, x: r.trainAccuracy.map((_, e) => e + 1), y: r.trainAccuracy, dashed: k >= 10 })),
    });
  }
  const count = (d: keyof typeof sets) => ({ train: sets[d].train.x.shape[0], test: sets[d].test.x.shape[0] });
  return { sizes, epochs, lr, batchSize, samples: { spirals: count("spirals"), moons: count("moons") }, runs, charts };
}

/** The runs of one data set, by activation. */
export function benchmarkRun(r: BenchmarkResult, dataset: BenchmarkRun["dataset"], activation: string): BenchmarkRun {
  const run = r.runs.find((x) => x.dataset === dataset && x.activation === activation);
  if (run === undefined) throw new Error(`activation lab: no section-5 run for ${dataset}/${activation}`);
  return run;
}

/** Deterministic cells of a row: train accuracy, test accuracy, epochs to target, for spirals then moons. */
export function benchmarkCells(run: BenchmarkRun): string[] {
  return [pct(run.finalTrainAccuracy), pct(run.finalTestAccuracy), run.epochsToTarget === null ? "not reached" : String(run.epochsToTarget)];
}

/** Table rows: activation, then the spirals and moons cells, each followed by its ms/epoch. */
export function benchmarkRows(r: BenchmarkResult): string[][] {
  return ALL_ACTIVATIONS.map((a) => {
    const s = benchmarkRun(r, "spirals", a);
    const m = benchmarkRun(r, "moons", a);
    return [a, ...benchmarkCells(s), ms(s.epochMs), ...benchmarkCells(m), ms(m.epochMs)];
  });
}

/** Activations ranked by test accuracy on `dataset` (ties: fewer epochs to target first, then name). */
export function ranking(r: BenchmarkResult, dataset: BenchmarkRun["dataset"]): BenchmarkRun[] {
  return r.runs
    .filter((x) => x.dataset === dataset)
    .sort((a, b) => b.finalTestAccuracy - a.finalTestAccuracy || (a.epochsToTarget ?? Infinity) - (b.epochsToTarget ?? Infinity) || a.activation.localeCompare(b.activation));
}

/** Section 5 of REPORT.md. */
export function benchmarkMarkdown(r: BenchmarkResult): string {
  const header = ["activation", "spirals train", "spirals test", `spirals epochs to ${TARGET * 100} %`, "spirals ms/epoch", "moons train", "moons test", `moons epochs to ${TARGET * 100} %`, "moons ms/epoch"];
  const lines = [
    "## 5. Every activation, same network and budget",
    "",
    `Networks ${r.sizes.spirals.join("-")} (spirals, ${r.samples.spirals.train} train / ${r.samples.spirals.test} test) and ${r.sizes.moons.join("-")} (moons, ` +
      `${r.samples.moons.train} / ${r.samples.moons.test}), each activation with the init typegrad's \`Dense\` picks for it (He normal for the ReLU family and LEAF, LeCun normal for SELU, Glorot uniform otherwise), ` +
      `initial weights from the same seed, Adam lr ${r.lr}, batch ${r.batchSize}, ${r.epochs} epochs. Trainable parameters (Swish β, PReLU/LEAF α) are one per layer at their defaults. ` +
      `"Epochs to ${TARGET * 100} %" is the first epoch after which the accuracy on the whole training split is ≥ ${TARGET * 100} %. ` +
      "Times are wall-clock per epoch of training steps (the per-epoch evaluation excluded), measured on this machine — the only non-deterministic figures in this report.",
    "",
    mdTable(header, benchmarkRows(r)),
    "",
    `![spirals](${r.charts.spirals})`,
    `![moons](${r.charts.moons})`,
    "",
  ];
  for (const d of ["spirals", "moons"] as const) {
    const ranked = ranking(r, d);
    const missed = ranked.filter((x) => x.epochsToTarget === null).map((x) => x.activation);
    lines.push(
      `- ${d}: best test accuracy ${ranked.slice(0, 3).map((x) => `${x.activation} ${pct(x.finalTestAccuracy)}`).join(", ")}; worst ${ranked.slice(-2).map((x) => `${x.activation} ${pct(x.finalTestAccuracy)}`).join(", ")}. ` +
        `Did not reach ${TARGET * 100} % training accuracy: ${missed.length ? missed.join(", ") : "none"}.`,
    );
  }
  return lines.join("\n");
}
