import { describe, expect, it } from "vitest";
import { LogSoftmax, Softmax } from "../src/activations/modules.js";
import { LEAF } from "../src/activations/modules-leaf.js";
import { ELU, LeakyReLU, ReLU, SELU } from "../src/activations/modules-relu.js";
import { GELU, Mish, SiLU, Softplus } from "../src/activations/modules-smooth.js";
import { PReLU, Swish } from "../src/activations/modules-trainable.js";
import { exportOnnx } from "../src/io/onnx-export.js";
import { encodeOnnxModel, OnnxAttributeType, OnnxDataType, type OnnxModel } from "../src/io/onnx-proto.js";
import { Dense } from "../src/layers/dense.js";
import { Dropout } from "../src/layers/dropout.js";
import { Flatten } from "../src/layers/flatten.js";
import type { Module } from "../src/layers/module.js";
import { Sequential } from "../src/layers/sequential.js";
import { generator } from "../src/tensor/random.js";
import { decodeOnnxModel, encodeWithProtobufjs } from "./helpers/onnx-protobufjs.js";

// The exporter writes protobuf by hand (no runtime dependency); protobufjs, an independent
// implementation, must read the bytes and write exactly the same ones back.

function model(act: Module, seed: number): Sequential {
  const rng = generator(seed);
  return new Sequential(new Flatten(), new Dense(6, 5, { rng }), act, new Dropout(0.1), new Dense(5, 3, { rng, bias: false }));
}

const CASES: [string, Module, object][] = [
  ["ReLU, dynamic batch", model(new ReLU(), 0), { inputShape: [null, 2, 3] }],
  ["LeakyReLU, fixed batch, names", model(new LeakyReLU({ negativeSlope: 0.2 }), 1), { inputShape: [4, 6], inputName: "x", outputName: "y" }],
  ["ELU, SELU", new Sequential(model(new ELU({ alpha: 0.7 }), 2), new SELU()), { inputShape: [null, 6] }],
  ["GELU native (opset 20)", model(new GELU(), 3), { inputShape: [null, 6], opset: 20 }],
  ["GELU tanh, opset 13", model(new GELU({ approximate: "tanh" }), 4), { inputShape: [null, 6], opset: 13 }],
  ["Swish per feature", model(new Swish({ numParameters: 5 }), 5), { inputShape: [null, 6] }],
  ["SiLU, Mish, Softplus", new Sequential(model(new SiLU(), 6), new Mish(), new Softplus({ beta: 2 })), { inputShape: [null, 6] }],
  ["PReLU, LEAF extended", new Sequential(model(new PReLU({ init: 0.1 }), 7), new LEAF({ form: "extended" })), { inputShape: [null, 6] }],
  ["Softmax axis 0, LogSoftmax axis -1", new Sequential(model(new Softmax({ axis: 0 }), 8), new LogSoftmax()), { inputShape: [null, 6] }],
  ["float64 graph", model(new ReLU(), 9).to("float64"), { inputShape: [null, 6], dtype: "float64" }],
];

describe("the hand-written ONNX protobuf encoder", () => {
  it.each(CASES)("%s: protobufjs decodes the bytes and re-encodes them identically", (_name, m, options) => {
    const bytes = exportOnnx(m, options as Parameters<typeof exportOnnx>[1]);
    const decoded = decodeOnnxModel(bytes);
    expect(decoded.graph.node.length).toBeGreaterThan(0);
    expect(encodeWithProtobufjs(decoded)).toEqual(bytes);
  });

  it("writes every field kind as protobufjs does: negative int64, floats, empty and non-ASCII strings, bytes, oneof, metadata", () => {
    const message: OnnxModel = {
      irVersion: 8,
      opsetImport: [{ domain: "", version: 17 }, { domain: "com.example", version: 1 }],
      producerName: "typegrad ✓",
      producerVersion: "0.1.0",
      docString: "",
      graph: {
        name: "g",
        node: [
          {
            input: ["a", ""],
            output: ["b"],
            name: "n",
            opType: "Custom",
            domain: "com.example",
            attribute: [
              { name: "axis", type: OnnxAttributeType.INT, i: -1 },
              { name: "big", type: OnnxAttributeType.INT, i: 2 ** 40 + 3 },
              { name: "alpha", type: OnnxAttributeType.FLOAT, f: 0.1 },
              { name: "zero", type: OnnxAttributeType.FLOAT, f: -0 },
              { name: "s", type: OnnxAttributeType.STRING, s: new Uint8Array([0, 255, 7]) },
              { name: "fs", type: OnnxAttributeType.FLOATS, floats: [1.5, -2, 3e-8] },
              { name: "is", type: OnnxAttributeType.INTS, ints: [0, -5, 300] },
            ],
          },
        ],
        initializer: [{ name: "w", dims: [2, 0, 3], dataType: OnnxDataType.DOUBLE, rawData: new Uint8Array(200).map((_, i) => i) }],
        input: [{ name: "a", type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: "batch" }, { dimValue: 0 }, { dimValue: 129 }] } } } }],
        output: [{ name: "b", type: { tensorType: { elemType: 1, shape: { dim: [] } } } }],
      },
      metadataProps: [{ key: "k", value: "v" }],
    };
    expect(encodeOnnxModel(message)).toEqual(encodeWithProtobufjs(message));
  });

  it("refuses a non-integer in an integer field", () => {
    const bad = { irVersion: 1.5, opsetImport: [], producerName: "", producerVersion: "", graph: { name: "", node: [], initializer: [], input: [], output: [] } };
    expect(() => encodeOnnxModel(bad)).toThrow("encodeOnnxModel: field 1 must be an integer, got 1.5");
  });
});
