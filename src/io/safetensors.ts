import { Tensor } from "../tensor/tensor.js";
import { decodeTensorData, encodeTensorData, safetensorsName } from "./safetensors-dtypes.js";
import { ownKeysRecord, parseHeader, type ParsedHeader } from "./safetensors-header.js";

// safetensors bytes, in every runtime. Reading and writing files (Node) is in safetensors-file.ts.

/** The contents of a safetensors file. */
export interface Safetensors {
  /**
   * Tensors by name, in the order of their data in the file. Both records have no prototype,
   * so every name in the file (`__proto__` and `constructor` included) is an own key.
   */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` strings (empty when the file has none). */
  metadata: Record<string, string>;
}

/** Options of {@link parseSafetensors}. */
export interface ParseSafetensorsOptions {
  /** The largest header accepted, in bytes. Default 100 000 000 (`MAX_HEADER_BYTES`). */
  maxHeaderBytes?: number;
}

const utf8 = new TextEncoder();

function checkInputs(op: string, tensors: Record<string, Tensor>, metadata: Record<string, string> | undefined): void {
  if (tensors === null || typeof tensors !== "object") throw new Error(`${op}: expected an object of tensors, got ${String(tensors)}`);
  for (const [name, t] of Object.entries(tensors)) {
    if (name === "__metadata__") throw new Error(`${op}: "__metadata__" is reserved and cannot name a tensor`);
    if (!(t instanceof Tensor)) throw new Error(`${op}: "${name}" is not a Tensor`);
  }
  if (metadata === undefined) return;
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
    throw new Error(`${op}: metadata must be an object of strings`);
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== "string") throw new Error(`${op}: metadata["${key}"] must be a string, got ${typeof value}`);
  }
}

/**
 * Encodes tensors in the safetensors format (https://github.com/huggingface/safetensors):
 *
 * ```text
 * [8 bytes]  N, the header length, unsigned 64-bit little-endian
 * [N bytes]  UTF-8 JSON header, padded with spaces (0x20) so that 8 + N is a multiple of 8:
 *            {"__metadata__":{…},"name":{"dtype":"F32","shape":[2,3],"data_offsets":[begin,end]},…}
 * [rest]     the tensors' bytes, little-endian, row-major, back to back with no gaps;
 *            offsets are relative to the start of this buffer
 * ```
 *
 * float32 tensors are stored as F32, float64 as F64. float64 tensors are placed first (a
 * stable sort by element size, as the reference writer does) so that every tensor starts at
 * a multiple of its element size in the file. `__metadata__` is written only when
 * `metadata` is given.
 *
 * @param tensors - tensors by name; any names except `"__metadata__"`
 * @param metadata - free-form string → string pairs
 * @returns the file's bytes
 * @throws Error when a value is not a Tensor, a name is `"__metadata__"`, or a metadata value is not a string
 */
export function serializeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  checkInputs("serializeSafetensors", tensors, metadata);
  const order = Object.entries(tensors)
    .map(([name, t], index) => ({ name, t, index }))
    .sort((a, b) => b.t.data.BYTES_PER_ELEMENT - a.t.data.BYTES_PER_ELEMENT || a.index - b.index);
  // Built by hand, not with JSON.stringify(object): JS objects list integer-like keys first.
  const parts: string[] = [];
  if (metadata !== undefined) parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  let offset = 0;
  for (const { name, t } of order) {
    const end = offset + t.data.byteLength;
    const info = { dtype: safetensorsName(t.dtype), shape: t.shape, data_offsets: [offset, end] };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset = end;
  }
  const json = utf8.encode(`{${parts.join(",")}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + headerLength);
  let position = 8 + headerLength;
  for (const { t } of order) {
    encodeTensorData(view, position, t.data);
    position += t.data.byteLength;
  }
  return bytes;
}

/**
 * Decodes a safetensors file. The whole header is validated before any tensor is allocated:
 * the length field, UTF-8, JSON syntax, duplicate keys, each entry's dtype, shape and
 * `data_offsets`, that shape × element size equals the offsets' span, that the tensors tile
 * the data buffer exactly (no overlap, gap or trailing bytes) and that `__metadata__` maps
 * strings to strings.
 *
 * Dtypes: F32 loads as float32, F64 as float64, F16 and BF16 widen to float32 (exact). Other
 * dtypes (integers, BOOL, 8-bit floats) are rejected.
 *
 * @param bytes - the file's bytes
 * @param source - a name for error messages (the file path); default `"buffer"`
 * @param options - `maxHeaderBytes`
 * @returns the tensors (each owning a copy of its data) and the metadata
 * @throws Error naming `source`, the tensor and the offending values on the first problem found
 */
export function parseSafetensors(bytes: Uint8Array, source = "buffer", options: ParseSafetensorsOptions = {}): Safetensors {
  if (!(bytes instanceof Uint8Array)) throw new Error(`safetensors: ${source}: expected a Uint8Array`);
  return decodeSafetensors(bytes, parseHeader(bytes, source, options.maxHeaderBytes));
}

/**
 * The tensors of a file whose header `parseHeader` has validated (for a caller that checks
 * the header before deciding to allocate, as `loadModel` does).
 */
export function decodeSafetensors(bytes: Uint8Array, header: ParsedHeader): Safetensors {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tensors = ownKeysRecord<Tensor>();
  for (const e of header.entries) {
    const count = e.shape.reduce((n, d) => n * d, 1);
    tensors[e.name] = new Tensor(decodeTensorData(view, header.dataStart + e.begin, count, e.dtype), e.shape);
  }
  return { tensors, metadata: header.metadata };
}
