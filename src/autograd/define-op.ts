import { broadcastTo, sumTo } from "../kernels/broadcast.js";
import { allocate, type TypedArray } from "../tensor/dtype.js";
import { broadcastShapes, sameShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { commonDType, record } from "./node.js";
import { mul } from "./ops/binary.js";
import { sumTo as sumToShape } from "./ops/shape.js";

/** A tensor, or a plain number that takes the other operand's dtype. */
export type TensorLike = Tensor | number;

/**
 * Forward and backward of an element-wise unary operation, written once.
 * Both methods loop over whole arrays: no per-element callbacks. Values are computed in
 * double precision and rounded once when stored into a `Float32Array`.
 *
 * @typeParam P - extra non-tensor arguments (e.g. a slope); `void` if none.
 */
export interface UnaryKernel<P = void> {
  /** The function's name, exactly; used in error messages and graph dumps. */
  readonly name: string;
  /** Writes `y[i] = f(x[i])`. */
  forward(x: TypedArray, y: TypedArray, params: P): void;
  /** Writes `gx[i] = gy[i] · f'(x[i])`; `y` is the forward result, for derivatives cheaper from it. */
  backward(x: TypedArray, y: TypedArray, gy: TypedArray, gx: TypedArray, params: P): void;
  /**
   * f'(x) written with tensor ops (a number for a constant), the same derivative as
   * `backward`; `y` is the op's output tensor. Used only by `createGraph` (higher-order
   * gradients): the recorded backward is `gy · derivative(x, y)`, itself differentiable.
   * Without it, `createGraph` through this op throws, naming it. A piecewise-constant
   * derivative is a constant tensor (no graph), so the next derivative there is 0.
   */
  derivative?(x: Tensor, y: Tensor, params: P): Tensor | number;
}

/** A differentiable element-wise function made by {@link defineUnaryOp}. */
export type UnaryOp<P> = [P] extends [void] ? (x: Tensor) => Tensor : (x: Tensor, params: P) => Tensor;

/**
 * Turns a {@link UnaryKernel} into a differentiable tensor function. This is how typegrad
 * defines its own element-wise ops and activations, and the way to add a new one with a
 * hand-written derivative (check it with `gradcheck`).
 *
 * @example
 * ```ts
 * // softsign(x) = x / (1 + |x|),  d/dx = 1 / (1 + |x|)²
 * const softsign = defineUnaryOp({
 *   name: "softsign",
 *   forward(x, y) { for (let i = 0; i < x.length; i++) y[i] = x[i] / (1 + Math.abs(x[i])); },
 *   backward(x, _y, gy, gx) { for (let i = 0; i < x.length; i++) gx[i] = gy[i] / (1 + Math.abs(x[i])) ** 2; },
 * });
 * ```
 */
export function defineUnaryOp<P = void>(kernel: UnaryKernel<P>): UnaryOp<P> {
  // Op modules call this at load time, possibly while this module is still waiting on the
  // tensor ↔ ops import cycle: so no named local functions here (tsx's keepNames would
  // wrap them in a helper this module has not defined yet); `named` is hoisted.
  return named(kernel.name, (x: Tensor, params: P): Tensor => {
    if (!(x instanceof Tensor)) throw new Error(`${kernel.name}: expected a Tensor, got ${typeof x}`);
    const y = allocate(x.dtype, x.size);
    kernel.forward(x.data, y, params);
    return record(
      y,
      x.shape,
      [x],
      kernel.name,
      (gy) => {
        const gx = allocate(x.dtype, x.size);
        kernel.backward(x.data, y, gy, gx, params);
        return [gx];
      },
      kernel.derivative === undefined ? undefined : (gy, out) => [mul(gy, kernel.derivative!(x, out, params))],
      `declare derivative(x, y) (f' as tensor ops) in its defineUnaryOp kernel "${kernel.name}"`,
    );
  }) as UnaryOp<P>;
}

/** Gives `fn` the op's name (for stack traces) and returns it. */
function named<F extends (...args: never[]) => unknown>(name: string, fn: F): F {
  Object.defineProperty(fn, "name", { value: name });
  return fn;
}

/**
 * Forward and backward of an element-wise binary operation. The kernel sees both inputs
 * already broadcast to the output's shape; {@link defineBinaryOp} sums gradients back to
 * each input's shape, so no kernel deals with broadcasting.
 */
export interface BinaryKernel {
  readonly name: string;
  /** Writes `y[i] = f(a[i], b[i])`. */
  forward(a: TypedArray, b: TypedArray, y: TypedArray): void;
  /** Writes `ga[i] = gy[i] · ∂f/∂a` and `gb[i] = gy[i] · ∂f/∂b`. */
  backward(a: TypedArray, b: TypedArray, y: TypedArray, gy: TypedArray, ga: TypedArray, gb: TypedArray): void;
  /**
   * The same as `backward`, written with tensor ops (used only by `createGraph`): returns
   * `gy · ∂f/∂a` and `gy · ∂f/∂b` in the broadcast output's shape (the wrapper sums them
   * back to each input's shape), or `null` where `needs` is false. `y` is the output tensor.
   */
  gradients?(a: Tensor, b: Tensor, y: Tensor, gy: Tensor, needs: readonly boolean[]): readonly [Tensor | null, Tensor | null];
}

/** Wraps a number as a constant scalar tensor of `like`'s dtype. */
export function asTensor(value: TensorLike, like: Tensor, op: string): Tensor {
  if (value instanceof Tensor) return value;
  if (typeof value !== "number") throw new Error(`${op}: expected a Tensor or a number, got ${typeof value}`);
  const data = allocate(like.dtype, 1);
  data[0] = value;
  return new Tensor(data, []);
}

/** Resolves two operands to tensors of one dtype; at least one must be a tensor. */
export function operands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (a instanceof Tensor) {
    const tb = asTensor(b, a, op);
    commonDType(op, [a, tb]);
    return [a, tb];
  }
  if (b instanceof Tensor) return [asTensor(a, b, op), b];
  throw new Error(`${op}: at least one operand must be a Tensor, got ${typeof a} and ${typeof b}`);
}

/** Turns a {@link BinaryKernel} into a differentiable, broadcasting tensor function. */
export function defineBinaryOp(kernel: BinaryKernel): (a: TensorLike, b: TensorLike) => Tensor {
  return named(kernel.name, (aIn: TensorLike, bIn: TensorLike): Tensor => {
    const [a, b] = operands(kernel.name, aIn, bIn);
    const shape = broadcastShapes(kernel.name, a.shape, b.shape);
    const ad = sameShape(a.shape, shape) ? a.data : broadcastTo(a.data, a.shape, shape);
    const bd = sameShape(b.shape, shape) ? b.data : broadcastTo(b.data, b.shape, shape);
    const y = allocate(a.dtype, ad.length);
    kernel.forward(ad, bd, y);
    return record(
      y,
      shape,
      [a, b],
      kernel.name,
      (gy) => {
        const ga = allocate(a.dtype, gy.length);
        const gb = allocate(a.dtype, gy.length);
        kernel.backward(ad, bd, y, gy, ga, gb);
        return [sumTo(ga, shape, a.shape), sumTo(gb, shape, b.shape)];
      },
      kernel.gradients === undefined
        ? undefined
        : (gy, out, needs) => {
            const [ga, gb] = kernel.gradients!(a, b, out, gy, needs);
            return [ga === null ? null : sumToShape(ga, a.shape), gb === null ? null : sumToShape(gb, b.shape)];
          },
      `declare gradients(a, b, y, gy) (the backward as tensor ops) in its defineBinaryOp kernel "${kernel.name}"`,
    );
  });
}
