import { registerModule, type ModuleSpec } from "../layers/spec.js";
import { Activation } from "./activation.js";
import { checkOptionKeys, finiteOption } from "../util/options.js";
import { elu, leakyRelu, relu, reluEpilogue, selu } from "./relu-family.js";

/**
 * The rectified linear unit as a module: `max(0, x)`, derivative 0 at x = 0 (PyTorch);
 * see {@link relu}. Init hint `"he"`.
 */
export class ReLU extends Activation {
  constructor() {
    super("relu", relu, { initHint: "he", fused: reluEpilogue });
  }
  override spec(): ModuleSpec {
    return { type: "ReLU" };
  }
}

/** Options of {@link LeakyReLU}. */
export interface LeakyReLUOptions {
  /** Slope for x ≤ 0. Default 0.01, as PyTorch. */
  negativeSlope?: number;
}

/**
 * Leaky ReLU as a module: `x > 0 ? x : negativeSlope·x`, derivative `negativeSlope` at
 * x = 0 (PyTorch); see {@link leakyRelu}. Init hint `"he"`.
 *
 * @example
 * ```ts
 * new LeakyReLU({ negativeSlope: 0.2 }).forward(tensor([-1], { dtype: "float64" })).toArray(); // [-0.2]
 * ```
 */
export class LeakyReLU extends Activation {
  readonly negativeSlope: number;
  /**
   * @param options - `negativeSlope`, default 0.01
   * @throws Error when `negativeSlope` is not finite or an option is unknown
   */
  constructor(options: LeakyReLUOptions = {}) {
    checkOptionKeys("LeakyReLU", options, ["negativeSlope"]);
    const negativeSlope = finiteOption("LeakyReLU", "negativeSlope", options.negativeSlope ?? 0.01);
    super("leakyRelu", (x) => leakyRelu(x, negativeSlope), { initHint: "he", config: { negativeSlope } });
    this.negativeSlope = negativeSlope;
  }
  override spec(): ModuleSpec {
    return { type: "LeakyReLU", options: { negativeSlope: this.negativeSlope } };
  }
}

/** Options of {@link ELU}. */
export interface ELUOptions {
  /** ELU's α (the negative saturation is −α). Default 1, as PyTorch. */
  alpha?: number;
}

/**
 * The exponential linear unit as a module: `x > 0 ? x : α·expm1(x)`, derivative α at
 * x = 0 (left branch, PyTorch); see {@link elu}. Init hint `"he"`.
 */
export class ELU extends Activation {
  readonly alpha: number;
  /**
   * @param options - `alpha`, default 1
   * @throws Error when `alpha` is not finite or an option is unknown
   */
  constructor(options: ELUOptions = {}) {
    checkOptionKeys("ELU", options, ["alpha"]);
    const alpha = finiteOption("ELU", "alpha", options.alpha ?? 1);
    super("elu", (x) => elu(x, alpha), { initHint: "he", config: { alpha } });
    this.alpha = alpha;
  }
  override spec(): ModuleSpec {
    return { type: "ELU", options: { alpha: this.alpha } };
  }
}

/**
 * SELU as a module, with fixed constants λ ≈ 1.0507, α ≈ 1.6733; derivative λα at x = 0
 * (PyTorch); see {@link selu}. Init hint `"lecun"` (self-normalising networks need
 * LeCun-normal weights).
 */
export class SELU extends Activation {
  constructor() {
    super("selu", selu, { initHint: "lecun" });
  }
  override spec(): ModuleSpec {
    return { type: "SELU" };
  }
}

registerModule("ReLU", () => new ReLU(), { options: {} });
registerModule("LeakyReLU", (spec) => new LeakyReLU(spec.options as LeakyReLUOptions));
registerModule("ELU", (spec) => new ELU(spec.options as ELUOptions));
registerModule("SELU", () => new SELU(), { options: {} });
