import type { Module } from "../layers/module.js";
import type { JsonValue } from "../layers/spec.js";

/** Builds an activation module from JSON options (those its `spec()` stores). */
export type ActivationFactory = (options?: { readonly [key: string]: JsonValue }) => Module;

/**
 * The activation registry's storage, in a module of its own (no imports at run time) so
 * that `Activation` can consult it without an import cycle through the built-in modules.
 */
export const factories = new Map<string, ActivationFactory>();

/** Names typegrad registers itself; frozen once the built-ins are in. */
export const builtinNames = new Set<string>();
