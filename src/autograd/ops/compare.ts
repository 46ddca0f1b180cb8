import { broadcastTo, sumTo } from "../../kernels/broadcast.js";
import { allocate, type TypedArray } from "../../tensor/dtype.js";
import { broadcastShapes, sameShape, sizeOf, type Shape } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { operands, type TensorLike } from "../define-op.js";
import { commonDType, record } from "../node.js";
import { sumTo as sumToShape } from "./shape.js";

function expand(t: Tensor, shape: Shape): TypedArray {
  return sameShape(t.shape, shape) ? t.data : broadcastTo(t.data, t.shape, shape);
}

function defineComparison(name: string, test: (a: TypedArray, b: TypedArray, y: TypedArray) => void) {
  return (aIn: TensorLike, bIn: TensorLike): Tensor => {
    const [a, b] = operands(name, aIn, bIn);
    const shape = broadcastShapes(name, a.shape, b.shape);
    const y = allocate(a.dtype, sizeOf(shape));
    test(expand(a, shape), expand(b, shape), y);
    return new Tensor(y, shape);
  };
}

/** Mask of `a > b` (1 or 0), broadcasting; comparisons with NaN are 0. Carries no gradient. */
export const gt = defineComparison("gt", (a, b, y) => {
  for (let i = 0; i < y.length; i++) y[i] = a[i] > b[i] ? 1 : 0;
});
/** Mask of `a ≥ b` (1 or 0), broadcasting. Carries no gradient. */
export const ge = defineComparison("ge", (a, b, y) => {
  for (let i = 0; i < y.length; i++) y[i] = a[i] >= b[i] ? 1 : 0;
});
/** Mask of `a < b` (1 or 0), broadcasting. Carries no gradient. */
export const lt = defineComparison("lt", (a, b, y) => {
  for (let i = 0; i < y.length; i++) y[i] = a[i] < b[i] ? 1 : 0;
});
/** Mask of `a ≤ b` (1 or 0), broadcasting. Carries no gradient. */
export const le = defineComparison("le", (a, b, y) => {
  for (let i = 0; i < y.length; i++) y[i] = a[i] <= b[i] ? 1 : 0;
});
/** Mask of `a = b` (1 or 0), broadcasting. Carries no gradient. */
export const eq = defineComparison("eq", (a, b, y) => {
  for (let i = 0; i < y.length; i++) y[i] = a[i] === b[i] ? 1 : 0;
});
/** Mask of `a ≠ b` (1 or 0), broadcasting; NaN ≠ NaN is 1. Carries no gradient. */
export const ne = defineComparison("ne", (a, b, y) => {
  for (let i = 0; i < y.length; i++) y[i] = a[i] !== b[i] ? 1 : 0;
});

/**
 * Picks `a` where `condition` is non-zero and `b` elsewhere; all three broadcast together.
 *
 * ```text
 * where(c, a, b) = c ≠ 0 ? a : b,   ∂/∂a = [c ≠ 0],   ∂/∂b = [c = 0],   no gradient to c
 * ```
 *
 * Both branches are evaluated by the caller before `where` runs: clamp each branch's
 * argument to its own domain so the unselected one cannot overflow into a NaN gradient.
 */
export function where(condition: Tensor, aIn: TensorLike, bIn: TensorLike): Tensor {
  if (!(condition instanceof Tensor)) throw new Error("where: condition must be a Tensor");
  const [a, b] = operands("where", aIn, bIn);
  commonDType("where", [condition, a]);
  const shape = broadcastShapes("where", broadcastShapes("where", condition.shape, a.shape), b.shape);
  const c = expand(condition, shape);
  const ad = expand(a, shape);
  const bd = expand(b, shape);
  const y = allocate(a.dtype, c.length);
  for (let i = 0; i < y.length; i++) y[i] = c[i] !== 0 ? ad[i] : bd[i];
  return record(y, shape, [a, b], "where", (gy) => {
    const ga = allocate(a.dtype, gy.length);
    const gb = allocate(a.dtype, gy.length);
    for (let i = 0; i < gy.length; i++) {
      if (c[i] !== 0) ga[i] = gy[i];
      else gb[i] = gy[i];
    }
    return [sumTo(ga, shape, a.shape), sumTo(gb, shape, b.shape)];
  }, (gy, _out, needs) => [
    needs[0] ? sumToShape(where(condition, gy, 0), a.shape) : null,
    needs[1] ? sumToShape(where(condition, 0, gy), b.shape) : null,
  ]);
}
