import { noGrad } from "../autograd/grad-mode.js";
import { formatShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { copyModule, KANLinear } from "./kan-linear.js";
import type { BaseActivation } from "./kan-activation.js";
import { KAN_OPTION_KEYS, type KANLinearOptions } from "./kan-options.js";
import { checkOptionKeys } from "../util/options.js";
import { Module } from "./module.js";
import { moduleFromSpec, registerBuiltinModule, type ModuleSpec } from "./spec.js";
import { integersRule } from "./spec-schema.js";

/** Options of {@link KAN}: those of {@link KANLinear}, shared by every layer. */
export interface KANOptions extends Omit<KANLinearOptions, "baseActivation"> {
  /**
   * Each layer's base activation: a registered name, a factory `() => Module` or a module
   * class (built once per layer, like efficient-kan's class argument, so a trainable
   * activation gets its own parameters in every layer), or a module instance (each layer
   * gets a copy, made from its spec and state; an instance that cannot be serialised is
   * shared). Default SiLU.
   */
  baseActivation?: BaseActivation;
}

/**
 * A Kolmogorov–Arnold network: a stack of {@link KANLinear} layers (efficient-kan's `KAN`).
 *
 * ```text
 * KAN([n0, n1, …, nL])(x) = KANLinear(n_{L−1}, n_L)( … KANLinear(n0, n1)(x))
 * ```
 *
 * Parameters are named `layers.0.baseWeight`, `layers.0.splineWeight`,
 * `layers.0.splineScaler`, `layers.1.baseWeight` …; the grids are buffers
 * `layers.0.grid` … (part of the state dict).
 *
 * @example
 * ```ts
 * const model = new KAN([2, 5, 1], { rng: generator(0) });
 * model.forward(zeros([8, 2])).shape; // [8, 1]
 * ```
 */
export class KAN extends Module {
  readonly layers: KANLinear[];

  /**
   * @param layersHidden - the widths `[n0, n1, …]` (at least two positive integers), or the
   * layers themselves (each one's inFeatures must equal the previous one's outFeatures)
   * @param options - shared layer options (ignored when layers are given)
   * @throws Error naming the widths when fewer than two are given or a layer does not chain,
   * and the errors of {@link KANLinear}'s constructor
   */
  constructor(layersHidden: readonly number[] | readonly KANLinear[], options: KANOptions = {}) {
    super();
    if (!Array.isArray(layersHidden) || layersHidden.length < 1) {
      throw new Error(`KAN: expected the layer widths [n0, n1, …] or a list of KANLinear layers, got ${JSON.stringify(layersHidden)}`);
    }
    if (layersHidden.every((l) => l instanceof KANLinear)) {
      const layers = layersHidden as readonly KANLinear[];
      for (let l = 1; l < layers.length; l++) {
        if (layers[l].inFeatures !== layers[l - 1].outFeatures) {
          throw new Error(`KAN: layer ${l} takes ${layers[l].inFeatures} inputs but layer ${l - 1} gives ${layers[l - 1].outFeatures}`);
        }
      }
      this.layers = [...layers];
      return;
    }
    const widths = layersHidden as readonly number[];
    if (widths.length < 2 || !widths.every((w) => typeof w === "number")) {
      throw new Error(`KAN: layersHidden must list at least two widths [in, …, out], got ${JSON.stringify(widths)}`);
    }
    checkOptionKeys("KAN", options, KAN_OPTION_KEYS);
    const { baseActivation, ...shared } = options;
    this.layers = [];
    for (let l = 0; l + 1 < widths.length; l++) {
      const act = baseActivation instanceof Module && l > 0 ? copyModule(baseActivation) : baseActivation;
      this.layers.push(new KANLinear(widths[l], widths[l + 1], act === undefined ? shared : { ...shared, baseActivation: act }));
    }
  }

  /** The widths `[n0, n1, …, nL]`. */
  get widths(): number[] {
    return [this.layers[0].inFeatures, ...this.layers.map((l) => l.outFeatures)];
  }

  /**
   * Applies the layers in turn.
   *
   * @param x - `[batch, n0]`
   * @returns `[batch, nL]`
   * @throws Error with both shapes when `x` is not `[batch, n0]`
   */
  forward(x: Tensor): Tensor {
    let h = x;
    for (const layer of this.layers) h = layer.forward(h);
    return h;
  }

  /**
   * Re-fits every layer's grid to its own inputs (`x` propagated through the layers before it,
   * each already updated), preserving each layer's function up to the least-squares error.
   * See {@link KANLinear.updateGrid}. Records no graph.
   *
   * @param x - `[batch, n0]` finite samples
   * @param margin - see {@link KANLinear.updateGrid}. Default 0.01.
   * @throws Error when `x` is not `[batch, n0]` or has non-finite values (nothing changes then)
   */
  updateGrid(x: Tensor, margin = 0.01): void {
    this.#checkInput("updateGrid", x);
    const saved = this.stateDict();
    try {
      noGrad(() => {
        let h = x;
        for (const layer of this.layers) {
          layer.updateGrid(h, margin);
          h = layer.forward(h);
        }
      });
    } catch (error) {
      this.loadStateDict(saved); // a later layer failed: undo the earlier ones
      throw error;
    }
  }

  /**
   * Grid extension for the whole network: a new KAN whose layers are
   * `layer.refine(newGridSize, h)`, with `h` the samples `x` propagated through the original
   * layers (or, without `x`, each layer refined on its own grid range). This network is not
   * changed. See {@link KANLinear.refine}.
   *
   * @param newGridSize - the new G
   * @param x - optional `[batch, n0]` finite samples
   * @returns the refined network
   */
  refine(newGridSize: number, x?: Tensor): KAN {
    if (x !== undefined) this.#checkInput("refine", x);
    return noGrad(() => {
      let h = x;
      const refined: KANLinear[] = [];
      for (const layer of this.layers) {
        refined.push(layer.refine(newGridSize, h));
        if (h !== undefined) h = layer.forward(h);
      }
      return new KAN(refined);
    });
  }

  /**
   * Sum of every layer's {@link KANLinear.regularizationLoss}; differentiable.
   *
   * @returns a scalar tensor
   */
  regularizationLoss(regularizeActivation = 1, regularizeEntropy = 1): Tensor {
    let total = this.layers[0].regularizationLoss(regularizeActivation, regularizeEntropy);
    for (let l = 1; l < this.layers.length; l++) total = total.add(this.layers[l].regularizationLoss(regularizeActivation, regularizeEntropy));
    return total;
  }

  /** `{ type: "KAN", options: { widths }, children: [each layer's spec] }`. */
  override spec(): ModuleSpec {
    return { type: "KAN", options: { widths: this.widths }, children: this.layers.map((l) => l.spec()) };
  }

  #checkInput(op: string, x: Tensor): void {
    const n0 = this.layers[0].inFeatures;
    if (x.shape.length !== 2 || x.shape[1] !== n0) {
      throw new Error(`KAN(${this.widths.join(", ")}).${op}: input ${formatShape(x.shape)} does not match: expected [batch, ${n0}]`);
    }
  }
}

/** Registers KAN for checkpoints; called once by the spec registry at its first lookup (`src/layers/builtins.ts`). */
export function registerKAN(): void {
  registerBuiltinModule(
    "KAN",
    (spec) => {
      const children = spec.children ?? [];
      if (!children.every((c) => c !== null && typeof c === "object" && c.type === "KANLinear")) {
        throw new Error(`KAN: spec children must be KANLinear specs, got ${JSON.stringify(children.map((c) => c.type))}`);
      }
      const layers = children.map((c) => moduleFromSpec(c)) as KANLinear[];
      const widths = spec.options?.widths as number[] | undefined;
      const built = [layers[0].inFeatures, ...layers.map((l) => l.outFeatures)];
      if (widths !== undefined && widths.join(",") !== built.join(",")) {
        throw new Error(`KAN: spec widths [${widths.join(", ")}] do not match its layers [${built.join(", ")}]`);
      }
      return new KAN(layers);
    },
    { options: { widths: integersRule(1, 2) }, children: [1, Infinity], childTypes: ["KANLinear"], childName: (i) => `layers.${i}` },
  );
}
