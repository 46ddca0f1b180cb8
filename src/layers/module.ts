import { cast } from "../autograd/ops/cast.js";
import { noGrad } from "../autograd/grad-mode.js";
import type { DType } from "../tensor/dtype.js";
import { formatShape, sameShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { Parameter } from "./parameter.js";
import type { ModuleSpec } from "./spec.js";

/** A module's tensors by dotted name (`"layers.0.weight"`), as `stateDict()` returns them. */
export type StateDict = Record<string, Tensor>;

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /** Require exactly the module's keys (default `true`); with `false`, load the keys that match. */
  strict?: boolean;
}

function join(prefix: string, key: string): string {
  return prefix === "" ? key : `${prefix}.${key}`;
}

type Found = [path: string, value: Tensor, owner: object, key: string | number];

/**
 * Base class for layers and models.
 *
 * Parameters, buffers and sub-modules are discovered from the instance's own enumerable
 * fields (and arrays of them), in declaration order: a {@link Parameter} field is a
 * parameter, any other {@link Tensor} field a buffer (saved in the state dict but not
 * trained, such as a KAN grid), a `Module` field a child. `#private` fields are invisible
 * to discovery, which suits caches.
 */
export abstract class Module {
  /** Whether the module is in training mode (affects Dropout). Set by `train()`/`eval()`. */
  training = true;

  /**
   * Applies the module. Most modules take one tensor; a module of your own may take several
   * (`forward(x, mask)`), as PyTorch's `forward(*inputs)`. `Sequential`, `fit`, `evaluate`
   * and `predict` pass one.
   */
  abstract forward(...inputs: Tensor[]): Tensor;

  /**
   * This module's architecture as JSON, for checkpoints. Modules that can be saved with
   * `saveModel` override it and register a factory with `registerModule`.
   *
   * @throws Error by default: the module type does not support serialisation
   */
  spec(): ModuleSpec {
    throw new Error(`${this.constructor.name}: this module cannot be serialised; implement spec() and registerModule()`);
  }

  #walk(visitModules: boolean): { tensors: Found[]; modules: [string, Module][] } {
    const tensors: Found[] = [];
    const modules: [string, Module][] = [];
    const seen = new Set<unknown>();
    // An explicit stack instead of recursion, in declaration order.
    const stack: [unknown, string, object, string | number][] = [[this, "", this, ""]];
    while (stack.length > 0) {
      const [value, path, owner, key] = stack.pop()!;
      if (value instanceof Tensor) {
        if (!seen.has(value)) {
          seen.add(value);
          tensors.push([path, value, owner, key]);
        }
      } else if (value instanceof Module) {
        if (seen.has(value)) continue;
        seen.add(value);
        if (value !== this && visitModules) modules.push([path, value]);
        const entries = Object.entries(value).filter(([k]) => k !== "training");
        for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i][1], join(path, entries[i][0]), value, entries[i][0]]);
      } else if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], join(path, String(i)), value, i]);
      }
    }
    return { tensors, modules };
  }

  /** Parameters with their dotted field paths, depth first, in declaration order. */
  namedParameters(): [string, Parameter][] {
    return this.#walk(false).tensors.filter(([, t]) => t instanceof Parameter).map(([p, t]) => [p, t as Parameter]);
  }

  /** All parameters, in the order of {@link Module.namedParameters}. */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Non-trainable tensors (buffers) with their dotted paths. */
  namedBuffers(): [string, Tensor][] {
    return this.#walk(false).tensors.filter(([, t]) => !(t instanceof Parameter)).map(([p, t]) => [p, t]);
  }

  /** Every sub-module (at any depth) with its dotted path, depth first. */
  namedModules(): [string, Module][] {
    return this.#walk(true).modules;
  }

  /**
   * Direct sub-modules with their paths, in declaration order: fields and the elements of
   * array fields (`layers.0`, `layers.1`), not the sub-modules of those.
   */
  namedChildren(): [string, Module][] {
    // Only this module's own fields (and arrays in them) are visited: linear in their number.
    const out: [string, Module][] = [];
    const seen = new Set<unknown>([this]);
    const entries = Object.entries(this).filter(([k]) => k !== "training");
    const stack: [unknown, string][] = [];
    for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i][1], entries[i][0]]);
    while (stack.length > 0) {
      const [value, path] = stack.pop()!;
      if (value instanceof Module) {
        if (!seen.has(value)) out.push([path, value]);
        seen.add(value);
      } else if (Array.isArray(value) && !seen.has(value)) {
        seen.add(value);
        for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], join(path, String(i))]);
      }
    }
    return out;
  }

  /** Direct sub-modules, in declaration order (see {@link Module.namedChildren}). */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * A short description of this module's configuration, shown by `summary()` and when the
   * module is printed (PyTorch's `extra_repr`): e.g. `"2 → 64, relu"` for a `Dense`.
   * Default `""`.
   */
  describe(): string {
    return "";
  }

  /**
   * The module as a tree, like PyTorch's `print(model)`: `Name(description)`, and for a
   * container (a module without a description) one line per child.
   *
   * @example
   * ```ts
   * String(new Sequential(new Dense(2, 8, { activation: "tanh" }), new Dense(8, 1)));
   * // Sequential(
   * //   (0): Dense(2 → 8, tanh)
   * //   (1): Dense(8 → 1)
   * // )
   * ```
   */
  toString(): string {
    const head = `${this.constructor.name}(${this.describe()}`;
    const children = this.describe() === "" ? this.namedChildren() : [];
    if (children.length === 0) return `${head})`;
    const lines = children.map(([path, child]) => `  (${path}): ${String(child).replaceAll("\n", "\n  ")}`);
    return `${head}\n${lines.join("\n")}\n)`;
  }

  /** What `console.log(module)` prints in Node: {@link Module.toString}. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** Sets training mode on this module and every sub-module; returns `this`. */
  train(mode = true): this {
    this.training = mode;
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode (`train(false)`); returns `this`. */
  eval(): this {
    return this.train(false);
  }

  /** Zeroes the gradient of every parameter. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Parameters and buffers by dotted name, as copies (later training does not change them). */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [path, t] of this.#walk(false).tensors) out[path] = new Tensor(t.data.slice(), t.shape);
    return out;
  }

  /**
   * Copies values from `state` into this module's parameters and buffers (converting dtype
   * where needed). Everything is validated first: when it throws, nothing has changed.
   *
   * @throws Error listing missing and unexpected keys (strict mode) and every shape mismatch
   */
  loadStateDict(state: StateDict, options: LoadStateDictOptions = {}): void {
    const strict = options.strict ?? true;
    if (state === null || typeof state !== "object") throw new Error("loadStateDict: expected an object of tensors");
    const own = this.#walk(false).tensors;
    const ownNames = new Set(own.map(([p]) => p));
    // Own keys only: a name such as "constructor" must not be found on Object.prototype.
    const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(state, key);
    const missing = own.map(([p]) => p).filter((p) => !has(p));
    const unexpected = Object.keys(state).filter((k) => !ownNames.has(k));
    const problems: string[] = [];
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      problems.push(`missing [${missing.join(", ")}], unexpected [${unexpected.join(", ")}]`);
    }
    for (const [path, t] of own) {
      const src = has(path) ? state[path] : undefined;
      if (src === undefined) continue;
      if (!(src instanceof Tensor)) problems.push(`${path}: expected a Tensor`);
      else if (!sameShape(src.shape, t.shape)) {
        problems.push(`${path}: shape ${formatShape(src.shape)} in the state dict, ${formatShape(t.shape)} in the model`);
      }
    }
    if (problems.length > 0) throw new Error(`loadStateDict: ${problems.join("; ")}`);
    for (const [path, t] of own) {
      const src = has(path) ? state[path] : undefined;
      if (src !== undefined) t.data.set(src.data);
    }
  }

  /**
   * Converts every parameter and buffer to `dtype`, replacing them with new tensors
   * (gradients are dropped). Create optimisers after calling this. Returns `this`.
   *
   * As in PyTorch (`model.double()`), values are converted as they are: a model built in
   * float32 keeps its float32-rounded initial values (a PReLU made with 0.6 holds
   * 0.6000000238…). To build in float64 from the start, give layers `dtype: "float64"` or
   * call `setDefaultDtype("float64")` first.
   */
  to(dtype: DType): this {
    noGrad(() => {
      for (const [, t, owner, key] of this.#walk(false).tensors) {
        if (t.dtype === dtype) continue;
        const converted = cast(t, dtype);
        const replacement = t instanceof Parameter ? new Parameter(converted) : converted;
        if (t instanceof Parameter && !t.requiresGrad) replacement.requiresGrad = false;
        (owner as Record<string | number, unknown>)[key] = replacement;
      }
    });
    return this;
  }
}
