import { findNonFinite } from "../autograd/anomaly.js";
import { backward } from "../autograd/engine.js";
import { NonFiniteGradientError } from "../optim/grad-check.js";
import { formatShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { indexSelect } from "../autograd/ops/shape.js";
import { batches as epochBatches, countBatches } from "../data/batches.js";
import type { Dataset } from "../data/dataset.js";
import type { Module } from "../layers/module.js";
import type { Optimizer } from "../optim/optimizer.js";
import { defaultGenerator, Generator } from "../tensor/random.js";
import type { Callback, CallbackContext, History, Logs, LossFn } from "./callback.js";
import { checkBatchSize, checkData, evaluate, LogAccumulator } from "./evaluate.js";
import { resolveMetric, validationKey, type Metric, type MetricName } from "./metrics.js";
import { checkOptionKeys } from "../util/options.js";
import { ProgressReporter, type ProgressStream, type Verbosity } from "./progress.js";

/** Options of {@link fit}. */
export interface FitOptions {
  /** `(output, target) → scalar`, mean-reduced (every typegrad loss by default). */
  loss: LossFn;
  /** Updates the model's parameters; build it from `model.parameters()`. */
  optimizer: Optimizer;
  /** Number of passes over the data (a positive integer). */
  epochs: number;
  /** Samples per step. Default 32. The last batch of an epoch may be smaller. */
  batchSize?: number;
  /** Visit the samples in a new random order each epoch. Default true. */
  shuffle?: boolean;
  /** Seed of the shuffling generator; without it the default generator is used. */
  seed?: number | string;
  /** Data to report `valLoss` and validation metrics on after each epoch. */
  validationData?: Dataset;
  /**
   * Fraction in (0, 1) of the samples held out for validation: a random subset drawn with
   * the seeded generator (unlike Keras, which takes the last samples: with data ordered by
   * class, such as `spirals()`, that would validate on a single class). Both parts keep the
   * data's order.
   */
  validationSplit?: number;
  /** Metrics to log per epoch, by name or as objects. Default none. */
  metrics?: readonly (MetricName | Metric)[];
  /** Hooks called during training, in order. */
  callbacks?: readonly Callback[];
  /** 0 silent, 1 live bar on a TTY or a line per epoch, 2 a line per epoch. Default 1. */
  verbose?: Verbosity;
  /**
   * Where progress is printed: anything with `write(text)`. Default `process.stdout` in
   * Node, Deno and Bun; the console (a line per epoch) in browsers and workers. For a UI, use
   * `callbacks` (`onBatchEnd`, `onEpochEnd`) instead.
   */
  progressStream?: ProgressStream;
  /**
   * What to do when a gradient holds a NaN or ±∞ (the optimiser detects it before its step,
   * changing nothing): `"stop"` (default) throws an Error naming the parameter, the epoch, the
   * batch and the op whose backward produced it, with the weights and optimiser state as
   * before that step; `"skip"` drops that batch's update and counts it in
   * `history.skippedSteps`, as mixed-precision grad scalers do.
   */
  nonFiniteGradients?: "stop" | "skip";
}

/**
 * @throws Error when the optimiser updates none of the model's parameters (built on another
 *   model, or before `model.to(dtype)` replaced the parameters): training would change nothing
 */
function checkOptimizerOwnsModel(model: Module, optimizer: Optimizer): void {
  const groups = (optimizer as Partial<Optimizer>).paramGroups;
  if (!Array.isArray(groups)) return;
  const own = model.parameters().filter((p) => p.requiresGrad);
  if (own.length === 0) return;
  const mine = new Set(own);
  const held = groups.flatMap((g) => g.params);
  if (held.some((p) => mine.has(p))) return;
  throw new Error(
    `fit: the optimizer holds none of the model's ${own.length} trainable parameters (it holds ${held.length} others), so ` +
      "training would change nothing; build it from this model's parameters(), after any model.to(dtype) (which replaces them)",
  );
}

const FIT_KEYS = [
  "loss",
  "optimizer",
  "epochs",
  "batchSize",
  "shuffle",
  "seed",
  "validationData",
  "validationSplit",
  "metrics",
  "callbacks",
  "verbose",
  "progressStream",
  "nonFiniteGradients",
] as const;

function checkOptions(options: FitOptions): void {
  if (options === null || typeof options !== "object") throw new Error("fit: options { loss, optimizer, epochs } are required");
  checkOptionKeys("fit", options, FIT_KEYS);
  if (typeof options.loss !== "function") throw new Error("fit: loss must be a function (output, target) => scalar Tensor");
  const opt = options.optimizer as Partial<Optimizer> | undefined;
  if (opt === undefined || opt === null || typeof opt.step !== "function" || typeof opt.zeroGrad !== "function") {
    throw new Error("fit: optimizer must have step() and zeroGrad(), e.g. new Adam(model.parameters())");
  }
  const { epochs, validationSplit: split, verbose } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`fit: epochs must be a positive integer, got ${String(epochs)}`);
  if (split !== undefined && !(split > 0 && split < 1)) throw new Error(`fit: validationSplit must be in (0, 1), got ${String(split)}`);
  if (split !== undefined && options.validationData !== undefined) {
    throw new Error("fit: pass either validationData or validationSplit, not both");
  }
  if (verbose !== undefined && verbose !== 0 && verbose !== 1 && verbose !== 2) {
    throw new Error(`fit: verbose must be 0, 1 or 2, got ${String(verbose)}`);
  }
  const nf = options.nonFiniteGradients;
  if (nf !== undefined && nf !== "stop" && nf !== "skip") {
    throw new Error(`fit: nonFiniteGradients must be "stop" or "skip", got ${JSON.stringify(nf)}`);
  }
}

/** Splits off the last `fraction` of the samples (before any shuffling), as Keras does. */
function splitData(data: Dataset, n: number, fraction: number, rng: Generator): [Dataset, Dataset] {
  const held = Math.floor(n * fraction);
  if (held < 1 || held >= n) {
    throw new Error(`fit: validationSplit ${fraction} of ${n} samples leaves ${n - held} for training and ${held} for validation; both need at least 1`);
  }
  const order = rng.permutation(n);
  const trainRows = order.subarray(0, n - held).sort();
  const validationRows = order.subarray(n - held).sort();
  return [
    { x: indexSelect(data.x, trainRows), y: indexSelect(data.y, trainRows) },
    { x: indexSelect(data.x, validationRows), y: indexSelect(data.y, validationRows) },
  ];
}

/**
 * Trains a model with mini-batch gradient descent and returns the per-epoch history.
 *
 * ```text
 * for each epoch:  (optional) shuffle the sample order with the seeded generator
 *   for each batch (x_b, y_b):
 *     optimizer.zeroGrad();  ℓ = loss(model(x_b), y_b);  ℓ.backward();  optimizer.step()
 *   logs: loss = Σ n_b·ℓ_b / Σ n_b, metrics on the training batches (as computed during the
 *         epoch), then valLoss / val<Metric> from evaluate() on the validation data
 * ```
 *
 * Each batch builds one graph, freed by `backward()`; losses are logged with `item()`, so the
 * history holds plain numbers. The model trains in training mode and is returned to its
 * previous mode afterwards. The same seed, model initialisation and data give a bit-identical
 * history and weights. A NaN or infinite loss stops training before that batch's update; so
 * does a NaN or infinite gradient (or, with `nonFiniteGradients: "skip"`, that update is
 * skipped and counted in `history.skippedSteps`).
 *
 * @param data - `{ x, y }` with the samples along the first dimension
 * @param options - see {@link FitOptions}: `batchSize` 32, `shuffle` true, `verbose` 1
 * @returns the {@link History}
 * @throws Error for invalid options or data (values and shapes named), an optimiser that holds
 *   none of the model's parameters, an unknown metric, a
 *   NaN or infinite loss (epoch, batch and value named), a NaN or infinite gradient (parameter,
 *   epoch, batch and op named), or an error from a callback
 *
 * @example
 * ```ts
 * const history = fit(model, { x, y }, { loss: crossEntropyLoss, optimizer: new Adam(model.parameters(), { lr: 0.01 }),
 *                                        epochs: 50, seed: 0, metrics: ["accuracy"], verbose: 0 });
 * history.metrics.accuracy.at(-1);
 * ```
 */
export function fit(model: Module, data: Dataset, options: FitOptions): History {
  checkOptions(options);
  checkOptimizerOwnsModel(model, options.optimizer);
  let n = checkData("fit", data);
  const batchSize = checkBatchSize("fit", options.batchSize ?? 32);
  const metrics = (options.metrics ?? []).map(resolveMetric);
  const { loss, optimizer, epochs } = options;
  let train = data;
  let validation = options.validationData;
  if (validation !== undefined) checkData("fit", validation, "validationData");
  const rng = options.seed === undefined ? defaultGenerator() : new Generator(options.seed);
  if (options.validationSplit !== undefined) [train, validation] = splitData(data, n, options.validationSplit, rng);
  n = train.x.shape[0];
  if (n === 0) throw new Error("fit: data has no samples");
  const shuffle = options.shuffle ?? true;
  const batches = countBatches(n, batchSize);
  const callbacks = options.callbacks ?? [];
  const progress = new ProgressReporter(options.verbose ?? 1, epochs, batches, options.progressStream);
  const history: History = { loss: [], valLoss: [], metrics: {}, lr: [], logs: [], skippedSteps: 0 };
  const skipNonFinite = options.nonFiniteGradients === "skip";

  let stop = false;
  const state = { epoch: 0, batch: -1, logs: {} as Logs };
  const ctx: CallbackContext = {
    model,
    optimizer,
    epochs,
    batches,
    history,
    get epoch() {
      return state.epoch;
    },
    get batch() {
      return state.batch;
    },
    get logs() {
      return state.logs;
    },
    stopTraining: () => {
      stop = true;
    },
  };
  const call = (hook: keyof Callback): void => {
    for (const cb of callbacks) cb[hook]?.(ctx);
  };

  const wasTraining = model.training;
  try {
    call("onTrainBegin");
    for (let epoch = 0; epoch < epochs && !stop; epoch++) {
      model.train();
      Object.assign(state, { epoch, batch: -1, logs: {} });
      call("onEpochBegin");
      if (stop) break;
      history.lr.push(optimizer.lr);
      progress.epochBegin(epoch);
      const acc = new LogAccumulator(metrics);
      let b = 0;
      for (const { x: xb, y: yb } of epochBatches(train.x, train.y, { batchSize, shuffle, rng })) {
        optimizer.zeroGrad();
        const output = model.forward(xb);
        const l = loss(output, yb);
        const value = l.item();
        if (!Number.isFinite(value)) {
          const origin = l.requiresGrad ? findNonFinite(l) : null;
          throw new Error(
            `fit: the loss is ${value} at epoch ${epoch + 1}/${epochs}, batch ${b + 1}/${batches}; training stopped before ` +
              "this batch's update (try a lower learning rate, or check the data and targets); " +
              (origin === null
                ? "no op turned finite inputs into it, so it came in with an input (data, targets, parameters or a constant)"
                : `first non-finite value: ${origin.message}`),
          );
        }
        l.backward();
        try {
          optimizer.step();
        } catch (e) {
          if (!(e instanceof NonFiniteGradientError)) throw e;
          if (!skipNonFinite) throw nonFiniteGradientError(model, e, () => loss(model.forward(xb), yb), `epoch ${epoch + 1}/${epochs}, batch ${b + 1}/${batches}`);
          history.skippedSteps++;
        }
        acc.add(output, yb, value);
        Object.assign(state, { batch: b, logs: { loss: value } });
        progress.batchEnd(b, acc.logs(true));
        call("onBatchEnd");
        if (stop) break;
        b++;
      }
      const logs = acc.logs(true);
      if (validation !== undefined) Object.assign(logs, prefixed(evaluate(model, validation, { loss, metrics, batchSize })));
      record(history, logs);
      Object.assign(state, { batch: -1, logs });
      progress.epochEnd(epoch, logs);
      call("onEpochEnd");
    }
    call("onTrainEnd");
  } finally {
    progress.close();
    model.train(wasTraining);
  }
  return history;
}

/**
 * The Error `fit` stops with for a non-finite gradient: the parameter's name in the model,
 * where in training, and the op whose backward produced it (found by running this batch's
 * forward and backward again with `checkFinite`; weights are as before the step).
 */
function nonFiniteGradientError(model: Module, e: NonFiniteGradientError, again: () => Tensor, where: string): Error {
  const named = model.namedParameters().find(([, p]) => p === e.parameter);
  const name = named === undefined ? `parameter ${e.parameterIndex}` : `"${named[0]}"`;
  let origin = "no op's backward turned finite gradients into it";
  const grads = model.parameters().map((p) => p.grad);
  try {
    for (const p of model.parameters()) p.grad = null;
    backward(again(), null, { checkFinite: true });
  } catch (diagnosis) {
    origin = `the op: ${(diagnosis as Error).message.replace(/^backward: /, "")}`;
  } finally {
    model.parameters().forEach((p, i) => (p.grad = grads[i]));
  }
  return new Error(
    `fit: the gradient of ${name} ${formatShape(e.parameter.shape)} is ${e.value} at element ${e.elementIndex} at ${where}; ` +
      `training stopped before this batch's update, with the weights and optimiser state as they were (${origin}). ` +
      'Pass nonFiniteGradients: "skip" to skip such steps instead',
    { cause: e },
  );
}

function prefixed(logs: Logs): Logs {
  const out: Logs = {};
  for (const [k, v] of Object.entries(logs)) out[validationKey(k)] = v;
  return out;
}

function record(history: History, logs: Logs): void {
  history.logs.push(logs);
  for (const [key, value] of Object.entries(logs)) {
    if (key === "loss") history.loss.push(value);
    else if (key === "valLoss") history.valLoss.push(value);
    else (history.metrics[key] ??= []).push(value);
  }
}
