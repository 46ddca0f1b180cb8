import type { Parameter } from "../layers/parameter.js";
import { checkOptionKeys } from "../util/options.js";
import { checkOption, finiteNonNegative, Optimizer, type ParamGroup } from "./optimizer.js";

/** Options of {@link SGD}. */
export interface SGDOptions {
  /** Learning rate γ. Default 1e-3 (PyTorch ≥ 2.2; it was required before). */
  lr?: number;
  /** Momentum factor μ ≥ 0. Default 0. */
  momentum?: number;
  /** Dampening τ of the momentum's gradient term. Default 0. */
  dampening?: number;
  /** Nesterov momentum (needs μ > 0 and τ = 0). Default false. */
  nesterov?: boolean;
  /** L2 penalty λ added to the gradient. Default 0. */
  weightDecay?: number;
}

const SGD_KEYS = ["lr", "momentum", "dampening", "nesterov", "weightDecay"] as const;

/** {@link SGDOptions} with every default filled in. */
export type SGDGroupOptions = Required<SGDOptions>;

/**
 * Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay,
 * exactly PyTorch's `torch.optim.SGD`. At each step, for a parameter θ with gradient g:
 *
 * ```text
 * g ← g + λ·θ                              if λ ≠ 0
 * if μ ≠ 0:
 *   b ← g                                  on the parameter's first step
 *   b ← μ·b + (1 − τ)·g                    afterwards
 *   g ← g + μ·b                            if nesterov
 *   g ← b                                  otherwise
 * θ ← θ − γ·g
 * ```
 *
 * State per parameter (with momentum): `momentumBuffer` (b).
 *
 * @example
 * ```ts
 * // θ = 1, loss = θ (g = 1), lr 0.1, momentum 0.9: θ = 0.9, then 0.9 − 0.1·1.9 = 0.71
 * ```
 */
export class SGD extends Optimizer<SGDGroupOptions> {
  protected readonly bufferNames = ["momentumBuffer"] as const;

  /**
   * @param params - parameters, or groups `{ params, …options }` overriding these options
   * @param options - `lr` 1e-3 (PyTorch ≥ 2.2's default), `momentum` 0, `dampening` 0,
   *   `nesterov` false, `weightDecay` 0
   * @throws Error naming SGD and the value for a negative or non-finite lr, momentum,
   *   dampening or weight decay, Nesterov without momentum or with dampening, an unknown
   *   option, or bad params
   */
  constructor(params: readonly Parameter[] | readonly ParamGroup<SGDGroupOptions>[], options: SGDOptions = {}) {
    checkOptionKeys("SGD", options, SGD_KEYS);
    super(params, {
      lr: options.lr ?? 1e-3,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      nesterov: options.nesterov ?? false,
      weightDecay: options.weightDecay ?? 0,
    });
  }

  protected checkOptions(o: SGDGroupOptions): void {
    checkOption("SGD", finiteNonNegative(o.lr), "learning rate (lr)", o.lr);
    checkOption("SGD", finiteNonNegative(o.momentum), "momentum", o.momentum);
    checkOption("SGD", typeof o.dampening === "number" && Number.isFinite(o.dampening), "dampening", o.dampening);
    checkOption("SGD", finiteNonNegative(o.weightDecay), "weightDecay", o.weightDecay);
    checkOption("SGD", typeof o.nesterov === "boolean", "nesterov", o.nesterov);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new Error(
        `SGD: nesterov momentum requires momentum > 0 and dampening 0, got momentum ${o.momentum}, dampening ${o.dampening}`,
      );
    }
  }

  protected requiredBuffers(o: SGDGroupOptions): readonly string[] {
    return o.momentum !== 0 ? this.bufferNames : [];
  }

  step(): void {
    this.checkGradients();
    this.stepCount++;
    this.forEachParam((p, k, o) => {
      if (p.grad === null) return;
      const g = p.grad.data;
      const theta = p.data;
      const { lr, momentum, dampening, nesterov, weightDecay } = o;
      if (momentum === 0) {
        for (let i = 0; i < theta.length; i++) theta[i] -= lr * (g[i] + weightDecay * theta[i]);
        return;
      }
      const s = this.state[k] ?? this.stateOf(p, k, this.bufferNames);
      const b = s.buffers.momentumBuffer;
      const first = s.step === 0;
      s.step++;
      for (let i = 0; i < theta.length; i++) {
        const gi = weightDecay !== 0 ? g[i] + weightDecay * theta[i] : g[i];
        b[i] = first ? gi : momentum * b[i] + (1 - dampening) * gi;
        theta[i] -= lr * (nesterov ? gi + momentum * b[i] : b[i]);
      }
    });
  }
}
