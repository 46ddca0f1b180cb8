// Issue 11: property-based fuzzing of checkpoint bytes (fast-check, seeded, a few seconds).
// Every mutated file either loads and matches an independent reader, or throws an Error with
// a typegrad message; it stays within a memory budget and never changes a model or optimiser.
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { deserializeCheckpoint, deserializeModel, serializeModel, serializeOptimizer, CHECKPOINT_KEYS } from "../src/io/checkpoint.js";
import { parseSafetensors } from "../src/io/safetensors.js";
import { Dense } from "../src/layers/dense.js";
import type { Module } from "../src/layers/module.js";
import { Sequential } from "../src/layers/sequential.js";
import { mseLoss } from "../src/losses/mse.js";
import { Adam } from "../src/optim/adam.js";
import { randn } from "../src/tensor/creation.js";
import { Generator } from "../src/tensor/random.js";

const SEED = 11;
const RUNS = 200;

function makeModel(seed: number): { model: Module; optimizer: Adam } {
  const rng = new Generator(seed);
  const model = new Sequential(new Dense(3, 4, { activation: "tanh", rng }), new Dense(4, 2, { activation: "prelu", rng }));
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  optimizer.zeroGrad();
  mseLoss(model.forward(randn([5, 3], { rng })), randn([5, 2], { rng })).backward();
  optimizer.step();
  return { model, optimizer };
}

const source = makeModel(1);
const modelBytes = serializeModel(source.model);
const optimizerBytes = serializeOptimizer(source.optimizer, modelBytes);
const target = makeModel(2);
const targetModelBytes = serializeModel(target.model);
const targetOptimizerBytes = serializeOptimizer(target.optimizer, targetModelBytes);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The header object and data of safetensors bytes (the valid base file). */
function split(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(decoder.decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>, data: bytes.subarray(8 + n) };
}

/** Bytes from a header given as text and a data buffer (no validation: that is the point). */
function join(headerText: string, data: Uint8Array, declaredLength?: bigint): Uint8Array {
  const json = encoder.encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

// ---- An independent reader (no typegrad code): header by JSON.parse, values by DataView. ----

function half(h: number): number {
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  const s = h & 0x8000 ? -1 : 1;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function independentRead(bytes: Uint8Array): Map<string, { shape: number[]; values: number[] }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(decoder.decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const out = new Map<string, { shape: number[]; values: number[] }>();
  for (const name of Object.keys(header)) {
    if (name === "__metadata__") continue;
    const { dtype, shape, data_offsets: [begin, end] } = header[name];
    const at = 8 + n + begin;
    const values: number[] = [];
    const size = { F64: 8, F32: 4, F16: 2, BF16: 2 }[dtype]!;
    for (let i = 0; i < (end - begin) / size; i++) {
      const p = at + i * size;
      values.push(
        dtype === "F64" ? view.getFloat64(p, true)
        : dtype === "F32" ? view.getFloat32(p, true)
        : dtype === "F16" ? half(view.getUint16(p, true))
        : new DataView(Uint32Array.of(view.getUint16(p, true) << 16).buffer).getFloat32(0, true),
      );
    }
    out.set(name, { shape, values });
  }
  return out;
}

// ---- The property ----

const RAW_JS_ERRORS = /is not a function|Cannot read prop|Cannot convert|Maximum call stack|Invalid typed array length|Invalid array length|undefined is not|null is not|out of memory/i;
const TYPEGRAD_PREFIX = /^(deserializeModel|deserializeCheckpoint|safetensors|moduleFromSpec|Adam\.loadStateDict)\b/;

type Outcome = "loaded" | "rejected";
const counts: Record<string, Record<Outcome, number>> = {};
const messages: Record<string, Set<string>> = {};

function snapshot(): string {
  const state = target.optimizer.stateDict();
  const tensors = Object.entries(state.tensors).map(([k, t]) => [k, Array.from(t.data)]);
  return JSON.stringify([target.model.parameters().map((p) => Array.from(p.data)), state.step, tensors]);
}
const targetBefore = snapshot();

/** Runs `fn`, checks the outcome is a success or a typegrad Error, and tallies it under `category`. */
function outcome<T>(category: string, fn: () => T): T | null {
  const before = process.memoryUsage().arrayBuffers;
  let result: T | null = null;
  let kind: Outcome = "loaded";
  try {
    result = fn();
  } catch (e) {
    kind = "rejected";
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).constructor).toBe(Error);
    const message = (e as Error).message;
    expect(message).not.toMatch(RAW_JS_ERRORS);
    expect(message).toMatch(TYPEGRAD_PREFIX);
    (messages[category] ??= new Set()).add(message.replace(/\d+/g, "N").replace(/"[^"]*"/g, '"…"').slice(0, 90));
  }
  // A budget, not a timing: what a case may leave allocated in typed arrays.
  expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  const c = (counts[category] ??= { loaded: 0, rejected: 0 });
  c[kind]++;
  return result;
}

/** Every loader on `bytes` (as model bytes), plus the optimiser bytes variant. */
function check(category: string, model: Uint8Array, optimizer: Uint8Array = optimizerBytes): void {
  const parsed = outcome(`${category} / parseSafetensors`, () => parseSafetensors(model, "fuzz"));
  if (parsed !== null) {
    const reference = independentRead(model);
    expect([...reference.keys()]).toEqual(Object.keys(parsed.tensors));
    for (const [name, { shape, values }] of reference) {
      expect(parsed.tensors[name].shape).toEqual(shape);
      expect(Array.from(parsed.tensors[name].data)).toEqual(values.map((v) => (parsed.tensors[name].dtype === "float32" ? Math.fround(v) : v)));
    }
  }
  const rebuilt = outcome(`${category} / deserializeModel`, () => deserializeModel(model, { source: "fuzz" }));
  if (rebuilt !== null && parsed !== null) {
    const state = rebuilt.stateDict();
    expect(Object.keys(state).sort()).toEqual(Object.keys(parsed.tensors).sort());
    for (const [name, t] of Object.entries(parsed.tensors)) expect(Array.from(state[name].data)).toEqual(Array.from(t.data));
  }
  const before = snapshot();
  const restored = outcome(`${category} / deserializeCheckpoint`, () =>
    deserializeCheckpoint(target.model, model, { optimizer: target.optimizer, optimizerBytes: optimizer, source: "fuzz" }),
  );
  if (restored === null) expect(snapshot()).toBe(before);
  else {
    // Accepted: the weights are the file's, as the independent reader sees them.
    const state = target.model.stateDict();
    for (const [name, { values }] of independentRead(model)) expect(Array.from(state[name].data)).toEqual(values.map((v) => (state[name].dtype === "float32" ? Math.fround(v) : v)));
    // Put the target back for the next case.
    deserializeCheckpoint(target.model, targetModelBytes, { optimizer: target.optimizer, optimizerBytes: targetOptimizerBytes });
  }
}

afterAll(() => {
  const lines = Object.entries(counts).map(([k, c]) => `  ${k}: ${c.loaded + c.rejected} cases, ${c.loaded} loaded, ${c.rejected} rejected (${messages[k]?.size ?? 0} distinct messages)`);
  console.log(`issue 11 fuzz (seed ${SEED}):\n${lines.join("\n")}`);
  expect(snapshot()).toBe(targetBefore);
});

const { header: baseHeader, data: baseData } = split(modelBytes);
const baseSpec = JSON.parse((baseHeader.__metadata__ as Record<string, string>)[CHECKPOINT_KEYS.architecture]) as Record<string, unknown>;
const tensorNames = Object.keys(baseHeader).filter((k) => k !== "__metadata__");
const withArchitecture = (spec: unknown, extra: Record<string, unknown> = {}): Uint8Array => {
  const metadata = { ...(baseHeader.__metadata__ as Record<string, string>), [CHECKPOINT_KEYS.architecture]: JSON.stringify(spec) };
  return join(JSON.stringify({ ...baseHeader, ...extra, __metadata__: metadata }), baseData);
};
const options = { seed: SEED, numRuns: RUNS };

describe("issue 11: fuzzed checkpoint bytes", () => {
  it("the unmutated file loads (the baseline)", () => {
    check("baseline", modelBytes);
    expect(counts["baseline / deserializeModel"].loaded).toBe(1);
  });

  it("bit flips", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: modelBytes.length - 1 }), fc.nat({ max: 7 })), { minLength: 1, maxLength: 8 }), (flips) => {
        const bytes = modelBytes.slice();
        for (const [at, bit] of flips) bytes[at] ^= 1 << bit;
        check("bit flips", bytes);
      }),
      options,
    );
  });

  it("truncation, and bit flips in the optimiser bytes", () => {
    fc.assert(fc.property(fc.nat({ max: modelBytes.length - 1 }), (n) => check("truncation", modelBytes.subarray(0, n))), options);
    fc.assert(
      fc.property(fc.nat({ max: optimizerBytes.length - 1 }), fc.nat({ max: 7 }), (at, bit) => {
        const bytes = optimizerBytes.slice();
        bytes[at] ^= 1 << bit;
        check("optimiser bit flips", modelBytes, bytes);
      }),
      options,
    );
  });

  it("header length fields", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (declared) => {
        const { header, data } = split(modelBytes);
        check("header length", join(JSON.stringify(header), data, declared));
      }),
      options,
    );
  });

  it("offsets, dtypes and shapes", () => {
    const anyNumber = fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.double(), fc.constantFrom(2 ** 53, 2 ** 64, -0, 1e308));
    fc.assert(
      fc.property(fc.constantFrom(...tensorNames), fc.tuple(anyNumber, anyNumber), (name, offsets) => {
        const header = { ...baseHeader, [name]: { ...(baseHeader[name] as object), data_offsets: offsets } };
        check("offsets", join(JSON.stringify(header), baseData));
      }),
      options,
    );
    fc.assert(
      fc.property(fc.constantFrom(...tensorNames), fc.oneof(fc.constantFrom("F16", "BF16", "F64", "I64", "U8", "BOOL", "F8_E4M3", "C64", "f32", ""), fc.string()), (name, dtype) => {
        const header = { ...baseHeader, [name]: { ...(baseHeader[name] as object), dtype } };
        check("dtypes", join(JSON.stringify(header), baseData));
      }),
      options,
    );
    fc.assert(
      fc.property(fc.constantFrom(...tensorNames), fc.oneof(fc.array(anyNumber, { maxLength: 4 }), fc.jsonValue()), (name, shape) => {
        const header = { ...baseHeader, [name]: { ...(baseHeader[name] as object), shape } };
        check("shapes", join(JSON.stringify(header), baseData));
      }),
      options,
    );
  });

  it("huge declared layers and arbitrary option values", () => {
    const size = fc.oneof(fc.integer({ min: 1, max: 10 }), fc.constantFrom(20000, 30000, 2 ** 31, 2e9, 1e15, 2 ** 53), fc.jsonValue());
    fc.assert(
      fc.property(size, size, fc.constantFrom("Dense", "KANLinear", "PReLU", "Swish", "LEAF", "Activation", "Dropout"), (a, b, type) => {
        const options = type === "Dense" || type === "KANLinear" ? { inFeatures: a, outFeatures: b } : type === "Activation" ? { name: "prelu", numParameters: a } : type === "Dropout" ? { p: a } : { numParameters: a };
        check("huge layers", withArchitecture({ type: "Sequential", children: [{ type, options }, baseSpec] }));
        check("huge layers", withArchitecture({ type: "KANLinear", options: { inFeatures: 1, outFeatures: 1, gridSize: a, splineOrder: b } }));
      }),
      options,
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }), fc.jsonValue(), (options, children) => {
        check("arbitrary specs", withArchitecture({ type: "Dense", options, children }));
        check("arbitrary specs", withArchitecture(children));
      }),
      options,
    );
  });

  it("__proto__ and constructor keys, in tensor names, metadata and specs", () => {
    const key = fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "prototype", "__metadata__");
    fc.assert(
      fc.property(key, fc.nat({ max: 3 }), (k, where) => {
        const quoted = JSON.stringify(k);
        let bytes: Uint8Array;
        if (where === 0) {
          // An extra tensor of that name, with its own bytes at the end.
          const text = JSON.stringify(baseHeader).slice(0, -1) + `,${quoted}:{"dtype":"F32","shape":[1],"data_offsets":[${baseData.length},${baseData.length + 4}]}}`;
          bytes = join(text, Uint8Array.from([...baseData, 0, 0, 128, 63]));
        } else if (where === 1) {
          const metadata = JSON.stringify(baseHeader.__metadata__).slice(0, -1) + `,${quoted}:"x"}`;
          bytes = join(JSON.stringify({ ...baseHeader, __metadata__: "M" }).replace('"M"', metadata), baseData);
        } else if (where === 2) {
          const spec = JSON.stringify(baseSpec).replace('"options":{', `"options":{${quoted}:{"inFeatures":1},`);
          bytes = withArchitecture(JSON.parse(spec));
        } else {
          bytes = withArchitecture(JSON.parse(JSON.stringify(baseSpec).replace('"type":"Sequential"', `"type":"Sequential",${quoted}:1`)));
        }
        check("own keys", bytes);
        expect(({} as Record<string, unknown>).dtype).toBeUndefined();
        expect(({} as Record<string, unknown>).inFeatures).toBeUndefined();
      }),
      options,
    );
  });

  it("deep nesting", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20000 }), fc.constantFrom("module", "options", "array"), (depth, kind) => {
        const text =
          kind === "module"
            ? `${'{"type":"Sequential","children":['.repeat(depth)}{"type":"Flatten"}${"]}".repeat(depth)}`
            : kind === "options"
              ? `{"type":"Dense","options":{"inFeatures":${"[".repeat(depth)}${"]".repeat(depth)},"outFeatures":1}}`
              : `${"[".repeat(depth)}${"]".repeat(depth)}`;
        const metadata = { ...(baseHeader.__metadata__ as Record<string, string>), [CHECKPOINT_KEYS.architecture]: text };
        check("deep nesting", join(JSON.stringify({ ...baseHeader, __metadata__: metadata }), baseData));
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});
