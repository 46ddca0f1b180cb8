// Activation lab, section 8: does SELU's self-normalisation match ReLU + BatchNorm in a deep
// plain network? The same data, depth, width, optimiser, budget and seed; only the
// normalisation differs.
import { join } from "node:path";
import {
  Adam,
  activation,
  BatchNorm1d,
  crossEntropyLoss,
  Dense,
  evaluate,
  fit,
  generator,
  Sequential,
  spirals,
  trainTestSplit,
  type InitName,
  type Module,
} from "../../src/index.js";
import { writeLineChart } from "./svg-chart.js";
import { mdTable, ms, num, pct, type LabContext } from "./lab-common.js";

/** One configuration of section 8. */
export interface DeepRun {
  label: string;
  /** Training loss per epoch (mean over the epoch's batches, training mode). */
  loss: number[];
  finalTrainAccuracy: number;
  finalTestAccuracy: number;
  /** First epoch (1-based) whose logged training loss is below {@link LOSS_TARGET}; null if never. */
  epochsToLoss: number | null;
  parameters: number;
  /** Wall time per epoch. Not deterministic. */
  epochMs: number;
}

/** Section 8's figures. */
export interface DeepResult {
  depth: number;
  width: number;
  epochs: number;
  lr: number;
  batchSize: number;
  samples: { train: number; test: number };
  runs: DeepRun[];
  chart: string;
}

/** The training-loss level whose first crossing is reported. */
export const LOSS_TARGET = 0.5;

/** Test accuracies this close (in fractions) count as a match. */
export const MATCH = 0.02;

const CONFIGS: readonly { label: string; activation: string; init: InitName; batchNorm: boolean }[] = [
  { label: "selu (LeCun normal)", activation: "selu", init: "lecunNormal", batchNorm: false },
  { label: "relu + BatchNorm1d (He normal)", activation: "relu", init: "heNormal", batchNorm: true },
  { label: "relu, no normalisation (He normal)", activation: "relu", init: "heNormal", batchNorm: false },
];

/** Trains a plain [2, w × depth, 3] network per configuration on spirals, same seed and budget. */
export function runDeep(ctx: LabContext): DeepResult {
  const depth = ctx.quick ? 6 : 16;
  const width = ctx.quick ? 16 : 24;
  const epochs = ctx.quick ? 15 : 50;
  const [lr, batchSize] = [0.003, 32];
  const { train, test } = (() => {
    const d = spirals({ seed: ctx.seed + 9, pointsPerClass: ctx.quick ? 40 : 120 });
    return trainTestSplit(d.x, d.y, { testFraction: 0.2, seed: ctx.seed + 10 });
  })();
  const build = (cfg: (typeof CONFIGS)[number]): Sequential => {
    const rng = generator(ctx.seed + 11);
    const layers: Module[] = [];
    for (let l = 0; l < depth; l++) {
      layers.push(new Dense(l === 0 ? 2 : width, width, { init: cfg.init, rng }));
      if (cfg.batchNorm) layers.push(new BatchNorm1d(width));
      layers.push(activation(cfg.activation));
    }
    layers.push(new Dense(width, 3, { rng }));
    return new Sequential(...layers);
  };
  // One untimed epoch of each first, so that no configuration's time includes the JIT's warm-up.
  for (const cfg of CONFIGS) {
    const m = build(cfg);
    fit(m, train, { loss: crossEntropyLoss, optimizer: new Adam(m.parameters(), { lr }), epochs: 1, batchSize, seed: ctx.seed, verbose: 0 });
  }
  const runs = CONFIGS.map((cfg) => {
    const model = build(cfg);
    const t0 = performance.now();
    const history = fit(model, train, { loss: crossEntropyLoss, optimizer: new Adam(model.parameters(), { lr }), epochs, batchSize, seed: ctx.seed, verbose: 0 });
    const epochMs = (performance.now() - t0) / epochs;
    const hit = history.loss.findIndex((v) => v < LOSS_TARGET);
    const run: DeepRun = {
      label: cfg.label,
      loss: history.loss,
      finalTrainAccuracy: evaluate(model, train, { metrics: ["accuracy"] }).accuracy,
      finalTestAccuracy: evaluate(model, test, { metrics: ["accuracy"] }).accuracy,
      epochsToLoss: hit < 0 ? null : hit + 1,
      parameters: model.parameters().reduce((s, p) => s + p.size, 0),
      epochMs,
    };
    ctx.log(
      `  ${cfg.label.padEnd(36)} loss ${num(run.loss[run.loss.length - 1])}  train ${pct(run.finalTrainAccuracy)}  test ${pct(run.finalTestAccuracy)}  ${ms(epochMs)}/epoch`,
    );
    return run;
  });
  const chart = "deep-selu-vs-batchnorm.svg";
  writeLineChart(join(ctx.out, chart), {
    title: `Training loss, ${depth} hidden layers of width ${width} (same seed and budget)`,
    xLabel: "epoch",
    yLabel: "training loss (log scale)",
    logY: true,
    series: runs.map((r) => ({ label: r.label, x: r.loss.map((_, e) => e + 1), y: r.loss })),
  });
  return { depth, width, epochs, lr, batchSize, samples: { train: train.x.shape[0], test: test.x.shape[0] }, runs, chart };
}

/** Table rows: configuration, parameters, final loss, epochs to the loss target, train and test accuracy, time per epoch. */
export function deepRows(r: DeepResult): string[][] {
  return r.runs.map((x) => [
    x.label,
    String(x.parameters),
    num(x.loss[x.loss.length - 1]),
    x.epochsToLoss === null ? "not reached" : String(x.epochsToLoss),
    pct(x.finalTrainAccuracy),
    pct(x.finalTestAccuracy),
    ms(x.epochMs),
  ]);
}

/** The verdict on "SELU matches ReLU + BatchNorm", from test accuracy (within {@link MATCH}). */
export function deepVerdict(r: DeepResult): string {
  const selu = r.runs[0];
  const bn = r.runs[1];
  const gap = selu.finalTestAccuracy - bn.finalTestAccuracy;
  if (Math.abs(gap) <= MATCH) return "matches";
  return gap > 0 ? "SELU better here" : "BatchNorm better here";
}

/** Section 8 of REPORT.md. */
export function deepMarkdown(r: DeepResult): string {
  const [selu, bn, plain] = r.runs;
  return [
    "## 8. SELU self-normalisation vs ReLU + BatchNorm in a deep plain network",
    "",
    `A plain network of ${r.depth} hidden layers of width ${r.width} on spirals (${r.samples.train} training, ${r.samples.test} test points), ` +
      `Adam lr ${r.lr}, batch ${r.batchSize}, ${r.epochs} epochs, the same weight seed and batch order for every configuration. ` +
      "SELU uses LeCun-normal weights and no normalisation layer; the BatchNorm network puts `BatchNorm1d` between each Dense layer and its ReLU " +
      "(training-mode batch statistics while training, running statistics for the accuracies). Plain ReLU is the control.",
    "",
    mdTable(["configuration", "parameters", "final loss", `epochs to loss < ${LOSS_TARGET}`, "train acc", "test acc", "time/epoch"], deepRows(r)),
    "",
    `![training loss](${r.chart})`,
    "",
    `**Verdict: ${deepVerdict(r)}** (test accuracy SELU ${pct(selu.finalTestAccuracy)} vs ReLU + BatchNorm ${pct(bn.finalTestAccuracy)}; ` +
      `a gap within ${MATCH * 100} points counts as a match; plain ReLU ${pct(plain.finalTestAccuracy)}). ` +
      `BatchNorm costs ${bn.parameters - selu.parameters} extra parameters (times per epoch in the table). ` +
      "One seed and one data set: a measurement, not a general ranking.",
  ].join("\n");
}
