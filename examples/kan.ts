/**
 * A Kolmogorov–Arnold network fits f(x, y) = exp(sin(πx) + y²) on [−1, 1]², against MLPs with
 * about as many parameters; then its grid is refined (3 → 10 intervals) and training goes on.
 *
 *   npx tsx examples/kan.ts [--quick] [--seed N] [--epochs N] [--activation tanh] [--out out/kan]
 *
 * `--epochs` is per phase (KAN G = 3, then KAN G = 10; the MLPs train for both phases' epochs);
 * `--activation` is the MLPs' activation. Reports test RMSE for every model, plots the RMSE
 * curves and every learned edge function φ(x) of the KAN, before and after refinement.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  Adam,
  bsplineBasis,
  CosineAnnealingLR,
  Dense,
  fit,
  generator,
  KAN,
  LearningRateScheduler,
  moduleFromSpec,
  mseLoss,
  noGrad,
  predict,
  rand,
  Sequential,
  Tensor,
  tensor,
  type Callback,
  type Dataset,
  type KANLinear,
  type Module,
} from "../src/index.js";
import { exampleArgs } from "./lib/args.js";
import { epochLines, seconds, table, type Print, runCli, type RunOptions } from "./lib/console.js";
import { writePanelGrid, type Panel } from "./lib/kan-edges.js";
import { writeLineChart } from "./lib/svg-chart.js";

/** The target function. */
export function target(x: number, y: number): number {
  return Math.exp(Math.sin(Math.PI * x) + y * y);
}

/** `n` points uniform on [−1, 1]² and their targets. */
function sample(n: number, seed: number): Dataset {
  const x = rand([n, 2], { rng: generator(seed), low: -1, high: 1 });
  const y = tensor(Array.from({ length: n }, (_, i) => target(x.data[2 * i], x.data[2 * i + 1])), { shape: [n, 1] });
  return { x, y };
}

function rmse(model: Module, data: Dataset): number {
  const p = predict(model, data.x, { batchSize: 4096 }).data;
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i] - data.y.data[i]) ** 2;
  return Math.sqrt(s / p.length);
}

function count(model: Module): number {
  return model.parameters().reduce((n, p) => n + p.size, 0);
}

/**
 * Every edge function of a KAN layer at the inputs `x` [n, in]:
 * `φ[s][o][i] = W_b[o,i]·b(x[s,i]) + S[o,i]·Σ_m C[o,i,m]·B_m(x[s,i])`, so Σ_i φ[s][o][i] = layer(x)[s, o].
 */
export function edgeValues(layer: KANLinear, x: Tensor): number[][][] {
  return noGrad(() => {
    const [n, inF] = x.shape;
    const outF = layer.outFeatures;
    const nb = layer.splineWeight.shape[2];
    const basis = bsplineBasis(x, layer.grid, layer.splineOrder).data; // [n, in, nb]
    const base = layer.baseActivation.forward(x).data; // [n, in]
    const wb = layer.baseWeight.data;
    const c = layer.splineWeight.data;
    const scale = layer.splineScaler?.data;
    const phi: number[][][] = [];
    for (let s = 0; s < n; s++) {
      const row: number[][] = [];
      for (let o = 0; o < outF; o++) {
        const edges: number[] = [];
        for (let i = 0; i < inF; i++) {
          let spline = 0;
          for (let m = 0; m < nb; m++) spline += c[(o * inF + i) * nb + m] * basis[(s * inF + i) * nb + m];
          edges.push(wb[o * inF + i] * base[s * inF + i] + (scale ? scale[o * inF + i] : 1) * spline);
        }
        row.push(edges);
      }
      phi.push(row);
    }
    return phi;
  });
}

/** The inputs each layer of `kan` sees on `x`: [x, h₁(x), …]. */
function layerInputs(kan: KAN, x: Tensor): Tensor[] {
  return noGrad(() => {
    const out = [x];
    for (const layer of kan.layers.slice(0, -1)) out.push(layer.forward(out[out.length - 1]));
    return out;
  });
}

/** `points` evenly spaced samples of each input's range on `seen` [n, in], as an [points, in] tensor. */
function rangeSamples(seen: Tensor, points: number): Tensor {
  const [n, inF] = seen.shape;
  const data = new Float32Array(points * inF);
  for (let i = 0; i < inF; i++) {
    let [lo, hi] = [Infinity, -Infinity];
    for (let s = 0; s < n; s++) [lo, hi] = [Math.min(lo, seen.data[s * inF + i]), Math.max(hi, seen.data[s * inF + i])];
    for (let s = 0; s < points; s++) data[s * inF + i] = lo + ((hi - lo) * s) / (points - 1);
  }
  return new Tensor(data, [points, inF]);
}

/** Trains `model` for `epochs` with Adam at `lr` (cosine decay to 0), recording the test RMSE after every epoch. */
function train(model: Module, data: Dataset, test: Dataset, epochs: number, seed: number, print: Print, lr = 0.01, extra: Callback[] = []): number[] {
  const optimizer = new Adam(model.parameters(), { lr });
  const curve: number[] = [];
  fit(model, data, {
    loss: mseLoss,
    optimizer,
    epochs,
    batchSize: 64,
    seed,
    verbose: 0,
    callbacks: [
      new LearningRateScheduler(new CosineAnnealingLR(optimizer, { tMax: epochs })),
      ...extra,
      { onEpochEnd: () => void curve.push(rmse(model, test)) },
      epochLines(print, Math.max(1, Math.round(epochs / 5)), () => `test RMSE ${curve[curve.length - 1].toFixed(5)}`),
    ],
  });
  return curve;
}

/** What `main` measured. */
export interface KanResult {
  epochs: number;
  parameters: { kanCoarse: number; kanFine: number; mlpSmall: number; mlpLarge: number };
  /**
   * Test RMSE of each model after training (kanRefined: just after `refine`, before more
   * training; kanCoarseLonger: the G = 3 network trained as long as the refined one, as a control).
   */
  rmse: { kanCoarse: number; kanRefined: number; kanFine: number; kanCoarseLonger: number; mlpSmall: number; mlpLarge: number };
  /** kanCoarse / kanFine. */
  refineImprovement: number;
  /** max |Σ_i φ_oi(x_i) − layer(x)_o| over the test inputs: the plotted edges add up to the network. */
  edgeCheckMaxError: number;
  files: string[];
}

/** Runs the example; `argv` as on the command line. */
export function main(argv: string[] = process.argv.slice(2), options: RunOptions = {}): KanResult {
  const print = options.print ?? console.log;
  const args = exampleArgs({ name: "kan", description: "fits exp(sin(πx) + y²) with KAN [2,5,1] and MLPs, refines the grid, plots the edge functions", epochs: "300, 50 with --quick", activation: "tanh (the MLPs')" }, argv);
  const act = args.activation ?? "tanh";
  const epochs = args.epochs ?? (args.quick ? 50 : 300);
  const [nTrain, nTest] = args.quick ? [500, 500] : [1000, 1000];
  const [coarse, fine] = [3, 10];
  const start = performance.now();
  const data = sample(nTrain, args.seed);
  const test = sample(nTest, args.seed + 1_000_003);
  print(`f(x, y) = exp(sin(πx) + y²) on [−1, 1]²: ${nTrain} training and ${nTest} test points; Adam lr 0.01 with cosine decay, batch 64`);

  const kan = new KAN([2, 5, 1], { gridSize: coarse, rng: generator(args.seed) });
  const rng = generator(args.seed);
  const mlpSmall = new Sequential(new Dense(2, 10, { activation: act, rng }), new Dense(10, 8, { activation: act, rng }), new Dense(8, 1, { rng }));
  const mlpLarge = new Sequential(new Dense(2, 16, { activation: act, rng }), new Dense(16, 10, { activation: act, rng }), new Dense(10, 1, { rng }));

  print(`\nKAN [2, 5, 1], grid G = ${coarse}, cubic splines (${count(kan)} parameters), ${epochs} epochs; grid fitted to the data every 5 epochs in the first half`);
  const gridUpdates: Callback = {
    onEpochEnd(ctx) {
      if (ctx.epoch < epochs / 2 && ctx.epoch % 5 === 4) kan.updateGrid(data.x);
    },
  };
  const coarseCurve = train(kan, data, test, epochs, args.seed, print, 0.01, [gridUpdates]);
  const coarseRmse = rmse(kan, test);

  // Control: the G = 3 network trained just as long again, without refining.
  const control = moduleFromSpec(kan.spec()) as KAN;
  control.loadStateDict(kan.stateDict());
  const refined = kan.refine(fine, data.x);
  const refinedRmse = rmse(refined, test);
  print(`\nrefine(${fine}): KAN [2, 5, 1] with G = ${fine} (${count(refined)} parameters), splines fitted to the G = ${coarse} ones; test RMSE ${coarseRmse.toFixed(5)} → ${refinedRmse.toFixed(5)} before training`);
  const fineCurve = train(refined, data, test, epochs, args.seed, print, 0.003);
  const fineRmse = rmse(refined, test);

  print(`\nControl: the G = ${coarse} KAN trained ${epochs} more epochs the same way, without refining`);
  const controlCurve = train(control, data, test, epochs, args.seed, print, 0.003);
  const controlRmse = rmse(control, test);

  print(`\nMLP 2-10-8-1 ${act} (${count(mlpSmall)} parameters, like the KAN with G = ${coarse}), ${2 * epochs} epochs`);
  const smallCurve = train(mlpSmall, data, test, 2 * epochs, args.seed, print);
  print(`\nMLP 2-16-10-1 ${act} (${count(mlpLarge)} parameters, like the KAN with G = ${fine}), ${2 * epochs} epochs`);
  const largeCurve = train(mlpLarge, data, test, 2 * epochs, args.seed, print);

  // Pictures: RMSE curves, and the edge functions before and after refinement.
  const files: string[] = [];
  const curvePath = join(args.out, "rmse.svg");
  const ep = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);
  writeLineChart(curvePath, {
    title: "exp(sin(πx) + y²): test RMSE per epoch",
    xLabel: "epoch",
    yLabel: "test RMSE (log scale)",
    logY: true,
    series: [
      { label: `KAN G=${coarse}`, x: ep(epochs), y: coarseCurve },
      { label: `KAN G=${fine} (refined)`, x: ep(epochs, epochs + 1), y: fineCurve },
      { label: `KAN G=${coarse}, not refined`, x: ep(epochs, epochs + 1), y: controlCurve, color: "#9467bd", dashed: true },
      { label: `MLP ${count(mlpSmall)} params`, x: ep(2 * epochs), y: smallCurve, dashed: true },
      { label: `MLP ${count(mlpLarge)} params`, x: ep(2 * epochs), y: largeCurve, dashed: true },
    ],
  });
  files.push(curvePath);

  const names = [["x", "y"], ["h₁", "h₂", "h₃", "h₄", "h₅"]];
  const outNames = [["h₁", "h₂", "h₃", "h₄", "h₅"], ["f"]];
  const seenBefore = layerInputs(kan, data.x);
  const seenAfter = layerInputs(refined, data.x);
  const rows: Panel[][] = [];
  const rowLabels: string[] = [];
  for (let l = 0; l < 2; l++) {
    const before = rangeSamples(seenBefore[l], 81);
    const after = rangeSamples(seenAfter[l], 81);
    const phiBefore = edgeValues(kan.layers[l], before);
    const phiAfter = edgeValues(refined.layers[l], after);
    const [inF, outF] = [kan.layers[l].inFeatures, kan.layers[l].outFeatures];
    // Layer 1: a row per input, a panel per hidden unit. Layer 2: one row, a panel per hidden unit.
    for (let i = 0; i < inF; i++) {
      if (l === 0) rowLabels.push(`layer 1, from ${names[0][i]}`);
      if (l === 0 || i === 0) rows.push([]);
      for (let o = 0; o < outF; o++) {
        rows[rows.length - 1].push({
          title: `φ: ${names[l][i]} → ${outNames[l][o]}`,
          series: [
            { label: `G = ${coarse}, before refine`, x: Array.from(before.data.filter((_, q) => q % inF === i)), y: phiBefore.map((s) => s[o][i]), color: "#999999", dashed: true },
            { label: `G = ${fine}, after refine and training`, x: Array.from(after.data.filter((_, q) => q % inF === i)), y: phiAfter.map((s) => s[o][i]), color: "#1f77b4" },
          ],
        });
      }
    }
    if (l === 1) rowLabels.push("layer 2, to f");
  }
  const edgesPath = join(args.out, "edges.svg");
  writePanelGrid(edgesPath, {
    title: "KAN [2, 5, 1] fitting exp(sin(πx) + y²): the learned edge functions φ",
    subtitle: "each panel: one edge over the range of its input on the training data; a unit's output is the sum of its incoming edges",
    rows,
    rowLabels,
  });
  files.push(edgesPath);

  // The plotted edges must add up to the network's layers.
  let edgeCheckMaxError = 0;
  const seenTest = layerInputs(refined, test.x);
  refined.layers.forEach((layer, l) => {
    const phi = edgeValues(layer, seenTest[l]);
    const y = noGrad(() => layer.forward(seenTest[l])).data;
    phi.forEach((s, b) => s.forEach((edges, o) => {
      edgeCheckMaxError = Math.max(edgeCheckMaxError, Math.abs(edges.reduce((a, v) => a + v, 0) - y[b * layer.outFeatures + o]));
    }));
  });

  const result: KanResult = {
    epochs,
    parameters: { kanCoarse: count(kan), kanFine: count(refined), mlpSmall: count(mlpSmall), mlpLarge: count(mlpLarge) },
    rmse: { kanCoarse: coarseRmse, kanRefined: refinedRmse, kanFine: fineRmse, kanCoarseLonger: controlRmse, mlpSmall: rmse(mlpSmall, test), mlpLarge: rmse(mlpLarge, test) },
    refineImprovement: coarseRmse / fineRmse,
    edgeCheckMaxError,
    files,
  };
  print("\nTest RMSE (f ranges over [0.37, 7.39])");
  print(table(["model", "parameters", "epochs", "test RMSE"], [
    [`KAN [2, 5, 1], G = ${coarse}`, result.parameters.kanCoarse, epochs, result.rmse.kanCoarse.toFixed(5)],
    [`  refined to G = ${fine}, before training`, result.parameters.kanFine, 0, result.rmse.kanRefined.toFixed(5)],
    [`KAN [2, 5, 1], G = ${fine}`, result.parameters.kanFine, `+${epochs}`, result.rmse.kanFine.toFixed(5)],
    [`KAN [2, 5, 1], G = ${coarse}, not refined`, result.parameters.kanCoarse, `+${epochs}`, result.rmse.kanCoarseLonger.toFixed(5)],
    [`MLP 2-10-8-1 ${act}`, result.parameters.mlpSmall, 2 * epochs, result.rmse.mlpSmall.toFixed(5)],
    [`MLP 2-16-10-1 ${act}`, result.parameters.mlpLarge, 2 * epochs, result.rmse.mlpLarge.toFixed(5)],
  ]));
  print(`\nRefining the grid ${coarse} → ${fine} and training on: test RMSE ${coarseRmse.toFixed(5)} → ${fineRmse.toFixed(5)} (${result.refineImprovement.toFixed(1)}× lower);` +
    ` the same extra training without refining reaches ${controlRmse.toFixed(5)}`);
  print(`The plotted edges add up to the network's layers (max |Σφ − layer| = ${edgeCheckMaxError.toExponential(1)})`);
  print(`Wrote ${files.join(", ")} in ${seconds(start)}`);
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) runCli(() => main());
