import { record } from "../autograd/node.js";
import { mul } from "../autograd/ops/binary.js";
import { allocate } from "../tensor/dtype.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { checkOptionKeys } from "../util/options.js";
import { Module } from "./module.js";
import { registerBuiltinModule, type ModuleSpec } from "./spec.js";
import { numberRule } from "./spec-schema.js";

/** Options of {@link Dropout}. */
export interface DropoutOptions {
  /** Probability of zeroing an element, in [0, 1]; when `p` is given as the first argument, leave it out. Default 0.5. */
  p?: number;
  /** Generator for the masks. Default: the global one. */
  rng?: Generator;
}

/**
 * Inverted dropout (Srivastava et al. 2014): in training, each element is zeroed with
 * probability `p` and the survivors are scaled by `1/(1−p)`, so evaluation needs no
 * rescaling. The identity in eval mode (`model.eval()`) and when `p = 0`.
 *
 * ```text
 * y = x · m / (1 − p),   m ~ Bernoulli(1 − p)     ∂/∂x = m / (1 − p)
 * ```
 *
 * With `p = 1` every element is zeroed.
 *
 * @example
 * ```ts
 * new Dropout(0.3);                 // PyTorch's positional p
 * new Dropout({ p: 0.3, rng });     // or an options object
 * new Dropout(0.3, { rng });
 * ```
 */
export class Dropout extends Module {
  /** Probability of zeroing an element. */
  readonly p: number;
  readonly #rng: Generator;

  /**
   * @param p - probability of zeroing an element, in [0, 1] (default 0.5, as PyTorch), or
   *   the options `{ p, rng }`
   * @param options - `rng` (when `p` is given as a number)
   * @throws Error when `p` is outside [0, 1] or not a number, an option is unknown, or `p` is
   *   given twice
   */
  constructor(p: number | DropoutOptions = 0.5, options: DropoutOptions = {}) {
    super();
    const fromObject = p !== null && typeof p === "object";
    checkOptionKeys("Dropout", options, fromObject ? [] : ["rng"]);
    if (fromObject) checkOptionKeys("Dropout", p, ["p", "rng"]);
    const o: DropoutOptions = fromObject ? p : { ...options, p };
    const rate = o.p ?? 0.5;
    if (typeof rate !== "number" || !(rate >= 0 && rate <= 1)) throw new Error(`Dropout: p must be in [0, 1], got ${typeof rate === "number" ? String(rate) : JSON.stringify(rate)}`);
    this.p = rate;
    this.#rng = o.rng ?? defaultGenerator();
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const scale = this.p === 1 ? 0 : 1 / (1 - this.p);
    const mask = allocate(x.dtype, x.size);
    for (let i = 0; i < mask.length; i++) mask[i] = this.#rng.uniform() < this.p ? 0 : scale;
    const xd = x.data;
    const y = allocate(x.dtype, x.size);
    for (let i = 0; i < y.length; i++) y[i] = xd[i] * mask[i];
    return record(y, x.shape, [x], "dropout", (gy) => {
      const gx = allocate(x.dtype, x.size);
      for (let i = 0; i < gx.length; i++) gx[i] = gy[i] * mask[i];
      return [gx];
    }, (gy) => [mul(gy, new Tensor(mask, x.shape))]);
  }

  /** `"p=…"`. */
  override describe(): string {
    return `p=${this.p}`;
  }

  override spec(): ModuleSpec {
    return { type: "Dropout", options: { p: this.p } };
  }
}

/** Registers Dropout for checkpoints; called once by the spec registry at its first lookup (`src/layers/builtins.ts`). */
export function registerDropout(): void {
  registerBuiltinModule("Dropout", (spec) => new Dropout((spec.options?.p ?? 0.5) as number), { options: { p: numberRule(0, 1) } });
}
