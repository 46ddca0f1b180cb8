import { logSoftmax, softmax } from "../autograd/ops/softmax.js";
import { registerModule, type ModuleSpec } from "../layers/spec.js";
import { Activation } from "./activation.js";
import { identity, logSigmoid, sigmoid, sigmoidEpilogue, tanh, tanhEpilogue } from "./basic.js";
import { checkOptionKeys } from "../util/options.js";

/** The identity activation as a module: `Identity(x) = x` (registry names `identity`, `linear`). */
export class Identity extends Activation {
  constructor() {
    super("identity", identity);
  }
  override spec(): ModuleSpec {
    return { type: "Identity" };
  }
}

/** The logistic sigmoid as a module: `σ(x) = 1/(1 + e⁻ˣ)`, `σ' = σ(x)σ(−x)`; see {@link sigmoid}. */
export class Sigmoid extends Activation {
  constructor() {
    super("sigmoid", sigmoid, { fused: sigmoidEpilogue });
  }
  override spec(): ModuleSpec {
    return { type: "Sigmoid" };
  }
}

/** The hyperbolic tangent as a module: `tanh'(x) = sech²(x)`; see {@link tanh}. */
export class Tanh extends Activation {
  constructor() {
    super("tanh", tanh, { fused: tanhEpilogue });
  }
  override spec(): ModuleSpec {
    return { type: "Tanh" };
  }
}

/** Log-sigmoid as a module: `log σ(x) = min(x,0) − log1p(e^(−|x|))`, derivative σ(−x); see {@link logSigmoid}. */
export class LogSigmoid extends Activation {
  constructor() {
    super("logSigmoid", logSigmoid);
  }
  override spec(): ModuleSpec {
    return { type: "LogSigmoid" };
  }
}

/** Options of {@link Softmax} and {@link LogSoftmax}. */
export interface SoftmaxOptions {
  /** The axis to normalise over. Default −1 (the last axis). */
  axis?: number;
}

function axisOption(op: string, options: SoftmaxOptions): number {
  checkOptionKeys(op, options, ["axis"]);
  const axis = options.axis ?? -1;
  if (!Number.isInteger(axis)) throw new Error(`${op}: axis must be an integer, got ${String(axis)}`);
  return axis;
}

/**
 * Softmax along one axis as a module, computed stably (the engine's `softmax`).
 *
 * ```text
 * Softmax(x)ᵢ = exp(xᵢ) / Σⱼ exp(xⱼ)
 * ∂/∂xᵢ       = yᵢ·(gᵢ − Σⱼ gⱼyⱼ)
 * ```
 *
 * @throws Error when `axis` is not an integer (an out-of-range axis throws in `forward`)
 */
export class Softmax extends Activation {
  readonly axis: number;
  /** @param options - `axis`, default −1 */
  constructor(options: SoftmaxOptions = {}) {
    const axis = axisOption("Softmax", options);
    super("softmax", (x) => softmax(x, axis), { config: { axis } });
    this.axis = axis;
  }
  override spec(): ModuleSpec {
    return { type: "Softmax", options: { axis: this.axis } };
  }
}

/**
 * Log-softmax along one axis as a module, computed stably (the engine's `logSoftmax`).
 *
 * ```text
 * LogSoftmax(x)ᵢ = xᵢ − log Σⱼ exp(xⱼ)
 * ∂/∂xᵢ          = gᵢ − softmax(x)ᵢ·Σⱼ gⱼ
 * ```
 *
 * @throws Error when `axis` is not an integer (an out-of-range axis throws in `forward`)
 */
export class LogSoftmax extends Activation {
  readonly axis: number;
  /** @param options - `axis`, default −1 */
  constructor(options: SoftmaxOptions = {}) {
    const axis = axisOption("LogSoftmax", options);
    super("logSoftmax", (x) => logSoftmax(x, axis), { config: { axis } });
    this.axis = axis;
  }
  override spec(): ModuleSpec {
    return { type: "LogSoftmax", options: { axis: this.axis } };
  }
}

registerModule("Identity", () => new Identity(), { options: {} });
registerModule("Sigmoid", () => new Sigmoid(), { options: {} });
registerModule("Tanh", () => new Tanh(), { options: {} });
registerModule("LogSigmoid", () => new LogSigmoid(), { options: {} });
registerModule("Softmax", (spec) => new Softmax(spec.options as SoftmaxOptions));
registerModule("LogSoftmax", (spec) => new LogSoftmax(spec.options as SoftmaxOptions));
