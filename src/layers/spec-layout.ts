import { formatShape } from "../tensor/shape.js";
import { Generator, withDefaultGenerator } from "../tensor/random.js";
import { checkSpec, checkSpecForm, DEFAULT_SPEC_LIMITS, specChildren, type SpecLimits } from "./spec-schema.js";
import { registeredModule, withPlaceholderWeights, withSpecLimits, type ModuleSpec, type TensorLayout } from "./spec.js";

/** What an architecture declares, derived from its spec alone (see {@link specLayout}). */
export interface SpecLayout {
  /** Every parameter and buffer by dotted state-dict name, in depth-first declaration order. */
  readonly tensors: ReadonlyMap<string, TensorLayout>;
  /** Number of modules, the root included. */
  readonly modules: number;
  /** Total number of values in `tensors`. */
  readonly parameters: number;
}

/** `limits` with every default filled in. */
export function resolveSpecLimits(op: string, limits: SpecLimits = {}): Required<SpecLimits> {
  if (limits === null || typeof limits !== "object") throw new Error(`${op}: limits must be an object, got ${String(limits)}`);
  const out = { ...DEFAULT_SPEC_LIMITS };
  for (const key of Object.keys(limits) as (keyof SpecLimits)[]) {
    if (!Object.prototype.hasOwnProperty.call(DEFAULT_SPEC_LIMITS, key)) {
      throw new Error(`${op}: unknown limit ${JSON.stringify(key)}; known: ${Object.keys(DEFAULT_SPEC_LIMITS).join(", ")}`);
    }
    const v = limits[key];
    if (v === undefined) continue;
    if (typeof v !== "number" || !(v >= 0) || (!Number.isInteger(v) && v !== Infinity)) {
      throw new Error(`${op}: limit ${key} must be an integer ≥ 0 or Infinity, got ${String(v)}`);
    }
    out[key] = v;
  }
  return out;
}

function join(prefix: string, name: string): string {
  return prefix === "" ? name : `${prefix}.${name}`;
}

function where(path: string): string {
  return path === "" ? "the root module" : `module "${path}"`;
}

/**
 * Derives every parameter's and buffer's name, shape and dtype from an architecture spec
 * **without building the model**, checking each spec strictly against its type's schema on
 * the way (see `registerModule`). The walk uses an explicit stack, so no nesting in a file
 * can overflow the JavaScript stack, and it stops at the first limit exceeded, before
 * anything proportional to the declared sizes is allocated.
 *
 * A module type registered without a schema (a custom layer) is built, alone with its
 * sub-modules, to read its tensors; the limits then apply to the result.
 *
 * @param spec - the architecture, e.g. parsed from a checkpoint's metadata
 * @param limits - see {@link SpecLimits}; defaults in `DEFAULT_SPEC_LIMITS`
 * @param op - the operation named in errors
 * @param limitHint - said after `maxParameters` when that limit is exceeded (where it came from)
 * @throws Error naming `op`, the module path and the offending value or limit
 */
export function specLayout(spec: unknown, limits: SpecLimits = {}, op = "specLayout", limitHint = ""): SpecLayout {
  const lim = resolveSpecLimits(op, limits);
  const tensors = new Map<string, TensorLayout>();
  let modules = 0;
  let parameters = 0;
  const add = (path: string, type: string, t: TensorLayout): void => {
    const name = join(path, t.name);
    let size = 1;
    for (const d of t.shape) size *= d;
    parameters += size;
    if (parameters > lim.maxParameters) {
      throw new Error(
        `${op}: the ${type} at ${where(path)} declares ${name} ${formatShape(t.shape)} (${size} values), which takes the architecture ` +
          `past its limit of ${lim.maxParameters} values (maxParameters${limitHint})`,
      );
    }
    if (tensors.has(name)) throw new Error(`${op}: the architecture declares the tensor "${name}" twice`);
    tensors.set(name, { name, shape: t.shape, dtype: t.dtype });
  };
  // Depth first, in declaration order: children are pushed in reverse.
  const stack: [spec: unknown, path: string, depth: number][] = [[spec, "", 0]];
  while (stack.length > 0) {
    const [node, path, depth] = stack.pop()!;
    const at = `${op}: ${where(path)}`;
    if (depth > lim.maxDepth) throw new Error(`${at}: modules nest deeper than ${lim.maxDepth} levels (maxDepth)`);
    if (++modules > lim.maxModules) throw new Error(`${op}: the architecture has more than ${lim.maxModules} modules (maxModules)`);
    checkSpecForm(at, node);
    const { factory, schemaOf } = registeredModule(at, node.type);
    const schema = schemaOf(node);
    if (schema === null) {
      // No schema: the module must be built to learn its tensors. A `numParameters` option
      // (activations made by defineActivation) sizes its parameters: count it first.
      const n = Object.prototype.hasOwnProperty.call(node, "options") ? (node.options as Record<string, unknown> | undefined)?.numParameters : undefined;
      if (typeof n === "number" && parameters + n > lim.maxParameters) {
        throw new Error(
          `${op}: the ${node.type} at ${where(path)} declares numParameters ${n}, which takes the architecture past its limit of ` +
            `${lim.maxParameters} values (maxParameters${limitHint})`,
        );
      }
      const built = withSpecLimits(lim, () => withPlaceholderWeights(() => withDefaultGenerator(new Generator("typegrad.layout"), () => factory(node))));
      modules += built.namedModules().length;
      if (modules > lim.maxModules) throw new Error(`${op}: the architecture has more than ${lim.maxModules} modules (maxModules)`);
      for (const [name, t] of [...built.namedParameters(), ...built.namedBuffers()]) add(path, node.type, { name, shape: t.shape, dtype: t.dtype });
      continue;
    }
    const options = checkSpec(at, node, schema, lim);
    for (const t of schema.tensors?.(options) ?? []) add(path, node.type, t);
    const children = specChildren(node);
    for (let i = children.length - 1; i >= 0; i--) {
      stack.push([children[i], join(path, schema.childName?.(i) ?? String(i)), depth + 1]);
    }
  }
  return { tensors, modules, parameters };
}

/** The layout of a built module's state dict, for comparison with a {@link SpecLayout}. */
export function moduleLayout(named: Iterable<readonly [string, { readonly shape: readonly number[] }]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, t] of named) out.set(name, formatShape(t.shape));
  return out;
}

/** Re-export for callers that only need the spec type. */
export type { ModuleSpec };
