import { kernels } from "../kernels/index.js";
import { sgdReference, type SgdSegment } from "../kernels/optim.js";
import type { Parameter } from "../layers/parameter.js";
import { allocateStorage } from "../kernels/wasm.js";
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

  /**
   * One update of every trainable parameter with a gradient: each group in one pass of the
   * active kernels' `sgd` (WebAssembly for float32 and float64, bit for bit the TypeScript reference).
   */
  step(): void {
    this.checkGradients();
    this.stepCount++;
    const k = kernels();
    this.forEachGroup((params, o) => {
      const withMomentum = o.momentum !== 0;
      const segments: SgdSegment[] = params.map(({ p, k: index }) => {
        if (!withMomentum) return { theta: p.data, g: p.grad.data, b: null, first: false };
        const s = this.state[index] ?? this.stateOf(p, index, this.bufferNames);
        const first = s.step === 0;
        s.step++;
        // A buffer missing from older state starts at the gradient, as on a first step.
        const b = s.buffers.momentumBuffer;
        if (b === undefined) s.buffers.momentumBuffer = allocateStorage(p.dtype, p.size);
        return { theta: p.data, g: p.grad.data, b: s.buffers.momentumBuffer, first: first || b === undefined };
      });
      if (segments.length > 0) (k.sgd ?? sgdReference)(segments, o);
    });
  }
}
