import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mseLoss } from "../src/losses/mse.js";
import { CHECKPOINT_KEYS } from "../src/io/checkpoint.js";
import { loadCheckpoint, loadModel, optimizerPath, saveModel } from "../src/io/checkpoint-file.js";
import { parseSafetensors, serializeSafetensors } from "../src/io/safetensors.js";
import { readSafetensors, writeSafetensors } from "../src/io/safetensors-file.js";
import { TYPEGRAD_VERSION } from "../src/io/version.js";
import type { Module } from "../src/layers/module.js";
import { Adam } from "../src/optim/adam.js";
import { SGD } from "../src/optim/sgd.js";
import { randn, tensor } from "../src/tensor/creation.js";
import { Generator } from "../src/tensor/random.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { ReLU } from "../src/activations/modules-relu.js";
import { Dense } from "../src/layers/dense.js";
import { Dropout } from "../src/layers/dropout.js";
import { Sequential } from "../src/layers/sequential.js";
import { predict } from "../src/train/predict.js";
import { mlp, TestLinear, Unserialisable, weightsOf } from "./helpers/io-train.js";

const dir = mkdtempSync(join(tmpdir(), "typegrad-ckpt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const fresh = (name = "model"): string => join(dir, `${name}-${counter++}.safetensors`);

const x = randn([16, 3], { rng: new Generator(1) });
const y = randn([16, 2], { rng: new Generator(2) });

function trainSteps(model: Module, optimizer: Adam | SGD, steps: number): number[] {
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    optimizer.zeroGrad();
    const loss = mseLoss(model.forward(x), y);
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
  }
  return losses;
}

describe("saveModel file layout", () => {
  it("stores exactly the state-dict keys (PyTorch strict load) with the architecture in the metadata", () => {
    const model = mlp([3, 4, 2], 0);
    const path = fresh();
    saveModel(model, path, { metadata: { epoch: "7" } });
    const { tensors, metadata } = readSafetensors(path);
    // torch.nn.Sequential(Linear(3,4), ReLU(), Linear(4,2)).state_dict().keys()
    expect(Object.keys(tensors)).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    expect(tensors["0.weight"].shape).toEqual([4, 3]); // nn.Linear layout [out, in]
    expect(tensors["2.bias"].shape).toEqual([2]);
    expect(JSON.parse(metadata[CHECKPOINT_KEYS.architecture])).toEqual(model.spec());
    expect(metadata[CHECKPOINT_KEYS.formatVersion]).toBe("1");
    expect(metadata[CHECKPOINT_KEYS.version]).toBe(TYPEGRAD_VERSION);
    expect(metadata.format).toBe("pt");
    expect(metadata.epoch).toBe("7");
    expect(existsSync(optimizerPath(path))).toBe(false);
  });

  it("TYPEGRAD_VERSION matches package.json", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    expect(TYPEGRAD_VERSION).toBe(pkg.version);
  });

  it("refuses reserved metadata keys and unserialisable models before writing", () => {
    const path = fresh();
    expect(() => saveModel(mlp([3, 4, 2], 0), path, { metadata: { "typegrad.version": "9" } })).toThrow(/reserved/);
    expect(() => saveModel(new Unserialisable(), path)).toThrow(/saveModel: Unserialisable: this module cannot be serialised.*writeSafetensors/);
    expect(existsSync(path)).toBe(false);
  });
});

describe("loadModel", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`rebuilds a ${dtype} Sequential(Dense, ReLU, Dense(tanh), Dropout) with PyTorch's key names`, () => {
      const rng = new Generator(5);
      const model = new Sequential(
        new Dense(3, 6, { rng, dtype }),
        new ReLU(),
        new Dense(6, 2, { activation: "tanh", rng, dtype }),
        new Dropout(0.3, { rng }),
      );
      const path = fresh();
      saveModel(model, path);
      // the names of torch.nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 2), nn.Dropout(0.3)).state_dict()
      expect(Object.keys(readSafetensors(path).tensors)).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
      const back = loadModel(path);
      expect(back).toBeInstanceOf(Sequential);
      expect(back.spec()).toEqual(model.spec());
      expect(weightsOf(back)).toEqual(weightsOf(model));
      expect(back.parameters().every((p) => p.dtype === dtype)).toBe(true);
      const input = x.to(dtype);
      expect(Array.from(predict(back, input).data)).toEqual(Array.from(predict(model, input).data));
    });
  }

  for (const dtype of ["float32", "float64"] as const) {
    it(`rebuilds a ${dtype} model that computes the same outputs bit for bit`, () => {
      const model = mlp([3, 5, 2], 4, dtype);
      const path = fresh();
      saveModel(model, path);
      const back = loadModel(path);
      expect(back.namedParameters().map(([n, p]) => [n, p.dtype])).toEqual(model.namedParameters().map(([n, p]) => [n, p.dtype]));
      expect(weightsOf(back)).toEqual(weightsOf(model));
      const input = x.to(dtype);
      expect(Array.from(back.forward(input).data)).toEqual(Array.from(model.forward(input).data));
    });
  }

  it("loads float64 weights into a float64 model even when the spec builds float32", () => {
    const model = new TestLinear(2, 2, new Generator(3), "float64");
    const path = fresh();
    writeSafetensors(path, model.stateDict(), {
      [CHECKPOINT_KEYS.architecture]: JSON.stringify({ type: "TestLinear", options: { inFeatures: 2, outFeatures: 2, dtype: "float32" } }),
    });
    const back = loadModel(path);
    expect(back.parameters()[0].dtype).toBe("float64");
    expect(weightsOf(back)).toEqual(weightsOf(model));
  });

  it("names the file when the architecture is missing or unknown", () => {
    const a = fresh();
    writeSafetensors(a, { w: tensor([1]) });
    expect(() => loadModel(a)).toThrow(`loadModel: ${a} has no "typegrad.architecture" metadata`);
    const b = fresh();
    writeSafetensors(b, { w: tensor([1]) }, { [CHECKPOINT_KEYS.architecture]: '{"type":"Nope"}' });
    expect(() => loadModel(b)).toThrow(/loadModel: .*unknown module type "Nope"/);
    const c = fresh();
    writeSafetensors(c, { w: tensor([1]) }, { [CHECKPOINT_KEYS.architecture]: "{not json" });
    expect(() => loadModel(c)).toThrow(/metadata "typegrad.architecture" is not valid JSON/);
    const d = fresh();
    writeSafetensors(d, { w: tensor([1]) }, { [CHECKPOINT_KEYS.formatVersion]: "99" });
    expect(() => loadModel(d)).toThrow(/checkpoint format version "99" is not supported/);
  });
});

/** Asserts that `fn` throws `message` and leaves the model's weights exactly as they were. */
function expectRejectedUnchanged(model: Module, fn: () => unknown, message: RegExp | string): void {
  const before = weightsOf(model);
  expect(fn).toThrow(message);
  expect(weightsOf(model)).toEqual(before);
}

describe("loadCheckpoint", () => {
  const saved = mlp([3, 4, 2], 10);
  const path = fresh("saved");
  saveModel(saved, path);
  const good = readFileSync(path);

  it("loads weights into an existing model", () => {
    const model = mlp([3, 4, 2], 11);
    const metadata = loadCheckpoint(model, path);
    expect(weightsOf(model)).toEqual(weightsOf(saved));
    expect(metadata[CHECKPOINT_KEYS.version]).toBe(TYPEGRAD_VERSION);
  });

  it("loads a plain safetensors file without typegrad metadata (as PyTorch's save_file writes)", () => {
    const p = fresh();
    writeSafetensors(p, saved.stateDict(), { format: "pt" });
    const model = mlp([3, 4, 2], 12);
    loadCheckpoint(model, p);
    expect(weightsOf(model)).toEqual(weightsOf(saved));
  });

  const sd = (): Record<string, Tensor> => saved.stateDict();
  const mismatches: [string, () => Uint8Array, RegExp][] = [
    ["a missing tensor", () => { const s = sd(); delete s["2.bias"]; return serializeSafetensors(s); }, /missing \[2\.bias\], unexpected \[\]/],
    ["an unexpected tensor", () => serializeSafetensors({ ...sd(), extra: tensor([1]) }), /missing \[\], unexpected \[extra\]/],
    ["a shape mismatch", () => serializeSafetensors({ ...sd(), "0.weight": tensor([[1, 2, 3]]) }), /0\.weight: shape \[1,3\] in the state dict, \[4,3\] in the model/],
    ["a truncated file", () => good.subarray(0, good.length - 4), /extend beyond the/],
    ["a file cut inside the header", () => good.subarray(0, 40), /header length \d+ exceeds/],
    ["a corrupted length field", () => { const b = Uint8Array.from(good); b[7] = 0x7f; return b; }, /exceeds the limit/],
    ["a corrupted header", () => { const b = Uint8Array.from(good); b[9] = 0x7d; return b; }, /not valid JSON|must be/],
    ["trailing garbage", () => Uint8Array.from([...good, 1, 2, 3, 4]), /tensors cover only/],
    ["an empty file", () => new Uint8Array(0), /shorter than the 8-byte header length/],
  ];
  for (const [name, make, message] of mismatches) {
    it(`rejects ${name} and leaves the model unchanged`, () => {
      const p = fresh("bad");
      writeFileSync(p, make());
      const model = mlp([3, 4, 2], 13);
      expectRejectedUnchanged(model, () => loadCheckpoint(model, p), message);
      expect(() => loadCheckpoint(model, p)).toThrow(p);
    });
  }
});

describe("optimiser state", () => {
  for (const [name, makeOpt] of [
    ["Adam", (m: Module) => new Adam(m.parameters(), { lr: 0.01 })],
    ["SGD with momentum", (m: Module) => new SGD(m.parameters(), { lr: 0.05, momentum: 0.9 })],
  ] as const) {
    it(`${name}: save, reload into a fresh model and optimiser, resume bit for bit`, () => {
      const model = mlp([3, 8, 2], 20);
      const opt = makeOpt(model);
      trainSteps(model, opt, 5);
      const path = fresh();
      saveModel(model, path, { optimizer: opt });
      expect(Object.keys(readSafetensors(path).tensors)).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
      const continued = trainSteps(model, opt, 5);

      const model2 = mlp([3, 8, 2], 99);
      const opt2 = makeOpt(model2);
      loadCheckpoint(model2, path, { optimizer: opt2 });
      const resumed = trainSteps(model2, opt2, 5);
      expect(resumed).toEqual(continued);
      expect(weightsOf(model2)).toEqual(weightsOf(model));
    });
  }

  it("refuses an optimiser state saved with a different model file, changing nothing", () => {
    const model = mlp([3, 4, 2], 30);
    const opt = new Adam(model.parameters(), { lr: 0.01 });
    trainSteps(model, opt, 2);
    const path = fresh();
    saveModel(model, path, { optimizer: opt });
    trainSteps(model, opt, 1);
    saveModel(model, path); // new weights, stale sidecar
    const target = mlp([3, 4, 2], 31);
    const opt2 = new Adam(target.parameters(), { lr: 0.01 });
    expectRejectedUnchanged(target, () => loadCheckpoint(target, path, { optimizer: opt2 }), /was saved with a different model file/);
    expect(opt2.stepCount).toBe(0);
  });

  it("restores the model when the optimiser rejects its state (wrong optimiser type)", () => {
    const model = mlp([3, 4, 2], 40);
    const opt = new Adam(model.parameters());
    trainSteps(model, opt, 1);
    const path = fresh();
    saveModel(model, path, { optimizer: opt });
    const target = mlp([3, 4, 2], 41);
    const sgd = new SGD(target.parameters(), { lr: 0.1 });
    expectRejectedUnchanged(target, () => loadCheckpoint(target, path, { optimizer: sgd }), /state is for Adam, not SGD/);
  });

  it("reports a missing sidecar", () => {
    const model = mlp([3, 4, 2], 50);
    const path = fresh();
    saveModel(model, path);
    const target = mlp([3, 4, 2], 51);
    expectRejectedUnchanged(target, () => loadCheckpoint(target, path, { optimizer: new Adam(target.parameters()) }), /no optimiser state next to/);
  });

  it("a save that fails leaves the previous checkpoint intact and no temporary files", () => {
    const sub = mkdtempSync(join(dir, "fail-"));
    const path = join(sub, "m.safetensors");
    const model = mlp([3, 4, 2], 60);
    saveModel(model, path);
    const before = readFileSync(path);
    const broken = { stateDict: () => { throw new Error("optimizer exploded"); }, loadStateDict: () => undefined };
    expect(() => saveModel(mlp([3, 4, 2], 61), path, { optimizer: broken })).toThrow(/optimizer exploded/);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(sub)).toEqual(["m.safetensors"]);
    expect(parseSafetensors(before).tensors["0.weight"].shape).toEqual([4, 3]);
  });
});
