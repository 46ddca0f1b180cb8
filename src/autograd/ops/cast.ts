import { allocate, checkDType, type DType } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { record } from "../node.js";

/**
 * Converts to another dtype (a copy); returns `x` itself when it already has that dtype.
 * float64 → float32 rounds to nearest.
 *
 * ```text
 * ∂/∂x = the incoming gradient, converted back to x's dtype
 * ```
 *
 * @throws Error for an unknown dtype
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  checkDType("to", dtype);
  if (x.dtype === dtype) return x;
  const y = allocate(dtype, x.size);
  y.set(x.data);
  return record(y, x.shape, [x], "to", (gy) => {
    const gx = allocate(x.dtype, x.size);
    gx.set(gy);
    return [gx];
  }, (gy) => [cast(gy, x.dtype)]);
}
