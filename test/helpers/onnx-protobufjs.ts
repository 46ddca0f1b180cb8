// ONNX protobuf decoding for the tests, with protobufjs (a devDependency): an independent
// implementation of the wire format checks the exporter's hand-written encoder.
import protobuf from "protobufjs/light.js";
import type { OnnxModel } from "../../src/io/onnx-proto.js";

type FieldJson = { type: string; id: number; rule?: "repeated"; options?: { packed: boolean } };

const unpacked = { packed: false };

/** The schema subset, message by message, as protobufjs field JSON (camelCase names, ONNX field numbers). */
const MESSAGES: Record<string, Record<string, FieldJson>> = {
  ModelProto: {
    irVersion: { type: "int64", id: 1 },
    producerName: { type: "string", id: 2 },
    producerVersion: { type: "string", id: 3 },
    domain: { type: "string", id: 4 },
    modelVersion: { type: "int64", id: 5 },
    docString: { type: "string", id: 6 },
    graph: { type: "GraphProto", id: 7 },
    opsetImport: { type: "OperatorSetIdProto", id: 8, rule: "repeated" },
    metadataProps: { type: "StringStringEntryProto", id: 14, rule: "repeated" },
  },
  OperatorSetIdProto: {
    domain: { type: "string", id: 1 },
    version: { type: "int64", id: 2 },
  },
  StringStringEntryProto: {
    key: { type: "string", id: 1 },
    value: { type: "string", id: 2 },
  },
  GraphProto: {
    node: { type: "NodeProto", id: 1, rule: "repeated" },
    name: { type: "string", id: 2 },
    initializer: { type: "TensorProto", id: 5, rule: "repeated" },
    docString: { type: "string", id: 10 },
    input: { type: "ValueInfoProto", id: 11, rule: "repeated" },
    output: { type: "ValueInfoProto", id: 12, rule: "repeated" },
    valueInfo: { type: "ValueInfoProto", id: 13, rule: "repeated" },
  },
  NodeProto: {
    input: { type: "string", id: 1, rule: "repeated" },
    output: { type: "string", id: 2, rule: "repeated" },
    name: { type: "string", id: 3 },
    opType: { type: "string", id: 4 },
    attribute: { type: "AttributeProto", id: 5, rule: "repeated" },
    docString: { type: "string", id: 6 },
    domain: { type: "string", id: 7 },
  },
  AttributeProto: {
    name: { type: "string", id: 1 },
    f: { type: "float", id: 2 },
    i: { type: "int64", id: 3 },
    s: { type: "bytes", id: 4 },
    floats: { type: "float", id: 7, rule: "repeated", options: unpacked },
    ints: { type: "int64", id: 8, rule: "repeated", options: unpacked },
    docString: { type: "string", id: 13 },
    type: { type: "int32", id: 20 },
  },
  TensorProto: {
    dims: { type: "int64", id: 1, rule: "repeated", options: unpacked },
    dataType: { type: "int32", id: 2 },
    name: { type: "string", id: 8 },
    rawData: { type: "bytes", id: 9 },
    docString: { type: "string", id: 12 },
  },
  ValueInfoProto: {
    name: { type: "string", id: 1 },
    type: { type: "TypeProto", id: 2 },
    docString: { type: "string", id: 3 },
  },
  TypeProto: {
    tensorType: { type: "TypeProtoTensor", id: 1 },
    denotation: { type: "string", id: 6 },
  },
  // TypeProto.Tensor, flattened to one level (nesting changes no byte on the wire).
  TypeProtoTensor: {
    elemType: { type: "int32", id: 1 },
    shape: { type: "TensorShapeProto", id: 2 },
  },
  TensorShapeProto: {
    dim: { type: "TensorShapeDimension", id: 1, rule: "repeated" },
  },
  // TensorShapeProto.Dimension: `oneof value { dim_value = 1; dim_param = 2 }`.
  TensorShapeDimension: {
    dimValue: { type: "int64", id: 1 },
    dimParam: { type: "string", id: 2 },
    denotation: { type: "string", id: 3 },
  },
};

let modelType: protobuf.Type | null = null;

/** The `ModelProto` type, built on first use (no work at import time). */
function modelProto(): protobuf.Type {
  if (modelType === null) {
    const nested: Record<string, object> = {};
    for (const [name, fields] of Object.entries(MESSAGES)) {
      const json: { fields: Record<string, FieldJson>; edition: string; oneofs?: object } = { fields, edition: "proto2" };
      if (name === "TensorShapeDimension") json.oneofs = { value: { oneof: ["dimValue", "dimParam"] } };
      nested[name] = json;
    }
    const root = protobuf.Root.fromJSON({ nested: { onnx: { nested } } } as protobuf.INamespace);
    modelType = root.lookupType("onnx.ModelProto");
  }
  return modelType;
}

/** What protobufjs writes for `model` (the reference src/io/onnx-proto.ts's encoder matches byte for byte). */
export function encodeWithProtobufjs(model: OnnxModel): Uint8Array {
  const type = modelProto();
  const problem = type.verify(model);
  if (problem !== null) throw new Error(`protobufjs: ${problem}`);
  // A copy: in Node, protobufjs returns a Buffer that may be a view into a shared pool.
  return new Uint8Array(type.encode(type.fromObject(model)).finish());
}

/**
 * Parses the subset of an ONNX model typegrad writes (fields outside the subset are
 * skipped). Int64 values come back as numbers. For tests and inspection.
 */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  const type = modelProto();
  return type.toObject(type.decode(bytes), { longs: Number, bytes: Uint8Array, defaults: false, arrays: true }) as OnnxModel;
}
