import { full } from "../tensor/creation.js";
import { checkDType, getDefaultDtype, type DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { Parameter } from "../layers/parameter.js";
import { registerModule, type ModuleSchema, type ModuleSpec } from "../layers/spec.js";
import { booleanRule, dtypeRule, integerRule, numberRule } from "../layers/spec-schema.js";
import { Activation, overriddenForward } from "./activation.js";
import { booleanOption, checkOptionKeys, countOption, finiteOption } from "../util/options.js";
import { prelu } from "./prelu.js";
import { swish } from "./swish.js";

/** Options of {@link Swish}. */
export interface SwishOptions {
  /** Initial β. Default 1 (Swish-1 = SiLU), as the paper's "Swish-1" and Chainer. */
  beta?: number;
  /** Learn β (a {@link Parameter}) or keep it fixed (a buffer, still saved). Default `true`. */
  trainable?: boolean;
  /** 1 for one shared β, or the size of the input's last axis for one β per feature. Default 1. */
  numParameters?: number;
  /** dtype of β. Default {@link getDefaultDtype} (float32); a `Dense` passes its own. */
  dtype?: DType;
}

/**
 * Swish with a trainable β (Ramachandran, Zoph & Le 2017, arXiv:1710.05941); see {@link swish}.
 *
 * ```text
 * Swish(x) = x·σ(βx)
 * ∂/∂x     = σ(βx) + βx·σ(βx)·σ(−βx)
 * ∂/∂β     = Σ x²·σ(βx)·σ(−βx)        (over batch, and over features when β is shared)
 * ```
 *
 * `beta` has shape `[numParameters]` and broadcasts along the input's last axis. With
 * β = 1 (trainable or not) the forward equals {@link SiLU} bit for bit.
 *
 * @example
 * ```ts
 * const act = new Swish({ numParameters: 8 }); // one trainable β per feature, all 1
 * act.namedParameters().map(([n]) => n); // ["beta"]
 * ```
 */
export class Swish extends Activation {
  /** β: a Parameter when trainable, otherwise a buffer. */
  beta: Tensor;
  readonly #init: number;

  /**
   * @param options - `beta` (default 1), `trainable` (default true), `numParameters` (default 1),
   *   `dtype` (default {@link getDefaultDtype})
   * @throws Error when `beta` is not finite, `numParameters` is not an integer ≥ 1,
   * `trainable` is not a boolean, or an option is unknown
   */
  constructor(options: SwishOptions = {}) {
    checkOptionKeys("Swish", options, ["beta", "trainable", "numParameters", "dtype"]);
    const dtype = checkDType("Swish", options.dtype ?? getDefaultDtype());
    const init = finiteOption("Swish", "beta", options.beta ?? 1);
    const trainable = booleanOption("Swish", "trainable", options.trainable ?? true);
    const n = countOption("Swish", "numParameters", options.numParameters ?? 1);
    super("swish", overriddenForward("Swish"), { initHint: "he", config: { beta: init, trainable, numParameters: n } });
    const value = full([n], init, { dtype });
    this.beta = trainable ? new Parameter(value) : value;
    this.#init = init;
  }

  override forward(x: Tensor): Tensor {
    return swish(x, this.beta);
  }

  override spec(): ModuleSpec {
    const trainable = this.beta instanceof Parameter;
    return { type: "Swish", options: { beta: this.#init, trainable, numParameters: this.beta.size, dtype: this.beta.dtype } };
  }
}

/** Options of {@link PReLU}. */
export interface PReLUOptions {
  /** 1 for one shared slope, or the size of the input's last axis. Default 1, as PyTorch. */
  numParameters?: number;
  /** Initial slope. Default 0.25, as He et al. 2015 and PyTorch. */
  init?: number;
  /** dtype of the slopes. Default {@link getDefaultDtype} (float32); a `Dense` passes its own. */
  dtype?: DType;
}

/**
 * Parametric ReLU (He et al. 2015) with a learned slope `weight`; see {@link prelu}.
 *
 * ```text
 * PReLU(x) = x > 0 ? x : a·x
 * ∂/∂x     = 1 if x > 0, a otherwise          (a at x = 0, as PyTorch)
 * ∂/∂a     = Σ (x > 0 ? 0 : x)·g             (0 at x = 0)
 * ```
 *
 * `weight` has shape `[numParameters]` and broadcasts along the input's LAST axis
 * (PyTorch uses axis 1; for `[batch, features]` inputs they coincide). Weight decay on `a`
 * usually hurts (PyTorch docs). Init hint `"he"`.
 */
export class PReLU extends Activation {
  /** The slopes a, shape `[numParameters]`. */
  weight: Parameter;

  /**
   * @param options - `numParameters` (default 1), `init` (default 0.25), `dtype` (default {@link getDefaultDtype})
   * @throws Error when `numParameters` is not an integer ≥ 1, `init` is not finite, or an
   * option is unknown
   */
  constructor(options: PReLUOptions = {}) {
    checkOptionKeys("PReLU", options, ["numParameters", "init", "dtype"]);
    const dtype = checkDType("PReLU", options.dtype ?? getDefaultDtype());
    const n = countOption("PReLU", "numParameters", options.numParameters ?? 1);
    const init = finiteOption("PReLU", "init", options.init ?? 0.25);
    super("prelu", overriddenForward("PReLU"), { initHint: "he", config: { numParameters: n, init } });
    this.weight = new Parameter(full([n], init, { dtype }));
  }

  override forward(x: Tensor): Tensor {
    return prelu(x, this.weight);
  }

  override spec(): ModuleSpec {
    const config = this.config;
    return { type: "PReLU", options: { numParameters: config.numParameters ?? 1, init: config.init ?? 0.25, dtype: this.weight.dtype } };
  }
}

/** The spec schema of {@link Swish}: `beta` has `[numParameters]` values. */
export const SWISH_SCHEMA: ModuleSchema = {
  options: { beta: numberRule(), trainable: booleanRule, numParameters: integerRule(1), dtype: dtypeRule },
  tensors: (o) => [{ name: "beta", shape: [(o.numParameters ?? 1) as number], dtype: (o.dtype ?? getDefaultDtype()) as DType }],
};
/** The spec schema of {@link PReLU}: `weight` has `[numParameters]` values. */
export const PRELU_SCHEMA: ModuleSchema = {
  options: { numParameters: integerRule(1), init: numberRule(), dtype: dtypeRule },
  tensors: (o) => [{ name: "weight", shape: [(o.numParameters ?? 1) as number], dtype: (o.dtype ?? getDefaultDtype()) as DType }],
};

registerModule("Swish", (spec) => new Swish(spec.options as SwishOptions), SWISH_SCHEMA);
registerModule("PReLU", (spec) => new PReLU(spec.options as PReLUOptions), PRELU_SCHEMA);
