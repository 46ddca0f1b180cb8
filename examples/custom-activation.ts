/**
 * A new activation at each of typegrad's three extension levels, gradchecked, trained, saved
 * and reloaded.
 *
 *   npx tsx examples/custom-activation.ts [--quick] [--seed N] [--epochs N] [--out out/custom-activation]
 *
 * Writes activations.svg (each activation and its autograd derivative) and a checkpoint per level.
 *
 * 1. Composed (`Activation(name, fn)`): squareplus, f(x) = (x + √(x² + b)) / 2, b = 4. No
 *    derivative to write: autograd differentiates the composition.
 * 2. Fused (`defineActivation`): Snake with a trainable frequency α per feature,
 *    f(x) = x + sin²(αx)/α, with its derivatives in x and α written by hand.
 * 3. Registered (`registerActivation`): ISRLU with option α, f(x) = x for x ≥ 0,
 *    x/√(1 + αx²) below, used by name as `Dense(…, { activation: "isrlu" })`. The levels 1 and 2
 *    activations are registered too, which is what lets `loadModel` rebuild them.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  Activation,
  activation,
  activationNames,
  Adam,
  CosineAnnealingLR,
  crossEntropyLoss,
  defineActivation,
  Dense,
  evaluate,
  fit,
  generator,
  gradcheck,
  LearningRateScheduler,
  minimum,
  randn,
  registerActivation,
  relu,
  Sequential,
  spirals,
  type ActivationConfig,
  type Module,
  type Tensor,
  tensor,
} from "../src/index.js";
import { writeLineChart, PALETTE } from "./lib/svg-chart.js";
import { exampleArgs } from "./lib/args.js";
import { checkpointRoundTrip } from "./lib/round-trip.js";
import { epochLines, percent, seconds, table, runCli, type RunOptions } from "./lib/console.js";
import { maxGradientError } from "./lib/custom-activation-gradients.js";

// ── Level 1: composed from differentiable ops ───────────────────────────────────────────────
/** squareplus(x) = (x + √(x² + b)) / 2 (So 2021): a smooth ReLU made of +, ·, √ only. */
function squareplus(options: ActivationConfig = {}): Activation {
  const b = options.b ?? 4;
  if (typeof b !== "number" || !(b > 0)) throw new Error(`squareplus: option b must be a number > 0, got ${JSON.stringify(b)}`);
  return new Activation("squareplus", (x) => x.add(x.mul(x).add(b).sqrt()).mul(0.5), { config: { b } });
}

// ── Level 2: fused, with a hand-written derivative and a trainable parameter ───────────────
/**
 * Snake (Ziyin et al. 2020), α trainable:
 *   f(x)    = x + sin²(αx)/α
 *   ∂f/∂x   = 1 + sin(2αx)
 *   ∂f/∂α   = x·sin(2αx)/α − sin²(αx)/α²
 */
const Snake = defineActivation<"alpha">({
  name: "snake",
  parameters: { alpha: 1 },
  forward(x, y, { alpha }) {
    for (let i = 0; i < x.length; i++) {
      const s = Math.sin(alpha[i] * x[i]);
      y[i] = x[i] + (s * s) / alpha[i];
    }
  },
  backward(x, _y, gy, gx, { alpha }, gp) {
    for (let i = 0; i < x.length; i++) {
      const a = alpha[i];
      const s = Math.sin(a * x[i]);
      const s2 = Math.sin(2 * a * x[i]);
      if (gx) gx[i] = gy[i] * (1 + s2);
      if (gp.alpha) gp.alpha[i] = gy[i] * ((x[i] * s2) / a - (s * s) / (a * a));
    }
  },
});

// ── Level 3: registered by name, with a JSON option ─────────────────────────────────────────
/** ISRLU (Carlile et al. 2017): x for x ≥ 0, x/√(1 + αx²) below; composed from relu and minimum. */
function isrlu(options: ActivationConfig = {}): Activation {
  for (const key of Object.keys(options)) if (key !== "alpha") throw new Error(`isrlu: unknown option "${key}"; known: alpha`);
  const alpha = options.alpha ?? 1;
  if (typeof alpha !== "number" || !(alpha > 0)) throw new Error(`isrlu: option alpha must be a number > 0, got ${JSON.stringify(alpha)}`);
  const fn = (x: Tensor) => {
    const neg = minimum(x, 0);
    return relu(x).add(neg.div(neg.mul(neg).mul(alpha).add(1).sqrt()));
  };
  return new Activation("isrlu", fn, { config: { alpha }, initHint: "he" });
}

/** Gives the three activations names (once per process), so configs and checkpoints can use them. */
export function registerCustomActivations(): void {
  const known = new Set(activationNames());
  if (!known.has("squareplus")) registerActivation("squareplus", (o) => squareplus(o));
  if (!known.has("snake")) registerActivation("snake", (o) => new Snake(o));
  if (!known.has("isrlu")) registerActivation("isrlu", (o) => isrlu(o));
}

/** One row of the summary. */
export interface CustomActivationRow {
  level: 1 | 2 | 3;
  name: string;
  /** gradcheck (PyTorch tolerances) of the activation alone and of a float64 Dense layer using it. */
  gradcheckPassed: boolean;
  /** Largest |analytic − numeric| over the input and every parameter, in float64. */
  maxGradientError: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** Largest |difference| between the predictions of the trained model and of its reloaded checkpoint. */
  reloadMaxDiff: number;
  checkpoint: string;
}

/** What `main` measured. */
export interface CustomActivationResult {
  epochs: number;
  rows: CustomActivationRow[];
  /** Snake's α per feature of the first hidden layer: mean before (1) and after training. */
  snakeAlpha: { before: number; after: number; min: number; max: number };
  files: string[];
}

/** Runs the example; `argv` as on the command line. */
export function main(argv: string[] = process.argv.slice(2), options: RunOptions = {}): CustomActivationResult {
  const print = options.print ?? console.log;
  const args = exampleArgs({ name: "custom-activation", description: "a new activation at each of the three extension levels, gradchecked, trained, saved and reloaded", epochs: "200, 40 with --quick" }, argv);
  const epochs = args.epochs ?? (args.quick ? 40 : 200);
  const start = performance.now();
  registerCustomActivations();
  mkdirSync(args.out, { recursive: true });

  const levels: { level: 1 | 2 | 3; name: string; make: () => Module; how: string }[] = [
    { level: 1, name: "squareplus", make: () => squareplus({ b: 4 }), how: "new Activation(name, fn), passed as a module" },
    { level: 2, name: "snake", make: () => new Snake({ numParameters: 32 }), how: "defineActivation({ forward, backward }), α per feature" },
    { level: 3, name: "isrlu", make: () => activation("isrlu", { alpha: 1 }), how: 'registerActivation, used as { activation: "isrlu" }' },
  ];

  // Gradient checks in float64: the activation alone (input, and α for Snake), then a Dense layer
  // using it (its weights and bias, and α, as parameters).
  print("Gradient checks (float64, central differences, atol 1e-5, rtol 1e-3)");
  const checks = levels.map(({ name, make }, k) => {
    const rng = generator(args.seed + k);
    const act = make().to("float64");
    const x = randn([4, 32], { rng, dtype: "float64" });
    const layer = new Dense(3, 32, { activation: make(), rng, dtype: "float64" }).to("float64");
    const xl = randn([5, 3], { rng, dtype: "float64" });
    const passed =
      gradcheck((t) => act.forward(t), [x], { params: act.parameters(), raiseOnFailure: false }) &&
      gradcheck((t) => layer.forward(t), [xl], { params: layer.parameters(), raiseOnFailure: false });
    const err = Math.max(maxGradientError((t) => act.forward(t), x, act.parameters()), maxGradientError((t) => layer.forward(t), xl, layer.parameters()));
    const what = act.parameters().length > 0 ? "input x, α; Dense W, b, α" : "input x; Dense W, b";
    print(`  ${name.padEnd(10)} ${passed ? "passed" : "FAILED"}  (${what}; max |analytic − numeric| = ${err.toExponential(2)})`);
    return { passed, err };
  });

  // A picture: each activation and its derivative from autograd (Snake's α = 1: one feature).
  const xs = Array.from({ length: 161 }, (_, i) => -4 + i * 0.05);
  const curves = levels.flatMap(({ name, make }, k) => {
    const act = name === "snake" ? new Snake({ numParameters: 1 }).to("float64") : make().to("float64");
    const x = tensor(xs, { dtype: "float64", requiresGrad: true });
    const y = act.forward(x.reshape([xs.length, 1]));
    y.sum().backward();
    const color = PALETTE[k];
    return [
      { label: `${name}(x)`, x: xs, y: Array.from(y.data), color },
      { label: `${name}′(x) (autograd)`, x: xs, y: Array.from(x.grad!.data), color, dashed: true },
    ];
  });
  const picture = join(args.out, "activations.svg");
  writeLineChart(picture, { title: "The three custom activations and their derivatives", xLabel: "x", yLabel: "f(x), f′(x)", series: curves });

  // Train the same 2-32-32-3 network on spirals with each activation.
  const train = spirals({ pointsPerClass: 100, seed: args.seed });
  const test = spirals({ pointsPerClass: 100, seed: args.seed + 1_000_003 });
  const files: string[] = [picture];
  let snakeAlpha = { before: 1, after: 1, min: 1, max: 1 };
  const rows: CustomActivationRow[] = levels.map(({ level, name, how, make }, k) => {
    const rng = generator(args.seed);
    // Levels 1 and 2 pass a module (a new one per layer: Snake's α is per layer and feature);
    // level 3 passes the registered name, as a config file would.
    const act = (): Module | string => (level === 3 ? name : make());
    const model = new Sequential(
      new Dense(2, 32, { activation: act(), rng }),
      new Dense(32, 32, { activation: act(), rng }),
      new Dense(32, 3, { rng }),
    );
    print(`\nLevel ${level}: ${name} (${how})`);
    print(`  2-32-32-3 on spirals (300 points), Adam lr 0.01 with cosine decay, ${epochs} epochs`);
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    fit(model, train, {
      loss: crossEntropyLoss,
      optimizer,
      epochs,
      seed: args.seed,
      metrics: ["accuracy"],
      verbose: 0,
      callbacks: [new LearningRateScheduler(new CosineAnnealingLR(optimizer, { tMax: epochs })), epochLines(print, Math.max(1, Math.round(epochs / 4)))],
    });
    if (name === "snake") {
      const alpha = Array.from((model.at(0) as Dense).activation!.parameters()[0].data);
      snakeAlpha = { before: 1, after: alpha.reduce((s, v) => s + v, 0) / alpha.length, min: Math.min(...alpha), max: Math.max(...alpha) };
      print(`  Snake α of the first layer after training: mean ${snakeAlpha.after.toFixed(3)}, range [${snakeAlpha.min.toFixed(3)}, ${snakeAlpha.max.toFixed(3)}] (all 1 at the start)`);
    }
    const checkpoint = join(args.out, `${name}.safetensors`);
    const { reloaded, maxDiff: reloadMaxDiff } = checkpointRoundTrip(model, checkpoint, test.x);
    const spec = JSON.stringify((reloaded as Sequential).at(0)!.spec().children?.[0]);
    print(`  saved ${checkpoint}; loadModel rebuilt the activation from ${spec}`);
    files.push(checkpoint);
    return {
      level,
      name,
      gradcheckPassed: checks[k].passed,
      maxGradientError: checks[k].err,
      trainAccuracy: evaluate(model, train, { metrics: ["accuracy"] }).accuracy,
      testAccuracy: evaluate(reloaded, test, { metrics: ["accuracy"] }).accuracy,
      reloadMaxDiff,
      checkpoint,
    };
  });

  print("\nSummary (test: a second spiral sample; the reloaded model's predictions are compared with the original's)");
  print(table(
    ["level", "activation", "gradcheck", "max grad error", "train acc", "test acc", "reload max |Δ|"],
    rows.map((r) => [String(r.level), r.name, r.gradcheckPassed ? "passed" : "FAILED", r.maxGradientError.toExponential(2),
      percent(r.trainAccuracy), percent(r.testAccuracy), r.reloadMaxDiff === 0 ? "0 (identical)" : r.reloadMaxDiff.toExponential(2)]),
  ));
  print(`\nDone in ${seconds(start)}`);
  return { epochs, rows, snakeAlpha, files };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) runCli(() => main());
