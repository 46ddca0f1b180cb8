import type { Module } from "../layers/module.js";
import { DEFAULT_SPEC_LIMITS, type SpecLimits } from "../layers/spec-schema.js";
import { resolveSpecLimits, specLayout, type SpecLayout } from "../layers/spec-layout.js";
import { moduleFromSpec, withPlaceholderWeights, withSpecLimits, type ModuleSpec } from "../layers/spec.js";
import { Generator, withDefaultGenerator } from "../tensor/random.js";
import { formatShape } from "../tensor/shape.js";

/**
 * Limits on what an untrusted checkpoint may make `loadModel` do. Each one stops the load
 * with an Error naming it before the memory or time it guards is spent; raise one for a
 * file you trust that exceeds it.
 */
export interface CheckpointLimits extends SpecLimits {
  /**
   * Largest total number of values (parameters and buffers) the architecture may declare.
   * Default: the number of values the file actually holds, so a file cannot make the loader
   * allocate more than its own size justifies.
   */
  maxParameters?: number;
  /** Largest safetensors header, in bytes. Default 100 000 000 (the reference reader's limit). */
  maxHeaderBytes?: number;
}

/** One tensor as a file's header declares it. */
export interface DeclaredTensor {
  readonly name: string;
  readonly shape: readonly number[];
}

/** The deepest JSON nesting in `text` (brackets outside strings), counted without recursion. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string, honouring escapes.
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return deepest;
}

function listed(names: readonly string[]): string {
  return names.length <= 8 ? names.join(", ") : `${names.slice(0, 8).join(", ")}, … (${names.length} in all)`;
}

/**
 * Parses a checkpoint's architecture (the JSON of `model.spec()`), derives every tensor it
 * declares without building anything ({@link specLayout}, strict per-type schemas, limits),
 * and compares them with the tensors the file's header declares: the same names, the same
 * shapes. Only a file that passes can make {@link buildCheckedModel} allocate.
 *
 * @param where - `"loadModel: <path>"`, for errors
 * @param text - the architecture's JSON text from the metadata
 * @param declared - the file's tensors (from its validated header)
 * @param limits - see {@link CheckpointLimits}
 * @returns the parsed spec and its layout
 * @throws Error naming `where` and the first problem: JSON syntax or nesting, a spec that
 *   breaks its schema, a limit exceeded, or tensors that differ from the file's
 */
export function checkArchitecture(
  where: string,
  text: string,
  declared: readonly DeclaredTensor[],
  limits: CheckpointLimits = {},
): { spec: ModuleSpec; layout: SpecLayout } {
  const { maxHeaderBytes: _, ...specLimits } = limits;
  let values = 0;
  for (const t of declared) values += t.shape.reduce((n, d) => n * d, 1);
  const lim = resolveSpecLimits(where, { ...specLimits, maxParameters: limits.maxParameters ?? values });
  // A spec nests two JSON levels per module level (object, children array), plus option values.
  const maxJsonDepth = 2 * Math.min(lim.maxDepth, 1e6) + 8;
  const depth = jsonDepth(text);
  if (depth > maxJsonDepth) {
    throw new Error(`${where}: the architecture nests ${depth} levels deep in JSON, more than ${maxJsonDepth} (maxDepth = ${lim.maxDepth} modules)`);
  }
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: metadata "typegrad.architecture" is not valid JSON (${(e as Error).message})`);
  }
  const hint = limits.maxParameters === undefined ? ": by default, the number of values the file holds; raise it in the load options for a file you trust" : "";
  const layout = specLayout(spec, lim, where, hint);
  const file = new Map(declared.map((t) => [t.name, t]));
  const missing: string[] = [];
  const shapes: string[] = [];
  for (const [name, t] of layout.tensors) {
    const f = file.get(name);
    if (f === undefined) missing.push(name);
    else if (f.shape.length !== t.shape.length || f.shape.some((d, i) => d !== t.shape[i])) {
      shapes.push(`${name}: ${formatShape(f.shape)} in the file, ${formatShape(t.shape)} in the architecture`);
    }
  }
  const unexpected = declared.map((t) => t.name).filter((name) => !layout.tensors.has(name));
  if (missing.length > 0 || unexpected.length > 0 || shapes.length > 0) {
    const parts = [
      ...(missing.length > 0 ? [`missing [${listed(missing)}]`] : []),
      ...(unexpected.length > 0 ? [`unexpected [${listed(unexpected)}]`] : []),
      ...shapes.slice(0, 8),
    ];
    throw new Error(`${where}: the tensors do not match the architecture: ${parts.join("; ")}`);
  }
  return { spec: spec as ModuleSpec, layout };
}

/**
 * Builds the model of a spec checked by {@link checkArchitecture}, with placeholder weights
 * (about to be overwritten by the file's), with the same limits, leaving the user's default
 * generator where it was.
 */
export function buildCheckedModel(spec: ModuleSpec, limits: CheckpointLimits = {}): Module {
  const { maxHeaderBytes: _, ...specLimits } = limits;
  const lim = resolveSpecLimits("buildCheckedModel", { ...specLimits, maxParameters: specLimits.maxParameters ?? Infinity });
  return withSpecLimits(lim, () => withPlaceholderWeights(() => withDefaultGenerator(new Generator("typegrad.rebuild"), () => moduleFromSpec(spec))));
}

export { DEFAULT_SPEC_LIMITS };
