import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";
import { moduleFromSpec, registerBuiltinModule, type ModuleSpec } from "./spec.js";

/**
 * A chain of modules applied in order: `Sequential(f, g, h)(x) = h(g(f(x)))`.
 *
 * Children are stored as fields `0`, `1`, … so parameter names are `0.weight`, `0.bias`,
 * `2.weight` …, exactly as `torch.nn.Sequential`'s state dict.
 *
 * @example
 * ```ts
 * const model = new Sequential(new Dense(2, 8, { activation: "tanh" }), new Dense(8, 1));
 * model.namedParameters().map(([name]) => name); // ["0.weight", "0.bias", "1.weight", "1.bias"]
 * ```
 */
export class Sequential extends Module {
  readonly #layers: Module[];

  /** @throws Error when an argument is not a Module */
  constructor(...layers: Module[]) {
    super();
    this.#layers = [];
    this.#append("Sequential", layers);
  }

  /**
   * A Sequential of the modules of an array (or any iterable), for lists too long to spread
   * into the constructor's arguments (which overflows the stack near 10⁵ modules).
   *
   * @throws Error when an element is not a Module
   */
  static from(layers: Iterable<Module>): Sequential {
    const s = new Sequential();
    s.#append("Sequential.from", Array.isArray(layers) ? layers : [...layers]);
    return s;
  }

  #append(op: string, layers: readonly Module[]): void {
    for (let i = 0; i < layers.length; i++) {
      if (!(layers[i] instanceof Module)) throw new Error(`${op}: ${op === "Sequential" ? "argument" : "element"} ${i} is not a Module`);
    }
    for (const layer of layers) {
      Object.defineProperty(this, String(this.#layers.length), { value: layer, enumerable: true });
      this.#layers.push(layer);
    }
  }

  /** Number of modules. */
  get length(): number {
    return this.#layers.length;
  }

  /** The module at `index`. */
  at(index: number): Module | undefined {
    return this.#layers.at(index);
  }

  /** The modules, in order. */
  get layers(): readonly Module[] {
    return this.#layers;
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const layer of this.#layers) y = layer.forward(y);
    return y;
  }

  override spec(): ModuleSpec {
    return { type: "Sequential", children: this.#layers.map((layer) => layer.spec()) };
  }
}

/** Registers Sequential for checkpoints; called once by the spec registry at its first lookup (`src/layers/builtins.ts`). */
export function registerSequential(): void {
  registerBuiltinModule("Sequential", (spec) => Sequential.from((spec.children ?? []).map(moduleFromSpec)), { options: {}, children: [0, Infinity] });
}
