import { registerModule, type ModuleSpec } from "../layers/spec.js";
import { Activation } from "./activation.js";
import { gelu, type GeluApproximation, type GeluOptions } from "./gelu.js";
import { checkOptionKeys, choiceOption } from "../util/options.js";
import { mish, silu, softplus, softplusOptions, type SoftplusOptions } from "./smooth.js";

/**
 * GELU as a module, exact (erf) by default or the tanh approximation; see {@link gelu}.
 * Registry names: `gelu` (exact) and `geluTanh`.
 *
 * @example
 * ```ts
 * new GELU({ approximate: "tanh" });
 * ```
 */
export class GELU extends Activation {
  readonly approximate: GeluApproximation;
  /**
   * @param options - `approximate`: `"none"` (default, as PyTorch) or `"tanh"`
   * @throws Error when `approximate` is neither or an option is unknown
   */
  constructor(options: GeluOptions = {}) {
    checkOptionKeys("GELU", options, ["approximate"]);
    const approximate = choiceOption("GELU", "approximate", options.approximate ?? "none", ["none", "tanh"] as const);
    super(approximate === "none" ? "gelu" : "geluTanh", (x) => gelu(x, { approximate }), { initHint: "he", config: { approximate } });
    this.approximate = approximate;
  }
  override spec(): ModuleSpec {
    return { type: "GELU", options: { approximate: this.approximate } };
  }
}

/** SiLU (Swish-1) as a module: `x·σ(x)`, derivative `σ(x)(1 + x·σ(−x))`; see {@link silu}. */
export class SiLU extends Activation {
  constructor() {
    super("silu", silu, { initHint: "he" });
  }
  override spec(): ModuleSpec {
    return { type: "SiLU" };
  }
}

/** Mish as a module: `x·tanh(softplus(x))`, mish'(0) = 0.6; see {@link mish}. */
export class Mish extends Activation {
  constructor() {
    super("mish", mish, { initHint: "he" });
  }
  override spec(): ModuleSpec {
    return { type: "Mish" };
  }
}

/**
 * Softplus as a module: `(1/β)·log(1 + e^(βx))`, derivative σ(βx); see {@link softplus}.
 * Exact everywhere by default (`threshold: null`); `threshold: 20` reproduces PyTorch's
 * `nn.Softplus`, which returns x where βx > 20.
 */
export class Softplus extends Activation {
  readonly beta: number;
  readonly threshold: number | null;
  /**
   * @param options - `beta` (default 1), `threshold` (default `null`: exact)
   * @throws Error when `beta` is not finite and > 0, `threshold` is not finite or null, or an option is unknown
   */
  constructor(options: SoftplusOptions = {}) {
    const { beta, threshold } = softplusOptions(options);
    const t = threshold === Infinity ? null : threshold;
    super("softplus", (x) => softplus(x, { beta, threshold: t }), { config: { beta, threshold: t } });
    this.beta = beta;
    this.threshold = t;
  }
  override spec(): ModuleSpec {
    return { type: "Softplus", options: { beta: this.beta, threshold: this.threshold } };
  }
}

registerModule("GELU", (spec) => new GELU(spec.options as GeluOptions));
registerModule("SiLU", () => new SiLU(), { options: {} });
registerModule("Mish", () => new Mish(), { options: {} });
registerModule("Softplus", (spec) => new Softplus(spec.options as SoftplusOptions));
