import { allocate, type DType, type TypedArray } from "../tensor/dtype.js";

/**
 * The safetensors dtype names typegrad can read, with their size in bytes and the typegrad
 * dtype they load as. F16 and BF16 widen to float32 exactly (every half and bfloat16 value is
 * a float32 value). Integer, boolean and 8-bit float dtypes are rejected: typegrad tensors
 * hold floats only, and I64/U64 values would not survive a conversion.
 */
export const READABLE_DTYPES = {
  F64: { bytes: 8, dtype: "float64" },
  F32: { bytes: 4, dtype: "float32" },
  F16: { bytes: 2, dtype: "float32" },
  BF16: { bytes: 2, dtype: "float32" },
} as const satisfies Record<string, { bytes: number; dtype: DType }>;

/** A safetensors dtype typegrad reads. */
export type ReadableDType = keyof typeof READABLE_DTYPES;

/** Every dtype name the safetensors format defines (to tell "unsupported" from "unknown"). */
export const SAFETENSORS_DTYPES: readonly string[] = [
  "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2",
  "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64", "C64",
];

/** The safetensors name of a typegrad dtype (`float32` → `F32`, `float64` → `F64`). */
export function safetensorsName(dtype: DType): "F32" | "F64" {
  return dtype === "float64" ? "F64" : "F32";
}

/** Whether `name` is a dtype {@link decodeTensorData} accepts. */
export function isReadable(name: string): name is ReadableDType {
  return Object.prototype.hasOwnProperty.call(READABLE_DTYPES, name);
}

/** IEEE 754 half precision → number (exact). */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Decodes `count` little-endian elements of dtype `name` starting at `view` byte `offset`
 * into a new typed array (copied, so the result owns its memory and is aligned).
 */
export function decodeTensorData(view: DataView, offset: number, count: number, name: ReadableDType): TypedArray {
  const out = allocate(READABLE_DTYPES[name].dtype, count);
  switch (name) {
    case "F64":
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, true);
      break;
    case "F32":
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, true);
      break;
    case "F16":
      for (let i = 0; i < count; i++) out[i] = halfToNumber(view.getUint16(offset + 2 * i, true));
      break;
    case "BF16": {
      // bfloat16 is the top half of a float32: shift it back into place.
      const bits = new Uint32Array((out as Float32Array).buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(offset + 2 * i, true) << 16;
      break;
    }
  }
  return out;
}

/** Writes `data` little-endian at byte `offset` of `view`. */
export function encodeTensorData(view: DataView, offset: number, data: TypedArray): void {
  if (data instanceof Float64Array) {
    for (let i = 0; i < data.length; i++) view.setFloat64(offset + 8 * i, data[i], true);
  } else {
    for (let i = 0; i < data.length; i++) view.setFloat32(offset + 4 * i, data[i], true);
  }
}
