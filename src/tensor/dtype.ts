/** The element types a {@link Tensor} can hold. `float32` is the default; `float64` is for gradcheck and precision-sensitive work. */
export type DType = "float32" | "float64";

/** The storage behind a tensor: one typed array per dtype. */
export type TypedArray = Float32Array | Float64Array;

/** The default dtype for new tensors. */
export const DEFAULT_DTYPE: DType = "float32";

/** Allocates a zero-filled array of `size` elements for `dtype`. */
export function allocate(dtype: DType, size: number): TypedArray {
  return dtype === "float64" ? new Float64Array(size) : new Float32Array(size);
}

/** The dtype a typed array stores. */
export function dtypeOf(array: TypedArray): DType {
  return array instanceof Float64Array ? "float64" : "float32";
}

/**
 * Checks that `dtype` names a supported dtype.
 *
 * @throws Error naming `op` and the value when it does not.
 */
export function checkDType(op: string, dtype: unknown): DType {
  if (dtype !== "float32" && dtype !== "float64") {
    throw new Error(`${op}: unknown dtype ${JSON.stringify(dtype)}; expected "float32" or "float64"`);
  }
  return dtype;
}
