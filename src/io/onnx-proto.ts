/**
 * The subset of the ONNX protobuf schema (`onnx.proto`, syntax proto2) that typegrad's
 * exporter writes, with the field numbers of the ONNX IR specification. Messages and
 * fields typegrad never writes (training info, sparse tensors, functions, sequence and map
 * types, external data) are left out; a reader that knows the full schema reads these
 * bytes unchanged.
 *
 * The encoder below writes the protobuf wire format directly (about a hundred lines, and no
 * dependency, so the package stays small and bundles anywhere): fields in field-number order,
 * a field present in the object is written even when it holds its default (proto2), and
 * repeated scalars are unpacked, as proto2 declares them. The bytes are those protobufjs
 * writes for the same object (test/io-onnx-proto.test.ts compares them).
 */

/** `TensorProto.DataType` values typegrad uses. */
export const OnnxDataType = { FLOAT: 1, INT64: 7, DOUBLE: 11 } as const;
/** One of {@link OnnxDataType}'s values. */
export type OnnxDataTypeValue = (typeof OnnxDataType)[keyof typeof OnnxDataType];

/** `AttributeProto.AttributeType` values typegrad uses. */
export const OnnxAttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

/** `TensorProto`: a named constant (an initializer), its values in `rawData` (little-endian). */
export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: OnnxDataTypeValue;
  rawData: Uint8Array;
}

/** `AttributeProto`: exactly one of `f`, `i`, `s`, `floats`, `ints`, matching `type`. */
export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  floats?: number[];
  ints?: number[];
}

/** `NodeProto`: one operator application. */
export interface OnnxNode {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain?: string;
  attribute: OnnxAttribute[];
}

/** `TensorShapeProto.Dimension`: a fixed size or a symbolic name. */
export type OnnxDim = { dimValue: number } | { dimParam: string };

/** `ValueInfoProto` of a tensor: name, element type and shape. */
export interface OnnxValueInfo {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: OnnxDim[] } } };
}

/** `GraphProto`: nodes in topological order, initializers, inputs and outputs. */
export interface OnnxGraph {
  node: OnnxNode[];
  name: string;
  initializer: OnnxTensor[];
  docString?: string;
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
}

/** `ModelProto`: the file's root message. */
export interface OnnxModel {
  irVersion: number;
  opsetImport: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  docString?: string;
  graph: OnnxGraph;
  metadataProps?: { key: string; value: string }[];
}

/** Protobuf wire types. */
const VARINT = 0;
const FIXED32 = 5;
const LENGTH = 2;

let utf8: { encode(text: string): Uint8Array } | null = null; // made on first use: no top-level call, for tree-shaking

/** A growable byte buffer with the protobuf primitives. */
class ProtoWriter {
  #bytes = new Uint8Array(256);
  #length = 0;

  #reserve(n: number): void {
    if (this.#length + n <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + n));
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }

  #byte(b: number): void {
    this.#reserve(1);
    this.#bytes[this.#length++] = b;
  }

  #tag(field: number, wire: number): void {
    this.#varint(BigInt(field * 8 + wire));
  }

  /** An unsigned varint of the low 64 bits of `value` (negative int32/int64 take ten bytes, two's complement). */
  #varint(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.#byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.#byte(Number(v));
  }

  /** An int32/int64 field from a JavaScript integer. */
  int(field: number, value: number | undefined): void {
    if (value === undefined) return;
    if (!Number.isSafeInteger(value)) throw new Error(`encodeOnnxModel: field ${field} must be an integer, got ${value}`);
    this.#tag(field, VARINT);
    this.#varint(BigInt(value));
  }

  float(field: number, value: number | undefined): void {
    if (value === undefined) return;
    this.#tag(field, FIXED32);
    this.#reserve(4);
    new DataView(this.#bytes.buffer).setFloat32(this.#length, value, true);
    this.#length += 4;
  }

  bytes(field: number, value: Uint8Array | undefined): void {
    if (value === undefined) return;
    this.#tag(field, LENGTH);
    this.#varint(BigInt(value.length));
    this.#reserve(value.length);
    this.#bytes.set(value, this.#length);
    this.#length += value.length;
  }

  string(field: number, value: string | undefined): void {
    if (value !== undefined) this.bytes(field, (utf8 ??= new TextEncoder()).encode(value));
  }

  /** An embedded message, written by `write` into a writer of its own. */
  message<T>(field: number, value: T | undefined, write: (w: ProtoWriter, value: T) => void): void {
    if (value === undefined) return;
    const inner = new ProtoWriter();
    write(inner, value);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }
}

// One function per message, fields in field-number order (ONNX IR numbers, onnx.proto).

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.dataType);
  w.string(8, t.name);
  w.bytes(9, t.rawData);
}

function writeAttribute(w: ProtoWriter, a: OnnxAttribute): void {
  w.string(1, a.name);
  w.float(2, a.f);
  w.int(3, a.i);
  w.bytes(4, a.s);
  for (const f of a.floats ?? []) w.float(7, f);
  for (const i of a.ints ?? []) w.int(8, i);
  w.int(20, a.type);
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const input of n.input) w.string(1, input);
  for (const output of n.output) w.string(2, output);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attribute) w.message(5, a, writeAttribute);
  w.string(7, n.domain);
}

function writeDim(w: ProtoWriter, d: OnnxDim): void {
  if ("dimValue" in d) w.int(1, d.dimValue);
  else w.string(2, d.dimParam);
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, v.type, (typeWriter, type) =>
    typeWriter.message(1, type.tensorType, (tensorWriter, tensor) => {
      tensorWriter.int(1, tensor.elemType);
      tensorWriter.message(2, tensor.shape, (shapeWriter, shape) => {
        for (const d of shape.dim) shapeWriter.message(1, d, writeDim);
      });
    }),
  );
}

function writeGraph(w: ProtoWriter, g: OnnxGraph): void {
  for (const n of g.node) w.message(1, n, writeNode);
  w.string(2, g.name);
  for (const t of g.initializer) w.message(5, t, writeTensor);
  w.string(10, g.docString);
  for (const v of g.input) w.message(11, v, writeValueInfo);
  for (const v of g.output) w.message(12, v, writeValueInfo);
}

/**
 * Serialises an ONNX model to protobuf bytes (the content of a `.onnx` file), as a plain
 * `Uint8Array` that owns its buffer.
 *
 * @throws Error when an integer field holds a non-integer
 */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, model.irVersion);
  w.string(2, model.producerName);
  w.string(3, model.producerVersion);
  w.string(6, model.docString);
  w.message(7, model.graph, writeGraph);
  for (const o of model.opsetImport) {
    w.message(8, o, (opset, value) => {
      opset.string(1, value.domain);
      opset.int(2, value.version);
    });
  }
  for (const p of model.metadataProps ?? []) {
    w.message(14, p, (entry, value) => {
      entry.string(1, value.key);
      entry.string(2, value.value);
    });
  }
  return w.finish();
}
