/**
 * The training workloads of the benchmark, each written twice: with typegrad's public
 * layers, losses and optimisers, and the way a TensorFlow.js user writes the same loop
 * (`tf.variable`, `optimizer.minimize`, `tf.tidy`). Both start from the same weights
 * (tfjs's are copied from the typegrad model, transposed to tfjs's [in, out] layout) and
 * see the same batches in the same order, so their accuracies are comparable.
 */
import { noGrad } from "../src/autograd/grad-mode.js";
import { predict } from "../src/train/predict.js";
import { spirals } from "../src/data/toy.js";
import { Dense } from "../src/layers/dense.js";
import { Sequential } from "../src/layers/sequential.js";
import { bceWithLogitsLoss } from "../src/losses/bce-with-logits.js";
import { crossEntropyLoss } from "../src/losses/cross-entropy.js";
import { Adam } from "../src/optim/adam.js";
import { SGD } from "../src/optim/sgd.js";
import type { DType } from "../src/tensor/dtype.js";
import { generator, type Generator } from "../src/tensor/random.js";
import { Tensor } from "../src/tensor/tensor.js";
import type { Contender } from "./harness.js";
import { tf, useBackend, type TfBackend } from "./tfjs-setup.js";

/** One training batch: row-major inputs, and integer labels or float targets. */
interface Batch {
  readonly x: Float32Array | Float64Array;
  readonly rows: number;
  readonly labels: Int32Array;
  readonly targets: Float32Array;
}

/** A network, its data and its optimiser, independent of the framework. */
export interface WorkloadSpec {
  readonly name: string;
  /** Layer widths, input first. */
  readonly sizes: readonly number[];
  readonly hidden: "tanh" | "relu";
  readonly loss: "bce" | "crossEntropy";
  readonly optimizer: "adam" | "sgd";
  readonly lr: number;
  /** dtype of weights and inputs (tfjs has no float64: it sits out float64 workloads). */
  readonly dtype: DType;
  /** The batch for step `t` (the same for every contender). */
  batch(t: number): Batch;
  /** All training examples, for the final accuracy, or null when accuracy is not reported. */
  readonly all: Batch | null;
  /** Multiply-adds ×2 ×3 (forward and two backward products) of one step. */
  readonly flopsPerStep: number;
}

/** A contender that can also report its training accuracy. */
export interface TrainingContender extends Contender {
  accuracy(): number;
}

function flops(sizes: readonly number[], rows: number): number {
  let macs = 0;
  for (let i = 1; i < sizes.length; i++) macs += sizes[i - 1] * sizes[i];
  return 6 * rows * macs;
}

const empty = new Float32Array(0);
const noLabels = new Int32Array(0);

/** XOR: 2-8-1, tanh, BCE with logits, Adam lr 0.05, the four points as one batch. */
export function xorSpec(): WorkloadSpec {
  const batch: Batch = { x: Float32Array.of(0, 0, 0, 1, 1, 0, 1, 1), rows: 4, labels: noLabels, targets: Float32Array.of(0, 1, 1, 0) };
  return { name: "xor", sizes: [2, 8, 1], hidden: "tanh", loss: "bce", optimizer: "adam", lr: 0.05, dtype: "float32", batch: () => batch, all: null, flopsPerStep: flops([2, 8, 1], 4) };
}

/** Spirals: 3 × 100 points, 2-64-64-3 ReLU, cross-entropy, Adam lr 0.01, shuffled batches of 32. */
export function spiralsSpec(seed = 1): WorkloadSpec {
  const data = spirals({ seed });
  const x = Float32Array.from(data.x.data);
  const labels = Int32Array.from(data.y.data);
  const n = labels.length;
  const rng = generator(seed + 1);
  const order: number[] = [];
  const batches: Batch[] = [];
  // The sequence repeats after 1 024 batches (~109 shuffled epochs), so its cache stays
  // bounded and the heap measurement over 10 000 steps sees typegrad, not this cache.
  const batch = (step: number): Batch => {
    const t = step % 1024;
    while (batches.length <= t) {
      const bx = new Float32Array(32 * 2);
      const by = new Int32Array(32);
      for (let r = 0; r < 32; r++) {
        if (order.length === 0) order.push(...rng.permutation(n));
        const i = order.pop() as number;
        bx[2 * r] = x[2 * i];
        bx[2 * r + 1] = x[2 * i + 1];
        by[r] = labels[i];
      }
      batches.push({ x: bx, rows: 32, labels: by, targets: empty });
    }
    return batches[t];
  };
  const all: Batch = { x, rows: n, labels, targets: empty };
  return { name: "spirals", sizes: [2, 64, 64, 3], hidden: "relu", loss: "crossEntropy", optimizer: "adam", lr: 0.01, dtype: "float32", batch, all, flopsPerStep: flops([2, 64, 64, 3], 32) };
}

/** The MLP of the benchmark: 784-512-512-10. */
export const MLP_SIZES: readonly number[] = [784, 512, 512, 10];
/** The deep MLP of the benchmark: 1024-2048-2048-1024-10. */
export const DEEP_SIZES: readonly number[] = [1024, 2048, 2048, 1024, 10];

/** Options of {@link mlpSpec}. */
export interface MlpSpecOptions {
  /** Rows per batch. Default 128. */
  rows?: number;
  /** Layer widths, input first. Default {@link MLP_SIZES}. */
  sizes?: readonly number[];
  /** Default float32. */
  dtype?: DType;
  /** Default "mlp". */
  name?: string;
  seed?: number;
}

/** An MLP (default 784-512-512-10) with ReLU, one seeded random batch, cross-entropy, SGD lr 0.01. */
export function mlpSpec(options: MlpSpecOptions = {}): WorkloadSpec {
  const { rows = 128, sizes = MLP_SIZES, dtype = "float32", name = "mlp", seed = 2 } = options;
  const rng = generator(seed);
  const x = dtype === "float64" ? new Float64Array(rows * sizes[0]) : new Float32Array(rows * sizes[0]);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  const classes = sizes[sizes.length - 1];
  const labels = new Int32Array(rows);
  for (let i = 0; i < labels.length; i++) labels[i] = rng.int(classes);
  const batch: Batch = { x, rows, labels, targets: empty };
  return { name, sizes, hidden: "relu", loss: "crossEntropy", optimizer: "sgd", lr: 0.01, dtype, batch: () => batch, all: null, flopsPerStep: flops(sizes, rows) };
}

/** The request that builds `spec` in the PyTorch peer (random data of the same shapes). */
export function torchTrainSpec(spec: WorkloadSpec): Record<string, unknown> {
  const rows = spec.batch(0).rows;
  return { kind: "train", sizes: spec.sizes, hidden: spec.hidden, loss: spec.loss, optimizer: spec.optimizer, lr: spec.lr, rows, dtype: spec.dtype };
}

/** The typegrad model for `spec`, seeded so tfjs can start from the same weights. */
export function typegradModel(spec: WorkloadSpec, rng: Generator = generator(7)): Sequential {
  const layers: Dense[] = [];
  for (let i = 1; i < spec.sizes.length; i++) {
    const last = i === spec.sizes.length - 1;
    layers.push(new Dense(spec.sizes[i - 1], spec.sizes[i], { activation: last ? null : spec.hidden, rng, dtype: spec.dtype }));
  }
  return new Sequential(...layers);
}

function argmaxAccuracy(scores: ArrayLike<number>, labels: Int32Array, classes: number): number {
  let correct = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[r * classes + c] > scores[r * classes + best]) best = c;
    if (best === labels[r]) correct++;
  }
  return correct / labels.length;
}

/** typegrad's side: `zeroGrad`, forward, loss, `backward`, `step`. */
export function typegradContender(spec: WorkloadSpec, model: Sequential = typegradModel(spec)): TrainingContender {
  const params = model.parameters();
  const opt = spec.optimizer === "adam" ? new Adam(params, { lr: spec.lr }) : new SGD(params, { lr: spec.lr });
  const inputs = spec.sizes[0];
  const classes = spec.sizes[spec.sizes.length - 1];
  let t = 0;
  return {
    name: "typegrad",
    step() {
      const b = spec.batch(t++);
      const x = new Tensor(b.x, [b.rows, inputs]);
      opt.zeroGrad();
      const logits = model.forward(x);
      const loss =
        spec.loss === "bce" ? bceWithLogitsLoss(logits, new Tensor(b.targets, [b.rows, 1])) : crossEntropyLoss(logits, b.labels);
      loss.backward();
      opt.step();
    },
    accuracy() {
      const all = spec.all;
      if (all === null) return NaN;
      const scores = noGrad(() => model.forward(new Tensor(all.x, [all.rows, inputs])));
      return argmaxAccuracy(scores.data, all.labels, classes);
    },
  };
}

/** tfjs's side on `backend`, starting from `model`'s current weights. */
export async function tfjsContender(
  spec: WorkloadSpec,
  backend: TfBackend,
  model: Sequential,
): Promise<TrainingContender & { dispose(): void }> {
  await useBackend(backend);
  const weights: tf.Variable[] = [];
  const biases: tf.Variable[] = [];
  for (const layer of model.children() as Dense[]) {
    const w = tf.tensor2d(layer.weight.data as Float32Array, [layer.outFeatures, layer.inFeatures]);
    const wt = tf.transpose(w);
    const b = tf.tensor1d(layer.bias?.data as Float32Array);
    weights.push(tf.variable(wt));
    biases.push(tf.variable(b));
    for (const t of [w, wt, b]) t.dispose();
  }
  const opt = spec.optimizer === "adam" ? tf.train.adam(spec.lr) : tf.train.sgd(spec.lr);
  const classes = spec.sizes[spec.sizes.length - 1];
  const forward = (x: tf.Tensor2D): tf.Tensor2D => {
    let h = x;
    for (let i = 0; i < weights.length; i++) {
      h = tf.add(tf.matMul(h, weights[i]), biases[i]);
      if (i < weights.length - 1) h = spec.hidden === "relu" ? tf.relu(h) : tf.tanh(h);
    }
    return h;
  };
  let t = 0;
  return {
    name: `tfjs-${backend}`,
    enter: () => useBackend(backend),
    step() {
      const b = spec.batch(t++);
      tf.tidy(() => {
        const x = tf.tensor2d(b.x as Float32Array, [b.rows, spec.sizes[0]]);
        const target =
          spec.loss === "bce" ? tf.tensor2d(b.targets, [b.rows, 1]) : tf.oneHot(tf.tensor1d(b.labels, "int32"), classes);
        opt.minimize(() =>
          spec.loss === "bce" ? tf.losses.sigmoidCrossEntropy(target, forward(x)) : tf.losses.softmaxCrossEntropy(target, forward(x)),
        );
      });
    },
    accuracy() {
      const all = spec.all;
      if (all === null) return NaN;
      const scores = tf.tidy(() => forward(tf.tensor2d(all.x as Float32Array, [all.rows, spec.sizes[0]])).dataSync());
      return argmaxAccuracy(scores, all.labels, classes);
    },
    dispose() {
      opt.dispose();
      for (const v of [...weights, ...biases]) v.dispose();
    },
  };
}

/** Inference throughput: `predict` over `samples` inputs in batches of `batch`, one pass per step. */
export interface PredictSpec {
  readonly sizes: readonly number[];
  readonly samples: number;
  readonly batch: number;
}

function predictInputs(spec: PredictSpec): Float32Array {
  const rng = generator(3);
  const x = new Float32Array(spec.samples * spec.sizes[0]);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  return x;
}

/** typegrad's inference: {@link predict} with `batchSize`. */
export function typegradPredict(spec: PredictSpec): Contender {
  const model = typegradModel({ ...mlpSpec({ sizes: spec.sizes }) });
  const x = new Tensor(predictInputs(spec), [spec.samples, spec.sizes[0]]);
  return { name: "typegrad", step: () => void predict(model, x, { batchSize: spec.batch }) };
}

/** tfjs's inference on `backend`: the forward pass batch by batch inside `tf.tidy`, read back. */
export async function tfjsPredict(spec: PredictSpec, backend: TfBackend): Promise<Contender & { dispose(): void }> {
  await useBackend(backend);
  const weights: tf.Variable[] = [];
  const biases: tf.Variable[] = [];
  for (const layer of typegradModel(mlpSpec({ sizes: spec.sizes })).children() as Dense[]) {
    const w = tf.tensor2d(layer.weight.data as Float32Array, [layer.outFeatures, layer.inFeatures]);
    const wt = tf.transpose(w);
    const b = tf.tensor1d(layer.bias?.data as Float32Array);
    weights.push(tf.variable(wt));
    biases.push(tf.variable(b));
    for (const t of [w, wt, b]) t.dispose();
  }
  const all = predictInputs(spec);
  const inputs = spec.sizes[0];
  return {
    name: `tfjs-${backend}`,
    enter: () => useBackend(backend),
    step() {
      for (let start = 0; start < spec.samples; start += spec.batch) {
        const rows = Math.min(spec.batch, spec.samples - start);
        tf.tidy(() => {
          let h: tf.Tensor2D = tf.tensor2d(all.subarray(start * inputs, (start + rows) * inputs), [rows, inputs]);
          for (let i = 0; i < weights.length; i++) {
            h = tf.add(tf.matMul(h, weights[i]), biases[i]);
            if (i < weights.length - 1) h = tf.relu(h);
          }
          return h.dataSync();
        });
      }
    },
    dispose() {
      for (const v of [...weights, ...biases]) v.dispose();
    },
  };
}

/** The request that builds `spec` in the PyTorch peer. */
export function torchPredictSpec(spec: PredictSpec): Record<string, unknown> {
  return { kind: "predict", sizes: spec.sizes, hidden: "relu", samples: spec.samples, batch: spec.batch };
}
