import type { LinearEpilogue } from "../autograd/ops/linear-fused.js";
import { Module } from "../layers/module.js";
import { builtinNames, factories } from "./registry-store.js";
import type { JsonValue, ModuleSpec } from "../layers/spec.js";
import type { Tensor } from "../tensor/tensor.js";

/** An activation as a plain differentiable function of one tensor. */
export type ActivationFn = (x: Tensor) => Tensor;

/**
 * Which weight initialisation suits the layer feeding this activation: `"he"` for the
 * ReLU family (ReLU, LeakyReLU, PReLU, LEAF, ELU; He et al. 2015) and its smooth members
 * (GELU, SiLU, Swish, Mish, which behave like ReLU for |x| ≫ 0: with Glorot init a deep
 * GELU stack shrinks its signal layer by layer, as the activation lab measures), `"lecun"`
 * for SELU (Klambauer et al. 2017), `"glorot"` otherwise (sigmoid, tanh, softplus,
 * identity; Glorot & Bengio 2010). `Dense` reads it to pick its default initialiser.
 */
export type InitHint = "he" | "lecun" | "glorot";

/** JSON options of an activation, as stored in its spec. */
export type ActivationConfig = { readonly [key: string]: JsonValue };

/** Options of the {@link Activation} constructor. */
export interface ActivationOptions {
  /** Default `"glorot"`. */
  initHint?: InitHint;
  /**
   * The options this activation was built with, stored in `spec()` so that a checkpoint
   * can rebuild it with `activation(name, config)`. Default `{}`.
   */
  config?: ActivationConfig;
  /**
   * The same function as one element-wise kernel, which a preceding `Dense` applies inside
   * its own node (same values and gradients, fewer nodes and buffers). Default none.
   */
  fused?: LinearEpilogue<void>;
}

const INIT_HINTS: readonly InitHint[] = ["he", "lecun", "glorot"];

/** The registry name each activation built by the registry was built under. */
const registryNames = new WeakMap<Activation, string>();

/**
 * @internal Records that the registry built `module` under `name`, so its `spec()` can name
 * a factory that rebuilds it. Called by `activation(name)` only.
 */
export function markBuiltByRegistry(module: Module, name: string): void {
  if (module instanceof Activation) registryNames.set(module, name);
}

/**
 * Puts an activation function into a model. This is also the first extension point for
 * user-defined activations: pass any {@link ActivationFn} composed of differentiable ops
 * (no derivative to write).
 *
 * Its `spec()` is `{ type: "Activation", options: { name, ...config } }`, which
 * `moduleFromSpec` rebuilds through the activation registry, so a custom activation can be
 * saved and loaded once its name is registered with `registerActivation`. The built-in
 * activation modules subclass it and override `spec()` with their own type.
 *
 * @example
 * ```ts
 * const softsign = new Activation("softsign", (x) => x.div(x.abs().add(1)));
 * softsign.forward(tensor([3])).toArray(); // [0.75]
 * ```
 */
export class Activation extends Module {
  /** The activation's registry name, e.g. `"relu"`. */
  readonly name: string;
  /** The initialisation that suits the layer before this activation. */
  readonly initHint: InitHint;
  /**
   * The fused form of `fn`, if it has one; `Dense` uses it only while `forward` is this
   * class's own (a subclass that overrides `forward` is never fused).
   */
  readonly fused: LinearEpilogue<void> | null;
  readonly #fn: ActivationFn;
  readonly #config: ActivationConfig;

  /**
   * @param name - the activation's name (its registry name, for serialisation)
   * @param fn - the function applied by `forward`
   * @param options - `initHint` (default `"glorot"`) and `config` (default `{}`)
   * @throws Error when `name` is empty, `fn` is not a function or `initHint` is unknown
   */
  constructor(name: string, fn: ActivationFn, options: ActivationOptions = {}) {
    super();
    if (typeof name !== "string" || name.length === 0) throw new Error("Activation: name must be a non-empty string");
    if (typeof fn !== "function") throw new Error(`Activation "${name}": fn must be a function, got ${typeof fn}`);
    const hint = options.initHint ?? "glorot";
    if (!INIT_HINTS.includes(hint)) {
      throw new Error(`Activation "${name}": initHint must be one of ${INIT_HINTS.join(", ")}, got ${String(hint)}`);
    }
    this.name = name;
    this.initHint = hint;
    this.#fn = fn;
    this.#config = { ...(options.config ?? {}) };
    this.fused = options.fused ?? null;
  }

  /** Applies the activation. */
  forward(x: Tensor): Tensor {
    return this.#fn(x);
  }

  /**
   * The activation's options (`"negativeSlope=0.2"`), preceded by its name when the class
   * does not already say it (a generic `Activation`).
   */
  override describe(): string {
    const options = Object.entries(this.#config).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    const named = this.constructor.name.toLowerCase() === this.name.toLowerCase();
    return [...(named ? [] : [this.name]), ...options].join(", ");
  }

  /**
   * `{ type: "Activation", options: { name, ...config } }`, where `name` is the registry name
   * this module was built under by `activation(name)` (or `Dense({ activation: name })`).
   *
   * A directly constructed activation is saved under its own `name`, which must be
   * registered (by the user: a built-in name would rebuild the built-in's maths).
   *
   * @throws Error when the name is not registered, or is a built-in's name while this
   * module was not built by the registry: no checkpoint could rebuild it faithfully
   */
  override spec(): ModuleSpec {
    const name = registryNames.get(this) ?? this.name;
    if (!registryNames.has(this)) {
      // Constructed directly: its name must lead back to a factory of the user's own.
      if (builtinNames.has(name)) {
        throw new Error(
          `Activation "${name}" has the name of a built-in activation, so a checkpoint would rebuild the built-in ` +
            "instead of this function; give it a name of its own and register it with registerActivation(name, factory)",
        );
      }
      if (!factories.has(name)) {
        throw new Error(
          `Activation "${name}" is not registered, so a checkpoint could not rebuild it; ` +
            `register it with registerActivation("${name}", factory)`,
        );
      }
    }
    return { type: "Activation", options: { ...this.#config, name } };
  }

  /** The options this activation was built with (what `spec()` stores). */
  protected get config(): ActivationConfig {
    return this.#config;
  }
}

/**
 * The initialisation hint of a module used as an activation: its `initHint` when it is an
 * {@link Activation}, otherwise `"glorot"`.
 */
export function initHintOf(module: Module | null | undefined): InitHint {
  return module instanceof Activation ? module.initHint : "glorot";
}

/** @internal Stands in for `fn` in subclasses whose `forward` reads their own parameters (never called). */
export function overriddenForward(name: string): ActivationFn {
  return () => {
    throw new Error(`${name}: forward() is defined by the subclass`);
  };
}
