import { allocate, checkDType, dtypeOf, getDefaultDtype, type DType, type TypedArray } from "./dtype.js";
import { checkShape, formatShape, MAX_TENSOR_SIZE, sizeOf, type Shape } from "./shape.js";
import { defaultGenerator, type Generator } from "./random.js";
import { Tensor, type NestedArray } from "./tensor.js";

/** Options shared by the creation functions. */
export interface CreateOptions {
  /** Default {@link getDefaultDtype} (`'float32'` unless changed), or for `tensor()` of a typed array that array's dtype. */
  dtype?: DType;
  /** Default `false`. */
  requiresGrad?: boolean;
}

/** Options of {@link tensor}. */
export interface TensorOptions extends CreateOptions {
  /** The shape for a flat array or typed array (default: inferred from nesting, or 1-D). */
  shape?: Shape;
}

/** Options of the random creation functions. */
export interface RandomOptions extends CreateOptions {
  /** The generator to draw from; default: the global one ({@link manualSeed}). */
  rng?: Generator;
}

function finish(data: TypedArray, shape: Shape, options: CreateOptions): Tensor {
  return new Tensor(data, shape, { requiresGrad: options.requiresGrad === true });
}

function dtypeFrom(op: string, options: CreateOptions, fallback: DType = getDefaultDtype()): DType {
  return options.dtype === undefined ? fallback : checkDType(op, options.dtype);
}

function inferShape(value: NestedArray): number[] {
  const shape: number[] = [];
  let v: NestedArray = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  return shape;
}

function flatten(value: NestedArray, shape: readonly number[], out: TypedArray): void {
  let k = 0;
  const walk = (v: NestedArray, dim: number, path: number[]): void => {
    if (dim === shape.length) {
      if (typeof v !== "number") {
        throw new Error(`tensor: expected a number at [${path.join(",")}], got ${Array.isArray(v) ? "an array" : typeof v}`);
      }
      out[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      const got = Array.isArray(v) ? `length ${v.length}` : typeof v;
      throw new Error(
        `tensor: ragged nested array: expected length ${shape[dim]} at [${path.join(",")}] (shape ${formatShape(shape)}), got ${got}`,
      );
    }
    for (let i = 0; i < v.length; i++) walk(v[i], dim + 1, [...path, i]);
  };
  walk(value, 0, []);
}

/**
 * A tensor from a number, nested arrays, a flat array with `shape`, or a typed array
 * (copied; its dtype is kept unless `dtype` says otherwise).
 *
 * @example
 * ```ts
 * tensor([[1, 2], [3, 4]]).shape;                     // [2, 2]
 * tensor([1, 2, 3, 4], { shape: [2, 2] }).toArray();  // [[1, 2], [3, 4]]
 * ```
 * @throws Error for a ragged nested array, a non-number element, an unknown dtype, or a
 * `shape` whose size differs from the number of values
 */
export function tensor(value: NestedArray | TypedArray | readonly number[], options: TensorOptions = {}): Tensor {
  if (value instanceof Float32Array || value instanceof Float64Array) {
    const dtype = dtypeFrom("tensor", options, dtypeOf(value));
    const shape = options.shape === undefined ? [value.length] : checkShape("tensor", options.shape);
    if (sizeOf(shape) !== value.length) {
      throw new Error(`tensor: ${value.length} values do not fill shape ${formatShape(shape)} (${sizeOf(shape)} elements)`);
    }
    const data = allocate(dtype, value.length);
    data.set(value);
    return finish(data, shape, options);
  }
  const dtype = dtypeFrom("tensor", options);
  if (typeof value === "number") {
    const data = allocate(dtype, 1);
    data[0] = value;
    const shape = options.shape === undefined ? [] : checkShape("tensor", options.shape);
    if (sizeOf(shape) !== 1) throw new Error(`tensor: 1 value does not fill shape ${formatShape(shape)}`);
    return finish(data, shape, options);
  }
  if (!Array.isArray(value)) throw new Error(`tensor: expected a number, an array or a typed array, got ${typeof value}`);
  const nested = inferShape(value as NestedArray);
  const data = allocate(dtype, sizeOf(nested));
  flatten(value as NestedArray, nested, data);
  if (options.shape === undefined) return finish(data, nested, options);
  const shape = checkShape("tensor", options.shape);
  if (sizeOf(shape) !== data.length) {
    throw new Error(
      `tensor: values of shape ${formatShape(nested)} (${data.length} elements) do not fill shape ${formatShape(shape)}`,
    );
  }
  return finish(data, shape, options);
}

/** A tensor of `shape` filled with `value`. @throws Error for an invalid shape or dtype */
export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  return filled("full", shape, value, options);
}

function filled(op: string, shape: Shape, value: number, options: CreateOptions): Tensor {
  checkShape(op, shape);
  if (typeof value !== "number") throw new Error(`${op}: value must be a number, got ${typeof value}`);
  const data = allocate(dtypeFrom(op, options), sizeOf(shape));
  data.fill(value);
  return finish(data, shape, options);
}

/** A tensor of `shape` filled with zeros. @throws Error for an invalid shape or dtype */
export function zeros(shape: Shape, options: CreateOptions = {}): Tensor {
  return filled("zeros", shape, 0, options);
}

/** A tensor of `shape` filled with ones. @throws Error for an invalid shape or dtype */
export function ones(shape: Shape, options: CreateOptions = {}): Tensor {
  return filled("ones", shape, 1, options);
}

/** Zeros with `like`'s shape and dtype. */
export function zerosLike(like: Tensor, options: CreateOptions = {}): Tensor {
  return full(like.shape, 0, { dtype: like.dtype, ...options });
}

/** Ones with `like`'s shape and dtype. */
export function onesLike(like: Tensor, options: CreateOptions = {}): Tensor {
  return full(like.shape, 1, { dtype: like.dtype, ...options });
}

/**
 * The 1-D tensor `start, start + step, …` up to but excluding `stop`. With one argument,
 * `arange(n)` is `0 … n−1`.
 *
 * @throws Error when `step` is 0 or a bound is not finite
 */
export function arange(start: number, stop?: number, step = 1, options: CreateOptions = {}): Tensor {
  const [lo, hi] = stop === undefined ? [0, start] : [start, stop];
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !Number.isFinite(step) || step === 0) {
    throw new Error(`arange: start, stop and step must be finite and step non-zero, got ${lo}, ${hi}, ${step}`);
  }
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  if (n > MAX_TENSOR_SIZE) throw new Error(`arange: ${lo} to ${hi} by ${step} makes ${n} values, more than the ${MAX_TENSOR_SIZE} a tensor can hold`);
  const data = allocate(dtypeFrom("arange", options), n);
  for (let i = 0; i < n; i++) data[i] = lo + i * step;
  return finish(data, [n], options);
}

/**
 * Uniform samples in `[low, high)`.
 *
 * @param options - `low` default 0, `high` default 1, `rng` default the global generator
 * @throws Error for an invalid shape, or bounds that are not finite with `low ≤ high`
 */
export function rand(shape: Shape, options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  checkShape("rand", shape);
  const low = options.low ?? 0;
  const high = options.high ?? 1;
  if (!Number.isFinite(low) || !Number.isFinite(high) || low > high) {
    throw new Error(`rand: need finite low ≤ high, got low=${low}, high=${high}`);
  }
  const rng = options.rng ?? defaultGenerator();
  const data = allocate(dtypeFrom("rand", options), sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * rng.uniform();
  return finish(data, shape, options);
}

/**
 * Normal samples with the given mean and standard deviation.
 *
 * @param options - `mean` default 0, `std` default 1, `rng` default the global generator
 * @throws Error for an invalid shape, a non-finite mean or a negative/non-finite std
 */
export function randn(shape: Shape, options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  checkShape("randn", shape);
  const mean = options.mean ?? 0;
  const std = options.std ?? 1;
  if (!Number.isFinite(mean) || !Number.isFinite(std) || std < 0) {
    throw new Error(`randn: need a finite mean and a finite std ≥ 0, got mean=${mean}, std=${std}`);
  }
  const rng = options.rng ?? defaultGenerator();
  const data = allocate(dtypeFrom("randn", options), sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = mean + std * rng.normal();
  return finish(data, shape, options);
}
