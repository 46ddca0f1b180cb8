/**
 * Validation of options objects, shared by ops, activations, layers and optimisers so every
 * part of typegrad rejects bad values the same way, before anything is built or mutated.
 * Users call typegrad from plain JavaScript too: an unknown key is an Error that names it,
 * the accepted keys, and the closest one ("did you mean keepDims?").
 */

/**
 * Throws when `options` has keys outside `known` (catches typos such as `slope` for
 * `negativeSlope`, or PyTorch's `keepdim` for `keepDims`) or is not a plain object.
 *
 * @throws Error naming the op, the unknown keys, the known ones and the closest known key
 */
export function checkOptionKeys(op: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new Error(`${op}: options must be an object, got ${JSON.stringify(options)}`);
  }
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    const hint = closest(unknown[0], known);
    throw new Error(
      `${op}: unknown option${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}; known: ${known.join(", ") || "(none)"}` +
        (hint === undefined ? "" : ` (did you mean ${hint}?)`),
    );
  }
}

/**
 * The entry of `candidates` nearest to `word` (case-insensitive edit distance), if it is
 * close enough to be a plausible typo: at most a third of the longer word's letters differ.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(Math.max(word.length, best.length) / 3)) ? best : undefined;
}

/** Levenshtein distance: insertions, deletions and substitutions of one character each cost 1. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
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
