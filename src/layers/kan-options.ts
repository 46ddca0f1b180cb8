import { allocate, checkDType, getDefaultDtype, type DType } from "../tensor/dtype.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { checkGridOptions } from "./kan-bspline.js";
import { checkOptionKeys } from "../util/options.js";
import type { BaseActivation } from "./kan-activation.js";
import type { JsonValue } from "./spec.js";

/** Options of {@link KANLinear}; defaults are efficient-kan's. */
export interface KANLinearOptions {
  /** G, the number of grid intervals on `gridRange`. Default 5. */
  gridSize?: number;
  /** k, the spline degree. Default 3 (cubic). */
  splineOrder?: number;
  /** `[lo, hi]` of the initial uniform grid. Default `[-1, 1]`. */
  gridRange?: readonly [number, number];
  /**
   * b(x) of the residual branch: a registered name (`"silu"`), a module instance, a factory
   * `() => Module` or a module class (`SiLU`). Default SiLU.
   */
  baseActivation?: BaseActivation;
  /** Amplitude of the initial spline noise, `(U(0,1) − ½)·scaleNoise/G`. Default 0.1. */
  scaleNoise?: number;
  /** Kaiming-uniform gain parameter of `baseWeight` (a = √5·scaleBase). Default 1. */
  scaleBase?: number;
  /** Kaiming-uniform gain parameter of `splineScaler` (a = √5·scaleSpline). Default 1. */
  scaleSpline?: number;
  /** Whether each edge spline has its own trainable scale `splineScaler`. Default `true`. */
  enableStandaloneScaleSpline?: boolean;
  /** Share of uniform knots in `updateGrid` (1 = uniform, 0 = quantiles). Default 0.02. */
  gridEps?: number;
  /** Generator for the initial weights. Default: the global one. */
  rng?: Generator;
  /** dtype of the weights, the grid and the base activation's parameters. Default {@link getDefaultDtype} (float32). */
  dtype?: DType;
}

/** Every option key of {@link KANLinearOptions}. */
export const KAN_OPTION_KEYS = [
  "gridSize",
  "splineOrder",
  "gridRange",
  "baseActivation",
  "scaleNoise",
  "scaleBase",
  "scaleSpline",
  "enableStandaloneScaleSpline",
  "gridEps",
  "rng",
  "dtype",
] as const;

/** {@link KANLinearOptions} with every default filled in and checked. */
export interface ResolvedKANOptions {
  gridSize: number;
  splineOrder: number;
  gridRange: [number, number];
  scaleNoise: number;
  scaleBase: number;
  scaleSpline: number;
  enableStandaloneScaleSpline: boolean;
  gridEps: number;
  dtype: DType;
}

function finite(op: string, name: string, v: number): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`${op}: ${name} must be a finite number, got ${String(v)}`);
  return v;
}

/**
 * Fills in the defaults of a KAN layer's options and checks them.
 *
 * @throws Error naming `op` and the value for a bad grid (see `checkGridOptions`), a non-finite
 * scale, `gridEps` outside [0, 1], an unknown dtype, or an unknown option
 */
export function resolveKANOptions(op: string, options: KANLinearOptions): ResolvedKANOptions {
  checkOptionKeys(op, options, KAN_OPTION_KEYS);
  const gridSize = options.gridSize ?? 5;
  const splineOrder = options.splineOrder ?? 3;
  const gridRange = options.gridRange ?? [-1, 1];
  checkGridOptions(op, gridSize, splineOrder, gridRange);
  const gridEps = finite(op, "gridEps", options.gridEps ?? 0.02);
  if (gridEps < 0 || gridEps > 1) throw new Error(`${op}: gridEps must be in [0, 1], got ${gridEps}`);
  return {
    gridSize,
    splineOrder,
    gridRange: [gridRange[0], gridRange[1]],
    scaleNoise: finite(op, "scaleNoise", options.scaleNoise ?? 0.1),
    scaleBase: finite(op, "scaleBase", options.scaleBase ?? 1),
    scaleSpline: finite(op, "scaleSpline", options.scaleSpline ?? 1),
    enableStandaloneScaleSpline: options.enableStandaloneScaleSpline ?? true,
    gridEps,
    dtype: options.dtype === undefined ? getDefaultDtype() : checkDType(op, options.dtype),
  };
}

/**
 * PyTorch's `kaiming_uniform_(w, a)` for a `[out, in]` weight (fan-in mode, leaky-ReLU gain):
 *
 * ```text
 * w ~ U(−bound, bound),   bound = √(6 / ((1 + a²) · fanIn))
 * ```
 *
 * With efficient-kan's `a = √5·scale` and scale 1 this is U(±1/√fanIn), like `nn.Linear`.
 */
export function kaimingUniform(shape: readonly number[], fanIn: number, a: number, dtype: DType, rng?: Generator): Tensor {
  const g = rng ?? defaultGenerator();
  const bound = Math.sqrt(6 / ((1 + a * a) * fanIn));
  let size = 1;
  for (const d of shape) size *= d;
  const data = allocate(dtype, size);
  for (let i = 0; i < size; i++) data[i] = (2 * g.uniform() - 1) * bound;
  return new Tensor(data, shape);
}

/** The resolved options as JSON, for a module spec. */
export function kanOptionsToJson(o: ResolvedKANOptions): { [key: string]: JsonValue } {
  return {
    gridSize: o.gridSize,
    splineOrder: o.splineOrder,
    gridRange: [o.gridRange[0], o.gridRange[1]],
    scaleNoise: o.scaleNoise,
    scaleBase: o.scaleBase,
    scaleSpline: o.scaleSpline,
    enableStandaloneScaleSpline: o.enableStandaloneScaleSpline,
    gridEps: o.gridEps,
    dtype: o.dtype,
  };
}

/**
 * Reads KAN layer options back from a spec's JSON (missing keys take their defaults).
 *
 * @throws Error naming `op` and the key when a value has the wrong type
 */
export function kanOptionsFromJson(op: string, json: { readonly [key: string]: JsonValue } | undefined): KANLinearOptions {
  const j = json ?? {};
  const num = (key: string): number | undefined => {
    const v = j[key];
    if (v === undefined) return undefined;
    if (typeof v !== "number") throw new Error(`${op}: spec option ${key} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const range = j.gridRange;
  if (range !== undefined && (!Array.isArray(range) || range.length !== 2 || range.some((v) => typeof v !== "number"))) {
    throw new Error(`${op}: spec option gridRange must be [lo, hi], got ${JSON.stringify(range)}`);
  }
  const standalone = j.enableStandaloneScaleSpline;
  if (standalone !== undefined && typeof standalone !== "boolean") {
    throw new Error(`${op}: spec option enableStandaloneScaleSpline must be a boolean, got ${JSON.stringify(standalone)}`);
  }
  const out: KANLinearOptions = {};
  const set = <K extends keyof KANLinearOptions>(key: K, v: KANLinearOptions[K] | undefined): void => {
    if (v !== undefined) out[key] = v;
  };
  set("gridSize", num("gridSize"));
  set("splineOrder", num("splineOrder"));
  set("gridRange", range === undefined ? undefined : [range[0] as number, range[1] as number]);
  set("scaleNoise", num("scaleNoise"));
  set("scaleBase", num("scaleBase"));
  set("scaleSpline", num("scaleSpline"));
  set("enableStandaloneScaleSpline", standalone);
  set("gridEps", num("gridEps"));
  set("dtype", j.dtype === undefined ? undefined : checkDType(op, j.dtype));
  return out;
}
