import { commonDType, record } from "../autograd/node.js";
import { mul } from "../autograd/ops/binary.js";
import { sumTo } from "../autograd/ops/shape.js";
import { allocate, type TypedArray } from "../tensor/dtype.js";
import { formatShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";

/** Per-parameter arrays, by parameter name. */
export type ParamArrays<K extends string> = { readonly [P in K]: TypedArray };
/** Per-parameter gradient arrays (`null` when that parameter needs no gradient). */
export type ParamGrads<K extends string> = { readonly [P in K]: Float64Array | null };

/**
 * Forward and backward of an element-wise activation with parameters, written once.
 * Each parameter is a scalar (`[1]`) or one value per feature (`[features]`, broadcast
 * along the input's last axis). The kernel sees every parameter already broadcast to the
 * input's length, so it indexes `p.alpha[i]` like `x[i]`, and writes each parameter's
 * gradient per element; the op sums those over the shared axes. Loops over whole arrays.
 *
 * @typeParam K - the parameter names
 */
export interface ParamKernel<K extends string> {
  /** The function's name, for error messages and graph dumps. */
  readonly name: string;
  /** Parameter names, in the order the tensors are recorded as inputs. */
  readonly params: readonly K[];
  /** Writes `y[i] = f(x[i]; p[i])`. */
  forward(x: TypedArray, y: TypedArray, p: ParamArrays<K>): void;
  /**
   * Writes `gx[i] = gy[i]·∂f/∂x` (when `gx` is not null) and, per parameter `k` whose
   * `gp[k]` is not null, `gp[k][i] = gy[i]·∂f/∂k` at element `i`.
   */
  backward(x: TypedArray, y: TypedArray, gy: TypedArray, gx: TypedArray | null, p: ParamArrays<K>, gp: ParamGrads<K>): void;
  /**
   * The same partial derivatives as `backward`, written with tensor ops (a number for a
   * constant): `x` is ∂f/∂x and each parameter's entry ∂f/∂parameter, element-wise (the
   * parameter tensors, of shape [1] or [features], broadcast against `x`). Used only by
   * `createGraph` (higher-order gradients); without it, `createGraph` through the op throws.
   */
  partials?(x: Tensor, y: Tensor, p: { readonly [P in K]: Tensor }): ParamPartials<K>;
}

/** ∂f/∂x and ∂f/∂parameter as tensors (see {@link ParamKernel.partials}). */
export type ParamPartials<K extends string> = { readonly x: Tensor | number } & { readonly [P in K]: Tensor | number };

/** A differentiable activation with parameters, made by {@link defineParamOp}. */
export type ParamOp<K extends string> = (x: Tensor, params: { readonly [P in K]: Tensor | number }) => Tensor;

/**
 * Checks a parameter against the input and returns it as a tensor of the input's dtype
 * (a plain number becomes a constant scalar that gets no gradient).
 *
 * @throws Error naming the activation, the parameter and both sizes when a per-feature
 * parameter does not match the input's last axis, or the parameter is not 1-D
 */
export function checkParam(op: string, name: string, value: Tensor | number, x: Tensor): Tensor {
  if (typeof value === "number") {
    const data = allocate(x.dtype, 1);
    data[0] = value;
    return new Tensor(data, [1]);
  }
  if (!(value instanceof Tensor)) throw new Error(`${op}: parameter "${name}" must be a Tensor or a number, got ${typeof value}`);
  if (value.ndim > 1) {
    throw new Error(`${op}: parameter "${name}" must have shape [1] or [features], got ${formatShape(value.shape)}`);
  }
  if (value.size === 1) return value;
  const features = x.ndim === 0 ? 1 : x.shape[x.ndim - 1];
  if (value.size !== features) {
    throw new Error(
      `${op}: parameter "${name}" has ${value.size} values but the input's last axis has ${features} ` +
        `(input shape ${formatShape(x.shape)}); use 1 value (shared) or ${features} (one per feature)`,
    );
  }
  return value;
}

/** The parameter's values repeated to the input's length: element i uses value i mod size. */
function broadcastParam(p: Tensor, n: number): TypedArray {
  const out = allocate(p.dtype, n);
  if (p.size === 1) out.fill(p.data[0]);
  else for (let i = 0; i < n; i += p.size) out.set(n - i >= p.size ? p.data : p.data.subarray(0, n - i), i);
  return out;
}

/** Sums per-element gradients over the shared axes (in double), rounding once to `p`'s dtype. */
function reduceToParam(g: Float64Array, p: Tensor): TypedArray {
  const f = p.size;
  const acc = new Float64Array(f);
  if (f === 1) {
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i];
    acc[0] = s;
  } else {
    for (let i = 0; i < g.length; i++) acc[i % f] += g[i];
  }
  const out = allocate(p.dtype, f);
  out.set(acc);
  return out;
}

/**
 * Turns a {@link ParamKernel} into a differentiable function `(x, { k: tensor | number })`.
 * Inputs are recorded as `[x, ...params]`, so gradients flow to every parameter tensor
 * that requires grad, summed over all elements sharing it.
 *
 * @throws (from the returned function) Error when a parameter is missing or its size
 * does not fit, or dtypes differ
 */
export function defineParamOp<K extends string>(kernel: ParamKernel<K> & { readonly graphHint?: string }): ParamOp<K> {
  const partials = kernel.partials?.bind(kernel);
  const op = (x: Tensor, params: { readonly [P in K]: Tensor | number }): Tensor => {
    if (!(x instanceof Tensor)) throw new Error(`${kernel.name}: expected a Tensor, got ${typeof x}`);
    if (params === null || typeof params !== "object") {
      throw new Error(`${kernel.name}: expected parameters { ${kernel.params.join(", ")} }`);
    }
    const tensors = kernel.params.map((k) => {
      if (params[k] === undefined) throw new Error(`${kernel.name}: missing parameter "${k}"`);
      return checkParam(kernel.name, k, params[k], x);
    });
    commonDType(kernel.name, [x, ...tensors]);
    const n = x.size;
    const p = {} as Record<K, TypedArray>;
    kernel.params.forEach((k, j) => (p[k] = broadcastParam(tensors[j], n)));
    const y = allocate(x.dtype, n);
    kernel.forward(x.data, y, p);
    return record(y, x.shape, [x, ...tensors], kernel.name, (gy, needsGrad) => {
      const gx = needsGrad[0] ? allocate(x.dtype, n) : null;
      const gp = {} as Record<K, Float64Array | null>;
      kernel.params.forEach((k, j) => (gp[k] = needsGrad[j + 1] ? new Float64Array(n) : null));
      kernel.backward(x.data, y, gy, gx, p, gp);
      return [gx, ...kernel.params.map((k, j) => (gp[k] === null ? null : reduceToParam(gp[k], tensors[j])))];
    }, partials === undefined ? undefined : (gy, out, needs) => {
      const byName = {} as Record<K, Tensor>;
      kernel.params.forEach((k, j) => (byName[k] = tensors[j]));
      const d = partials(x, out, byName);
      return [
        needs[0] ? sumTo(mul(gy, d.x), x.shape) : null,
        ...kernel.params.map((k, j) => (needs[j + 1] ? sumTo(mul(gy, d[k]), tensors[j].shape) : null)),
      ];
    }, kernel.graphHint ?? `declare partials(x, y, p) (the derivatives as tensor ops) in its defineParamOp kernel "${kernel.name}"`);
  };
  Object.defineProperty(op, "name", { value: kernel.name });
  return op;
}
