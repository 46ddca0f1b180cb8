import { layerNorm } from "../autograd/ops/normalization.js";
import { full } from "../tensor/creation.js";
import { checkDType, getDefaultDtype, type DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { booleanOption, checkOptionKeys } from "../util/options.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { registerBuiltinModule, type ModuleSpec } from "./spec.js";

/** Options of {@link LayerNorm}; the defaults are PyTorch's. */
export interface LayerNormOptions {
  /** ε added to the variance. Default 1e-5. */
  eps?: number;
  /** Learn a per-element scale `weight` (init 1) and shift `bias` (init 0). Default true. */
  elementwiseAffine?: boolean;
  /** With `elementwiseAffine`, whether to learn the shift `bias`. Default true (PyTorch ≥ 2.1). */
  bias?: boolean;
  /** dtype of the parameters. Default {@link getDefaultDtype} (float32). */
  dtype?: DType;
}

/**
 * Layer normalisation (Ba et al. 2016), PyTorch's `nn.LayerNorm`: each sample is
 * standardised over its trailing `normalizedShape` dimensions, then scaled and shifted
 * elementwise. The same in training and evaluation (no running statistics).
 *
 * ```text
 * y = (x − E[x]) / √(Var[x] + ε) · weight + bias      (E, Var over the trailing dims; Var biased)
 * ```
 *
 * Parameters `weight` (ones) and `bias` (zeros), each of shape `normalizedShape`, named as
 * in PyTorch so state dicts load with `strict=True`. One fused op (`layerNorm`) per forward.
 *
 * @example
 * ```ts
 * new Sequential(new Dense(16, 64), new LayerNorm(64), new ReLU());
 * ```
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  /** γ, shape `normalizedShape`, init 1 (null without `elementwiseAffine`). */
  weight: Parameter | null;
  /** β, shape `normalizedShape`, init 0 (null without `elementwiseAffine` or `bias`). */
  bias: Parameter | null;

  /**
   * @param normalizedShape - the trailing dimensions to normalise over: a size or a list of sizes
   * @param options - `eps` 1e-5, `elementwiseAffine` true, `bias` true, `dtype`
   * @throws Error naming LayerNorm and the value for a size that is not a positive integer,
   *   a bad `eps`, or an unknown option
   */
  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    checkOptionKeys("LayerNorm", options, ["eps", "elementwiseAffine", "bias", "dtype"]);
    const shape = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
      throw new Error(`LayerNorm: normalizedShape must be a positive integer or a list of them, got ${JSON.stringify(normalizedShape)}`);
    }
    const eps = options.eps ?? 1e-5;
    if (typeof eps !== "number" || !Number.isFinite(eps) || eps < 0) throw new Error(`LayerNorm: eps must be a finite number ≥ 0, got ${String(eps)}`);
    const affine = booleanOption("LayerNorm", "elementwiseAffine", options.elementwiseAffine ?? true);
    const withBias = booleanOption("LayerNorm", "bias", options.bias ?? true);
    const dtype = checkDType("LayerNorm", options.dtype ?? getDefaultDtype());
    this.normalizedShape = shape.slice();
    this.eps = eps;
    this.weight = affine ? new Parameter(full(shape, 1, { dtype })) : null;
    this.bias = affine && withBias ? new Parameter(full(shape, 0, { dtype })) : null;
  }

  /** @throws Error naming the shapes when the input does not end with `normalizedShape` */
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  /** `"(64), eps=1e-5"`, with `"no affine"` or `"no bias"` where they apply. */
  override describe(): string {
    const parts = [`(${this.normalizedShape.join(", ")})`, `eps=${this.eps}`];
    if (this.weight === null) parts.push("no affine");
    else if (this.bias === null) parts.push("no bias");
    return parts.join(", ");
  }

  override spec(): ModuleSpec {
    return {
      type: "LayerNorm",
      options: {
        normalizedShape: [...this.normalizedShape],
        eps: this.eps,
        elementwiseAffine: this.weight !== null,
        bias: this.bias !== null || this.weight === null,
        dtype: (this.weight ?? this.bias)?.dtype ?? getDefaultDtype(),
      },
    };
  }
}

/** Registers LayerNorm for checkpoints; called once by the spec registry at its first lookup (`src/layers/builtins.ts`). */
export function registerLayerNorm(): void {
  registerBuiltinModule("LayerNorm", (spec) => {
    const { normalizedShape, ...options } = spec.options ?? {};
    return new LayerNorm(normalizedShape as number[], options as LayerNormOptions);
  });
}
