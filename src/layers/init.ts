import { allocate, getDefaultDtype, type DType } from "../tensor/dtype.js";
import { checkShape, type Shape } from "../tensor/shape.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";

/** What an initialiser needs besides the shape. */
export interface InitContext {
  /** Inputs per output unit (for `Dense`: `inFeatures`). */
  fanIn: number;
  /** Outputs per input unit (for `Dense`: `outFeatures`). */
  fanOut: number;
  /** Default: the global generator. */
  rng?: Generator;
  /** Default `'float32'`. */
  dtype?: DType;
}

/** Makes the initial values of a weight tensor. */
export type Initializer = (shape: Shape, context: InitContext) => Tensor;

/** The initialisers that have names (and so can be chosen in options and configs). */
export type InitName =
  | "glorotUniform"
  | "glorotNormal"
  | "heUniform"
  | "heNormal"
  | "lecunNormal"
  | "lecunUniform"
  | "zeros"
  | "ones";

function fill(shape: Shape, ctx: InitContext, draw: (rng: Generator) => number): Tensor {
  checkShape("init", shape);
  if (!(ctx.fanIn > 0) || !(ctx.fanOut > 0)) {
    throw new Error(`init: fanIn and fanOut must be positive, got fanIn=${ctx.fanIn}, fanOut=${ctx.fanOut}`);
  }
  const rng = ctx.rng ?? defaultGenerator();
  let size = 1;
  for (const d of shape) size *= d;
  const data = allocate(ctx.dtype ?? getDefaultDtype(), size);
  for (let i = 0; i < size; i++) data[i] = draw(rng);
  return new Tensor(data, shape);
}

function uniform(limit: number): (rng: Generator) => number {
  return (rng) => (2 * rng.uniform() - 1) * limit;
}
function normal(std: number): (rng: Generator) => number {
  return (rng) => std * rng.normal();
}

/** Glorot/Xavier uniform (Glorot & Bengio 2010): `U(−a, a)`, `a = √(6 / (fanIn + fanOut))`. */
export const glorotUniform: Initializer = (shape, ctx) => fill(shape, ctx, uniform(Math.sqrt(6 / (ctx.fanIn + ctx.fanOut))));
/** Glorot/Xavier normal: `N(0, σ²)`, `σ = √(2 / (fanIn + fanOut))`. */
export const glorotNormal: Initializer = (shape, ctx) => fill(shape, ctx, normal(Math.sqrt(2 / (ctx.fanIn + ctx.fanOut))));
/** He/Kaiming uniform (He et al. 2015), fan-in mode, ReLU gain √2: `U(−a, a)`, `a = √(6 / fanIn)`. */
export const heUniform: Initializer = (shape, ctx) => fill(shape, ctx, uniform(Math.sqrt(6 / ctx.fanIn)));
/** He/Kaiming normal, fan-in mode, ReLU gain √2: `N(0, σ²)`, `σ = √(2 / fanIn)`. */
export const heNormal: Initializer = (shape, ctx) => fill(shape, ctx, normal(Math.sqrt(2 / ctx.fanIn)));
/** LeCun normal (LeCun et al. 1998; the SELU paper's init): `N(0, σ²)`, `σ = √(1 / fanIn)`. */
export const lecunNormal: Initializer = (shape, ctx) => fill(shape, ctx, normal(Math.sqrt(1 / ctx.fanIn)));
/** LeCun uniform: `U(−a, a)`, `a = √(3 / fanIn)`. */
export const lecunUniform: Initializer = (shape, ctx) => fill(shape, ctx, uniform(Math.sqrt(3 / ctx.fanIn)));

/**
 * An initialiser that fills with `value`.
 *
 * @throws Error when `value` is not finite
 */
export function constant(value: number): Initializer {
  if (!Number.isFinite(value)) throw new Error(`constant: value must be finite, got ${value}`);
  return (shape, ctx) => {
    checkShape("init", shape);
    let size = 1;
    for (const d of shape) size *= d;
    const data = allocate(ctx.dtype ?? getDefaultDtype(), size);
    data.fill(value);
    return new Tensor(data, shape);
  };
}

/** Fills with zeros. */
export const zerosInit: Initializer = constant(0);
/** Fills with ones. */
export const onesInit: Initializer = constant(1);

const byName: Record<InitName, Initializer> = {
  glorotUniform,
  glorotNormal,
  heUniform,
  heNormal,
  lecunNormal,
  lecunUniform,
  zeros: zerosInit,
  ones: onesInit,
};

/**
 * The initialiser with this name.
 *
 * @throws Error listing the known names when `name` is unknown
 */
export function initializer(name: InitName | Initializer): Initializer {
  if (typeof name === "function") return name;
  const init = Object.hasOwn(byName, name) ? byName[name] : undefined;
  if (init === undefined) {
    throw new Error(`initializer: unknown initialiser "${String(name)}"; known: ${Object.keys(byName).join(", ")}`);
  }
  return init;
}
