import { SiLU } from "../activations/modules-smooth.js";
import { activation as activationByName } from "../activations/registry.js";
import { withDefaultDtype, type DType } from "../tensor/dtype.js";
import { adoptDtype } from "./dense.js";
import { Module } from "./module.js";

/**
 * A KAN layer's base activation b(x), in any of the forms people pass: a registered name
 * (`"silu"`), a module instance (`new SiLU()`), a factory (`() => new Swish()`), or a module
 * class (`SiLU`, efficient-kan's `base_activation=torch.nn.SiLU`).
 */
export type BaseActivation = string | Module | (() => Module) | (new () => Module);

/**
 * Builds the base activation from any {@link BaseActivation} form, in `dtype` (names,
 * factories and classes are built with `dtype` as the default dtype; a module of another
 * dtype is converted); default SiLU.
 *
 * @throws Error naming the layer and the value when it is none of the accepted forms, a
 *   factory returns something else than a Module, or the name is unknown
 */
export function resolveBaseActivation(op: string, value: unknown, dtype: DType): Module {
  if (value === undefined) return new SiLU();
  let module: unknown;
  if (value instanceof Module) module = value;
  else if (typeof value === "string") module = withDefaultDtype(dtype, () => activationByName(value));
  else if (typeof value === "function") {
    const isClass = value.prototype instanceof Module || /^class[\s{]/.test(Function.prototype.toString.call(value));
    module = withDefaultDtype(dtype, () => (isClass ? new (value as new () => unknown)() : (value as () => unknown)()));
    if (!(module instanceof Module)) {
      throw new Error(`${op}: baseActivation ${isClass ? "class" : "factory"} made ${describe(module)}, not a Module`);
    }
  } else {
    throw new Error(
      `${op}: baseActivation must be an activation name ("silu"), a Module instance, a factory () => Module or a Module class; got ${describe(value)}`,
    );
  }
  adoptDtype(module as Module, dtype);
  return module as Module;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return `an object (${(v as object).constructor?.name ?? "Object"})`;
  return `${typeof v} ${String(v)}`;
}
