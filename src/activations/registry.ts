import type { Module } from "../layers/module.js";
import { registerModule, type ModuleSchema } from "../layers/spec.js";
import { choiceRule } from "../layers/spec-schema.js";
import { markBuiltByRegistry, type ActivationConfig } from "./activation.js";
import { Identity, LogSigmoid, LogSoftmax, Sigmoid, Softmax, Tanh } from "./modules.js";
import { LEAF, LEAF_SCHEMA } from "./modules-leaf.js";
import { ELU, LeakyReLU, ReLU, SELU } from "./modules-relu.js";
import { GELU, Mish, SiLU, Softplus } from "./modules-smooth.js";
import { PReLU, PRELU_SCHEMA, Swish, SWISH_SCHEMA } from "./modules-trainable.js";
import { checkOptionKeys } from "../util/options.js";
import { builtinNames, factories, type ActivationFactory } from "./registry-store.js";

export type { ActivationFactory };

/**
 * Level 3 of the extension API: gives an activation a name, so configs
 * (`Dense({ activation: "mish" })`) and checkpoints can refer to it. Code should pass
 * functions and modules; names exist for serialisation.
 *
 * A module built by `factory` should report `spec()` = `{ type: "Activation", options:
 * { name, ...options } }` (what {@link Activation} does with `config: options`) so that a
 * saved model rebuilds it through {@link activation}.
 *
 * @param name - a new, non-empty name
 * @param factory - `(options?) => Module`
 * @throws Error when `name` is already registered (built-ins included) or empty, or
 * `factory` is not a function
 *
 * @example
 * ```ts
 * const softsignFn = (x: Tensor) => x.div(x.abs().add(1));
 * registerActivation("softsign", (options) => new Activation("softsign", softsignFn, { config: options }));
 * activation("softsign"); // an Activation module
 * ```
 */
export function registerActivation(name: string, factory: ActivationFactory): void {
  if (typeof name !== "string" || name.length === 0) throw new Error("registerActivation: name must be a non-empty string");
  if (typeof factory !== "function") throw new Error(`registerActivation: factory for "${name}" must be a function`);
  if (factories.has(name)) throw new Error(`registerActivation: activation "${name}" is already registered`);
  factories.set(name, factory);
}

/** The registered activation names, sorted. */
export function activationNames(): string[] {
  return [...factories.keys()].sort();
}

/**
 * Builds a registered activation by name. This is what `Dense({ activation: "relu" })`
 * and checkpoint loading call.
 *
 * Built-in names: identity, linear, sigmoid, tanh, relu, leakyRelu, elu, selu, gelu,
 * geluTanh, silu, swish, mish, softplus, logSigmoid, prelu, leaf, softmax, logSoftmax.
 *
 * @param name - a registered name
 * @param options - the activation's options, e.g. `{ negativeSlope: 0.2 }` for leakyRelu
 * @returns a new module
 * @throws Error listing the known names when `name` is unknown; the activation's own
 * errors for bad options
 *
 * @example
 * ```ts
 * activation("leakyRelu", { negativeSlope: 0.2 }); // a LeakyReLU module
 * activation("mihs"); // throws: activation: unknown activation "mihs"; known: elu, gelu, …
 * ```
 */
export function activation(name: string, options?: ActivationConfig): Module {
  const factory = typeof name === "string" ? factories.get(name) : undefined;
  if (factory === undefined) {
    throw new Error(`activation: unknown activation ${JSON.stringify(name)}; known: ${activationNames().join(", ")}`);
  }
  const module = factory(options);
  markBuiltByRegistry(module, name);
  return module;
}

/** A factory for an activation without options (rejects any option given). */
function plain(name: string, make: () => Module): ActivationFactory {
  return (options) => {
    checkOptionKeys(name, options, []);
    return make();
  };
}

registerActivation("identity", plain("identity", () => new Identity()));
registerActivation("linear", plain("linear", () => new Identity()));
registerActivation("sigmoid", plain("sigmoid", () => new Sigmoid()));
registerActivation("tanh", plain("tanh", () => new Tanh()));
registerActivation("logSigmoid", plain("logSigmoid", () => new LogSigmoid()));
registerActivation("relu", plain("relu", () => new ReLU()));
registerActivation("leakyRelu", (options) => new LeakyReLU(options));
registerActivation("elu", (options) => new ELU(options));
registerActivation("selu", plain("selu", () => new SELU()));
registerActivation("gelu", (options) => new GELU(options));
registerActivation("geluTanh", plain("geluTanh", () => new GELU({ approximate: "tanh" })));
registerActivation("silu", plain("silu", () => new SiLU()));
registerActivation("swish", (options) => new Swish(options));
registerActivation("mish", plain("mish", () => new Mish()));
registerActivation("softplus", (options) => new Softplus(options));
registerActivation("prelu", (options) => new PReLU(options));
registerActivation("leaf", (options) => new LEAF(options));
registerActivation("softmax", (options) => new Softmax(options));
registerActivation("logSoftmax", (options) => new LogSoftmax(options));

// Generic activations (level 1 and 2) serialise as { type: "Activation", options: { name, … } }.
for (const name of factories.keys()) builtinNames.add(name);

/** Built-in activations with parameters, by registry name: their schema, so a file's sizes are checked before building. */
const SIZED: Readonly<Record<string, ModuleSchema>> = { swish: SWISH_SCHEMA, prelu: PRELU_SCHEMA, leaf: LEAF_SCHEMA };

registerModule(
  "Activation",
  (spec) => {
    const { name, ...options } = spec.options ?? {};
    if (typeof name !== "string") throw new Error(`moduleFromSpec: an "Activation" spec needs options.name, got ${JSON.stringify(spec)}`);
    return activation(name, options);
  },
  (spec) => {
    // Activations without parameters are cheap to build, and their constructors check their options.
    const name = spec.options?.name;
    const sized = typeof name === "string" && Object.prototype.hasOwnProperty.call(SIZED, name) ? SIZED[name] : null;
    return sized === null ? null : { ...sized, options: { ...sized.options, name: choiceRule(name as string) } };
  },
);
