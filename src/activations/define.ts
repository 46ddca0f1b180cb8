import { full } from "../tensor/creation.js";
import { checkDType, getDefaultDtype, type DType, type TypedArray } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { Parameter } from "../layers/parameter.js";
import { Activation, overriddenForward, type InitHint } from "./activation.js";
import { booleanOption, checkOptionKeys, countOption, finiteOption } from "../util/options.js";
import { defineParamOp, type ParamArrays, type ParamGrads, type ParamOp, type ParamPartials } from "./param-op.js";

/**
 * A fused element-wise activation with a hand-written derivative and optional trainable
 * parameters, for {@link defineActivation}. Both methods loop over whole arrays.
 *
 * @typeParam K - the parameter names (none by default)
 */
export interface ActivationDefinition<K extends string = never> {
  /** The activation's name: its registry name, used in errors and graph dumps. */
  readonly name: string;
  /** Trainable parameters by name, with their default initial values. Default none. */
  readonly parameters?: { readonly [P in K]: number };
  /** Init hint of the layer before it. Default `"glorot"`. */
  readonly initHint?: InitHint;
  /** Writes `y[i] = f(x[i])`; parameter `k` at element `i` is `p.k[i]` (already broadcast). */
  forward(x: TypedArray, y: TypedArray, p: ParamArrays<K>): void;
  /**
   * Writes `gx[i] = gy[i]·∂f/∂x` (if `gx` is not null) and `gp.k[i] = gy[i]·∂f/∂k` for each
   * parameter whose `gp.k` is not null; typegrad sums `gp.k` over the elements sharing it.
   */
  backward(x: TypedArray, y: TypedArray, gy: TypedArray, gx: TypedArray | null, p: ParamArrays<K>, gp: ParamGrads<K>): void;
  /**
   * Optional: the same derivatives as `backward`, written with tensor ops — `x` is ∂f/∂x and
   * each parameter's entry ∂f/∂parameter (numbers for constants). With it, the activation
   * is twice differentiable (`createGraph`, `gradgradcheck`); without it, `createGraph`
   * through the activation throws an Error naming it.
   *
   * @example
   * ```ts
   * // f(x) = x·tanh(a·x):  ∂f/∂x = tanh(ax) + a·x·sech²(ax),  ∂f/∂a = x²·sech²(ax)
   * derivative: (x, _y, { a }) => {
   *   const t = tanh(x.mul(a)), s2 = t.mul(t).neg().add(1);
   *   return { x: t.add(x.mul(a).mul(s2)), a: x.mul(x).mul(s2) };
   * },
   * ```
   */
  derivative?(x: Tensor, y: Tensor, p: { readonly [P in K]: Tensor }): ParamPartials<K>;
}

/** Options of a module class made by {@link defineActivation}. */
export interface DefinedActivationOptions<K extends string = string> {
  /** 1 for shared parameters, or the size of the input's last axis. Default 1. */
  numParameters?: number;
  /** Initial values overriding the definition's defaults. */
  init?: { readonly [P in K]?: number };
  /** Learn the parameters (Parameters) or keep them fixed (buffers). Default `true`. */
  trainable?: boolean;
  /** dtype of the parameters. Default {@link getDefaultDtype} (float32); a `Dense` passes its own. */
  dtype?: DType;
}

/** An activation module made by {@link defineActivation}: one tensor field per parameter. */
export type DefinedActivation<K extends string> = Activation & { readonly [P in K]: Tensor };

/** The class {@link defineActivation} returns, with the functional form as `fn`. */
export interface DefinedActivationClass<K extends string> {
  new (options?: DefinedActivationOptions<K>): DefinedActivation<K>;
  /** The differentiable function `(x, { k: tensor | number })` behind the module. */
  readonly fn: ParamOp<K>;
}

/**
 * Level 2 of the extension API: defines a fused element-wise activation with a
 * hand-written derivative, optionally with named trainable parameters (scalar or one per
 * feature, broadcast along the input's last axis), and returns a module class. Verify the
 * derivative with `gradcheck` in float64, for the input and every parameter; that is the
 * documented way to trust it. To make it loadable from checkpoints, register it by name:
 * `registerActivation(name, (options) => new Cls(options))`.
 *
 * @returns a module class; `new Cls({ numParameters, init, trainable })`. `Cls.fn` is the
 * functional form.
 * @throws Error when the name is empty, a method is missing, or a default is not finite
 *
 * @example
 * ```ts
 * // Trainable ELU: f = x > 0 ? x : α·expm1(x),  ∂f/∂x = x > 0 ? 1 : α·eˣ,  ∂f/∂α = x > 0 ? 0 : expm1(x)
 * const TrainableELU = defineActivation({
 *   name: "trainableElu",
 *   parameters: { alpha: 1 },
 *   forward(x, y, { alpha }) {
 *     for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : alpha[i] * Math.expm1(x[i]);
 *   },
 *   backward(x, _y, gy, gx, { alpha }, gp) {
 *     for (let i = 0; i < x.length; i++) {
 *       if (gx) gx[i] = x[i] > 0 ? gy[i] : gy[i] * alpha[i] * Math.exp(x[i]);
 *       if (gp.alpha) gp.alpha[i] = x[i] > 0 ? 0 : gy[i] * Math.expm1(x[i]);
 *     }
 *   },
 * });
 * const act = new TrainableELU({ numParameters: 4 });
 * gradcheck((x) => act.forward(x), [randn([3, 4], { dtype: "float64" })], { params: act.to("float64").parameters() });
 * ```
 */
export function defineActivation<K extends string = never>(definition: ActivationDefinition<K>): DefinedActivationClass<K> {
  const { name } = definition;
  if (typeof name !== "string" || name.length === 0) throw new Error("defineActivation: name must be a non-empty string");
  if (typeof definition.forward !== "function" || typeof definition.backward !== "function") {
    throw new Error(`defineActivation "${name}": forward and backward must be functions`);
  }
  const defaults = { ...(definition.parameters ?? {}) } as { [P in K]: number };
  const names = Object.keys(defaults) as K[];
  for (const k of names) finiteOption(name, `default of parameter "${k}"`, defaults[k]);
  const fn = defineParamOp<K>({
    name,
    params: names,
    forward: (x, y, p) => definition.forward(x, y, p),
    backward: (x, y, gy, gx, p, gp) => definition.backward(x, y, gy, gx, p, gp),
    partials: definition.derivative === undefined ? undefined : (x, y, p) => definition.derivative!(x, y, p),
    graphHint:
      `activation "${name}" (defineActivation with a hand-written backward) has no tensor-op derivative; ` +
      "add derivative(x, y, params) returning { x: ∂f/∂x, <param>: ∂f/∂param } built from tensor ops to its definition " +
      "to make it twice differentiable",
  });

  class Defined extends Activation {
    static readonly fn = fn;
    constructor(options: DefinedActivationOptions<K> = {}) {
      checkOptionKeys(name, options, ["numParameters", "init", "trainable", "dtype"]);
      const dtype = checkDType(name, options.dtype ?? getDefaultDtype());
      const n = countOption(name, "numParameters", options.numParameters ?? 1);
      const trainable = booleanOption(name, "trainable", options.trainable ?? true);
      const init: { readonly [P in K]?: number } = options.init ?? {};
      checkOptionKeys(`${name} init`, init, names);
      const values = {} as { [P in K]: number };
      for (const k of names) values[k] = finiteOption(name, `init.${k}`, init[k] ?? defaults[k]);
      super(name, overriddenForward(name), {
        initHint: definition.initHint ?? "glorot",
        config: { numParameters: n, trainable, init: { ...values } },
      });
      const self = this as unknown as Record<string, Tensor>;
      for (const k of names) {
        const t = full([n], values[k], { dtype });
        self[k] = trainable ? new Parameter(t) : t;
      }
    }

    override forward(x: Tensor): Tensor {
      const self = this as unknown as Record<string, Tensor>;
      const params = {} as { [P in K]: Tensor };
      for (const k of names) params[k] = self[k];
      return fn(x, params);
    }
  }
  Object.defineProperty(Defined, "name", { value: name });
  return Defined as unknown as DefinedActivationClass<K>;
}
