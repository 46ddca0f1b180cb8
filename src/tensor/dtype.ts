/** The element types a {@link Tensor} can hold. `float32` is the default; `float64` is for gradcheck and precision-sensitive work. */
export type DType = "float32" | "float64";

/** The storage behind a tensor: one typed array per dtype. */
export type TypedArray = Float32Array | Float64Array;

/** The initial default dtype of new tensors and layers; {@link getDefaultDtype} gives the current one. */
export const DEFAULT_DTYPE: DType = "float32";

let currentDefault: DType = DEFAULT_DTYPE;

/**
 * The dtype that creation functions (`tensor` of numbers, `zeros`, `randn`, …), layers and
 * trainable activations use when no `dtype` is given: `"float32"` unless changed with
 * {@link setDefaultDtype}.
 */
export function getDefaultDtype(): DType {
  return currentDefault;
}

/**
 * Sets the default dtype of new tensors, layers and activation parameters (PyTorch's
 * `torch.set_default_dtype`). Tensors that exist keep their dtype. Building a float64 model
 * this way (or with each layer's `dtype` option) stores its initial values exactly, where
 * `model.to("float64")` after building in float32 keeps the float32-rounded values.
 *
 * @throws Error for a dtype other than `"float32"` or `"float64"`
 *
 * @example
 * ```ts
 * setDefaultDtype("float64");
 * const model = new Sequential(new Dense(2, 8, { activation: "swish" }), new Dense(8, 1));
 * setDefaultDtype("float32");
 * ```
 */
export function setDefaultDtype(dtype: DType): void {
  currentDefault = checkDType("setDefaultDtype", dtype);
}

/** Runs `fn` with the default dtype set to `dtype`, restoring the previous default afterwards. */
export function withDefaultDtype<T>(dtype: DType, fn: () => T): T {
  const previous = currentDefault;
  currentDefault = checkDType("withDefaultDtype", dtype);
  try {
    return fn();
  } finally {
    currentDefault = previous;
  }
}

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
