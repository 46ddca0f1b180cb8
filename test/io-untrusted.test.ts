// Issue 11: untrusted checkpoint files cost what their bytes justify (defects 1, 2, 6, 9, 10).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CHECKPOINT_KEYS, deserializeModel } from "../src/io/checkpoint.js";
import { loadCheckpoint, loadModel, saveModel } from "../src/io/checkpoint-file.js";
import { parseSafetensors, serializeSafetensors } from "../src/io/safetensors.js";
import { readSafetensors, writeSafetensors } from "../src/io/safetensors-file.js";
import { Dense } from "../src/layers/dense.js";
import { Dropout } from "../src/layers/dropout.js";
import { Flatten } from "../src/layers/flatten.js";
import { KAN } from "../src/layers/kan.js";
import { Sequential } from "../src/layers/sequential.js";
import { moduleFromSpec } from "../src/layers/spec.js";
import { specLayout } from "../src/layers/spec-layout.js";
import { tensor } from "../src/tensor/creation.js";
import { Generator } from "../src/tensor/random.js";
import { mlp, weightsOf } from "./helpers/io-train.js";

const dir = mkdtempSync(join(tmpdir(), "typegrad-untrusted-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const fresh = (): string => join(dir, `f-${counter++}.safetensors`);

/** A checkpoint holding `tensors` whose architecture metadata is `architecture` (any JSON text). */
function crafted(architecture: string, tensors: Parameters<typeof serializeSafetensors>[0] = {}): string {
  const path = fresh();
  writeFileSync(path, serializeSafetensors(tensors, { [CHECKPOINT_KEYS.architecture]: architecture, [CHECKPOINT_KEYS.formatVersion]: "1" }));
  return path;
}

const spec = (value: unknown): string => JSON.stringify(value);
const dense = (options: Record<string, unknown>, children: unknown[] = []) => ({ type: "Dense", options, children });

describe("issue 11, defect 1: a small file cannot declare a big model", () => {
  it("a 200-byte Dense(20000, 20000) fails on maxParameters before allocating", () => {
    const path = crafted(spec(dense({ inFeatures: 20000, outFeatures: 20000 })));
    expect(() => loadModel(path)).toThrow(
      /loadModel: .*: the Dense at the root module declares weight \[20000,20000\] \(400000000 values\), which takes the architecture past its limit of 0 values \(maxParameters: by default, the number of values the file holds/,
    );
  });

  it("Dense(30000, 30000) float64, PReLU with 2e9 slopes, and several big layers in one file", () => {
    expect(() => loadModel(crafted(spec(dense({ inFeatures: 30000, outFeatures: 30000, dtype: "float64" }))))).toThrow(/maxParameters/);
    expect(() => loadModel(crafted(spec({ type: "PReLU", options: { numParameters: 2e9 } })))).toThrow(
      /the PReLU at the root module declares weight \[2000000000\]/,
    );
    expect(() => loadModel(crafted(spec({ type: "Activation", options: { name: "prelu", numParameters: 2e9 } })))).toThrow(/maxParameters/);
    const many = { type: "Sequential", children: Array.from({ length: 8 }, () => dense({ inFeatures: 20000, outFeatures: 20000 })) };
    expect(() => loadModel(crafted(spec(many)))).toThrow(/module "0" declares 0.weight/);
  });

  it("the bytes core (deserializeModel, also in browsers) applies the same budget and limits", () => {
    const bytes = serializeSafetensors({}, { [CHECKPOINT_KEYS.architecture]: spec(dense({ inFeatures: 20000, outFeatures: 20000 })) });
    expect(bytes.length).toBeLessThan(200);
    expect(() => deserializeModel(bytes, { source: "upload" })).toThrow(/deserializeModel: upload: the Dense at the root module declares weight \[20000,20000\]/);
    expect(() => deserializeModel(bytes, { limits: { maxModules: 0 } })).toThrow(/more than 0 modules \(maxModules\)/);
  });

  it("declared tensors beyond what the file holds fail even when one tensor matches", () => {
    const path = crafted(spec(dense({ inFeatures: 2, outFeatures: 1000 })), { weight: tensor([[1, 2]]) });
    expect(() => loadModel(path)).toThrow(/past its limit of 2 values/);
  });

  it("a KANLinear with gridSize 10000 fails on maxGridSize; a raised limit loads a trusted file", () => {
    const big = crafted(spec({ type: "KANLinear", options: { inFeatures: 1, outFeatures: 1, gridSize: 10000 } }));
    expect(() => loadModel(big)).toThrow(/KANLinear option gridSize must be an integer in \[1, 1000\], got 10000 \(the limit maxGridSize = 1000 can be raised/);
    const model = new KAN([1, 1], { gridSize: 1001, rng: new Generator(3) });
    const path = fresh();
    saveModel(model, path);
    expect(() => loadModel(path)).toThrow(/maxGridSize/);
    const loaded = loadModel(path, { limits: { maxGridSize: 1001 } });
    expect(weightsOf(loaded)).toEqual(weightsOf(model));
  });

  it("names a mismatch between the architecture and the file's tensors, before building", () => {
    const path = crafted(spec(dense({ inFeatures: 2, outFeatures: 1 })), { weight: tensor([[1], [2]]), extra: tensor([0]) });
    expect(() => loadModel(path)).toThrow(
      /the tensors do not match the architecture: missing \[bias\]; unexpected \[extra\]; weight: \[2,1\] in the file, \[1,2\] in the architecture/,
    );
  });

  it("the limits are options: unknown ones and bad values are errors", () => {
    const path = crafted(spec(dense({ inFeatures: 1, outFeatures: 1 })));
    expect(() => loadModel(path, { limits: { maxLayers: 3 } as never })).toThrow(/unknown limit "maxLayers"; known: maxParameters, maxModules, maxDepth, maxGridSize/);
    expect(() => loadModel(path, { limits: { maxDepth: -1 } })).toThrow(/limit maxDepth must be an integer ≥ 0 or Infinity, got -1/);
    expect(() => loadModel(path, { limit: {} } as never)).toThrow(/loadModel: unknown option limit/);
    expect(() => loadModel(path, { limits: { maxHeaderBytes: 16 } })).toThrow(/exceeds the limit of 16 bytes \(maxHeaderBytes/);
  });

  it("a model within its limits still round-trips (including a KAN and trainable activations)", () => {
    for (const model of [
      mlp([3, 8, 2], 5),
      new KAN([2, 3, 1], { rng: new Generator(4) }),
      new Sequential(new Dense(2, 4, { activation: "prelu", rng: new Generator(6) }), new Dropout(0.25), new Flatten(), new Dense(4, 1, { activation: "leaf" })),
    ]) {
      const path = fresh();
      saveModel(model, path);
      const loaded = loadModel(path);
      expect(weightsOf(loaded)).toEqual(weightsOf(model));
      expect(loaded.spec()).toEqual(model.spec());
    }
  });
});

describe("issue 11, defect 2: own keys only", () => {
  const protoFile = (): Uint8Array => {
    const header = '{"__metadata__":{"__proto__":"m","constructor":"c"},"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
    const json = new TextEncoder().encode(header);
    const bytes = new Uint8Array(8 + json.length + 4);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
    bytes.set(json, 8);
    new DataView(bytes.buffer).setFloat32(8 + json.length, 7, true);
    return bytes;
  };

  it("a tensor named __proto__ is kept as a tensor, and nothing reaches Object.prototype", () => {
    const { tensors, metadata } = parseSafetensors(protoFile());
    expect(Object.keys(tensors)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(tensors)).toBe(null);
    expect(Array.from(tensors["__proto__"].data)).toEqual([7]);
    expect(Object.keys(metadata)).toEqual(["__proto__", "constructor"]);
    expect(metadata["__proto__"]).toBe("m");
    expect(({} as Record<string, unknown>).dtype).toBeUndefined();
  });

  it("a strict loadCheckpoint rejects the extra tensor __proto__ and changes nothing", () => {
    const model = mlp([3, 4, 2], 7);
    const tensors = { ...model.stateDict() };
    const path = fresh();
    writeSafetensors(path, tensors);
    // Splice a "__proto__" tensor in (the writer takes a plain object, so write the header by hand).
    const { tensors: read } = readSafetensors(path);
    const withProto = Object.assign(Object.create(null) as Record<string, (typeof read)[string]>, read);
    withProto["__proto__"] = tensor([1]);
    const bytes = serializeSafetensors(withProto);
    writeFileSync(path, bytes);
    expect(Object.keys(readSafetensors(path).tensors)).toContain("__proto__");
    const before = weightsOf(model);
    expect(() => loadCheckpoint(model, path)).toThrow(/unexpected \[__proto__\]/);
    expect(weightsOf(model)).toEqual(before);
  });

  it("a spec key __proto__ or constructor is an unknown option, never a prototype lookup", () => {
    const bad = crafted('{"type":"Dense","options":{"inFeatures":1,"outFeatures":1,"__proto__":{"bias":false}},"children":[]}');
    expect(() => loadModel(bad)).toThrow(/Dense spec has an unknown option "__proto__"; allowed: inFeatures, outFeatures, bias, dtype/);
    expect(() => loadModel(crafted('{"type":"Dense","options":{"inFeatures":1,"outFeatures":1},"constructor":1}'))).toThrow(
      /unknown spec key "constructor"; allowed: type, options, children/,
    );
    expect(() => loadModel(crafted('{"type":"constructor"}'))).toThrow(/unknown module type "constructor"/);
    expect(() => loadModel(crafted('{"type":"toString"}'))).toThrow(/unknown module type "toString"/);
  });
});

describe("issue 11, defect 6: no stack overflow or JS-internal error from a file", () => {
  it("nesting 3000 deep fails on maxDepth", () => {
    // Built as text: JSON.stringify itself would overflow on such an object.
    const nested = `${'{"type":"Sequential","children":['.repeat(3000)}{"type":"Flatten"}${"]}".repeat(3000)}`;
    expect(() => loadModel(crafted(nested))).toThrow(/nests 6001 levels deep in JSON, more than 208 \(maxDepth = 100 modules\)/);
    let shallow: unknown = { type: "Flatten" };
    for (let i = 0; i < 101; i++) shallow = { type: "Sequential", children: [shallow] };
    expect(() => loadModel(crafted(spec(shallow)))).toThrow(/modules nest deeper than 100 levels \(maxDepth\)/);
    expect(() => moduleFromSpec(JSON.parse(nested))).toThrow(/moduleFromSpec: modules nest deeper than 100 levels/);
  });

  it("deeply nested option values fail cleanly", () => {
    const deep = `{"type":"Dense","options":{"inFeatures":${"[".repeat(5000)}${"]".repeat(5000)}}}`;
    expect(() => loadModel(crafted(deep))).toThrow(/nests 5002 levels deep in JSON/);
    expect(() => loadModel(crafted(spec(dense({ inFeatures: [[[1]]], outFeatures: 1 }))))).toThrow(
      /Dense option inFeatures must be an integer ≥ 1, got \[\[\[1\]\]\]/,
    );
  });

  it("130 000 layers load (no spread of children into arguments)", () => {
    const children = Array.from({ length: 130_000 }, () => ({ type: "Flatten" }));
    const model = loadModel(crafted(spec({ type: "Sequential", children })));
    expect((model as Sequential).length).toBe(130_000);
    expect(() => loadModel(crafted(spec({ type: "Sequential", children })), { limits: { maxModules: 1000 } })).toThrow(
      /the architecture has more than 1000 modules \(maxModules\)/,
    );
  });

  it("malformed specs get typegrad errors, not TypeErrors", () => {
    const cases: [unknown, RegExp][] = [
      [{ type: "Sequential", children: {} }, /Sequential spec "children" must be an array, got \{\}/],
      [{ type: "Sequential", children: [null] }, /module "0": expected a module spec \{ type, options\?, children\? \}, got null/],
      [{ type: "Sequential", children: [7] }, /expected a module spec/],
      [{ type: "Dense", options: [] }, /Dense spec "options" must be an object, got \[\]/],
      [{ type: "Dense", options: { inFeatures: {}, outFeatures: 1 } }, /Dense option inFeatures must be an integer ≥ 1, got \{\}/],
      [{ type: 5 }, /spec "type" must be a string, got 5/],
      [[], /expected a module spec/],
      [{ type: "KAN", options: { widths: [2, 1] }, children: [{ type: "Dense", options: { inFeatures: 2, outFeatures: 1 } }] }, /KAN spec child 0 must be of type KANLinear, got "Dense"/],
      [{ type: "KANLinear", options: { inFeatures: 1, outFeatures: 1, gridRange: [1, -1] } }, /KANLinear option gridRange must be \[lo, hi\] with finite lo < hi/],
      [{ type: "Dense", options: { inFeatures: 1e300, outFeatures: 1e300 } }, /Dense option inFeatures must be an integer ≥ 1, got 1e\+300/],
    ];
    for (const [value, message] of cases) {
      let error: unknown;
      try {
        loadModel(crafted(spec(value)));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).constructor).toBe(Error);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe("issue 11, defect 9: specs are checked strictly, per module type", () => {
  it("no coercion of option values", () => {
    for (const bad of ["1", [1], true, 1.5, 0, -3, null]) {
      expect(() => moduleFromSpec({ type: "Dense", options: { inFeatures: bad as never, outFeatures: 1 } })).toThrow(
        `moduleFromSpec: Dense option inFeatures must be an integer ≥ 1, got ${JSON.stringify(bad)}`,
      );
    }
    expect(() => moduleFromSpec({ type: "Dropout", options: { p: false } })).toThrow("moduleFromSpec: Dropout option p must be a finite number in [0, 1], got false");
    expect(() => moduleFromSpec({ type: "Dense", options: { inFeatures: 1, outFeatures: 1, bias: "no" } })).toThrow("Dense option bias must be a boolean");
    expect(() => moduleFromSpec({ type: "Dense", options: { inFeatures: 1, outFeatures: 1, dtype: "int8" } })).toThrow(
      'Dense option dtype must be one of "float32", "float64", got "int8"',
    );
    expect(() => moduleFromSpec({ type: "Dense", options: { outFeatures: 1 } })).toThrow("moduleFromSpec: Dense spec needs option inFeatures");
  });

  it("unknown keys are errors naming the key and the allowed ones", () => {
    expect(() => moduleFromSpec({ type: "Dense", options: { inFeatures: 1, outFeature: 1 } })).toThrow(
      'Dense spec has an unknown option "outFeature"; allowed: inFeatures, outFeatures, bias, dtype (did you mean outFeatures?)',
    );
    expect(() => moduleFromSpec({ type: "ReLU", options: { inplace: true } })).toThrow('ReLU spec has an unknown option "inplace"; allowed: (none)');
    expect(() => moduleFromSpec({ type: "Flatten", children: [{ type: "ReLU" }] })).toThrow("Flatten spec must have 0 children, got 1");
    expect(() => moduleFromSpec({ type: "Dense", options: { inFeatures: 1, outFeatures: 1 }, children: [{ type: "ReLU" }, { type: "ReLU" }] })).toThrow(
      "Dense spec must have 0 to 1 children, got 2",
    );
    expect(() => moduleFromSpec({ type: "Swish", options: { betta: 1 } })).toThrow('Swish spec has an unknown option "betta"; allowed: beta, trainable, numParameters, dtype (did you mean beta?)');
  });

  it("specLayout derives names, shapes and dtypes without building", () => {
    const model = new Sequential(new Dense(3, 4, { activation: "swish" }), new Dense(4, 2, { bias: false, dtype: "float64" }));
    const layout = specLayout(model.spec());
    expect([...layout.tensors.values()].map((t) => `${t.name} [${t.shape.join(",")}] ${t.dtype}`)).toEqual([
      "0.weight [4,3] float32",
      "0.bias [4] float32",
      "0.activation.beta [1] float32",
      "1.weight [2,4] float64",
    ]);
    expect(layout.modules).toBe(4);
    expect(layout.parameters).toBe(12 + 4 + 1 + 8);
    expect(new Set(model.stateDict() ? Object.keys(model.stateDict()) : [])).toEqual(new Set(layout.tensors.keys()));
  });
});

describe("issue 11, defect 10: no quadratic paths", () => {
  it("100 000 layers save, load, name and print (linear algorithms)", () => {
    const layers = Array.from({ length: 100_000 }, (_, i) => (i % 10 === 0 ? new Dense(2, 2, { rng: new Generator(i) }) : new Flatten()));
    const model = Sequential.from(layers);
    expect(model.namedChildren().length).toBe(100_000);
    expect(String(model).split("\n").length).toBe(100_002);
    const path = fresh();
    saveModel(model, path);
    const loaded = loadModel(path) as Sequential;
    expect(loaded.length).toBe(100_000);
    expect(Array.from(loaded.at(99_990)!.stateDict().weight.data)).toEqual(Array.from(model.at(99_990)!.stateDict().weight.data));
  });
});
