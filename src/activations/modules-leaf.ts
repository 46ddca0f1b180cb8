import { full } from "../tensor/creation.js";
import { checkDType, getDefaultDtype, type DType } from "../tensor/dtype.js";
import type { Tensor } from "../tensor/tensor.js";
import { Parameter } from "../layers/parameter.js";
import { registerModule, type ModuleSchema, type ModuleSpec } from "../layers/spec.js";
import { choiceRule, dtypeRule, integerRule, numberRule } from "../layers/spec-schema.js";
import { Activation, overriddenForward, type InitHint } from "./activation.js";
import { LEAF_PRESETS, leafExtended, type LeafPreset } from "./leaf.js";
import { checkOptionKeys, choiceOption, countOption, finiteOption } from "../util/options.js";
import { leaf } from "./prelu.js";

/** Options of {@link LEAF}. */
export interface LEAFOptions {
  /**
   * `"article"` (default): `max(0,x) + α·min(0,x)` with trainable α, the article's
   * definition (the same maths as PReLU). `"extended"`: Bodyanskiy & Kostiuk's
   * `(p1·x + p2)·σ(p3·x) + p4` with four trainable parameters.
   */
  form?: "article" | "extended";
  /** Initial α of the article form. Default 0.25, PReLU's initial slope (He et al. 2015). */
  alpha?: number;
  /** 1 for shared parameters, or the size of the input's last axis. Default 1. */
  numParameters?: number;
  /**
   * Preset of the extended form: `"relu"` (default, as the authors' code), `"silu"`,
   * `"tanh"` or `"sigmoid"`; see {@link LEAF_PRESETS}.
   */
  initAs?: LeafPreset;
  /** dtype of the parameters. Default {@link getDefaultDtype} (float32); a `Dense` passes its own. */
  dtype?: DType;
}

/**
 * LEAF, a learnable activation, in two forms.
 *
 * ```text
 * form "article" (default; = PReLU):
 *   LEAF(x) = max(0, x) + α·min(0, x)
 *   ∂/∂x = 1 if x > 0, α otherwise (α at 0, as PyTorch's PReLU);  ∂/∂α = min(0, x) (0 at 0)
 * form "extended" (Bodyanskiy & Kostiuk 2023, "Learnable Extended Activation Function"):
 *   LEAF(x) = (p1·x + p2)·σ(p3·x) + p4
 *   ∂/∂x  = p1·σ(p3x) + (p1x + p2)·σ(p3x)σ(−p3x)·p3
 *   ∂/∂p1 = x·σ(p3x),  ∂/∂p2 = σ(p3x),  ∂/∂p3 = (p1x + p2)·σ(p3x)σ(−p3x)·x,  ∂/∂p4 = 1
 * ```
 *
 * The article this framework follows calls `max(0,x) + α·min(0,x)` "LEAF"; that formula
 * is PReLU (also exported under its own name, {@link PReLU}), so the article form is the
 * default and the published LEAF is offered as `form: "extended"`. Parameters (fields
 * `alpha`, or `p1`…`p4`) have shape `[numParameters]` and broadcast along the input's last
 * axis (the authors use one per element of the per-sample shape; typegrad offers shared or
 * per-feature). Parameter gradients are summed over the shared axes. The authors lower
 * the learning rate of p2 and p4 for stability (their `p24sl` option).
 *
 * Init hint: `"he"` for the article form and the ReLU preset, `"glorot"` for the others.
 *
 * @example
 * ```ts
 * new LEAF();                                        // α = 0.25, trainable
 * new LEAF({ form: "extended", initAs: "tanh" });    // starts as tanh exactly
 * ```
 */
export class LEAF extends Activation {
  readonly form: "article" | "extended";
  /** α of the article form (`null` in the extended form). */
  alpha: Parameter | null = null;
  /** p1…p4 of the extended form (`null` in the article form). */
  p1: Parameter | null = null;
  p2: Parameter | null = null;
  p3: Parameter | null = null;
  p4: Parameter | null = null;
  readonly #options: { [key: string]: string | number };

  /**
   * @param options - `form` (default `"article"`), `alpha` (default 0.25, article form),
   * `numParameters` (default 1), `initAs` (default `"relu"`, extended form), `dtype` (default
   * {@link getDefaultDtype})
   * @throws Error when an option has a bad value, an option is unknown, or an option of
   * the other form is given (`alpha` with `"extended"`, `initAs` with `"article"`)
   */
  constructor(options: LEAFOptions = {}) {
    checkOptionKeys("LEAF", options, ["form", "alpha", "numParameters", "initAs", "dtype"]);
    const dtype = checkDType("LEAF", options.dtype ?? getDefaultDtype());
    const form = choiceOption("LEAF", "form", options.form ?? "article", ["article", "extended"] as const);
    const n = countOption("LEAF", "numParameters", options.numParameters ?? 1);
    let config: { [key: string]: string | number };
    let hint: InitHint;
    let init: readonly number[];
    if (form === "article") {
      if (options.initAs !== undefined) throw new Error('LEAF: initAs applies to form "extended" only');
      const alpha = finiteOption("LEAF", "alpha", options.alpha ?? 0.25);
      config = { form, alpha, numParameters: n };
      hint = "he";
      init = [alpha];
    } else {
      if (options.alpha !== undefined) throw new Error('LEAF: alpha applies to form "article" only; use initAs');
      const initAs = choiceOption("LEAF", "initAs", options.initAs ?? "relu", ["relu", "silu", "tanh", "sigmoid"] as const);
      config = { form, initAs, numParameters: n };
      hint = initAs === "relu" ? "he" : "glorot";
      init = LEAF_PRESETS[initAs];
    }
    super("leaf", overriddenForward("LEAF"), { initHint: hint, config });
    this.form = form;
    this.#options = config;
    if (form === "article") {
      this.alpha = new Parameter(full([n], init[0], { dtype }));
    } else {
      this.p1 = new Parameter(full([n], init[0], { dtype }));
      this.p2 = new Parameter(full([n], init[1], { dtype }));
      this.p3 = new Parameter(full([n], init[2], { dtype }));
      this.p4 = new Parameter(full([n], init[3], { dtype }));
    }
  }

  override forward(x: Tensor): Tensor {
    if (this.form === "article") return leaf(x, this.alpha!);
    return leafExtended(x, { p1: this.p1!, p2: this.p2!, p3: this.p3!, p4: this.p4! });
  }

  override spec(): ModuleSpec {
    return { type: "LEAF", options: { ...this.#options, dtype: (this.alpha ?? this.p1!).dtype } };
  }
}

/** The spec schema of {@link LEAF}: `alpha`, or `p1`…`p4`, of `[numParameters]` values. */
export const LEAF_SCHEMA: ModuleSchema = {
  options: { form: choiceRule("article", "extended"), alpha: numberRule(), numParameters: integerRule(1), initAs: choiceRule("relu", "silu", "tanh", "sigmoid"), dtype: dtypeRule },
  tensors: (o) => {
    const shape = [(o.numParameters ?? 1) as number];
    const names = o.form === "extended" ? ["p1", "p2", "p3", "p4"] : ["alpha"];
    return names.map((name) => ({ name, shape, dtype: (o.dtype ?? getDefaultDtype()) as DType }));
  },
};

registerModule("LEAF", (spec) => new LEAF(spec.options as LEAFOptions), LEAF_SCHEMA);
