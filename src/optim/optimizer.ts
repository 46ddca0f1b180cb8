import type { Parameter } from "../layers/parameter.js";
import type { JsonValue } from "../layers/spec.js";
import { allocateStorage } from "../kernels/wasm.js";
import type { TypedArray } from "../tensor/dtype.js";
import { formatShape, sameShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { checkGradients, firstNonFinite } from "./grad-check.js";

/** Options every optimiser has: the learning rate. */
export interface BaseOptimizerOptions {
  lr: number;
}

/** Parameters with their own options; options left out take the optimiser's defaults. */
export type ParamGroup<O> = { params: readonly Parameter[] } & Partial<O>;

/** A resolved parameter group: its parameters and every option. */
export interface ResolvedParamGroup<O> {
  params: Parameter[];
  options: O;
}

/**
 * Everything needed to resume an optimiser bit for bit. `tensors` hold the per-parameter
 * state, keyed `"<parameter index>.<name>"` (indices count across groups in order, e.g.
 * `"0.m"`, `"0.v"`, `"0.step"`); the rest is JSON, for a checkpoint's metadata.
 */
export interface OptimizerState {
  /** The optimiser's class, e.g. `"Adam"`. */
  type: string;
  /** Number of `step()` calls so far. */
  step: number;
  /** Per group: its options plus `params`, the indices of its parameters. */
  groups: JsonValue;
  /** Per-parameter state, copied. */
  tensors: Record<string, Tensor>;
}

/** Per-parameter state: named arrays shaped like the parameter, plus a step count. */
export interface ParamState {
  step: number;
  buffers: Record<string, TypedArray>;
}

/** Throws `"<optimiser>: invalid <what>: <value>"` unless `ok`. */
export function checkOption(name: string, ok: boolean, what: string, value: unknown): void {
  if (!ok) throw new Error(`${name}: invalid ${what}: ${formatValue(value)}`);
}

/** A value for an error message: numbers as `String` does (`NaN`, `Infinity`), the rest as JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(",")}]`;
  return JSON.stringify(value) ?? String(value);
}

/** Whether `v` is a finite number ≥ 0. */
export function finiteNonNegative(v: unknown): boolean {
  return typeof v === "number" && Number.isFinite(v) && v >= 0;
}

/**
 * Base class of the optimisers. An optimiser holds groups of parameters with their own
 * options and per-parameter state; `step()` updates `p.data` in place from `p.grad` with
 * plain loops (never recorded in the graph) and skips parameters whose `grad` is `null`.
 *
 * Frozen parameters (`requiresGrad = false`, e.g. the first layers while fine-tuning) may be
 * passed and are skipped by `step()` and `zeroGrad()`, as PyTorch skips them (their grad is
 * `None` there); typegrad skips them even if a gradient buffer is left from before they were
 * frozen, so weight decay and momentum do not move them either. Unfreezing one resumes its
 * updates with its state as it was.
 *
 * @typeParam O - the optimiser's options, all resolved
 */
export abstract class Optimizer<O extends BaseOptimizerOptions = BaseOptimizerOptions> {
  /** The parameter groups, in order; schedulers set `options.lr` per group. */
  readonly paramGroups: ResolvedParamGroup<O>[];
  /** Number of `step()` calls so far. */
  stepCount = 0;
  /** State per parameter, indexed across groups; created on a parameter's first update. */
  protected readonly state: (ParamState | undefined)[];
  /** Names of the state buffers this optimiser may have (for `loadStateDict`). */
  protected abstract readonly bufferNames: readonly string[];
  /** Buffers that can never be negative (second moments); `loadStateDict` rejects negative values there. */
  protected readonly nonNegativeBuffers: readonly string[] = [];

  /**
   * @param params - parameters, or groups `{ params, …options }` overriding `defaults`
   * @param defaults - every option, resolved by the subclass
   * @throws Error naming the optimiser when there are no parameters, a parameter is not a
   *   leaf tensor, a parameter appears twice, or an option is invalid
   */
  constructor(params: readonly Parameter[] | readonly ParamGroup<O>[], defaults: O) {
    const name = this.constructor.name;
    if (!Array.isArray(params) || params.length === 0) {
      throw new Error(`${name}: got an empty parameter list; pass model.parameters()`);
    }
    const groups: ParamGroup<O>[] = params[0] instanceof Tensor ? [{ params: params as Parameter[] } as unknown as ParamGroup<O>] : (params as ParamGroup<O>[]);
    const seen = new Set<Tensor>();
    const resolved: ResolvedParamGroup<O>[] = [];
    let index = 0;
    groups.forEach((group, g) => {
      if (group === null || typeof group !== "object" || !Array.isArray(group.params)) {
        throw new Error(`${name}: parameter group ${g} must be { params: Parameter[], …options }`);
      }
      if (group.params.length === 0) throw new Error(`${name}: parameter group ${g} has no parameters`);
      for (const p of group.params) {
        if (!(p instanceof Tensor)) throw new Error(`${name}: parameter ${index} is not a Tensor (got ${typeof p})`);
        if (!p.isLeaf) throw new Error(`${name}: parameter ${index} ${formatShape(p.shape)} is not a leaf tensor`);
        if (seen.has(p)) throw new Error(`${name}: parameter ${index} ${formatShape(p.shape)} appears more than once`);
        seen.add(p);
        index++;
      }
      const { params: ps, ...overrides } = group;
      const options = { ...defaults };
      for (const [key, value] of Object.entries(overrides)) {
        if (!(key in defaults)) {
          throw new Error(`${name}: parameter group ${g} has unknown option "${key}"; known: ${Object.keys(defaults).join(", ")}`);
        }
        if (value !== undefined) (options as Record<string, unknown>)[key] = value;
      }
      this.checkOptions(options);
      resolved.push({ params: ps.slice(), options });
    });
    this.paramGroups = resolved;
    this.state = new Array<ParamState | undefined>(index).fill(undefined);
  }

  /**
   * Checks one group's options.
   *
   * @throws Error naming the optimiser and the offending value
   */
  protected abstract checkOptions(options: O): void;

  /** Applies one update to every parameter that has a gradient. */
  abstract step(): void;

  /** Learning rate of the first group. */
  get lr(): number {
    return this.paramGroups[0].options.lr;
  }

  /**
   * Sets every group's learning rate.
   *
   * @throws Error when `v` is negative or not finite
   */
  set lr(v: number) {
    checkOption(this.constructor.name, finiteNonNegative(v), "learning rate", v);
    for (const g of this.paramGroups) g.options.lr = v;
  }

  /**
   * Zeroes every parameter's gradient in place (keeping the buffer, so nothing is
   * allocated), or with `setToNone` drops it (`grad = null`, PyTorch's default).
   */
  zeroGrad(setToNone = false): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (!p.requiresGrad) continue;
        if (setToNone) p.grad = null;
        else p.zeroGrad();
      }
    }
  }

  /**
   * Called first by every `step()`: checks each trainable parameter's gradient (shape, dtype,
   * finiteness) before anything is changed (see `checkGradients`).
   *
   * @throws Error for a `.grad` of the wrong shape or dtype; `NonFiniteGradientError` for a NaN or ±∞
   */
  protected checkGradients(): void {
    const params: Parameter[] = [];
    for (const g of this.paramGroups) for (const p of g.params) params.push(p);
    checkGradients(this.constructor.name, params);
  }

  /** Visits every trainable parameter (`requiresGrad`) with its global index and group options. */
  protected forEachParam(fn: (p: Parameter, index: number, options: O) => void): void {
    let k = 0;
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (p.requiresGrad) fn(p, k, g.options);
        k++;
      }
    }
  }

  /**
   * Visits every group once with its trainable parameters (`requiresGrad`) that have a
   * gradient, each with its global index, so an update can run over the whole group in one
   * kernel call.
   */
  protected forEachGroup(fn: (params: { p: Parameter & { grad: Tensor }; k: number }[], options: O) => void): void {
    let k = 0;
    for (const g of this.paramGroups) {
      const items: { p: Parameter & { grad: Tensor }; k: number }[] = [];
      for (const p of g.params) {
        if (p.requiresGrad && p.grad !== null) items.push({ p: p as Parameter & { grad: Tensor }, k });
        k++;
      }
      fn(items, g.options);
    }
  }

  /** The state of parameter `k`, created (zero buffers of `p`'s dtype) on first use. */
  protected stateOf(p: Parameter, k: number, names: readonly string[]): ParamState {
    let s = this.state[k];
    if (s === undefined) {
      const buffers: Record<string, TypedArray> = {};
      for (const n of names) buffers[n] = allocateStorage(p.dtype, p.size);
      s = { step: 0, buffers };
      this.state[k] = s;
    }
    return s;
  }

  /** A copy of everything needed to resume: options as JSON, state as tensors. */
  stateDict(): OptimizerState {
    const groups: JsonValue[] = [];
    let k = 0;
    for (const g of this.paramGroups) {
      const indices: number[] = [];
      for (let i = 0; i < g.params.length; i++) indices.push(k++);
      groups.push({ ...(JSON.parse(JSON.stringify(g.options)) as { [key: string]: JsonValue }), params: indices });
    }
    const tensors: Record<string, Tensor> = {};
    let j = 0;
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        const s = this.state[j];
        if (s !== undefined) {
          for (const [name, buf] of Object.entries(s.buffers)) tensors[`${j}.${name}`] = new Tensor(buf.slice(), p.shape);
          tensors[`${j}.step`] = new Tensor(Float64Array.of(s.step), []);
        }
        j++;
      }
    }
    return { type: this.constructor.name, step: this.stepCount, groups, tensors };
  }

  /**
   * Restores a state from {@link stateDict}: options, step count and per-parameter state.
   * Everything is checked before anything changes.
   *
   * @throws Error naming the optimiser when the type differs, the group or parameter
   *   counts differ, an option is invalid, a tensor key is unknown, a shape differs, a state
   *   value is NaN or ±∞, or a second moment is negative
   */
  loadStateDict(state: OptimizerState): void {
    const name = this.constructor.name;
    if (state === null || typeof state !== "object") throw new Error(`${name}.loadStateDict: expected an OptimizerState`);
    if (state.type !== name) throw new Error(`${name}.loadStateDict: state is for ${String(state.type)}, not ${name}`);
    checkOption(`${name}.loadStateDict`, Number.isInteger(state.step) && state.step >= 0, "step", state.step);
    const groups = state.groups;
    if (!Array.isArray(groups) || groups.length !== this.paramGroups.length) {
      throw new Error(
        `${name}.loadStateDict: state has ${Array.isArray(groups) ? groups.length : "no"} parameter groups, optimiser has ${this.paramGroups.length}`,
      );
    }
    const params: Parameter[] = [];
    for (const g of this.paramGroups) params.push(...g.params);
    const newOptions: O[] = [];
    let k = 0;
    groups.forEach((raw, g) => {
      if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        throw new Error(`${name}.loadStateDict: group ${g} is not an object`);
      }
      const { params: idx, ...rest } = raw;
      const known = Object.keys(this.paramGroups[g].options);
      const unknown = Object.keys(rest).filter((key) => !known.includes(key));
      if (unknown.length > 0) {
        throw new Error(`${name}.loadStateDict: group ${g} has unknown options ${unknown.join(", ")}; known: ${known.join(", ")}`);
      }
      const own = this.paramGroups[g].params.length;
      if (!Array.isArray(idx) || idx.length !== own || idx.some((v, i) => v !== k + i)) {
        throw new Error(
          `${name}.loadStateDict: group ${g} holds ${Array.isArray(idx) ? idx.length : "no"} parameters in the state, ${own} in the optimiser`,
        );
      }
      k += own;
      const options = { ...this.paramGroups[g].options, ...(rest as unknown as Partial<O>) };
      this.checkOptions(options);
      newOptions.push(options);
    });
    const incoming = new Map<number, ParamState>();
    const tensors = state.tensors ?? {};
    if (tensors === null || typeof tensors !== "object") throw new Error(`${name}.loadStateDict: tensors must be an object of Tensors`);
    for (const [key, t] of Object.entries(tensors)) {
      const m = /^(\d+)\.(\w+)$/.exec(key);
      const index = m === null ? -1 : Number(m[1]);
      const buf = m === null ? "" : m[2];
      if (m === null || index >= params.length || (buf !== "step" && !this.bufferNames.includes(buf))) {
        throw new Error(
          `${name}.loadStateDict: unexpected state tensor "${key}" (${params.length} parameters; buffers: step, ${this.bufferNames.join(", ")})`,
        );
      }
      if (!(t instanceof Tensor)) throw new Error(`${name}.loadStateDict: "${key}" is not a Tensor`);
      const p = params[index];
      const s = incoming.get(index) ?? { step: -1, buffers: {} };
      if (buf === "step") {
        if (t.size !== 1 || !Number.isInteger(t.data[0]) || t.data[0] < 0) {
          throw new Error(`${name}.loadStateDict: "${key}" must hold one non-negative integer`);
        }
        s.step = t.data[0];
      } else {
        if (!sameShape(t.shape, p.shape)) {
          throw new Error(
            `${name}.loadStateDict: "${key}" has shape ${formatShape(t.shape)} but parameter ${index} has shape ${formatShape(p.shape)}`,
          );
        }
        const bad = firstNonFinite(t.data);
        if (bad >= 0) throw new Error(`${name}.loadStateDict: "${key}" holds ${t.data[bad]} at element ${bad}; optimiser state must be finite`);
        if (this.nonNegativeBuffers.includes(buf)) {
          for (let i = 0; i < t.size; i++) {
            if (t.data[i] < 0) throw new Error(`${name}.loadStateDict: "${key}" holds ${t.data[i]} at element ${i}; a second moment cannot be negative`);
          }
        }
        const copy = allocateStorage(p.dtype, p.size);
        copy.set(t.data);
        s.buffers[buf] = copy;
      }
      incoming.set(index, s);
    }
    for (const [index, s] of incoming) {
      const missing = this.requiredBuffers(newOptions[this.groupOf(index)]).filter((b) => s.buffers[b] === undefined);
      if (s.step < 0) missing.unshift("step");
      if (missing.length > 0) {
        throw new Error(`${name}.loadStateDict: parameter ${index} state lacks ${missing.join(", ")}`);
      }
    }
    // Validated: now change things.
    newOptions.forEach((o, g) => (this.paramGroups[g].options = o));
    this.state.fill(undefined);
    for (const [index, s] of incoming) this.state[index] = s;
    this.stepCount = state.step;
  }

  /** The buffers a parameter's state must have under `options`. */
  protected abstract requiredBuffers(options: O): readonly string[];

  private groupOf(index: number): number {
    let k = 0;
    for (let g = 0; g < this.paramGroups.length; g++) {
      k += this.paramGroups[g].params.length;
      if (index < k) return g;
    }
    return this.paramGroups.length - 1;
  }
}
