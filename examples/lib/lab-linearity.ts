// Activation lab, section 1: without a non-linearity, a deep network is a linear map.
import { Adam, crossEntropyLoss, Dense, evaluate, fit, generator, noGrad, spirals, tensor, xor, type Dataset } from "../../src/index.js";
import { buildMlp, mdTable, pct, type LabContext } from "./lab-common.js";

/** One trained network of section 1. */
export interface LinearityRun {
  task: "xor" | "spirals";
  /** `identity`, a non-linear activation name, or `single Dense` (one affine layer, no hidden layer). */
  model: string;
  /** Accuracy on the training data after the budget. */
  accuracy: number;
}

/** Section 1's figures. */
export interface LinearityResult {
  /** Layer sizes of the deep networks (input first). */
  sizes: { xor: number[]; spirals: number[] };
  epochs: { xor: number; spirals: number };
  lr: { xor: number; spirals: number };
  runs: LinearityRun[];
  /**
   * For each task, max |f(x) − (A·x + c)| over the data, where f is the trained identity
   * network and (A, c) the product of its layers computed in float64.
   */
  collapseError: { xor: number; spirals: number };
}

/** The non-linear activations compared with `identity`. */
export const NONLINEAR = ["tanh", "relu"] as const;

/** XOR with integer labels (two classes) for cross-entropy. */
function xorData(): Dataset {
  return { x: xor().x, y: tensor([0, 1, 1, 0]) };
}

/** Multiplies the Dense layers out: f(x) = A·x + c in float64 (valid when there is no activation between them). */
function collapse(layers: readonly Dense[]): { a: number[][]; c: number[] } {
  let a: number[][] = Array.from({ length: layers[0].inFeatures }, (_, i) => Array.from({ length: layers[0].inFeatures }, (_, j) => (i === j ? 1 : 0)));
  let c: number[] = new Array(layers[0].inFeatures).fill(0);
  for (const d of layers) {
    const w = d.weight.data;
    const b = d.bias?.data;
    const rows = d.outFeatures;
    const k = d.inFeatures;
    const a2: number[][] = [];
    const c2: number[] = [];
    for (let r = 0; r < rows; r++) {
      a2.push(a[0].map((_, j) => a.reduce((s, row, m) => s + w[r * k + m] * row[j], 0)));
      c2.push(c.reduce((s, v, m) => s + w[r * k + m] * v, b ? b[r] : 0));
    }
    a = a2;
    c = c2;
  }
  return { a, c };
}

function collapseError(layers: readonly Dense[], forward: (x: Dataset["x"]) => Dataset["x"], data: Dataset): number {
  const { a, c } = collapse(layers);
  const out = noGrad(() => forward(data.x));
  const [n, d] = data.x.shape;
  const classes = c.length;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < classes; r++) {
      let v = c[r];
      for (let j = 0; j < d; j++) v += a[r][j] * data.x.data[i * d + j];
      worst = Math.max(worst, Math.abs(v - out.data[i * classes + r]));
    }
  }
  return worst;
}

/** Trains identity, tanh and ReLU networks (same sizes, init generator, budget) and one affine layer on XOR and spirals. */
export function runLinearity(ctx: LabContext): LinearityResult {
  const hidden = ctx.quick ? [8, 8] : [16, 16, 16];
  const epochs = { xor: ctx.quick ? 150 : 300, spirals: ctx.quick ? 60 : 150 };
  const lr = { xor: 0.05, spirals: 0.01 };
  const tasks = {
    xor: xorData(),
    spirals: spirals({ seed: ctx.seed, pointsPerClass: ctx.quick ? 40 : 100 }),
  };
  const sizes = { xor: [2, ...hidden, 2], spirals: [2, ...hidden, 3] };
  const runs: LinearityRun[] = [];
  const collapseErr = { xor: 0, spirals: 0 };
  for (const task of ["xor", "spirals"] as const) {
    const data = tasks[task];
    const batchSize = task === "xor" ? 4 : 32;
    const train = (model: Parameters<typeof fit>[0]): number => {
      fit(model, data, { loss: crossEntropyLoss, optimizer: new Adam(model.parameters(), { lr: lr[task] }), epochs: epochs[task], batchSize, seed: ctx.seed, verbose: 0 });
      return evaluate(model, data, { metrics: ["accuracy"] }).accuracy;
    };
    for (const name of ["identity", ...NONLINEAR]) {
      const mlp = buildMlp(sizes[task], { activation: name, init: "glorotUniform", rng: generator(ctx.seed + 1) });
      const accuracy = train(mlp.model);
      runs.push({ task, model: name, accuracy });
      if (name === "identity") collapseErr[task] = collapseError(mlp.dense, (x) => mlp.model.forward(x), data);
      ctx.log(`  ${task.padEnd(7)} ${name.padEnd(12)} accuracy ${pct(accuracy)}`);
    }
    const single = new Dense(2, sizes[task].at(-1) ?? 2, { init: "glorotUniform", rng: generator(ctx.seed + 1) });
    const accuracy = train(single);
    runs.push({ task, model: "single Dense", accuracy });
    ctx.log(`  ${task.padEnd(7)} single Dense accuracy ${pct(accuracy)}`);
  }
  return { sizes, epochs, lr, runs, collapseError: collapseErr };
}

/** Accuracy of `model` on `task`. */
export function linearityAccuracy(r: LinearityResult, task: LinearityRun["task"], model: string): number {
  const run = r.runs.find((x) => x.task === task && x.model === model);
  if (run === undefined) throw new Error(`activation lab: no section-1 run for ${task}/${model}`);
  return run.accuracy;
}

/** The best training accuracy an affine classifier can reach: 3 of XOR's 4 points; on spirals, the single affine layer trained with the same budget (+2 points). */
function affineBound(r: LinearityResult, task: LinearityRun["task"]): number {
  return task === "xor" ? 0.75 : linearityAccuracy(r, task, "single Dense") + 0.02;
}

/** How close the trained identity network must be to its multiplied-out affine map (float32 rounding). */
const COLLAPSE_TOLERANCE = 1e-4;

/**
 * Whether the claim holds, on both tasks: the trained identity network is an affine map (to
 * float32 rounding), does no better than an affine classifier can, and is ≥ 10 points below
 * the best non-linear network of the same size and budget.
 */
export function linearityHolds(r: LinearityResult): boolean {
  return (["xor", "spirals"] as const).every((t) => {
    const id = linearityAccuracy(r, t, "identity");
    const best = Math.max(...NONLINEAR.map((a) => linearityAccuracy(r, t, a)));
    return r.collapseError[t] < COLLAPSE_TOLERANCE && id <= affineBound(r, t) && best - id >= 0.1;
  });
}

/** The rows of section 1's table: task, then accuracy per model. */
export function linearityRows(r: LinearityResult): string[][] {
  const models = ["identity", ...NONLINEAR, "single Dense"];
  return (["xor", "spirals"] as const).map((t) => [t, ...models.map((m) => pct(linearityAccuracy(r, t, m)))]);
}

/** Section 1 of REPORT.md. */
export function linearityMarkdown(r: LinearityResult): string {
  const models = ["identity", ...NONLINEAR, "single Dense"];
  const holds = linearityHolds(r);
  return [
    "## 1. Without a non-linearity, a deep network is linear",
    "",
    `Networks ${r.sizes.xor.join("-")} (XOR) and ${r.sizes.spirals.join("-")} (spirals), Glorot-uniform init from the same generator, ` +
      `trained with Adam (lr ${r.lr.xor} on XOR, ${r.lr.spirals} on spirals) for ${r.epochs.xor} / ${r.epochs.spirals} epochs; ` +
      "accuracy on the training data. `single Dense` is one affine layer (a linear classifier) with the same budget.",
    "",
    mdTable(["task", ...models], linearityRows(r)),
    "",
    `Multiplying the trained identity network's layers out (in float64) gives one affine map A·x + c; the network's outputs differ from it by at most ` +
      `${r.collapseError.xor.toExponential(2)} on XOR and ${r.collapseError.spirals.toExponential(2)} on spirals (float32 rounding).`,
    "",
    "No affine map classifies more than 3 of the 4 XOR points (75 %); and for XOR the cross-entropy of an affine model is smallest at a constant output " +
      "(by symmetry), so gradient descent drives a linear model towards ties, and its accuracy (25 %, 50 % or 75 %) depends on how float rounding breaks them.",
    "",
    holds
      ? "**The claim holds here:** the deep identity network computes an affine map and does no better than an affine classifier can (75 % on XOR; the single affine layer on spirals), while the non-linear networks of the same size and budget separate the classes."
      : "**The claim does not fully show here** with these budgets (see the numbers above): the identity network is not an affine map to float32 rounding, or beats what an affine classifier reaches, or is not 10 points below the best non-linear network.",
  ].join("\n");
}
