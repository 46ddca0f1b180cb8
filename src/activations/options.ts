/**
 * Validation of activation options, shared by the functions and the modules so every
 * activation rejects bad values the same way, before anything is built or mutated.
 */

/**
 * Throws when `options` has keys outside `known` (catches typos such as `slope` for
 * `negativeSlope`) or is not an object.
 *
 * @throws Error naming the activation, the unknown keys and the known ones
 */
export function checkOptionKeys(op: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new Error(`${op}: options must be an object, got ${JSON.stringify(options)}`);
  }
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new Error(`${op}: unknown option${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}; known: ${known.join(", ") || "(none)"}`);
  }
}

/** @throws Error naming the activation, the option and the value when it is not a finite number */
export function finiteOption(op: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new Error(`${op}: ${name} must be a finite number, got ${String(value)}`);
  }
  return value;
}

/** @throws Error naming the activation, the option and the value when it is not finite and > 0 */
export function positiveOption(op: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${op}: ${name} must be a finite number > 0, got ${String(value)}`);
  }
  return value;
}

/** @throws Error naming the activation, the option and the value when it is not an integer ≥ 1 */
export function countOption(op: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new Error(`${op}: ${name} must be an integer ≥ 1, got ${String(value)}`);
  }
  return value;
}

/** @throws Error naming the activation, the option, the value and the choices when not one of `choices` */
export function choiceOption<T extends string>(op: string, name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
    throw new Error(`${op}: ${name} must be one of ${choices.map((c) => `"${c}"`).join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** @throws Error naming the activation, the option and the value when it is not a boolean */
export function booleanOption(op: string, name: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw new Error(`${op}: ${name} must be a boolean, got ${String(value)}`);
  return value;
}
