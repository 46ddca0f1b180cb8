import { record } from "../autograd/node.js";
import { mul } from "../autograd/ops/binary.js";
import { allocate } from "../tensor/dtype.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";
import { registerModule, type ModuleSpec } from "./spec.js";

/** Options of {@link Dropout}. */
export interface DropoutOptions {
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
 */
export class Dropout extends Module {
  readonly #rng: Generator;

  /**
   * @param p - probability of zeroing an element, in [0, 1]. Default 0.5, as PyTorch.
   * @throws Error when `p` is outside [0, 1] or not a number
   */
  constructor(
    readonly p = 0.5,
    options: DropoutOptions = {},
  ) {
    super();
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new Error(`Dropout: p must be in [0, 1], got ${String(p)}`);
    this.#rng = options.rng ?? defaultGenerator();
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

registerModule("Dropout", (spec) => new Dropout(Number(spec.options?.p ?? 0.5)));
