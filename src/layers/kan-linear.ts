import { noGrad } from "../autograd/grad-mode.js";
import { linear } from "../autograd/ops/matmul.js";
import { allocate, getDefaultDtype, type DType } from "../tensor/dtype.js";
import { defaultGenerator, Generator } from "../tensor/random.js";
import { formatShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { resolveBaseActivation } from "./kan-activation.js";
import { extendedGrid } from "./kan-bspline.js";
import { edgeSplineOutputs, fitSplineCoefficients, gridFromSamples } from "./kan-grid.js";
import { kaimingUniform, kanOptionsFromJson, kanOptionsToJson, resolveKANOptions, type KANLinearOptions, type ResolvedKANOptions } from "./kan-options.js";
import { splineLinear } from "./kan-spline-linear.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { buildingPlaceholders, moduleFromSpec, registerBuiltinModule, type ModuleSpec } from "./spec.js";
import { booleanRule, dtypeRule, integerRule, numberRule, rangeRule, required } from "./spec-schema.js";

/**
 * A Kolmogorov–Arnold layer (Liu et al. 2024, https://arxiv.org/abs/2404.19756) in
 * efficient-kan's formulation: every edge i → o carries a learnable 1-D function, a SiLU
 * residual plus a B-spline of degree k on a per-input grid, and each output sums its edges.
 *
 * ```text
 * φ_oi(x) = W_b[o,i]·b(x) + S[o,i]·Σ_m C[o,i,m]·B_m(x)         m = 0 … G + k − 1
 * y[b,o]  = Σ_i φ_oi(x[b,i])
 *         = b(x)·W_bᵀ + B(x).reshape(batch, in·(G+k)) · (C ⊙ S[…, None]).reshape(out, in·(G+k))ᵀ
 * ∂y/∂x[b,i] = Σ_o W_b[o,i]·b′(x[b,i]) + S[o,i]·Σ_m C[o,i,m]·B′_m(x[b,i])
 * ```
 *
 * Fields (state-dict names are efficient-kan's in camelCase: `base_weight` → `baseWeight`,
 * `spline_weight` → `splineWeight`, `spline_scaler` → `splineScaler`, `grid` → `grid`):
 * - `baseWeight` W_b `[out, in]`, Kaiming-uniform with a = √5·scaleBase (U(±1/√in) by default);
 * - `splineWeight` C `[out, in, G + k]`, the least-squares fit of small noise
 *   `(U(0,1) − ½)·scaleNoise/G` at the G + 1 interior knots, so the spline starts ≈ 0
 *   (times scaleSpline when there is no standalone scaler);
 * - `splineScaler` S `[out, in]`, Kaiming-uniform with a = √5·scaleSpline, or `null` when
 *   `enableStandaloneScaleSpline` is false;
 * - `grid` `[in, G + 2k + 1]`, a buffer (saved, not trained), initially the uniform
 *   extended grid on `gridRange` (see `extendedGrid`);
 * - `baseActivation`, b, a child module (its parameters, if any, train with the layer).
 *
 * Outside `[t_0, t_last)` of its grid row an input only reaches the output through the base
 * branch; {@link KANLinear.updateGrid} moves the grid to the data.
 *
 * @example
 * ```ts
 * const layer = new KANLinear(2, 3, { rng: generator(0) });
 * layer.forward(zeros([4, 2])).shape; // [4, 3]
 * ```
 */
export class KANLinear extends Module {
  readonly baseWeight: Parameter;
  readonly splineWeight: Parameter;
  readonly splineScaler: Parameter | null;
  /** Knots `[in, G + 2k + 1]`; a buffer, updated in place by `updateGrid`. */
  readonly grid: Tensor;
  readonly baseActivation: Module;
  readonly gridSize: number;
  readonly splineOrder: number;
  readonly #options: ResolvedKANOptions;

  /**
   * @param inFeatures - number of inputs (a positive integer)
   * @param outFeatures - number of outputs (a positive integer)
   * @param options - see {@link KANLinearOptions}; defaults are efficient-kan's
   * @throws Error naming the layer and the value for non-positive sizes, `gridSize < 1`,
   * a negative or non-integer `splineOrder`, a `gridRange` that is not finite and increasing,
   * `gridEps` outside [0, 1], an unknown dtype or option, or a bad `baseActivation` (see
   * {@link resolveBaseActivation})
   */
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: KANLinearOptions = {},
  ) {
    super();
    for (const [name, v] of [["inFeatures", inFeatures], ["outFeatures", outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`KANLinear: ${name} must be a positive integer, got ${String(v)}`);
    }
    const o = resolveKANOptions("KANLinear", options);
    this.#options = o;
    this.gridSize = o.gridSize;
    this.splineOrder = o.splineOrder;
    const k = o.splineOrder;
    const g = o.gridSize;
    const nb = g + k;
    const gen = options.rng ?? defaultGenerator();
    this.baseWeight = new Parameter(kaimingUniform([outFeatures, inFeatures], inFeatures, Math.sqrt(5) * o.scaleBase, o.dtype, gen));
    const knots = extendedGrid(g, k, o.gridRange);
    const grid = allocate(o.dtype, inFeatures * knots.length);
    for (let i = 0; i < inFeatures; i++) grid.set(knots, i * knots.length);
    const cData = allocate(o.dtype, outFeatures * inFeatures * nb);
    // Initial spline: least-squares fit of noise sampled at the G + 1 interior knots (O(in·G³);
    // skipped when the layer is rebuilt only to receive a checkpoint's weights).
    if (!buildingPlaceholders()) {
      const noise = new Float64Array((g + 1) * inFeatures * outFeatures); // [G + 1, in, out]
      for (let q = 0; q < noise.length; q++) noise[q] = ((gen.uniform() - 0.5) * o.scaleNoise) / g;
      const at = new Float64Array((g + 1) * inFeatures);
      for (let j = 0; j <= g; j++) for (let i = 0; i < inFeatures; i++) at[j * inFeatures + i] = knots[k + j];
      const c = fitSplineCoefficients(at, g + 1, inFeatures, grid, knots.length, k, noise, outFeatures);
      const cScale = o.enableStandaloneScaleSpline ? 1 : o.scaleSpline;
      for (let q = 0; q < c.length; q++) cData[q] = c[q] * cScale;
    }
    this.splineWeight = new Parameter(cData, [outFeatures, inFeatures, nb]);
    this.splineScaler = o.enableStandaloneScaleSpline
      ? new Parameter(kaimingUniform([outFeatures, inFeatures], inFeatures, Math.sqrt(5) * o.scaleSpline, o.dtype, gen))
      : null;
    this.grid = new Tensor(grid, [inFeatures, knots.length]);
    this.baseActivation = resolveBaseActivation("KANLinear", options.baseActivation, o.dtype);
  }

  /** Checks `x` is `[batch, inFeatures]` with finite values when `finiteOnly`. */
  #checkInput(op: string, x: Tensor, finiteOnly: boolean): void {
    const where = `KANLinear(${this.inFeatures} → ${this.outFeatures}).${op}`;
    if (!(x instanceof Tensor)) throw new Error(`${where}: expected a Tensor`);
    if (x.shape.length !== 2 || x.shape[1] !== this.inFeatures) {
      throw new Error(`${where}: input ${formatShape(x.shape)} does not match the layer: expected [batch, ${this.inFeatures}]`);
    }
    if (finiteOnly) {
      if (x.shape[0] < 1) throw new Error(`${where}: needs at least one sample, got ${formatShape(x.shape)}`);
      for (let q = 0; q < x.size; q++) {
        if (!Number.isFinite(x.data[q])) {
          throw new Error(`${where}: input has a non-finite value ${x.data[q]} at [${Math.floor(q / this.inFeatures)}, ${q % this.inFeatures}]`);
        }
      }
    }
  }

  /**
   * Applies the layer: `y = b(x)·W_bᵀ + splineLinear(x, grid, C, S)` (see the class formula).
   *
   * @param x - `[batch, inFeatures]`, same dtype as the layer
   * @returns `[batch, outFeatures]`
   * @throws Error with both shapes when `x` is not `[batch, inFeatures]`, or when dtypes differ
   */
  forward(x: Tensor): Tensor {
    this.#checkInput("forward", x, false);
    const base = linear(this.baseActivation.forward(x), this.baseWeight);
    return base.add(splineLinear(x, this.grid, this.splineWeight, this.splineScaler, this.splineOrder));
  }

  /**
   * Re-fits the grid to the data and re-solves the spline coefficients so that the layer's
   * function is preserved on the samples, up to the least-squares error.
   *
   * ```text
   * target[b,i,o] = Σ_m C[o,i,m]·B_m(x[b,i])             (old grid, unscaled spline)
   * grid ← gridFromSamples(x, G, k, gridEps, margin)      (quantile/uniform mix, extended)
   * C    ← argmin Σ (Σ_m C′[o,i,m]·B′_m(x[b,i]) − target[b,i,o])²,   S and W_b unchanged
   * ```
   *
   * Unlike efficient-kan, which fits the *scaled* output `S·spline` but stores it unscaled
   * (multiplying each edge's spline by S), the target here is the unscaled spline, so
   * `forward` changes only by the fit error. Runs without recording a graph.
   *
   * @param x - `[batch, inFeatures]` finite samples (at least one)
   * @param margin - widening of the uniform part beyond the data range. Default 0.01.
   * @throws Error naming the layer when `x` has the wrong shape or non-finite values, when
   * `margin` is negative, or when an input's grid collapses; nothing changes in that case
   */
  updateGrid(x: Tensor, margin = 0.01): void {
    this.#checkInput("updateGrid", x, true);
    if (!Number.isFinite(margin) || margin < 0) throw new Error(`KANLinear.updateGrid: margin must be a finite number ≥ 0, got ${margin}`);
    const [grid, c] = noGrad(() => this.#refit(x, this.gridSize, (xd, batch) =>
      gridFromSamples("KANLinear.updateGrid", xd, batch, this.inFeatures, this.gridSize, this.splineOrder, this.#options.gridEps, margin)));
    this.grid.data.set(grid);
    this.splineWeight.data.set(c);
  }

  /** New grid and coefficients reproducing the current unscaled edge splines at `x`. */
  #refit(x: Tensor, gridSize: number, makeGrid: (x: Float64Array, batch: number) => Float64Array): [Float64Array, Float64Array] {
    const batch = x.shape[0];
    const xd = Float64Array.from(x.data);
    const [inF, outF, k] = [this.inFeatures, this.outFeatures, this.splineOrder];
    const target = edgeSplineOutputs(xd, batch, inF, this.grid.data, this.grid.shape[1], k, this.splineWeight.data, outF);
    const grid = makeGrid(xd, batch);
    // Fit against the knots as they will be stored, so a float32 layer is not off by their rounding.
    if (this.grid.dtype === "float32") for (let q = 0; q < grid.length; q++) grid[q] = Math.fround(grid[q]);
    const c = fitSplineCoefficients(xd, batch, inF, grid, gridSize + 2 * k + 1, k, target, outF);
    return [grid, c];
  }

  /**
   * Grid extension (pykan's `refine`): a new layer with `newGridSize` intervals whose splines
   * are least-squares fits of this layer's splines, so the function is preserved up to the fit
   * error (the paper's c′ = argmin Σ_x (Σ_j c′_j B′_j(x) − Σ_i c_i B_i(x))²). `baseWeight`,
   * `splineScaler` and the base activation's state are copied; this layer is not changed.
   *
   * - With samples `x`, the new grid is fitted to them as in {@link KANLinear.updateGrid}
   *   (margin 0.01) and the fit is on `x`.
   * - Without, the new grid is uniform on each input's current interior range `[t_k, t_{k+G}]`,
   *   and the fit uses `20·(newGridSize + k) + 1` evenly spaced points there; outside that range
   *   the two layers may differ.
   *
   * The base activation is copied through its spec and state dict (shared when it has no spec).
   *
   * @param newGridSize - the new G (an integer ≥ 1; usually larger, e.g. 3 → 10)
   * @param x - optional `[batch, inFeatures]` finite samples
   * @returns the refined layer (same dtype)
   * @throws Error naming the layer for a bad `newGridSize` or a bad `x`
   */
  refine(newGridSize: number, x?: Tensor): KANLinear {
    if (!Number.isInteger(newGridSize) || newGridSize < 1) {
      throw new Error(`KANLinear.refine: newGridSize must be an integer ≥ 1, got ${String(newGridSize)}`);
    }
    if (x !== undefined) this.#checkInput("refine", x, true);
    const k = this.splineOrder;
    const inF = this.inFeatures;
    const nOld = this.grid.shape[1];
    const samples = x ?? this.#uniformSamples(20 * (newGridSize + k) + 1);
    const nKnots = newGridSize + 2 * k + 1;
    const [grid, c] = noGrad(() => this.#refit(samples, newGridSize, (xd, batch) => {
      if (x !== undefined) return gridFromSamples("KANLinear.refine", xd, batch, inF, newGridSize, k, this.#options.gridEps, 0.01);
      const out = new Float64Array(inF * nKnots);
      for (let i = 0; i < inF; i++) {
        const range: [number, number] = [this.grid.data[i * nOld + k], this.grid.data[i * nOld + nOld - 1 - k]];
        out.set(extendedGrid(newGridSize, k, range), i * nKnots);
      }
      return out;
    }));
    const dtype = this.splineWeight.dtype;
    const activation = copyModule(this.baseActivation);
    const layer = new KANLinear(inF, this.outFeatures, {
      ...this.#options, gridSize: newGridSize, dtype, rng: new Generator(0), baseActivation: activation,
    });
    layer.grid.data.set(grid);
    layer.splineWeight.data.set(c);
    layer.baseWeight.data.set(this.baseWeight.data);
    if (this.splineScaler !== null && layer.splineScaler !== null) layer.splineScaler.data.set(this.splineScaler.data);
    return layer;
  }

  #uniformSamples(n: number): Tensor {
    const inF = this.inFeatures;
    const k = this.splineOrder;
    const nOld = this.grid.shape[1];
    const data = new Float64Array(n * inF);
    for (let i = 0; i < inF; i++) {
      const lo = this.grid.data[i * nOld + k];
      const hi = this.grid.data[i * nOld + nOld - 1 - k];
      for (let s = 0; s < n; s++) data[s * inF + i] = lo + ((hi - lo) * s) / (n - 1);
    }
    return new Tensor(data, [n, inF]);
  }

  /**
   * efficient-kan's cheap stand-in for the paper's L1 + entropy regulariser, on the unscaled
   * spline coefficients; differentiable.
   *
   * ```text
   * l1[o,i] = mean_m |C[o,i,m]|,   L1 = Σ l1,   p = l1 / L1
   * loss    = regularizeActivation·L1 − regularizeEntropy·Σ p·log p      (p·log p = 0 at p = 0)
   * ```
   *
   * |·|′(0) = 0. The result is NaN when every coefficient is 0 (L1 = 0).
   *
   * @param regularizeActivation - weight of the L1 term. Default 1.
   * @param regularizeEntropy - weight of the entropy term. Default 1.
   * @returns a scalar tensor
   */
  regularizationLoss(regularizeActivation = 1, regularizeEntropy = 1): Tensor {
    const l1 = this.splineWeight.abs().mean(2);
    const total = l1.sum();
    const p = l1.div(total);
    // The clamp keeps log finite at p = 0, where p·log p is 0.
    const entropy = p.mul(p.clamp(1e-30).log()).sum().neg();
    return total.mul(regularizeActivation).add(entropy.mul(regularizeEntropy));
  }

  /** `"in → out, grid G, order k"`. */
  override describe(): string {
    return `${this.inFeatures} → ${this.outFeatures}, grid ${this.gridSize}, order ${this.splineOrder}`;
  }

  /**
   * The layer's architecture: sizes, options, and the base activation's spec as the one child.
   *
   * @throws Error when the base activation cannot be serialised (it has no `spec()`)
   */
  override spec(): ModuleSpec {
    const options = {
      inFeatures: this.inFeatures,
      outFeatures: this.outFeatures,
      ...kanOptionsToJson(this.#options),
      gridSize: this.gridSize,
      dtype: this.splineWeight.dtype,
    };
    return { type: "KANLinear", options, children: [this.baseActivation.spec()] };
  }
}

/** A copy of `m` made from its spec and state dict; `m` itself when it cannot be serialised. */
export function copyModule(m: Module): Module {
  let spec: ModuleSpec;
  try {
    spec = m.spec();
  } catch {
    return m; // not serialisable: share the instance
  }
  const copy = moduleFromSpec(spec);
  copy.loadStateDict(m.stateDict());
  return copy;
}

/** The options of a KANLinear spec (shared with KAN's layers). */
const KAN_LINEAR_SCHEMA = {
  inFeatures: required(integerRule(1)),
  outFeatures: required(integerRule(1)),
  gridSize: integerRule(1, undefined, { limit: "maxGridSize" }),
  splineOrder: integerRule(0, undefined, { limit: "maxGridSize" }),
  gridRange: rangeRule,
  scaleNoise: numberRule(),
  scaleBase: numberRule(),
  scaleSpline: numberRule(),
  enableStandaloneScaleSpline: booleanRule,
  gridEps: numberRule(0, 1),
  dtype: dtypeRule,
};

/** Registers KANLinear for checkpoints; called once by the spec registry at its first lookup (`src/layers/builtins.ts`). */
export function registerKANLinear(): void {
  registerBuiltinModule(
    "KANLinear",
    (spec) => {
      const o = spec.options ?? {};
      const child = spec.children?.[0];
      const options = kanOptionsFromJson("KANLinear", o);
      return new KANLinear(o.inFeatures as number, o.outFeatures as number, child === undefined ? options : { ...options, baseActivation: moduleFromSpec(child) });
    },
    {
      options: KAN_LINEAR_SCHEMA,
      children: [0, 1],
      tensors: (o) => {
        const [inF, outF] = [o.inFeatures as number, o.outFeatures as number];
        const g = (o.gridSize ?? 5) as number;
        const k = (o.splineOrder ?? 3) as number;
        const dtype = (o.dtype ?? getDefaultDtype()) as DType;
        return [
          { name: "baseWeight", shape: [outF, inF], dtype },
          { name: "splineWeight", shape: [outF, inF, g + k], dtype },
          ...(o.enableStandaloneScaleSpline === false ? [] : [{ name: "splineScaler", shape: [outF, inF], dtype }]),
          { name: "grid", shape: [inF, g + 2 * k + 1], dtype },
        ];
      },
      childName: () => "baseActivation",
    },
  );
}
