import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BatchNorm1d,
  LayerNorm,
  Activation,
  Dense,
  defineActivation,
  Dropout,
  ELU,
  Flatten,
  GELU,
  generator,
  Identity,
  KAN,
  LEAF,
  LeakyReLU,
  LogSigmoid,
  LogSoftmax,
  Mish,
  Module,
  predict,
  PReLU,
  randn,
  ReLU,
  SELU,
  Sequential,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Swish,
  Tanh,
  tensor,
  type Generator,
  type Tensor,
} from "../src/index.js";
import { exportOnnx, type OnnxExportOptions } from "../src/io/onnx-export.js";
import { saveOnnx } from "../src/io/onnx-file.js";
import { decodeOnnxModel } from "./helpers/onnx-protobufjs.js";

// onnxruntime-web is the independent oracle: it loads its wasm from node_modules (no network).
ort.env.wasm.numThreads = 1;

const RTOL = 1e-5;
const ATOL = 1e-6;

/** Runs ONNX bytes in onnxruntime-web on `x` and returns the output and its dims. */
async function runOrt(bytes: Uint8Array, x: Tensor, names = { input: "input", output: "output" }): Promise<{ data: ArrayLike<number>; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const type = x.dtype === "float64" ? "float64" : "float32";
    const feeds = { [names.input]: new ort.Tensor(type, x.data, [...x.shape]) };
    const out = (await session.run(feeds))[names.output];
    return { data: out.data as Float32Array, dims: out.dims };
  } finally {
    await session.release();
  }
}

function expectClose(actual: ArrayLike<number>, expected: Tensor, rtol = RTOL, atol = ATOL): void {
  expect(actual.length).toBe(expected.size);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const e = expected.data[i];
    const excess = Math.abs(actual[i] - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= worst)) {
      worst = excess;
      at = i;
    }
  }
  expect(at, at < 0 ? "" : `element ${at}: onnx ${actual[at]} vs typegrad ${expected.data[at]}`).toBe(-1);
}

/** Overwrites every parameter with seeded values around `center` (as if trained). */
function perturb(model: Module, rng: Generator, center = 0, spread = 0.5): void {
  for (const p of model.parameters()) for (let i = 0; i < p.size; i++) p.data[i] = center + spread * (2 * rng.uniform() - 1);
}

/** Exports `model`, runs it in onnxruntime-web on seeded inputs and compares with `predict`. */
async function checkAgainstOrt(model: Module, options: OnnxExportOptions, rows = 7, scale = 2, seed = 1): Promise<void> {
  const x = randn([rows, ...(options.inputShape.slice(1) as number[])], { rng: generator(seed), std: scale });
  const expected = predict(model, x);
  const got = await runOrt(exportOnnx(model, options), x);
  expect(got.dims).toEqual(expected.shape);
  expectClose(got.data, expected);
}

/** A small MLP with `act` between two Dense layers. */
function mlp(act: Module, seed: number): Sequential {
  const rng = generator(seed);
  return new Sequential(new Dense(5, 6, { rng }), act, new Dense(6, 4, { rng }));
}

const ACTIVATIONS: [string, () => Module][] = [
  ["Identity", () => new Identity()],
  ["ReLU", () => new ReLU()],
  ["LeakyReLU(0.2)", () => new LeakyReLU({ negativeSlope: 0.2 })],
  ["ELU(0.7)", () => new ELU({ alpha: 0.7 })],
  ["SELU", () => new SELU()],
  ["Sigmoid", () => new Sigmoid()],
  ["Tanh", () => new Tanh()],
  ["LogSigmoid", () => new LogSigmoid()],
  ["GELU exact", () => new GELU()],
  ["GELU tanh", () => new GELU({ approximate: "tanh" })],
  ["SiLU", () => new SiLU()],
  ["Swish scalar β", () => new Swish({ beta: 1.7 })],
  ["Swish fixed β", () => new Swish({ beta: 0.6, trainable: false })],
  ["Mish", () => new Mish()],
  ["Softplus", () => new Softplus()],
  ["Softplus β=2", () => new Softplus({ beta: 2 })],
  ["Softplus β=0.5, threshold 1", () => new Softplus({ beta: 0.5, threshold: 1 })],
  ["PReLU shared", () => new PReLU({ init: 0.1 })],
  ["LEAF article", () => new LEAF({ alpha: 0.3 })],
  ["LEAF extended relu preset", () => new LEAF({ form: "extended" })],
  ["LEAF extended tanh preset", () => new LEAF({ form: "extended", initAs: "tanh" })],
  ["Softmax", () => new Softmax()],
  ["LogSoftmax axis 1", () => new LogSoftmax({ axis: 1 })],
  ["Softmax axis 0", () => new Softmax({ axis: 0 })],
];

beforeAll(async () => {
  // Warm the wasm runtime once so the first case does not carry its start-up.
  await runOrt(exportOnnx(new ReLU(), { inputShape: [null, 2] }), tensor([[1, -1]]));
});

describe("exportOnnx matches predict in onnxruntime-web", () => {
  for (const opset of [17, 20]) {
    it.each(ACTIVATIONS)(`opset ${opset}: %s between two Dense layers`, async (_name, make) => {
      await checkAgainstOrt(mlp(make(), 3), { inputShape: [null, 5], opset });
    });
  }

  it.each([13, 18, 23])("GELU (both forms), Mish and Softplus at opset %i", async (opset) => {
    const rng = generator(4);
    const model = new Sequential(
      new Dense(5, 6, { rng, activation: new GELU() }),
      new Dense(6, 6, { rng, activation: new Mish() }),
      new Dense(6, 6, { rng, activation: new GELU({ approximate: "tanh" }) }),
      new Dense(6, 3, { rng, activation: new Softplus({ beta: 3 }) }),
    );
    await checkAgainstOrt(model, { inputShape: [null, 5], opset });
  });

  it("stays exact on large inputs, with no overflow (activations applied to the input directly)", async () => {
    const values = [-100, -40, -20, -5, -1, -1e-3, 0, 1e-3, 1, 5, 20, 40, 88, 100, 1000];
    const x = tensor([values]);
    const acts: Module[] = [new Softplus(), new Softplus({ beta: 2 }), new LogSigmoid(), new Mish(), new SiLU(), new GELU(), new GELU({ approximate: "tanh" }), new SELU(), new ELU()];
    for (const act of acts) {
      for (const opset of [17, 20]) {
        const got = await runOrt(exportOnnx(act, { inputShape: [null, values.length], opset }), x);
        expectClose(got.data, predict(act, x), RTOL, 1e-6);
      }
    }
  });

  it("per-feature Swish β, PReLU slopes and LEAF parameters, after training-like updates", async () => {
    const rng = generator(5);
    const model = new Sequential(
      new Dense(5, 6, { rng, activation: new Swish({ numParameters: 6 }) }),
      new Dense(6, 6, { rng, activation: new PReLU({ numParameters: 6 }) }),
      new Dense(6, 6, { rng }),
      new LEAF({ numParameters: 6 }),
      new LEAF({ form: "extended", numParameters: 6, initAs: "silu" }),
      new Dense(6, 3, { rng }),
    );
    perturb(model, generator(6), 0, 0.8);
    // Parameters now differ per feature (β of every sign, slopes, p1…p4).
    expect(new Set((model.at(0) as Dense).activation!.parameters()[0].toArray() as number[]).size).toBe(6);
    await checkAgainstOrt(model, { inputShape: [null, 5] });
    const names = decodeOnnxModel(exportOnnx(model, { inputShape: [null, 5] })).graph.initializer.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["0.activation.beta", "1.activation.weight", "3.alpha", "4.p1", "4.p4", "5.bias"]));
  });

  it("has a dynamic batch dimension: one session runs 1 row and 7 rows", async () => {
    const model = mlp(new Tanh(), 7);
    const bytes = exportOnnx(model, { inputShape: [null, 5] });
    const decoded = decodeOnnxModel(bytes);
    expect(decoded.graph.input[0].type.tensorType.shape.dim).toEqual([{ dimParam: "batch" }, { dimValue: 5 }]);
    expect(decoded.graph.output[0].type.tensorType.shape.dim).toEqual([{ dimParam: "batch" }, { dimValue: 4 }]);
    const session = await ort.InferenceSession.create(bytes);
    for (const rows of [1, 7]) {
      const x = randn([rows, 5], { rng: generator(rows) });
      const out = (await session.run({ input: new ort.Tensor("float32", x.data, [rows, 5]) })).output;
      expect(out.dims).toEqual([rows, 4]);
      expectClose(out.data as Float32Array, predict(model, x));
    }
    await session.release();
  });

  it("writes a fixed batch size when inputShape[0] is a number, and custom input/output names", async () => {
    const model = mlp(new ReLU(), 8);
    const bytes = exportOnnx(model, { inputShape: [3, 5], inputName: "x", outputName: "logits" });
    const graph = decodeOnnxModel(bytes).graph;
    expect(graph.input[0].type.tensorType.shape.dim[0]).toEqual({ dimValue: 3 });
    const x = randn([3, 5], { rng: generator(9) });
    const got = await runOrt(bytes, x, { input: "x", output: "logits" });
    expectClose(got.data, predict(model, x));
  });

  it("Dense without bias, Dropout (omitted, even in training mode), nested Sequential, Flatten", async () => {
    const rng = generator(10);
    const model = new Sequential(
      new Flatten(),
      new Dense(6, 8, { rng, bias: false, activation: "relu" }),
      new Dropout(0.5),
      new Sequential(new Dense(8, 8, { rng, activation: "geluTanh" }), new Sequential(new Dense(8, 2, { rng }))),
    );
    model.train();
    const x = randn([7, 2, 3], { rng: generator(11) });
    const bytes = exportOnnx(model, { inputShape: [null, 2, 3] });
    const ops = decodeOnnxModel(bytes).graph.node.map((n) => n.opType);
    expect(ops).not.toContain("Dropout");
    expect(ops[0]).toBe("Flatten");
    const got = await runOrt(bytes, x);
    expect(got.dims).toEqual([7, 2]);
    expectClose(got.data, predict(model, x));
  });

  it("LayerNorm (LayerNormalization) and BatchNorm1d (BatchNormalization with running statistics)", async () => {
    const rng = generator(12);
    const model = new Sequential(
      new Dense(3, 8, { rng }),
      new BatchNorm1d(8),
      new ReLU(),
      new Dense(8, 6, { rng }),
      new LayerNorm(6),
      new Dense(6, 4, { rng }),
      new LayerNorm(4, { elementwiseAffine: false }),
      new BatchNorm1d(4, { affine: false }),
    );
    for (let k = 0; k < 3; k++) model.forward(randn([9, 3], { rng: generator(20 + k) }));
    for (const p of model.parameters()) for (let i = 0; i < p.size; i++) p.data[i] += 0.1 * Math.cos(i);
    const x = randn([5, 3], { rng: generator(13) });
    const bytes = exportOnnx(model, { inputShape: [null, 3] });
    const ops = decodeOnnxModel(bytes).graph.node.map((n) => n.opType);
    expect(ops.filter((o) => o.endsWith("Normalization"))).toEqual(["BatchNormalization", "LayerNormalization", "LayerNormalization", "BatchNormalization"]);
    expectClose((await runOrt(bytes, x)).data, predict(model, x));
    expect(() => exportOnnx(new LayerNorm(3), { inputShape: [null, 3], opset: 16 })).toThrow(
      "exportOnnx: (model) (LayerNorm) needs LayerNormalization, which starts at opset 17",
    );
    expect(() => exportOnnx(new BatchNorm1d(3, { trackRunningStats: false }), { inputShape: [null, 3] })).toThrow("has no running statistics");
  });

  it("Dense on a rank-3 input (MatMul + Add over the last axis) before Flatten", async () => {
    const rng = generator(12);
    const model = new Sequential(new Dense(5, 4, { rng, activation: new ELU() }), new Flatten(), new Dense(12, 2, { rng }));
    await checkAgainstOrt(model, { inputShape: [null, 3, 5] }, 4);
  });

  it("a model that computes nothing (Identity) still has an output", async () => {
    const x = tensor([[1, -2, 3]]);
    const got = await runOrt(exportOnnx(new Sequential(new Identity(), new Dropout()), { inputShape: [null, 3] }), x);
    expect(Array.from(got.data)).toEqual([1, -2, 3]);
  });

  it("exports a float64 model as float32 by default, and as a DOUBLE graph with dtype 'float64'", async () => {
    const model = mlp(new Tanh(), 13).to("float64");
    perturb(model, generator(14));
    const x64 = randn([7, 5], { rng: generator(15), dtype: "float64" });
    const expected = predict(model, x64);
    const bytes32 = exportOnnx(model, { inputShape: [null, 5] });
    expect(decodeOnnxModel(bytes32).graph.initializer.every((t) => t.dataType === 1)).toBe(true);
    expectClose((await runOrt(bytes32, x64.to("float32"))).data, expected, 1e-5, 1e-6);

    const model64 = new Sequential(new Dense(5, 6, { dtype: "float64", rng: generator(16), activation: "relu" }), new Sigmoid(), new Dense(6, 2, { dtype: "float64", rng: generator(17) }));
    const bytes64 = exportOnnx(model64, { inputShape: [null, 5], dtype: "float64" });
    expect(decodeOnnxModel(bytes64).graph.input[0].type.tensorType.elemType).toBe(11);
    expectClose((await runOrt(bytes64, x64)).data, predict(model64, x64), 1e-12, 1e-14);
  });

  it("writes the ONNX header: ir_version from the opset, producer, state-dict initializer names", () => {
    const model = mlp(new ReLU(), 18);
    const cases: [number, number][] = [[13, 7], [17, 8], [18, 8], [20, 9], [21, 10], [23, 11]];
    for (const [opset, ir] of cases) {
      const m = decodeOnnxModel(exportOnnx(model, { inputShape: [null, 5], opset }));
      expect(m.irVersion).toBe(ir);
      expect(m.opsetImport).toEqual([{ domain: "", version: opset }]);
    }
    const m = decodeOnnxModel(exportOnnx(model, { inputShape: [null, 5] }));
    expect(m.irVersion).toBe(8);
    expect(m.opsetImport[0].version).toBe(17);
    expect(m.producerName).toBe("typegrad");
    expect(m.graph.initializer.map((t) => [t.name, t.dims])).toEqual([["0.weight", [6, 5]], ["0.bias", [6]], ["2.weight", [4, 6]], ["2.bias", [4]]]);
    expect(m.graph.node.map((n) => n.opType)).toEqual(["Gemm", "Relu", "Gemm"]);
    expect(m.graph.node.at(-1)!.output).toEqual(["output"]);
  });
});

describe("exportOnnx refuses what it cannot map, before writing anything", () => {
  it("names the path and the module of an unsupported activation or layer", () => {
    const squareplus = new Activation("squareplus", (x) => x.add(x.mul(x).add(4).sqrt()).div(2));
    const rng = generator(20);
    expect(() => exportOnnx(new Sequential(new Dense(2, 3, { rng, activation: squareplus })), { inputShape: [null, 2] })).toThrow(
      'exportOnnx: 0.activation (Activation "squareplus") has no ONNX mapping',
    );
    expect(() => exportOnnx(new Sequential(new Dense(2, 3, { rng }), new KAN([3, 2], { rng })), { inputShape: [null, 2] })).toThrow(
      "exportOnnx: 1 (KAN) has no ONNX mapping",
    );
    expect(() => exportOnnx(new KAN([2, 2], { rng }), { inputShape: [null, 2] })).toThrow("exportOnnx: (model) (KAN) has no ONNX mapping");
    const Cube = defineActivation({
      name: "cube",
      forward(x, y) {
        for (let i = 0; i < x.length; i++) y[i] = x[i] ** 3;
      },
      backward(x, _y, gy, gx) {
        for (let i = 0; gx !== null && i < x.length; i++) gx[i] = 3 * gy[i] * x[i] ** 2;
      },
    });
    expect(() => exportOnnx(new Sequential(new Identity(), new Sequential(new Cube())), { inputShape: [null, 2] })).toThrow(
      'exportOnnx: 1.0 (cube "cube") has no ONNX mapping',
    );
    class ShiftedReLU extends ReLU {
      override forward(x: Tensor): Tensor {
        return super.forward(x).add(1);
      }
    }
    expect(() => exportOnnx(new ShiftedReLU(), { inputShape: [null, 2] })).toThrow('(model) (ShiftedReLU "relu") has no ONNX mapping');
  });

  it("checks sizes along the chain and per-feature parameters", () => {
    const rng = generator(21);
    expect(() => exportOnnx(new Sequential(new Dense(2, 3, { rng }), new Dense(4, 1, { rng })), { inputShape: [null, 2] })).toThrow(
      "exportOnnx: 1 (Dense) expects 4 input features, but its input has shape [batch, 3]",
    );
    expect(() => exportOnnx(new Sequential(new Dense(2, 3, { rng }), new Swish({ numParameters: 2 })), { inputShape: [null, 2] })).toThrow(
      "exportOnnx: 1 (Swish \"swish\"): beta has 2 values, but the input's last axis has 3",
    );
    expect(() => exportOnnx(new Softmax({ axis: 2 }), { inputShape: [null, 2] })).toThrow("axis 2 is out of range for an input of rank 2");
  });

  it("validates the options", () => {
    const model = new ReLU();
    const bad: [unknown, string][] = [
      [{ inputShape: [null] }, "inputShape must be"],
      [{ inputShape: [0, 2] }, "inputShape must be"],
      [{ inputShape: [null, 2.5] }, "inputShape must be"],
      [{ inputShape: [null, 2], opset: 12 }, "opset must be an integer from 13 to 23, got 12"],
      [{ inputShape: [null, 2], opset: 24 }, "got 24"],
      [{ inputShape: [null, 2], dtype: "float16" }, "dtype must be"],
      [{ inputShape: [null, 2], inputName: "" }, "inputName must be a non-empty string"],
      [{ inputShape: [null, 2], inputName: "a", outputName: "a" }, "must differ"],
      [{ inputShape: [null, 2], opSet: 17 }, "unknown option(s) opSet"],
      [undefined, "inputShape are required"],
    ];
    for (const [options, message] of bad) expect(() => exportOnnx(model, options as OnnxExportOptions)).toThrow(message);
    expect(() => exportOnnx({} as Module, { inputShape: [null, 2] })).toThrow("model must be a Module");
  });
});

describe("saveOnnx", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "typegrad-onnx-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the exported bytes atomically and the file runs in onnxruntime-web", async () => {
    const model = mlp(new GELU(), 30);
    const path = join(dir, "model.onnx");
    writeFileSync(path, "old contents");
    saveOnnx(model, path, { inputShape: [null, 5] });
    const bytes = new Uint8Array(readFileSync(path));
    expect(bytes).toEqual(exportOnnx(model, { inputShape: [null, 5] }));
    expect(readdirSync(dir)).toEqual(["model.onnx"]); // no temporary file left behind
    const x = randn([7, 5], { rng: generator(31) });
    expectClose((await runOrt(bytes, x)).data, predict(model, x));
  });

  it("leaves an existing file untouched and creates nothing when the model cannot be exported", () => {
    const path = join(dir, "kept.onnx");
    writeFileSync(path, "previous model");
    const model = new Sequential(new Dense(2, 2), new KAN([2, 1], { rng: generator(32) }));
    expect(() => saveOnnx(model, path, { inputShape: [null, 2] })).toThrow("1 (KAN) has no ONNX mapping");
    expect(readFileSync(path, "utf8")).toBe("previous model");
    const fresh = join(dir, "fresh.onnx");
    expect(() => saveOnnx(model, fresh, { inputShape: [null, 2] })).toThrow("has no ONNX mapping");
    expect(existsSync(fresh)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("reports a missing directory", () => {
    expect(() => saveOnnx(new ReLU(), join(dir, "missing", "m.onnx"), { inputShape: [null, 2] })).toThrow("does not exist");
  });
});
