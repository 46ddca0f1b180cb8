import { adamGeneralReference, adamGroupReference, type AdamSegment } from "../kernels/adam.js";
import { kernels } from "../kernels/index.js";
import type { Parameter } from "../layers/parameter.js";
import { allocateStorage } from "../kernels/wasm.js";
import type { TypedArray } from "../tensor/dtype.js";
import { checkOptionKeys } from "../util/options.js";
import { checkOption, finiteNonNegative, Optimizer, type ParamGroup } from "./optimizer.js";

const MOMENTS: readonly string[] = ["m", "v"];

/** Options of {@link Adam} and {@link AdamW}. */
export interface AdamOptions {
  /** Learning rate γ. Default 1e-3. */
  lr?: number;
  /** Decay rates (β₁, β₂) of the moment estimates, each in [0, 1). Default [0.9, 0.999]. */
  betas?: [number, number];
  /** ε ≥ 0 added to the denominator. Default 1e-8. */
  eps?: number;
  /** Weight decay λ: an L2 term in Adam, decoupled in AdamW. Default 0 (Adam), 0.01 (AdamW). */
  weightDecay?: number;
  /** Use the running maximum of v̂ (Reddi et al., 2018). Default false. */
  amsgrad?: boolean;
}

/** {@link AdamOptions} with every default filled in. */
export type AdamGroupOptions = Required<AdamOptions>;

/**
 * Adam (Kingma & Ba, 2015, https://arxiv.org/abs/1412.6980), exactly PyTorch's
 * `torch.optim.Adam`. At a parameter's step t, with gradient g:
 *
 * ```text
 * g ← g + λ·θ                         (Adam: L2 penalty, if λ ≠ 0)
 * θ ← θ·(1 − γ·λ)                     (AdamW: decoupled decay, instead of the line above)
 * m ← β₁·m + (1 − β₁)·g
 * v ← β₂·v + (1 − β₂)·g²
 * v̂ ← max(v̂, v)                       (amsgrad only; the denominator then uses v̂)
 * θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 * ```
 *
 * On the first step m/(1 − β₁) = g and v/(1 − β₂) = g², so each weight moves by
 * γ·g/(|g| + ε): about γ, whatever the gradient's scale. State per parameter: `m`, `v`,
 * with amsgrad `vMax`, and the parameter's step count t.
 */
export class Adam extends Optimizer<AdamGroupOptions> {
  protected readonly bufferNames: readonly string[] = ["m", "v", "vMax"];
  /** Whether weight decay is decoupled from the gradient (AdamW). */
  protected readonly decoupled: boolean = false;

  /**
   * @param params - parameters, or groups `{ params, …options }` overriding these options
   * @param options - `lr` 1e-3, `betas` [0.9, 0.999], `eps` 1e-8, `weightDecay` 0, `amsgrad` false
   * @throws Error naming the optimiser and the value for a negative or non-finite lr, eps or
   *   weight decay, betas outside [0, 1), or bad params
   */
  constructor(params: readonly Parameter[] | readonly ParamGroup<AdamGroupOptions>[], options: AdamOptions = {}) {
    checkOptionKeys(new.target.name, options, ["lr", "betas", "eps", "weightDecay", "amsgrad"]);
    super(params, Adam.resolve(options, 0));
  }

  /** Fills in the defaults. */
  protected static resolve(options: AdamOptions, weightDecay: number): AdamGroupOptions {
    return {
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? weightDecay,
      amsgrad: options.amsgrad ?? false,
    };
  }

  protected checkOptions(o: AdamGroupOptions): void {
    const name = this.constructor.name;
    checkOption(name, finiteNonNegative(o.lr), "learning rate (lr)", o.lr);
    const b = o.betas;
    const okBeta = (x: unknown): boolean => typeof x === "number" && x >= 0 && x < 1;
    checkOption(name, Array.isArray(b) && b.length === 2 && okBeta(b[0]) && okBeta(b[1]), "betas (each must be in [0, 1))", b);
    checkOption(name, finiteNonNegative(o.eps), "eps", o.eps);
    checkOption(name, finiteNonNegative(o.weightDecay), "weightDecay", o.weightDecay);
    checkOption(name, typeof o.amsgrad === "boolean", "amsgrad", o.amsgrad);
  }

  protected override readonly nonNegativeBuffers: readonly string[] = ["v", "vMax"];

  protected requiredBuffers(o: AdamGroupOptions): readonly string[] {
    return o.amsgrad ? this.bufferNames : MOMENTS;
  }

  /**
   * One update of every trainable parameter with a gradient: a group's parameters that share
   * a step count run in one pass of the active kernels' `adamGroup`, whatever the options
   * (WebAssembly for float32 and float64, bit for bit the TypeScript loop).
   */
  step(): void {
    this.checkGradients();
    this.stepCount++;
    const group = kernels().adamGroup ?? adamGroupReference;
    this.forEachGroup((params, o) => {
      const [beta1, beta2] = o.betas;
      const lr = o.lr;
      const decay = {
        l2: this.decoupled ? 0 : o.weightDecay,
        shrink: this.decoupled ? 1 - lr * o.weightDecay : 1,
        amsgrad: o.amsgrad,
      };
      // By step count (normally one: every parameter stepped together).
      const byStep = new Map<number, AdamSegment[]>();
      for (const { p, k: index } of params) {
        const s = this.state[index] ?? this.stateOf(p, index, this.requiredBuffers(o));
        if (o.amsgrad && s.buffers.vMax === undefined) s.buffers.vMax = allocateStorage(p.dtype, p.size);
        const t = ++s.step;
        const b = s.buffers;
        const segment = { theta: p.data, g: p.grad.data, m: b.m, v: b.v, vMax: o.amsgrad ? b.vMax : undefined };
        // State of another dtype than the parameter (restored from elsewhere): the general
        // reference loop (the plain one assumes a single dtype).
        if (![b.m, b.v, segment.vMax ?? b.v].every((a) => sameKind(p.data, a))) {
          const { theta, g, m, v, vMax } = segment;
          adamGeneralReference(theta, g, m, v, vMax ?? v, beta1, beta2, lr / (1 - beta1 ** t), Math.sqrt(1 - beta2 ** t), o.eps, decay);
          continue;
        }
        const list = byStep.get(t);
        if (list === undefined) byStep.set(t, [segment]);
        else list.push(segment);
      }
      for (const [t, segments] of byStep) group(segments, beta1, beta2, lr / (1 - beta1 ** t), Math.sqrt(1 - beta2 ** t), o.eps, decay);
    });
  }
}

/** Whether two arrays have the same element type (the kernels rely on it). */
function sameKind(a: TypedArray, b: TypedArray): boolean {
  return a instanceof Float32Array ? b instanceof Float32Array : b instanceof Float64Array;
}

/**
 * AdamW (Loshchilov & Hutter, 2019, https://arxiv.org/abs/1711.05101), exactly PyTorch's
 * `torch.optim.AdamW`: {@link Adam} with weight decay decoupled from the gradient, applied
 * to the weights before the Adam update.
 *
 * ```text
 * θ ← θ·(1 − γ·λ)
 * then Adam's update with λ = 0
 * ```
 *
 * Default `weightDecay` 0.01 (PyTorch); the other defaults are Adam's.
 */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;

  /**
   * @param params - parameters, or groups `{ params, …options }` overriding these options
   * @param options - as {@link Adam}, with `weightDecay` default 0.01
   * @throws Error naming AdamW and the value, as {@link Adam}
   */
  constructor(params: readonly Parameter[] | readonly ParamGroup<AdamGroupOptions>[], options: AdamOptions = {}) {
    checkOptionKeys("AdamW", options, ["lr", "betas", "eps", "weightDecay", "amsgrad"]);
    super(params, { ...options, weightDecay: options.weightDecay ?? 0.01 });
  }
}
