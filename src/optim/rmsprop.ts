import type { Parameter } from "../layers/parameter.js";
import { checkOptionKeys } from "../util/options.js";
import { checkOption, finiteNonNegative, lerp, Optimizer, type ParamGroup } from "./optimizer.js";

/** Options of {@link RMSprop}. */
export interface RMSpropOptions {
  /** Learning rate γ. Default 1e-2. */
  lr?: number;
  /** Smoothing constant α ∈ [0, 1] of the squared-gradient average. Default 0.99. */
  alpha?: number;
  /** ε ≥ 0 added to the denominator. Default 1e-8. */
  eps?: number;
  /** Momentum factor μ ≥ 0. Default 0. */
  momentum?: number;
  /** Normalise by the variance estimate v − ḡ² rather than v. Default false. */
  centered?: boolean;
  /** L2 penalty λ added to the gradient. Default 0. */
  weightDecay?: number;
}

/** {@link RMSpropOptions} with every default filled in. */
export type RMSpropGroupOptions = Required<RMSpropOptions>;

/**
 * RMSprop (Hinton, Coursera lecture 6e), exactly PyTorch's `torch.optim.RMSprop`. At each
 * step, for a parameter θ with gradient g:
 *
 * ```text
 * g ← g + λ·θ                              if λ ≠ 0
 * v ← α·v + (1 − α)·g²
 * ḡ ← ḡ + (1 − α)·(g − ḡ),  d = √(v − ḡ²) + ε   if centered
 * d = √v + ε                               otherwise
 * b ← μ·b + g/d,  θ ← θ − γ·b              if μ > 0
 * θ ← θ − γ·g/d                            otherwise
 * ```
 *
 * State per parameter: `squareAvg` (v), with momentum `momentumBuffer` (b), when
 * centered `gradAvg` (ḡ), and a step count.
 */
export class RMSprop extends Optimizer<RMSpropGroupOptions> {
  protected readonly bufferNames: readonly string[] = ["squareAvg", "momentumBuffer", "gradAvg"];
  protected override readonly nonNegativeBuffers: readonly string[] = ["squareAvg"];

  /**
   * @param params - parameters, or groups `{ params, …options }` overriding these options
   * @param options - `lr` 1e-2, `alpha` 0.99, `eps` 1e-8, `momentum` 0, `centered` false, `weightDecay` 0
   * @throws Error naming RMSprop and the value for a negative or non-finite lr, eps,
   *   momentum or weight decay, alpha outside [0, 1], or bad params
   */
  constructor(params: readonly Parameter[] | readonly ParamGroup<RMSpropGroupOptions>[], options: RMSpropOptions = {}) {
    checkOptionKeys("RMSprop", options, ["lr", "alpha", "eps", "momentum", "centered", "weightDecay"]);
    super(params, {
      lr: options.lr ?? 1e-2,
      alpha: options.alpha ?? 0.99,
      eps: options.eps ?? 1e-8,
      momentum: options.momentum ?? 0,
      centered: options.centered ?? false,
      weightDecay: options.weightDecay ?? 0,
    });
  }

  protected checkOptions(o: RMSpropGroupOptions): void {
    checkOption("RMSprop", finiteNonNegative(o.lr), "learning rate (lr)", o.lr);
    checkOption("RMSprop", finiteNonNegative(o.alpha) && o.alpha <= 1, "alpha (must be in [0, 1])", o.alpha);
    checkOption("RMSprop", finiteNonNegative(o.eps), "eps", o.eps);
    checkOption("RMSprop", finiteNonNegative(o.momentum), "momentum", o.momentum);
    checkOption("RMSprop", finiteNonNegative(o.weightDecay), "weightDecay", o.weightDecay);
    checkOption("RMSprop", typeof o.centered === "boolean", "centered", o.centered);
  }

  protected requiredBuffers(o: RMSpropGroupOptions): readonly string[] {
    const names = ["squareAvg"];
    if (o.momentum > 0) names.push("momentumBuffer");
    if (o.centered) names.push("gradAvg");
    return names;
  }

  step(): void {
    this.checkGradients();
    this.stepCount++;
    this.forEachParam((p, k, o) => {
      if (p.grad === null) return;
      const g = p.grad.data;
      const theta = p.data;
      const { lr, alpha, eps, momentum, centered, weightDecay } = o;
      const s = this.state[k] ?? this.stateOf(p, k, this.requiredBuffers(o));
      s.step++;
      const v = s.buffers.squareAvg;
      const b = s.buffers.momentumBuffer;
      const gAvg = s.buffers.gradAvg;
      for (let i = 0; i < theta.length; i++) {
        const gi = weightDecay !== 0 ? g[i] + weightDecay * theta[i] : g[i];
        v[i] = alpha * v[i] + (1 - alpha) * gi * gi;
        let d: number;
        if (centered) {
          gAvg[i] = lerp(gAvg[i], gi, 1 - alpha);
          d = Math.sqrt(v[i] - gAvg[i] * gAvg[i]) + eps;
        } else {
          d = Math.sqrt(v[i]) + eps;
        }
        if (momentum > 0) {
          b[i] = momentum * b[i] + gi / d;
          theta[i] -= lr * b[i];
        } else {
          theta[i] -= lr * (gi / d);
        }
      }
    });
  }
}
