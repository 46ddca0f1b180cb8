import { broadcastTo } from "../../kernels/broadcast.js";
import type { TypedArray } from "../../tensor/dtype.js";
import { broadcastShapes, formatShape, sameShape } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { checkOptionKeys, finiteOption } from "../../util/options.js";
import { isGradEnabled } from "../grad-mode.js";
import { bumpVersion } from "../version.js";

/**
 * In-place ops (PyTorch's trailing-underscore methods): they overwrite `x`'s data, return
 * `x`, and record nothing in the graph. As in PyTorch:
 *
 * - while gradients are recorded, a leaf that requires grad cannot be changed in place
 *   (wrap parameter updates in `noGrad`, as an optimiser does);
 * - every change bumps the version counter of `x`'s storage, so a `backward()` through an
 *   op recorded before the change throws, naming both ops, instead of returning a wrong
 *   gradient.
 *
 * Deliberate differences: typegrad does not record in-place ops, so while gradients are
 * recorded a tensor computed by an op that requires grad, or an operand that requires grad,
 * is an Error naming the out-of-place op to use; and every recorded op's inputs and output
 * are version-checked, where PyTorch checks only the tensors an op saved (so typegrad also
 * refuses e.g. `y = a.add(b); a.add_(1); y.backward()`, which PyTorch allows).
 */

/** Options of {@link add_} and {@link sub_}. */
export interface AddInPlaceOptions {
  /** Scale of `other` (PyTorch's `alpha`): `x += alpha·other`. Default 1. */
  alpha?: number;
}

function check(op: string, x: Tensor, other?: unknown): void {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${x === null ? "null" : typeof x}`);
  if (!isGradEnabled()) return;
  const outOfPlace = op.slice(0, -1);
  if (x.requiresGrad) {
    if (x.isLeaf) {
      throw new Error(
        `${op}: a leaf tensor that requires grad cannot be modified in place while gradients are recorded; ` +
          `do it inside noGrad(() => …) (as an optimiser step does), or on a detach()ed tensor`,
      );
    }
    throw new Error(
      `${op}: this tensor was computed by ${x.node?.op ?? "an op"} and requires grad; typegrad does not record in-place ops, ` +
        `use the out-of-place ${outOfPlace}`,
    );
  }
  if (other instanceof Tensor && other.requiresGrad) {
    throw new Error(`${op}: the operand requires grad; typegrad does not record in-place ops, use the out-of-place ${outOfPlace}`);
  }
}

/** `other` as an array of `x`'s size: a number, or a tensor broadcast to `x`'s shape. */
function operand(op: string, x: Tensor, other: Tensor | number): ArrayLike<number> | number {
  if (typeof other === "number") return other;
  if (!(other instanceof Tensor)) throw new Error(`${op}: expected a Tensor or a number as the operand, got ${other === null ? "null" : typeof other}`);
  if (sameShape(other.shape, x.shape)) return other.data;
  const shape = broadcastShapes(op, x.shape, other.shape);
  if (!sameShape(shape, x.shape)) {
    throw new Error(`${op}: the operand's shape ${formatShape(other.shape)} does not broadcast to this tensor's shape ${formatShape(x.shape)}`);
  }
  return broadcastTo(other.data, other.shape, x.shape);
}

function alphaOf(op: string, options: AddInPlaceOptions | undefined): number {
  checkOptionKeys(op, options, ["alpha"]);
  return options?.alpha === undefined ? 1 : finiteOption(op, "alpha", options.alpha);
}

/**
 * `x += alpha·other`, in place (PyTorch's `add_`); `other` broadcasts to `x`'s shape.
 *
 * @returns `x`
 * @throws Error (before changing anything) for a leaf that requires grad outside `noGrad`,
 *   a tensor computed by an op that requires grad, an operand that requires grad, a shape
 *   that does not broadcast to `x`'s, or an unknown option
 */
export function add_(x: Tensor, other: Tensor | number, options?: AddInPlaceOptions): Tensor {
  check("add_", x, other);
  const alpha = alphaOf("add_", options);
  const b = operand("add_", x, other);
  const d = x.data;
  if (typeof b === "number") for (let i = 0; i < d.length; i++) d[i] += alpha * b;
  else if (alpha === 1) for (let i = 0; i < d.length; i++) d[i] += b[i];
  else for (let i = 0; i < d.length; i++) d[i] += alpha * b[i];
  bumpVersion(d, "add_");
  return x;
}

/**
 * `x −= alpha·other`, in place (PyTorch's `sub_`).
 *
 * @returns `x`
 * @throws Error as {@link add_}
 */
export function sub_(x: Tensor, other: Tensor | number, options?: AddInPlaceOptions): Tensor {
  check("sub_", x, other);
  const alpha = alphaOf("sub_", options);
  const b = operand("sub_", x, other);
  const d = x.data;
  if (typeof b === "number") for (let i = 0; i < d.length; i++) d[i] -= alpha * b;
  else for (let i = 0; i < d.length; i++) d[i] -= alpha * b[i];
  bumpVersion(d, "sub_");
  return x;
}

/**
 * `x ·= other`, in place (PyTorch's `mul_`); `other` broadcasts to `x`'s shape.
 *
 * @returns `x`
 * @throws Error as {@link add_}
 */
export function mul_(x: Tensor, other: Tensor | number): Tensor {
  check("mul_", x, other);
  const b = operand("mul_", x, other);
  const d = x.data;
  if (typeof b === "number") for (let i = 0; i < d.length; i++) d[i] *= b;
  else for (let i = 0; i < d.length; i++) d[i] *= b[i];
  bumpVersion(d, "mul_");
  return x;
}

/**
 * `x /= other`, in place (PyTorch's `div_`); `other` broadcasts to `x`'s shape.
 *
 * @returns `x`
 * @throws Error as {@link add_}
 */
export function div_(x: Tensor, other: Tensor | number): Tensor {
  check("div_", x, other);
  const b = operand("div_", x, other);
  const d = x.data;
  if (typeof b === "number") for (let i = 0; i < d.length; i++) d[i] /= b;
  else for (let i = 0; i < d.length; i++) d[i] /= b[i];
  bumpVersion(d, "div_");
  return x;
}

/**
 * Sets every element to `value`, in place (PyTorch's `fill_`).
 *
 * @returns `x`
 * @throws Error when `value` is not a number, or as {@link add_}
 */
export function fill_(x: Tensor, value: number): Tensor {
  check("fill_", x);
  if (typeof value !== "number") throw new Error(`fill_: value must be a number, got ${value === null ? "null" : typeof value}`);
  x.data.fill(value);
  bumpVersion(x.data, "fill_");
  return x;
}

/**
 * Sets every element to 0, in place (PyTorch's `zero_`).
 *
 * @returns `x`
 * @throws Error as {@link add_}
 */
export function zero_(x: Tensor): Tensor {
  check("zero_", x);
  x.data.fill(0);
  bumpVersion(x.data, "zero_");
  return x;
}

/**
 * Copies `src`'s values into `x`, in place (PyTorch's `copy_`): `src` broadcasts to `x`'s
 * shape and is converted to `x`'s dtype (rounded once when `x` is float32).
 *
 * @returns `x`
 * @throws Error as {@link add_}
 */
export function copy_(x: Tensor, src: Tensor): Tensor {
  check("copy_", x, src);
  if (!(src instanceof Tensor)) throw new Error(`copy_: src must be a Tensor, got ${src === null ? "null" : typeof src}`);
  const b = operand("copy_", x, src) as ArrayLike<number>;
  (x.data as TypedArray).set(b as TypedArray);
  bumpVersion(x.data, "copy_");
  return x;
}
