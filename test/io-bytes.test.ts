import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  CHECKPOINT_KEYS,
  deserializeCheckpoint,
  deserializeModel,
  serializeModel,
  serializeOptimizer,
} from "../src/io/checkpoint.js";
import { loadCheckpoint, loadModel, optimizerPath, saveModel } from "../src/io/checkpoint-file.js";
import { exportOnnx } from "../src/io/onnx-export.js";
import { saveOnnx } from "../src/io/onnx-file.js";
import { parseSafetensors } from "../src/io/safetensors.js";
import { sha256Hex } from "../src/io/sha256.js";
import { mseLoss } from "../src/losses/mse.js";
import { Dense } from "../src/layers/dense.js";
import type { Module } from "../src/layers/module.js";
import { Sequential } from "../src/layers/sequential.js";
import { Adam } from "../src/optim/adam.js";
import { randn } from "../src/tensor/creation.js";
import { Generator } from "../src/tensor/random.js";
import { predict } from "../src/train/predict.js";
import { mlp, Unserialisable, weightsOf } from "./helpers/io-train.js";

// Every file function has a bytes twin that works in any runtime; the file holds exactly the twin's bytes.

const dir = mkdtempSync(join(tmpdir(), "typegrad-bytes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const x = randn([16, 3], { rng: new Generator(1) });
const y = randn([16, 2], { rng: new Generator(2) });

function train(model: Module, optimizer: Adam, steps: number): number[] {
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

describe("model bytes", () => {
  it("serializeModel gives the bytes saveModel writes, and saveModel's sidecar is serializeOptimizer's", () => {
    const model = mlp([3, 4, 2], 0);
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    train(model, optimizer, 3);
    const path = join(dir, "same.safetensors");
    saveModel(model, path, { optimizer, metadata: { epoch: "3" } });
    const bytes = serializeModel(model, { metadata: { epoch: "3" } });
    expect(new Uint8Array(readFileSync(path))).toEqual(bytes);
    expect(new Uint8Array(readFileSync(optimizerPath(path)))).toEqual(serializeOptimizer(optimizer, bytes));
  });

  it("deserializeModel rebuilds the model with bit-identical predictions; loadModel reads the same bytes", () => {
    const model = mlp([3, 5, 2], 3);
    const bytes = serializeModel(model);
    const again = deserializeModel(bytes);
    expect(weightsOf(again)).toEqual(weightsOf(model));
    expect(predict(again, x).data).toEqual(predict(model, x).data);
    const path = join(dir, "rebuild.safetensors");
    saveModel(model, path);
    expect(predict(loadModel(path), x).data).toEqual(predict(again, x).data);
  });

  it("deserializeCheckpoint restores model and optimiser so training continues bit-identically", () => {
    const model = mlp([3, 4, 2], 5);
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    train(model, optimizer, 4);
    const bytes = serializeModel(model);
    const optimizerBytes = serializeOptimizer(optimizer, bytes);
    const expected = train(model, optimizer, 3);

    const copy = mlp([3, 4, 2], 99);
    const copyOptimizer = new Adam(copy.parameters(), { lr: 0.5 });
    deserializeCheckpoint(copy, bytes, { optimizer: copyOptimizer, optimizerBytes });
    expect(train(copy, copyOptimizer, 3)).toEqual(expected);
  });

  it("deserializeCheckpoint refuses optimiser bytes of another model, with the model unchanged", () => {
    const a = mlp([3, 4, 2], 6);
    const b = mlp([3, 4, 2], 7);
    const optimizer = new Adam(a.parameters());
    train(a, optimizer, 1);
    const optimizerBytes = serializeOptimizer(optimizer, serializeModel(a));
    const target = mlp([3, 4, 2], 8);
    const before = weightsOf(target);
    expect(() => deserializeCheckpoint(target, serializeModel(b), { optimizer: new Adam(target.parameters()), optimizerBytes })).toThrow(
      /^deserializeCheckpoint: optimizerBytes was saved with a different model file than bytes \(SHA-256 [0-9a-f]{64} recorded, [0-9a-f]{64} found\)$/,
    );
    expect(weightsOf(target)).toEqual(before);
  });

  it("names the bytes and the function in errors", () => {
    const model = mlp([3, 4, 2], 0);
    expect(() => deserializeCheckpoint(model, serializeModel(model), { optimizer: new Adam(model.parameters()) })).toThrow(
      "deserializeCheckpoint: with optimizer, pass its state as optimizerBytes (the Uint8Array of serializeOptimizer), got undefined",
    );
    expect(() => deserializeCheckpoint(model, serializeModel(model), { optimizerBytes: new Uint8Array(8) })).toThrow(
      "deserializeCheckpoint: optimizerBytes given without the optimizer to restore them into",
    );
    expect(() => deserializeModel(new Uint8Array([1, 2, 3]), { source: "idb:model" })).toThrow(/idb:model/);
    expect(() => deserializeCheckpoint(mlp([3, 5, 2], 0), serializeModel(model), { source: "upload.safetensors" })).toThrow(
      /^deserializeCheckpoint: upload\.safetensors: /,
    );
    expect(() => serializeModel(new Unserialisable())).toThrow(/^serializeModel: .*serializeSafetensors\(model\.stateDict\(\)\)/);
    expect(() => serializeModel(model, { metadata: { "typegrad.x": "1" } })).toThrow('serializeModel: metadata key "typegrad.x" is reserved (typegrad.*)');
    const plain = parseSafetensors(serializeModel(model));
    expect(plain.metadata[CHECKPOINT_KEYS.architecture]).toBeDefined();
  });

  it("a model saved to a file restores from its bytes and the other way round", () => {
    const model = mlp([3, 4, 2], 11);
    const optimizer = new Adam(model.parameters());
    train(model, optimizer, 2);
    const path = join(dir, "cross.safetensors");
    saveModel(model, path, { optimizer });
    const copy = mlp([3, 4, 2], 12);
    deserializeCheckpoint(copy, new Uint8Array(readFileSync(path)), {
      optimizer: new Adam(copy.parameters()),
      optimizerBytes: new Uint8Array(readFileSync(optimizerPath(path))),
    });
    expect(weightsOf(copy)).toEqual(weightsOf(model));
    const back = mlp([3, 4, 2], 13);
    loadCheckpoint(back, path, { optimizer: new Adam(back.parameters()) });
    expect(weightsOf(back)).toEqual(weightsOf(model));
  });
});

describe("ONNX bytes", () => {
  it("saveOnnx writes exactly exportOnnx's bytes", () => {
    const model = new Sequential(new Dense(3, 4, { activation: "tanh", rng: new Generator(0) }), new Dense(4, 2, { rng: new Generator(1) }));
    const path = join(dir, "model.onnx");
    saveOnnx(model, path, { inputShape: [null, 3] });
    expect(new Uint8Array(readFileSync(path))).toEqual(exportOnnx(model, { inputShape: [null, 3] }));
  });
});

describe("sha256Hex (checkpoints hash the same in every runtime)", () => {
  it("agrees with node:crypto around every padding boundary and on a long input", () => {
    const rng = new Generator(3);
    for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 70_001]) {
      const bytes = new Uint8Array(n).map(() => Math.floor(rng.uniform() * 256));
      expect(sha256Hex(bytes), `${n} bytes`).toBe(createHash("sha256").update(bytes).digest("hex"));
    }
    expect(sha256Hex(new TextEncoder().encode("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
