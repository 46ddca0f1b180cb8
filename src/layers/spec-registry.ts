// The state of the module-type registry, in a module with no imports: `spec.ts` imports it
// before `builtins.ts`, so the registry exists before any module in that import cycle
// registers a type at load time (the activation modules do).
import type { Module } from "./module.js";
import type { ModuleSchema, ModuleSpec } from "./spec.js";

/** How a registered module type is built and checked. */
export interface Registration {
  readonly factory: (spec: ModuleSpec) => Module;
  /** The schema of a spec of this type, `null` when the type has none. */
  schemaOf(spec: ModuleSpec): ModuleSchema | null;
}

/** Registered module types by name (see `registerModule` in `spec.ts`). */
export const factories = new Map<string, Registration>();

/**
 * typegrad's own layer types. They register lazily, at the registry's first lookup
 * (`src/layers/builtins.ts`), so bundles that never rebuild a model leave them out; their
 * names are taken from the start all the same.
 */
export const BUILTIN_LAYER_TYPES: readonly string[] = [
  "Sequential", "Dense", "Dropout", "Flatten", "KANLinear", "KAN", "Embedding", "LayerNorm", "BatchNorm1d",
];
