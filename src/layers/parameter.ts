import { allocateStorage } from "../kernels/wasm.js";
import type { TypedArray } from "../tensor/dtype.js";
import type { Shape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * A tensor that is a trainable parameter of a {@link Module}: a leaf that requires grad.
 * Modules find their parameters by looking for fields of this type.
 */
export class Parameter extends Tensor {
  /**
   * @param value - a tensor whose data is copied, or a typed array used as is (with `shape`)
   * @param shape - needed with a typed array; default 1-D
   */
  constructor(value: Tensor | TypedArray, shape?: Shape) {
    if (value instanceof Tensor) {
      // Long-lived: in WebAssembly memory where the kernels can use it in place.
      const data = allocateStorage(value.dtype, value.size);
      data.set(value.data);
      super(data, value.shape, { requiresGrad: true });
    } else {
      super(value, shape ?? [value.length], { requiresGrad: true });
    }
  }
}
