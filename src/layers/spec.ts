import type { Module } from "./module.js";

/** A JSON value, as stored in a checkpoint's architecture. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * A module's architecture as plain JSON: enough to rebuild it (without its weights).
 * `saveModel` stores it in a checkpoint's metadata; `loadModel` rebuilds the model from it.
 */
export interface ModuleSpec {
  /** The registered type name, e.g. `"Dense"`. */
  readonly type: string;
  /** Constructor options, as JSON. */
  readonly options?: { readonly [key: string]: JsonValue };
  /** Specs of child modules, where the module is a container. */
  readonly children?: readonly ModuleSpec[];
}

/** Rebuilds a module from its spec. */
export type ModuleFactory = (spec: ModuleSpec) => Module;

const factories = new Map<string, ModuleFactory>();

/**
 * Makes a module type loadable from a checkpoint by its spec's `type` name.
 *
 * @throws Error when `type` is already registered
 */
export function registerModule(type: string, factory: ModuleFactory): void {
  if (typeof type !== "string" || type.length === 0) throw new Error("registerModule: type must be a non-empty string");
  if (factories.has(type)) throw new Error(`registerModule: module type "${type}" is already registered`);
  factories.set(type, factory);
}

/**
 * Builds a module from its spec (weights freshly initialised; load them with `loadStateDict`).
 *
 * @throws Error naming the type and the known ones when the type is not registered
 */
export function moduleFromSpec(spec: ModuleSpec): Module {
  if (spec === null || typeof spec !== "object" || typeof spec.type !== "string") {
    throw new Error(`moduleFromSpec: expected { type, options?, children? }, got ${JSON.stringify(spec)}`);
  }
  const factory = factories.get(spec.type);
  if (factory === undefined) {
    throw new Error(`moduleFromSpec: unknown module type "${spec.type}"; known: ${[...factories.keys()].sort().join(", ")}`);
  }
  return factory(spec);
}
