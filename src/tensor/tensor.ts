import { backward, type BackwardOptions } from "../autograd/engine.js";
import type { TensorLike } from "../autograd/define-op.js";
import { zeroStorage } from "../kernels/wasm.js";
import type { GradNode } from "../autograd/node.js";
import { add, div, maximum, minimum, mul, sub } from "../autograd/ops/binary.js";
import { cast } from "../autograd/ops/cast.js";
import { eq, ge, gt, le, lt, ne } from "../autograd/ops/compare.js";
import { matmul } from "../autograd/ops/matmul.js";
import { argmax, max, mean, sum, type ReduceOptions } from "../autograd/ops/reduce.js";
import { argmin, min, std, variance, type Axes, type VarianceOptions } from "../autograd/ops/reduce.js";
import { indexSelect, permute, reshape, slice, transpose } from "../autograd/ops/shape.js";
import { clone, flatten, squeeze, unsqueeze, view } from "../autograd/ops/shape.js";
import { logSoftmax, softmax } from "../autograd/ops/softmax.js";
import { abs, clamp, exp, log, neg, pow, sqrt } from "../autograd/ops/unary.js";
import { cos, expm1, log1p, sin, square } from "../autograd/ops/unary.js";
import { gather, scatterAdd } from "../autograd/ops/gather.js";
import { add_, copy_, div_, fill_, mul_, sub_, zero_, type AddInPlaceOptions } from "../autograd/ops/inplace.js";
import { sigmoid, tanh } from "../activations/basic.js";
import { relu } from "../activations/relu-family.js";
import { dtypeOf, type DType, type TypedArray } from "./dtype.js";
import { formatValues } from "./format.js";
import { checkShape, formatShape, sizeOf, type Shape } from "./shape.js";

/** A nested array of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

/** Options of the {@link Tensor} constructor. */
export interface TensorInit {
  requiresGrad?: boolean;
  /** The node that produced this tensor; set only by `record()`. */
  node?: GradNode | null;
}

/**
 * An n-dimensional array of float32 or float64 values, stored contiguously in row-major
 * order, that can record the operations applied to it and differentiate through them.
 *
 * Chainable methods exist only for primitives and delegate to the op functions;
 * activations live in `activations/`.
 */
export class Tensor {
  /** Row-major values. The reference is fixed; optimisers update the contents in place. */
  readonly data: TypedArray;
  readonly shape: Shape;
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** Whether gradients flow to (and, for a leaf, accumulate in) this tensor. */
  requiresGrad: boolean;
  /** Accumulated dL/d(this); only leaves that require grad receive one. */
  grad: Tensor | null = null;
  /** How this tensor was computed; `null` for leaves and once `backward()` has freed the graph. */
  node: GradNode | null;
  /** Set when `backward()` freed this tensor's node; a later backward through it throws. */
  graphFreed = false;

  /**
   * Wraps `data` (not copied) in a tensor of `shape`. Most code uses `tensor()`, `zeros()` … instead.
   *
   * @throws Error when `shape` is not an array of integers ≥ 0 (see `checkShape`), or
   * `data.length` differs from the size of `shape`
   */
  constructor(data: TypedArray, shape: Shape, init: TensorInit = {}) {
    if (!(data instanceof Float32Array) && !(data instanceof Float64Array)) {
      throw new Error("Tensor: data must be a Float32Array or a Float64Array");
    }
    const size = sizeOf(checkShape("Tensor", shape));
    if (data.length !== size) {
      throw new Error(`Tensor: data has ${data.length} elements but shape ${formatShape(shape)} needs ${size}`);
    }
    this.data = data;
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtypeOf(data);
    this.size = size;
    this.node = init.node ?? null;
    this.requiresGrad = init.requiresGrad === true;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Whether this tensor was created by the user rather than by an op (it has no node). */
  get isLeaf(): boolean {
    return this.node === null && !this.graphFreed;
  }

  /**
   * The value of a one-element tensor, as a plain number (use it for logging losses).
   *
   * @throws Error when the tensor has more than one element
   */
  item(): number {
    if (this.size !== 1) throw new Error(`item: only one-element tensors convert to a number, got shape ${formatShape(this.shape)}`);
    return this.data[0];
  }

  /** The values as nested arrays of numbers (a number for a scalar). */
  toArray(): NestedArray {
    const data = this.data;
    const shape = this.shape;
    if (shape.length === 0) return data[0];
    const build = (dim: number, offset: number, stride: number): NestedArray[] => {
      const out: NestedArray[] = [];
      const inner = stride / shape[dim];
      for (let i = 0; i < shape[dim]; i++) {
        out.push(dim === shape.length - 1 ? data[offset + i] : build(dim + 1, offset + i * inner, inner));
      }
      return out;
    };
    return build(0, 0, this.size);
  }

  /** A new tensor sharing this one's data, cut from the graph (`requiresGrad` false). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /**
   * Sets whether this leaf tensor requires grad, in place, and returns it.
   *
   * @throws Error when called on a tensor computed by an op (only leaves can be switched)
   */
  requiresGrad_(requiresGrad = true): this {
    if (!this.isLeaf) {
      throw new Error("requiresGrad_: only leaf tensors can change requiresGrad; use detach() to make a new leaf");
    }
    this.requiresGrad = requiresGrad;
    return this;
  }

  /** Sets `grad` to zeros in place (keeping its buffer), if there is one. */
  zeroGrad(): void {
    if (this.grad !== null) zeroStorage(this.grad.data);
  }

  /**
   * See {@link backward}. Also `backward(options)`, e.g. `loss.backward({ createGraph: true })`
   * to make every `.grad` differentiable (higher-order gradients).
   */
  backward(gradient?: Tensor | null | BackwardOptions, options?: BackwardOptions): void {
    if (gradient !== undefined && gradient !== null && !(gradient instanceof Tensor)) backward(this, null, gradient);
    else backward(this, gradient, options);
  }

  /** A copy converted to `dtype` (this tensor itself if it already has it); differentiable. */
  to(dtype: DType): Tensor {
    return cast(this, dtype);
  }
  /** Alias of {@link Tensor.to}. */
  astype(dtype: DType): Tensor {
    return cast(this, dtype);
  }

  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.dtype}${this.requiresGrad ? ", requiresGrad" : ""})`;
  }

  /** What `console.log(t)` prints in Node: the values (elided past 7 per axis), shape and dtype. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    const values = formatValues(this).replaceAll("\n", "\n       ");
    const grad = this.node !== null ? `, grad: ${this.node.op}` : this.requiresGrad ? ", requiresGrad" : "";
    return `tensor(${values}, shape ${formatShape(this.shape)}, ${this.dtype}${grad})`;
  }

  add(other: TensorLike): Tensor {
    return add(this, other);
  }
  sub(other: TensorLike): Tensor {
    return sub(this, other);
  }
  mul(other: TensorLike): Tensor {
    return mul(this, other);
  }
  div(other: TensorLike): Tensor {
    return div(this, other);
  }
  maximum(other: TensorLike): Tensor {
    return maximum(this, other);
  }
  minimum(other: TensorLike): Tensor {
    return minimum(this, other);
  }
  neg(): Tensor {
    return neg(this);
  }
  pow(exponent: number): Tensor {
    return pow(this, exponent);
  }
  exp(): Tensor {
    return exp(this);
  }
  log(): Tensor {
    return log(this);
  }
  sqrt(): Tensor {
    return sqrt(this);
  }
  abs(): Tensor {
    return abs(this);
  }
  clamp(min?: number, max?: number): Tensor {
    return clamp(this, min, max);
  }
  matmul(other: Tensor): Tensor {
    return matmul(this, other);
  }
  sum(axis?: Axes, options?: ReduceOptions): Tensor {
    return sum(this, axis, options);
  }
  mean(axis?: Axes, options?: ReduceOptions): Tensor {
    return mean(this, axis, options);
  }
  max(axis?: Axes, options?: ReduceOptions): Tensor {
    return max(this, axis, options);
  }
  argmax(axis?: number, options?: ReduceOptions): Tensor {
    return argmax(this, axis, options);
  }
  reshape(shape: readonly number[]): Tensor {
    return reshape(this, shape);
  }
  transpose(dim0?: number, dim1?: number): Tensor {
    return transpose(this, dim0, dim1);
  }
  permute(dims: readonly number[]): Tensor {
    return permute(this, dims);
  }
  indexSelect(indices: readonly number[] | Int32Array | Tensor, axis?: number): Tensor {
    return indexSelect(this, indices, axis);
  }
  slice(axis: number, start: number, end?: number): Tensor {
    return slice(this, axis, start, end);
  }
  softmax(axis?: number): Tensor {
    return softmax(this, axis);
  }
  logSoftmax(axis?: number): Tensor {
    return logSoftmax(this, axis);
  }
  gt(other: TensorLike): Tensor {
    return gt(this, other);
  }
  ge(other: TensorLike): Tensor {
    return ge(this, other);
  }
  lt(other: TensorLike): Tensor {
    return lt(this, other);
  }
  le(other: TensorLike): Tensor {
    return le(this, other);
  }
  eq(other: TensorLike): Tensor {
    return eq(this, other);
  }
  ne(other: TensorLike): Tensor {
    return ne(this, other);
  }

  // PyTorch's first-hour surface (issue 12). Each is a one-line call of an op function.
  /** Number of elements (PyTorch's `numel()`; the same as {@link Tensor.size}). */
  numel(): number {
    return this.size;
  }
  /** The values as nested arrays (PyTorch's `tolist()`; the same as {@link Tensor.toArray}). */
  tolist(): NestedArray {
    return this.toArray();
  }
  /** A float32 copy (this tensor if it is float32 already); differentiable. */
  float(): Tensor {
    return cast(this, "float32");
  }
  /** A float64 copy (this tensor if it is float64 already); differentiable. */
  double(): Tensor {
    return cast(this, "float64");
  }
  /** The axes in reverse order, as PyTorch's `.T`: the transpose of a matrix; a 0-D or 1-D tensor itself. */
  get T(): Tensor {
    return this.ndim < 2 ? this : permute(this, this.shape.map((_, i) => this.ndim - 1 - i));
  }
  min(axis?: Axes, options?: ReduceOptions): Tensor {
    return min(this, axis, options);
  }
  argmin(axis?: number, options?: ReduceOptions): Tensor {
    return argmin(this, axis, options);
  }
  /** Variance, unbiased by default (`correction` 1, as PyTorch); see {@link variance}. */
  var(axis?: Axes, options?: VarianceOptions): Tensor {
    return variance(this, axis, options);
  }
  /** Standard deviation, unbiased by default (`correction` 1, as PyTorch); see {@link std}. */
  std(axis?: Axes, options?: VarianceOptions): Tensor {
    return std(this, axis, options);
  }
  sin(): Tensor {
    return sin(this);
  }
  cos(): Tensor {
    return cos(this);
  }
  tanh(): Tensor {
    return tanh(this);
  }
  sigmoid(): Tensor {
    return sigmoid(this);
  }
  relu(): Tensor {
    return relu(this);
  }
  square(): Tensor {
    return square(this);
  }
  log1p(): Tensor {
    return log1p(this);
  }
  expm1(): Tensor {
    return expm1(this);
  }
  unsqueeze(axis: number): Tensor {
    return unsqueeze(this, axis);
  }
  squeeze(axis?: number | readonly number[]): Tensor {
    return squeeze(this, axis);
  }
  view(shape: readonly number[]): Tensor {
    return view(this, shape);
  }
  flatten(startAxis?: number, endAxis?: number): Tensor {
    return flatten(this, startAxis, endAxis);
  }
  clone(): Tensor {
    return clone(this);
  }
  gather(axis: number, index: Tensor): Tensor {
    return gather(this, axis, index);
  }
  scatterAdd(axis: number, index: Tensor, src: Tensor): Tensor {
    return scatterAdd(this, axis, index, src);
  }
  add_(other: TensorLike, options?: AddInPlaceOptions): this {
    return add_(this, other, options) as this;
  }
  sub_(other: TensorLike, options?: AddInPlaceOptions): this {
    return sub_(this, other, options) as this;
  }
  mul_(other: TensorLike): this {
    return mul_(this, other) as this;
  }
  div_(other: TensorLike): this {
    return div_(this, other) as this;
  }
  fill_(value: number): this {
    return fill_(this, value) as this;
  }
  zero_(): this {
    return zero_(this) as this;
  }
  copy_(src: Tensor): this {
    return copy_(this, src) as this;
  }
}
