import { BUILTIN_LAYER_TYPES, factories, type Registration } from "./spec-registry.js";
import { registerBuiltinLayers } from "./builtins.js";
import type { DType } from "../tensor/dtype.js";
import type { Module } from "./module.js";
import { checkSpec, checkSpecForm, DEFAULT_SPEC_LIMITS, type SpecLimits, type SpecOptions, type SpecSchema } from "./spec-schema.js";

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

/** One tensor a spec declares: its state-dict name (relative to the module), shape and dtype. */
export interface TensorLayout {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/**
 * A module type's schema: its options and children (checked strictly, see {@link SpecSchema}),
 * and the tensors it owns as a function of its checked options, so a checkpoint's
 * architecture can be sized and compared with the file *without building the model*.
 */
export interface ModuleSchema extends SpecSchema {
  /** The module's own parameters and buffers (not its children's). Default none. */
  tensors?(options: SpecOptions): TensorLayout[];
  /** The state-dict prefix of child `index` (`"activation"`, `"layers.2"`). Default `String(index)`. */
  childName?(index: number): string;
}

/** A schema, or a function choosing one from the spec (`null`: check nothing, build to learn the tensors). */
export type ModuleSchemaFor = ModuleSchema | ((spec: ModuleSpec) => ModuleSchema | null);

/**
 * Makes a module type loadable from a checkpoint by its spec's `type` name.
 *
 * With a `schema`, {@link moduleFromSpec} checks every spec of this type against it before
 * calling `factory` (which can then trust the options), and `loadModel` derives the type's
 * tensors from it without building anything. Without one, specs of this type are passed to
 * `factory` unchecked, and `loadModel` must build the module to learn its tensors.
 *
 * @throws Error when `type` is already registered
 */
export function registerModule(type: string, factory: ModuleFactory, schema?: ModuleSchemaFor): void {
  if (typeof type !== "string" || type.length === 0) throw new Error("registerModule: type must be a non-empty string");
  if (factories.has(type) || BUILTIN_LAYER_TYPES.includes(type)) {
    throw new Error(`registerModule: module type "${type}" is already registered`);
  }
  addRegistration(type, factory, schema);
}

/** Registers one of {@link BUILTIN_LAYER_TYPES} (only `src/layers/builtins.ts` calls it). */
export function registerBuiltinModule(type: string, factory: ModuleFactory, schema?: ModuleSchemaFor): void {
  if (!BUILTIN_LAYER_TYPES.includes(type)) throw new Error(`registerBuiltinModule: "${type}" is not a built-in layer type`);
  if (factories.has(type)) throw new Error(`registerModule: module type "${type}" is already registered`);
  addRegistration(type, factory, schema);
}

function addRegistration(type: string, factory: ModuleFactory, schema?: ModuleSchemaFor): void {
  const schemaOf = typeof schema === "function" ? schema : () => schema ?? null;
  factories.set(type, { factory, schemaOf });
}

/**
 * The registration of `type`.
 *
 * @throws Error naming `where`, the type and the known ones when the type is not registered
 */
export function registeredModule(where: string, type: string): Registration {
  registerBuiltinLayers();
  const registration = factories.get(type);
  if (registration === undefined) {
    throw new Error(`${where}: unknown module type ${JSON.stringify(type)}; known: ${[...factories.keys()].sort().join(", ")}`);
  }
  return registration;
}

let depth = 0;
let placeholders = 0;
/** The limits {@link moduleFromSpec} applies: only the nesting depth, unless a loader sets more. */
let active: Required<SpecLimits> = { ...DEFAULT_SPEC_LIMITS, maxParameters: Infinity, maxModules: Infinity, maxGridSize: Infinity };

/**
 * Runs `fn` with {@link moduleFromSpec} applying `limits` (the loaders use it so that a limit
 * raised in their options is raised for the rebuild too).
 */
export function withSpecLimits<T>(limits: Required<SpecLimits>, fn: () => T): T {
  const previous = active;
  active = limits;
  try {
    return fn();
  } finally {
    active = previous;
  }
}

/**
 * Whether modules are being built only to receive loaded weights (inside
 * {@link withPlaceholderWeights}): a layer may then skip an expensive initialisation.
 */
export function buildingPlaceholders(): boolean {
  return placeholders > 0;
}

/**
 * Runs `fn` while {@link buildingPlaceholders} is true: for rebuilding a model whose every
 * weight is about to be overwritten by `loadStateDict`.
 */
export function withPlaceholderWeights<T>(fn: () => T): T {
  placeholders++;
  try {
    return fn();
  } finally {
    placeholders--;
  }
}

/**
 * Builds a module from its spec (weights freshly initialised; load them with `loadStateDict`).
 * A spec whose type has a schema is checked strictly first (see {@link registerModule}).
 *
 * @throws Error naming the type and the known ones when the type is not registered; naming
 *   the key and the allowed values for a bad option; when containers nest deeper than
 *   100 levels (`maxDepth` of `SpecLimits`)
 */
export function moduleFromSpec(spec: ModuleSpec): Module {
  checkSpecForm("moduleFromSpec", spec);
  const { factory, schemaOf } = registeredModule("moduleFromSpec", spec.type);
  const schema = schemaOf(spec);
  if (schema !== null) checkSpec("moduleFromSpec", spec, schema, active);
  if (depth >= active.maxDepth) {
    throw new Error(`moduleFromSpec: modules nest deeper than ${active.maxDepth} levels (at a ${spec.type})`);
  }
  depth++;
  try {
    return factory(spec);
  } finally {
    depth--;
  }
}

export type { SpecLimits, SpecOptions, SpecSchema };
