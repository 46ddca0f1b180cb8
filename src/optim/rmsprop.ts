import { kernels } from "../kernels/index.js";
import { rmspropReference, type RmspropSegment } from "../kernels/optim.js";
import type { Parameter } from "../layers/parameter.js";
import { allocateStorage } from "../kernels/wasm.js";
import { checkOptionKeys } from "../util/options.js";
import { checkOption, finiteNonNegative, Optimizer, type ParamGroup } from "./optimizer.js";

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

  /**
   * One update of every trainable parameter with a gradient: each group in one pass of the
   * active kernels' `rmsprop` (WebAssembly for float32 and float64, bit for bit the TypeScript reference).
   */
  step(): void {
    this.checkGradients();
    this.stepCount++;
    const k = kernels();
    this.forEachGroup((params, o) => {
      const segments: RmspropSegment[] = params.map(({ p, k: index }) => {
        const s = this.state[index] ?? this.stateOf(p, index, this.requiredBuffers(o));
        s.step++;
        const b = s.buffers;
        // A buffer an option turned on after the state was created (e.g. momentum set later) starts at zero.
        for (const name of this.requiredBuffers(o)) b[name] ??= allocateStorage(p.dtype, p.size);
        return { theta: p.data, g: p.grad.data, v: b.squareAvg, gAvg: b.gradAvg ?? null, b: b.momentumBuffer ?? null };
      });
      if (segments.length > 0) (k.rmsprop ?? rmspropReference)(segments, o);
    });
  }
}
