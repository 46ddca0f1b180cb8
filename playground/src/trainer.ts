// The training loop of the playground, written by hand on typegrad's public API: forward
// layer by layer (keeping each layer's output), loss + regularisation, backward, per-layer
// gradient norms, optimiser step. Runs in the worker; nothing here touches the DOM.
import {
  Adam,
  AdamW,
  Dense,
  SGD,
  Tensor,
  bceWithLogitsLoss,
  deserializeModel,
  exportOnnx,
  generator,
  mseLoss,
  noGrad,
  parseSafetensors,
  serializeModel,
  type Generator,
  type Optimizer,
} from "typegrad";
import { makeData, type PlaygroundData } from "./datasets.js";
import { featureMatrix } from "./features.js";
import { gridPointsFloat as gridPoints } from "./grid.js";
import { buildNetwork, layerParameters, type Network } from "./network.js";
import {
  CURVE_POINTS,
  CURVE_RANGE,
  NEURON_GRID,
  OUTPUT_GRID,
  type ActivationParams,
  type Curves,
  type LayerStats,
  type Snapshot,
} from "./protocol.js";
import { activeFeatures, decodeState, encodeState, type FeatureName, type PlaygroundState } from "./state.js";

/** Metadata keys the playground adds to its safetensors export. */
export const EXPORT_KEYS = { state: "playground.state", features: "playground.features" } as const;

function makeOptimizer(state: PlaygroundState, net: Network): Optimizer {
  const params = net.model.parameters();
  if (state.optimizer === "adam") return new Adam(params, { lr: state.learningRate });
  if (state.optimizer === "adamw") return new AdamW(params, { lr: state.learningRate });
  return new SGD(params, { lr: state.learningRate, momentum: state.momentum });
}

const matrix = (data: Float32Array, rows: number, cols: number): Tensor => new Tensor(data, [rows, cols]);

export class Trainer {
  readonly state: PlaygroundState;
  readonly features: FeatureName[];
  readonly data: PlaygroundData;
  readonly net: Network;
  optimizer: Optimizer;
  step = 0;
  epoch = 0;
  readonly #batchRng: Generator;
  #order: Int32Array;
  #cursor = 0;
  readonly #gradSums: Float64Array;
  #gradCount = 0;
  readonly #outputGrid: Tensor;
  readonly #neuronGrid: Tensor;
  readonly #trainX: Tensor;
  readonly #trainY: Tensor;
  readonly #testX: Tensor;
  readonly #testY: Tensor;

  constructor(state: PlaygroundState) {
    this.state = { ...state, features: { ...state.features }, networkShape: [...state.networkShape] };
    this.features = activeFeatures(this.state);
    this.data = makeData(this.state);
    const f = this.features.length;
    this.net = buildNetwork(this.state, f, this.data.train.inputs);
    this.optimizer = makeOptimizer(this.state, this.net);
    this.#batchRng = generator(`batches:${this.state.seed}`);
    this.#order = this.#batchRng.permutation(this.data.train.points.length);
    this.#gradSums = new Float64Array(this.net.layers.length);
    const train = this.data.train;
    const test = this.data.test;
    this.#trainX = matrix(train.inputs, train.points.length, f);
    this.#trainY = matrix(train.targets, train.points.length, 1);
    this.#testX = matrix(test.inputs, test.points.length, f);
    this.#testY = matrix(test.targets, test.points.length, 1);
    const og = gridPoints(OUTPUT_GRID);
    this.#outputGrid = matrix(featureMatrix(og.xs, og.ys, this.features), OUTPUT_GRID * OUTPUT_GRID, f);
    const ng = gridPoints(NEURON_GRID);
    this.#neuronGrid = matrix(featureMatrix(ng.xs, ng.ys, this.features), NEURON_GRID * NEURON_GRID, f);
  }

  /** Live changes that need no reset: learning rate, regularisation rate, statistics on/off. */
  update(state: PlaygroundState): void {
    this.state.learningRate = state.learningRate;
    this.state.regularizationRate = state.regularizationRate;
    this.state.collectStats = state.collectStats;
    this.optimizer.lr = state.learningRate;
  }

  /** The output of every weight layer for `x` (the last one is the network's output). */
  #forward(x: Tensor): Tensor[] {
    const outs: Tensor[] = [];
    let h = x;
    for (const layer of this.net.layers) {
      h = layer.forward(h);
      outs.push(h);
    }
    return outs;
  }

  #loss(output: Tensor, target: Tensor): Tensor {
    return this.state.problem === "classification" ? bceWithLogitsLoss(output, target) : mseLoss(output, target);
  }

  /** The regularisation term over the weights (not biases): λ·Σ|w| (L1) or λ/2·Σw² (L2). */
  #penalty(): Tensor | null {
    const rate = this.state.regularizationRate;
    if (this.state.regularization === "none" || rate === 0) return null;
    let total: Tensor | null = null;
    for (const layer of this.net.layers) {
      const w = layer instanceof Dense ? layer.weight : layer.baseWeight;
      const term = this.state.regularization === "L1" ? w.abs().sum().mul(rate) : w.mul(w).sum().mul(rate / 2);
      total = total === null ? term : total.add(term);
    }
    return total;
  }

  /** The next minibatch's row indices; a new permutation starts a new epoch. */
  #nextBatch(): Int32Array {
    const n = this.#order.length;
    const size = Math.min(this.state.batchSize, n);
    const rows = this.#order.subarray(this.#cursor, Math.min(n, this.#cursor + size));
    this.#cursor += rows.length;
    if (this.#cursor >= n) {
      this.#cursor = 0;
      this.epoch++;
      this.#order = this.#batchRng.permutation(n);
    }
    return rows.slice();
  }

  /** One optimiser step on the next minibatch. */
  trainStep(): void {
    const rows = this.#nextBatch();
    const f = this.features.length;
    const x = new Float32Array(rows.length * f);
    const y = new Float32Array(rows.length);
    const inputs = this.data.train.inputs;
    const targets = this.data.train.targets;
    for (let i = 0; i < rows.length; i++) {
      x.set(inputs.subarray(rows[i] * f, rows[i] * f + f), i * f);
      y[i] = targets[rows[i]];
    }
    this.optimizer.zeroGrad();
    const outs = this.#forward(matrix(x, rows.length, f));
    let loss = this.#loss(outs[outs.length - 1], matrix(y, rows.length, 1));
    const penalty = this.#penalty();
    if (penalty !== null) loss = loss.add(penalty);
    loss.backward();
    this.net.layers.forEach((layer, l) => {
      let sq = 0;
      for (const p of layerParameters(layer)) {
        const g = p.grad?.data;
        if (g) for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
      }
      this.#gradSums[l] += Math.sqrt(sq);
    });
    this.#gradCount++;
    this.optimizer.step();
    this.step++;
  }

  runSteps(n: number): void {
    for (let i = 0; i < n; i++) this.trainStep();
  }

  /** Trains until `n` more epochs have started (the TensorFlow Playground's "step"). */
  runEpochs(n: number): void {
    const target = this.epoch + n;
    while (this.epoch < target) this.trainStep();
  }

  /** Mean loss (without the penalty) over the training and the test points. */
  losses(): { train: number; test: number } {
    return noGrad(() => {
      const train = this.#loss(this.#forward(this.#trainX).at(-1)!, this.#trainY).item();
      const test = this.data.test.points.length ? this.#loss(this.#forward(this.#testX).at(-1)!, this.#testY).item() : NaN;
      return { train, test };
    });
  }

  /** The network's raw outputs (logits for classification) at points (x₁, x₂). */
  predict(xs: ArrayLike<number>, ys: ArrayLike<number>): Float32Array {
    const inputs = matrix(featureMatrix(xs, ys, this.features), xs.length, this.features.length);
    return noGrad(() => Float32Array.from(this.net.model.forward(inputs).data));
  }

  #display(v: number): number {
    return this.state.problem === "classification" ? Math.tanh(v / 2) : v; // 2σ(z) − 1 ∈ (−1, 1)
  }

  #curves(): Curves[] {
    const xs = new Float32Array(CURVE_POINTS);
    for (let i = 0; i < CURVE_POINTS; i++) xs[i] = -CURVE_RANGE + ((2 * CURVE_RANGE) * i) / (CURVE_POINTS - 1);
    const curves: Curves[] = [];
    if (this.net.kan) {
      // The first KAN layer's edge functions φ(x) − φ(0): vary one input, hold the others at 0.
      const layer = this.net.layers[0];
      const inF = layer.inFeatures;
      const outF = layer.outFeatures;
      const values: Float32Array[] = [];
      const labels: string[] = [];
      noGrad(() => {
        const zero = layer.forward(new Tensor(new Float32Array(inF), [1, inF])).data;
        for (let i = 0; i < inF; i++) {
          const input = new Float32Array(CURVE_POINTS * inF);
          for (let p = 0; p < CURVE_POINTS; p++) input[p * inF + i] = xs[p];
          const out = layer.forward(new Tensor(input, [CURVE_POINTS, inF])).data;
          for (let j = 0; j < outF; j++) {
            const row = new Float32Array(CURVE_POINTS);
            for (let p = 0; p < CURVE_POINTS; p++) row[p] = out[p * outF + j] - zero[j];
            values.push(row);
            labels.push(`${i + 1} → ${j + 1}`);
          }
        }
      });
      const h = (2 * CURVE_RANGE) / (CURVE_POINTS - 1);
      const derivatives = values.map((v) => {
        const d = new Float32Array(CURVE_POINTS);
        for (let p = 0; p < CURVE_POINTS; p++) {
          const a = v[Math.max(0, p - 1)];
          const b = v[Math.min(CURVE_POINTS - 1, p + 1)];
          d[p] = (b - a) / (h * (Math.min(CURVE_POINTS - 1, p + 1) - Math.max(0, p - 1)));
        }
        return d;
      });
      curves.push({ layer: 0, values, derivatives, labels });
      return curves;
    }
    this.net.activations.forEach((act, l) => {
      const width = this.state.networkShape[l];
      const rows = this.state.perUnit && act !== null && act.parameters().length > 0 ? width : 1;
      if (act === null) {
        curves.push({ layer: l, values: [xs.slice()], derivatives: [new Float32Array(CURVE_POINTS).fill(1)], labels: ["all units"] });
        return;
      }
      const input = new Float32Array(CURVE_POINTS * width);
      for (let p = 0; p < CURVE_POINTS; p++) input.fill(xs[p], p * width, (p + 1) * width);
      const x = new Tensor(input, [CURVE_POINTS, width], { requiresGrad: true });
      const y = act.forward(x);
      y.sum().backward();
      for (const p of act.parameters()) p.grad = null; // the next step starts from zero gradients anyway
      const values: Float32Array[] = [];
      const derivatives: Float32Array[] = [];
      const labels: string[] = [];
      for (let u = 0; u < rows; u++) {
        const v = new Float32Array(CURVE_POINTS);
        const d = new Float32Array(CURVE_POINTS);
        for (let p = 0; p < CURVE_POINTS; p++) {
          v[p] = y.data[p * width + u];
          d[p] = x.grad!.data[p * width + u];
        }
        values.push(v);
        derivatives.push(d);
        labels.push(rows === 1 ? "all units" : `unit ${u + 1}`);
      }
      curves.push({ layer: l, values, derivatives, labels });
    });
    return curves;
  }

  /** The learned parameters of each hidden layer's activation (Swish β, PReLU/LEAF α, LEAF p₁…p₄). */
  activationParams(): ActivationParams[] {
    const out: ActivationParams[] = [];
    this.net.activations.forEach((act, l) => {
      if (act === null) return;
      const named = act.namedParameters();
      if (named.length === 0) return;
      const params: Record<string, number[]> = {};
      for (const [name, p] of named) params[name] = Array.from(p.data);
      out.push({ layer: l, params });
    });
    return out;
  }

  #stats(hidden: Tensor[]): LayerStats[] {
    const count = Math.max(1, this.#gradCount);
    return this.net.layers.map((_layer, l) => {
      const h = hidden[l];
      const [n, width] = h.shape;
      let sum = 0;
      let sq = 0;
      let dead = 0;
      for (let u = 0; u < width; u++) {
        let alive = false;
        for (let i = 0; i < n; i++) {
          const v = h.data[i * width + u];
          sum += v;
          sq += v * v;
          if (v !== 0) alive = true;
        }
        if (!alive) dead++;
      }
      const total = n * width;
      const mean = sum / total;
      return {
        gradNorm: this.#gradCount === 0 ? NaN : this.#gradSums[l] / count,
        deadFraction: dead / width,
        mean,
        std: Math.sqrt(Math.max(0, sq / total - mean * mean)),
      };
    });
  }

  /** Everything the page draws, computed without recording a graph. */
  snapshot(generation: number, playing: boolean, kernels: { active: string; note: string }): Snapshot {
    const { train, test } = this.losses();
    const { output, neurons, hidden } = noGrad(() => {
      const outGrid = this.#forward(this.#outputGrid).at(-1)!.data;
      const output = new Float32Array(outGrid.length);
      for (let i = 0; i < output.length; i++) output[i] = this.#display(outGrid[i]);
      const perLayer = this.#forward(this.#neuronGrid);
      const neurons = perLayer.slice(0, -1).map((h) => {
        const [n, width] = h.shape;
        return Array.from({ length: width }, (_, u) => {
          const map = new Float32Array(n);
          for (let i = 0; i < n; i++) map[i] = h.data[i * width + u];
          return map;
        });
      });
      neurons.push([Float32Array.from(perLayer.at(-1)!.data, (v) => this.#display(v))]);
      const hidden = this.state.collectStats ? this.#forward(this.#trainX) : null;
      return { output, neurons, hidden };
    });
    const stats = hidden === null ? null : this.#stats(hidden);
    this.#gradSums.fill(0);
    this.#gradCount = 0;
    const weights = this.net.layers.map((layer) => {
      const w = layer instanceof Dense ? layer.weight : layer.baseWeight;
      const [rows, cols] = w.shape;
      return Array.from({ length: rows }, (_, r) => Array.from(w.data.subarray(r * cols, (r + 1) * cols)));
    });
    const biases = this.net.layers.map((layer) =>
      layer instanceof Dense && layer.bias !== null ? Array.from(layer.bias.data) : new Array<number>(layer.outFeatures).fill(0),
    );
    return {
      type: "snapshot",
      generation,
      step: this.step,
      epoch: this.epoch,
      trainLoss: train,
      testLoss: test,
      output,
      neurons,
      weights,
      biases,
      stats,
      curves: this.#curves(),
      params: this.activationParams(),
      playing,
      kernels: kernels.active,
      kernelNote: kernels.note,
    };
  }

  /**
   * Sets one weight (`input` ≥ 0) or bias (`input` = −1) of weight layer `layer`, unit `unit`.
   *
   * @throws Error naming the position when it is outside the network, or for a KAN layer
   */
  setWeight(layer: number, unit: number, input: number, value: number): void {
    const target = this.net.layers[layer];
    if (!(target instanceof Dense)) throw new Error(`setWeight: layer ${layer} is not a Dense layer (KAN edges are splines)`);
    if (!Number.isFinite(value)) throw new Error(`setWeight: value must be a finite number, got ${value}`);
    if (!Number.isInteger(unit) || unit < 0 || unit >= target.outFeatures) throw new Error(`setWeight: unit ${unit} is outside 0…${target.outFeatures - 1}`);
    if (input === -1) {
      if (target.bias === null) throw new Error(`setWeight: layer ${layer} has no bias`);
      target.bias.data[unit] = value;
      return;
    }
    if (!Number.isInteger(input) || input < 0 || input >= target.inFeatures) throw new Error(`setWeight: input ${input} is outside 0…${target.inFeatures - 1}`);
    target.weight.data[unit * target.inFeatures + input] = value;
  }

  /** KAN only: adapts every layer's grid to the training inputs (keeping the function), as `KAN.updateGrid`. */
  kanGridUpdate(): void {
    if (!this.net.kan) throw new Error("grid update: the network has no KAN layers (choose the KAN activation)");
    (this.net.model as unknown as { updateGrid(x: Tensor): void }).updateGrid(this.#trainX);
  }

  /**
   * The model as a safetensors checkpoint (`serializeModel`: PyTorch state-dict names, the
   * architecture in the metadata, so Node's `loadModel` rebuilds it), plus the playground
   * setup and the input features, so the page can load it back.
   */
  exportSafetensors(): Uint8Array {
    return serializeModel(this.net.model, {
      metadata: { [EXPORT_KEYS.state]: encodeState(this.state), [EXPORT_KEYS.features]: this.features.join(",") },
    });
  }

  /** The model as ONNX (input `[batch, features]`, output the logit or the regression value). */
  exportOnnx(): Uint8Array {
    return exportOnnx(this.net.model, { inputShape: [null, this.features.length] });
  }
}

/**
 * Reads a safetensors checkpoint into a new trainer: the setup it was trained with (a
 * playground export records it), or else `fallback`'s; the weights are checked and rebuilt by
 * `deserializeModel`, then loaded strictly into the playground's network.
 *
 * @throws Error naming the file for invalid safetensors, a missing architecture, or weights
 *   that do not fit the network of the setup
 */
export function importCheckpoint(bytes: Uint8Array, name: string, fallback: PlaygroundState): Trainer {
  const model = deserializeModel(bytes, { source: name });
  const raw = parseSafetensors(bytes, name).metadata[EXPORT_KEYS.state];
  const trainer = new Trainer(raw === undefined ? fallback : decodeState(raw));
  try {
    trainer.net.model.loadStateDict(model.stateDict());
  } catch (error) {
    throw new Error(`${name} does not fit the playground's network${raw === undefined ? " (it has no playground setup; build the same network first)" : ""}: ${(error as Error).message}`);
  }
  return trainer;
}
