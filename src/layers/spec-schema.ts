import { closest } from "../util/options.js";
import type { JsonValue, ModuleSpec } from "./spec.js";

/**
 * Strict schemas for module specs. A checkpoint's architecture is untrusted input: every
 * module type that declares a schema gets its options checked by type and range (no
 * coercion: `"1"`, `[1]` and `true` are not the number 1), unknown keys are errors naming
 * the allowed ones, and only own keys are read (`__proto__` or `constructor` in a file is
 * an unknown key, never a lookup on `Object.prototype`).
 */

/** Limits that bound what a spec may declare; see `specLayout`. */
export interface SpecLimits {
  /** Largest total number of values (parameters and buffers) the architecture may declare. Default unlimited. */
  maxParameters?: number;
  /** Largest number of modules (every layer, container and activation counts). Default 250 000. */
  maxModules?: number;
  /** Deepest nesting of modules inside containers. Default 100. */
  maxDepth?: number;
  /** Largest KAN `gridSize`. Default 1000. */
  maxGridSize?: number;
}

/** The defaults of {@link SpecLimits}. */
export const DEFAULT_SPEC_LIMITS: Readonly<Required<SpecLimits>> = Object.freeze({
  maxParameters: Infinity,
  maxModules: 250_000,
  maxDepth: 100,
  maxGridSize: 1000,
});

/** How one option of a spec is checked. */
export type OptionRule =
  | { readonly kind: "integer"; readonly min: number; readonly max?: number; readonly limit?: "maxGridSize"; readonly required?: boolean }
  | { readonly kind: "number"; readonly min?: number; readonly max?: number; readonly required?: boolean }
  | { readonly kind: "boolean"; readonly required?: boolean }
  | { readonly kind: "choice"; readonly values: readonly string[]; readonly required?: boolean }
  | { readonly kind: "range"; readonly required?: boolean }
  | { readonly kind: "integers"; readonly min: number; readonly minLength: number; readonly required?: boolean };

/** The options a module type accepts and how many children it has. */
export interface SpecSchema {
  /** Every accepted option key and its rule; any other key is an error. */
  readonly options: Readonly<Record<string, OptionRule>>;
  /** Allowed number of children, `[min, max]`. Default `[0, 0]`. */
  readonly children?: readonly [number, number];
  /** The module types a child may have. Default any. */
  readonly childTypes?: readonly string[];
}

/** A spec's options after {@link checkSpec}: own keys only, values of the declared types. */
export type SpecOptions = Readonly<Record<string, JsonValue>>;

/** An integer option in `[min, max]`. */
export const integerRule = (min: number, max?: number, extra: { limit?: "maxGridSize" } = {}): OptionRule => ({
  kind: "integer",
  min,
  ...(max === undefined ? {} : { max }),
  ...extra,
});
/** A finite number option, optionally bounded. */
export const numberRule = (min?: number, max?: number): OptionRule => ({
  kind: "number",
  ...(min === undefined ? {} : { min }),
  ...(max === undefined ? {} : { max }),
});
/** A boolean option. */
export const booleanRule: OptionRule = { kind: "boolean" };
/** An option that must be one of `values`. */
export const choiceRule = (...values: string[]): OptionRule => ({ kind: "choice", values });
/** The dtype option. */
export const dtypeRule: OptionRule = choiceRule("float32", "float64");
/** `[lo, hi]`, two finite numbers with lo < hi. */
export const rangeRule: OptionRule = { kind: "range" };
/** An array of at least `minLength` integers, each ≥ `min`. */
export const integersRule = (min: number, minLength: number): OptionRule => ({ kind: "integers", min, minLength });
/** `rule`, but the option must be present. */
export const required = (rule: OptionRule): OptionRule => ({ ...rule, required: true });

const SPEC_KEYS = ["type", "options", "children"];

function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/** A short JSON rendering of a value from a file, for error messages. */
export function showJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined; // too deep or cyclic: describe it by type
  }
  if (text === undefined) return Array.isArray(value) ? "an array" : typeof value;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Checks the outer form of a spec: an object whose own keys are among `type`, `options`,
 * `children`, with a string `type`, an object `options` and an array `children`.
 *
 * @throws Error naming `where` and the offending key or value
 */
export function checkSpecForm(where: string, spec: unknown): asserts spec is ModuleSpec {
  if (!isObject(spec)) throw new Error(`${where}: expected a module spec { type, options?, children? }, got ${showJson(spec)}`);
  for (const key of Object.keys(spec)) {
    if (!SPEC_KEYS.includes(key)) throw new Error(`${where}: unknown spec key ${JSON.stringify(key)}; allowed: ${SPEC_KEYS.join(", ")}`);
  }
  if (typeof spec.type !== "string") throw new Error(`${where}: spec "type" must be a string, got ${showJson(spec.type)}`);
  if (hasOwn(spec, "options") && spec.options !== undefined && !isObject(spec.options)) {
    throw new Error(`${where}: ${spec.type} spec "options" must be an object, got ${showJson(spec.options)}`);
  }
  if (hasOwn(spec, "children") && spec.children !== undefined && !Array.isArray(spec.children)) {
    throw new Error(`${where}: ${spec.type} spec "children" must be an array, got ${showJson(spec.children)}`);
  }
}

/** The spec's children (own key only), or `[]`. */
export function specChildren(spec: ModuleSpec): readonly unknown[] {
  return hasOwn(spec, "children") && Array.isArray(spec.children) ? spec.children : [];
}

function describeRule(rule: OptionRule, limits: Required<SpecLimits>): string {
  switch (rule.kind) {
    case "integer": {
      const max = rule.limit === undefined ? rule.max : Math.min(rule.max ?? Infinity, limits[rule.limit]);
      return max === undefined || max === Infinity ? `an integer ≥ ${rule.min}` : `an integer in [${rule.min}, ${max}]`;
    }
    case "number":
      return rule.min === undefined && rule.max === undefined
        ? "a finite number"
        : `a finite number in [${rule.min ?? "-∞"}, ${rule.max ?? "∞"}]`;
    case "boolean":
      return "a boolean";
    case "choice":
      return `one of ${rule.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "range":
      return "[lo, hi] with finite lo < hi";
    case "integers":
      return `an array of at least ${rule.minLength} integers ≥ ${rule.min}`;
  }
}

function accepts(rule: OptionRule, v: JsonValue, limits: Required<SpecLimits>): boolean {
  switch (rule.kind) {
    case "integer": {
      const max = Math.min(rule.max ?? Infinity, rule.limit === undefined ? Infinity : limits[rule.limit]);
      return typeof v === "number" && Number.isSafeInteger(v) && v >= rule.min && v <= max;
    }
    case "number":
      return typeof v === "number" && Number.isFinite(v) && v >= (rule.min ?? -Infinity) && v <= (rule.max ?? Infinity);
    case "boolean":
      return typeof v === "boolean";
    case "choice":
      return typeof v === "string" && rule.values.includes(v);
    case "range":
      return Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number" && Number.isFinite(x)) && (v[0] as number) < (v[1] as number);
    case "integers":
      return Array.isArray(v) && v.length >= rule.minLength && v.every((x) => typeof x === "number" && Number.isSafeInteger(x) && x >= rule.min);
  }
}

/**
 * Checks a spec (form, options, number of children) against its type's schema.
 *
 * @param limits - bounds some integer options (`maxGridSize`)
 * @returns the options as an object without prototype, holding only the spec's own keys
 * @throws Error naming the type, the key and the allowed values
 */
export function checkSpec(where: string, spec: ModuleSpec, schema: SpecSchema, limits: Required<SpecLimits> = { ...DEFAULT_SPEC_LIMITS }): SpecOptions {
  const type = spec.type;
  const raw = hasOwn(spec, "options") && spec.options !== undefined ? (spec.options as Record<string, JsonValue>) : {};
  const allowed = Object.keys(schema.options);
  const out = Object.create(null) as Record<string, JsonValue>;
  for (const key of Object.keys(raw)) {
    const rule = hasOwn(schema.options, key) ? schema.options[key] : undefined;
    if (rule === undefined) {
      const hint = closest(key, allowed);
      throw new Error(
        `${where}: ${type} spec has an unknown option ${JSON.stringify(key)}; allowed: ${allowed.join(", ") || "(none)"}` +
          (hint === undefined ? "" : ` (did you mean ${hint}?)`),
      );
    }
    const v = raw[key];
    if (!accepts(rule, v, limits)) {
      const limited = rule.kind === "integer" && rule.limit !== undefined && typeof v === "number" && Number.isInteger(v) && v > limits[rule.limit];
      throw new Error(
        `${where}: ${type} option ${key} must be ${describeRule(rule, limits)}, got ${showJson(v)}` +
          (limited ? ` (the limit ${rule.limit} = ${limits[rule.limit as "maxGridSize"]} can be raised in the load options)` : ""),
      );
    }
    out[key] = v;
  }
  for (const key of allowed) {
    if (schema.options[key].required === true && !hasOwn(out, key)) throw new Error(`${where}: ${type} spec needs option ${key}`);
  }
  const [min, max] = schema.children ?? [0, 0];
  const n = specChildren(spec).length;
  if (n < min || n > max) {
    const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new Error(`${where}: ${type} spec must have ${expected} ${expected === "1" ? "child" : "children"}, got ${n}`);
  }
  const types = schema.childTypes;
  if (types !== undefined) {
    specChildren(spec).forEach((child, i) => {
      const t = isObject(child) && hasOwn(child, "type") ? child.type : undefined;
      if (typeof t !== "string" || !types.includes(t)) {
        throw new Error(`${where}: ${type} spec child ${i} must be of type ${types.join(" or ")}, got ${showJson(t)}`);
      }
    });
  }
  return out;
}
