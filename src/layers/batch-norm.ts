import { batchNorm } from "../autograd/ops/normalization.js";
import { noGrad } from "../autograd/grad-mode.js";
import { full } from "../tensor/creation.js";
import { checkDType, getDefaultDtype, type DType } from "../tensor/dtype.js";
import { formatShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { booleanOption, checkOptionKeys } from "../util/options.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { registerBuiltinModule, type ModuleSpec } from "./spec.js";

/** Options of {@link BatchNorm1d}; the defaults are PyTorch's. */
export interface BatchNorm1dOptions {
  /** ε added to the variance. Default 1e-5. */
  eps?: number;
  /**
   * Weight of the newest batch in the running statistics, in [0, 1]; `null` for a
   * cumulative average over every batch so far (factor 1/numBatchesTracked). Default 0.1.
   */
  momentum?: number | null;
  /** Learn a per-channel scale `weight` (init 1) and shift `bias` (init 0). Default true. */
  affine?: boolean;
  /**
   * Keep running statistics and use them in evaluation. Default true. Without them, batch
   * statistics are used in evaluation too (and no buffers exist), as PyTorch.
   */
  trackRunningStats?: boolean;
  /** dtype of the parameters and buffers. Default {@link getDefaultDtype} (float32). */
  dtype?: DType;
}

/**
 * Batch normalisation over the channels of `[N, C]` or `[N, C, L]` inputs (Ioffe & Szegedy
 * 2015), PyTorch's `nn.BatchNorm1d`.
 *
 * ```text
 * training:   y = (x − μ_B) / √(σ²_B + ε) · weight + bias     (μ_B, σ²_B over N and L; σ²_B biased)
 *             running_mean ← (1 − m)·running_mean + m·μ_B
 *             running_var  ← (1 − m)·running_var  + m·σ²_B·M/(M − 1)   (unbiased; M = N·L)
 *             m = momentum, or 1/num_batches_tracked when momentum is null
 * evaluation: y = (x − running_mean) / √(running_var + ε) · weight + bias
 * ```
 *
 * Training or evaluation follows `model.train()` / `model.eval()` (`fit` trains, `predict`
 * and `evaluate` evaluate). Parameters `weight`, `bias` and buffers `running_mean`,
 * `running_var`, `num_batches_tracked` carry PyTorch's names (hence the snake_case fields),
 * so state dicts and checkpoints load into `torch.nn.BatchNorm1d` with `strict=True`
 * (`num_batches_tracked` is stored as a float tensor; PyTorch's `load_state_dict` casts it).
 * Training needs more than one value per channel. One fused op (`batchNorm`) per forward.
 *
 * @example
 * ```ts
 * new Sequential(new Dense(16, 64), new BatchNorm1d(64), new ReLU());
 * ```
 */
export class BatchNorm1d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  /** γ, shape `[numFeatures]`, init 1 (null without `affine`). */
  weight: Parameter | null;
  /** β, shape `[numFeatures]`, init 0 (null without `affine`). */
  bias: Parameter | null;
  /** Running mean per channel, init 0 (a buffer; null without `trackRunningStats`). */
  running_mean: Tensor | null;
  /** Running unbiased variance per channel, init 1 (a buffer; null without `trackRunningStats`). */
  running_var: Tensor | null;
  /** Number of training batches seen, shape `[]` (a buffer; null without `trackRunningStats`). */
  num_batches_tracked: Tensor | null;

  /**
   * @param numFeatures - C, the number of channels
   * @param options - `eps` 1e-5, `momentum` 0.1 (or null), `affine` true, `trackRunningStats` true, `dtype`
   * @throws Error naming BatchNorm1d and the value for a bad size, eps or momentum, or an unknown option
   */
  constructor(numFeatures: number, options: BatchNorm1dOptions = {}) {
    super();
    const name = "BatchNorm1d";
    checkOptionKeys(name, options, ["eps", "momentum", "affine", "trackRunningStats", "dtype"]);
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new Error(`${name}: numFeatures must be a positive integer, got ${String(numFeatures)}`);
    const eps = options.eps ?? 1e-5;
    if (typeof eps !== "number" || !Number.isFinite(eps) || eps < 0) throw new Error(`${name}: eps must be a finite number ≥ 0, got ${String(eps)}`);
    const momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (momentum !== null && (typeof momentum !== "number" || !(momentum >= 0 && momentum <= 1))) {
      throw new Error(`${name}: momentum must be in [0, 1] or null (cumulative average), got ${String(momentum)}`);
    }
    const affine = booleanOption(name, "affine", options.affine ?? true);
    const track = booleanOption(name, "trackRunningStats", options.trackRunningStats ?? true);
    const dtype = checkDType(name, options.dtype ?? getDefaultDtype());
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.weight = affine ? new Parameter(full([numFeatures], 1, { dtype })) : null;
    this.bias = affine ? new Parameter(full([numFeatures], 0, { dtype })) : null;
    this.running_mean = track ? full([numFeatures], 0, { dtype }) : null;
    this.running_var = track ? full([numFeatures], 1, { dtype }) : null;
    this.num_batches_tracked = track ? full([], 0, { dtype }) : null;
  }

  /**
   * Normalises with the batch's statistics in training (updating the running ones) and with
   * the running statistics in evaluation.
   *
   * @throws Error naming the shapes when `x` is not `[N, numFeatures]` or `[N, numFeatures, L]`,
   *   or in training when a channel has a single value
   */
  forward(x: Tensor): Tensor {
    const c = this.numFeatures;
    if ((x.shape.length !== 2 && x.shape.length !== 3) || x.shape[1] !== c) {
      throw new Error(`BatchNorm1d(${c}): expected input [N, ${c}] or [N, ${c}, L], got ${formatShape(x.shape)}`);
    }
    const running = this.running_mean !== null && this.running_var !== null;
    if (!this.training && running) {
      return batchNorm(x, this.weight, this.bias, { eps: this.eps, stats: { mean: this.running_mean!.data, variance: this.running_var!.data } });
    }
    const batchStats = { mean: new Float64Array(c), variance: new Float64Array(c) };
    const y = batchNorm(x, this.weight, this.bias, { eps: this.eps, batchStats });
    if (this.training && running) {
      noGrad(() => this.#updateRunningStats(batchStats, x.size / c));
    }
    return y;
  }

  #updateRunningStats(batch: { mean: Float64Array; variance: Float64Array }, m: number): void {
    const count = this.num_batches_tracked!.data;
    count[0] += 1;
    const f = this.momentum ?? 1 / count[0];
    const rm = this.running_mean!.data;
    const rv = this.running_var!.data;
    const unbias = m / (m - 1);
    for (let ch = 0; ch < this.numFeatures; ch++) {
      rm[ch] = (1 - f) * rm[ch] + f * batch.mean[ch];
      rv[ch] = (1 - f) * rv[ch] + f * batch.variance[ch] * unbias;
    }
  }

  /** `"64, eps=1e-5, momentum=0.1"`, with `"no affine"` / `"no running stats"` where they apply. */
  override describe(): string {
    const parts = [String(this.numFeatures), `eps=${this.eps}`, `momentum=${this.momentum === null ? "null" : this.momentum}`];
    if (this.weight === null) parts.push("no affine");
    if (this.running_mean === null) parts.push("no running stats");
    return parts.join(", ");
  }

  override spec(): ModuleSpec {
    return {
      type: "BatchNorm1d",
      options: {
        numFeatures: this.numFeatures,
        eps: this.eps,
        momentum: this.momentum,
        affine: this.weight !== null,
        trackRunningStats: this.running_mean !== null,
        dtype: (this.weight ?? this.running_mean)?.dtype ?? getDefaultDtype(),
      },
    };
  }
}

/** Registers BatchNorm1d for checkpoints; called once by the spec registry at its first lookup (`src/layers/builtins.ts`). */
export function registerBatchNorm1d(): void {
  registerBuiltinModule("BatchNorm1d", (spec) => {
    const { numFeatures, ...options } = spec.options ?? {};
    return new BatchNorm1d(numFeatures as number, options as BatchNorm1dOptions);
  });
}
