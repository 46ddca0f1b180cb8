// Issue 11: interrupted saves lose nothing (defects 3, 4, 5 and the save errors).
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import * as nodeFs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCheckpoint, loadModel, optimizerPath, previousOptimizerPath, saveModel } from "../src/io/checkpoint-file.js";
import { NEW_FILE_MODE, type AtomicWriteFs } from "../src/io/atomic-write.js";
import { readSafetensors, writeSafetensors } from "../src/io/safetensors-file.js";
import type { Module } from "../src/layers/module.js";
import { mseLoss } from "../src/losses/mse.js";
import { Adam } from "../src/optim/adam.js";
import { randn, tensor } from "../src/tensor/creation.js";
import { Generator } from "../src/tensor/random.js";
import { mlp, weightsOf } from "./helpers/io-train.js";

const dir = mkdtempSync(join(tmpdir(), "typegrad-durable-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const freshDir = (): string => mkdtempSync(join(dir, `d${counter++}-`));

const x = randn([8, 3], { rng: new Generator(1) });
const y = randn([8, 2], { rng: new Generator(2) });

function train(model: Module, opt: Adam, steps: number): void {
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    mseLoss(model.forward(x), y).backward();
    opt.step();
  }
}

/** A model and optimiser trained `steps` steps (a distinct state per `steps`). */
function trained(steps: number): { model: Module; opt: Adam } {
  const model = mlp([3, 4, 2], 7);
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  train(model, opt, steps);
  return { model, opt };
}

/** Loads the pair at `path` into a fresh model and optimiser; returns the restored step count and weights. */
function resume(path: string): { step: number; weights: number[][] } {
  const model = mlp([3, 4, 2], 99);
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  loadCheckpoint(model, path, { optimizer: opt });
  return { step: opt.stepCount, weights: weightsOf(model) };
}

describe("issue 11, defect 3: model and optimiser are saved as a pair", () => {
  it("when the sidecar cannot be written, the previous pair is intact and resumes", () => {
    const sub = freshDir();
    const path = join(sub, "m.safetensors");
    const a = trained(2);
    saveModel(a.model, path, { optimizer: a.opt });
    const before = readFileSync(path);
    // The sidecar's target becomes a directory: its temporary file cannot replace it.
    renameSync(optimizerPath(path), join(sub, "kept.safetensors"));
    mkdirSync(optimizerPath(path));
    const b = trained(3);
    expect(() => saveModel(b.model, path, { optimizer: b.opt })).toThrow(`cannot write ${optimizerPath(path)}: it is a directory`);
    expect(readFileSync(path).equals(before)).toBe(true);
    rmSync(optimizerPath(path), { recursive: true });
    renameSync(join(sub, "kept.safetensors"), optimizerPath(path));
    expect(resume(path)).toEqual({ step: 2, weights: weightsOf(a.model) });
    expect(readdirSync(sub).sort()).toEqual(["m.safetensors", "m.safetensors.optim.safetensors"]);
  });

  it("an interrupted save (new sidecar, old model) resumes the old pair from the previous sidecar", () => {
    const sub = freshDir();
    const path = join(sub, "m.safetensors");
    const a = trained(2);
    saveModel(a.model, path, { optimizer: a.opt });
    // Build the state a crash between saveModel's two renames leaves: old model, old sidecar
    // moved aside, new sidecar in place.
    const other = join(freshDir(), "n.safetensors");
    const b = trained(5);
    saveModel(b.model, other, { optimizer: b.opt });
    renameSync(optimizerPath(path), previousOptimizerPath(path));
    writeFileSync(optimizerPath(path), readFileSync(optimizerPath(other)));
    expect(resume(path)).toEqual({ step: 2, weights: weightsOf(a.model) });
    // And once the model is renamed too, the new pair is what loads.
    writeFileSync(path, readFileSync(other));
    expect(resume(path)).toEqual({ step: 5, weights: weightsOf(b.model) });
  });

  it("a pair that matches neither sidecar is reported, changing nothing", () => {
    const sub = freshDir();
    const path = join(sub, "m.safetensors");
    const a = trained(1);
    saveModel(a.model, path, { optimizer: a.opt });
    saveModel(trained(4).model, path); // new model alone: the sidecar is stale
    const target = mlp([3, 4, 2], 5);
    const before = weightsOf(target);
    expect(() => loadCheckpoint(target, path, { optimizer: new Adam(target.parameters()) })).toThrow(/was saved with a different model file/);
    expect(weightsOf(target)).toEqual(before);
  });

  it("a successful save leaves exactly the pair (no previous sidecar, no temporary file)", () => {
    const sub = freshDir();
    const path = join(sub, "m.safetensors");
    for (const steps of [1, 2, 3]) {
      const t = trained(steps);
      saveModel(t.model, path, { optimizer: t.opt });
      expect(resume(path).step).toBe(steps);
    }
    expect(readdirSync(sub).sort()).toEqual(["m.safetensors", "m.safetensors.optim.safetensors"]);
  });
});

describe("issue 11, defect 4: saving keeps permissions and symbolic links", () => {
  it("a 0600 checkpoint stays 0600 after re-saving (model and sidecar); new files get 0666 minus the umask", () => {
    const sub = freshDir();
    const path = join(sub, "m.safetensors");
    const t = trained(1);
    saveModel(t.model, path, { optimizer: t.opt });
    const umask = process.umask();
    expect(statSync(path).mode & 0o777).toBe(NEW_FILE_MODE & ~umask);
    chmodSync(path, 0o600);
    chmodSync(optimizerPath(path), 0o640);
    saveModel(t.model, path, { optimizer: t.opt });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(optimizerPath(path)).mode & 0o777).toBe(0o640);
    writeSafetensors(join(sub, "w.safetensors"), { w: tensor([1]) });
    chmodSync(join(sub, "w.safetensors"), 0o604);
    writeSafetensors(join(sub, "w.safetensors"), { w: tensor([2]) });
    expect(statSync(join(sub, "w.safetensors")).mode & 0o777).toBe(0o604);
  });

  it("latest.safetensors → runs/x.safetensors stays a link and the target is updated", () => {
    const sub = freshDir();
    mkdirSync(join(sub, "runs"));
    const target = join(sub, "runs", "x.safetensors");
    const a = trained(1);
    saveModel(a.model, target);
    const link = join(sub, "latest.safetensors");
    symlinkSync(join("runs", "x.safetensors"), link);
    const b = trained(3);
    saveModel(b.model, link, { optimizer: b.opt });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(weightsOf(loadModel(target))).toEqual(weightsOf(b.model));
    expect(weightsOf(loadModel(link))).toEqual(weightsOf(b.model));
    expect(resume(link).step).toBe(3);
    expect(readdirSync(join(sub, "runs"))).toEqual(["x.safetensors"]);
  });
});

describe("issue 11, defect 5: stale temporary files are cleaned", () => {
  it("removes typegrad's own temporaries of dead processes on the next successful save, nothing else", () => {
    const sub = freshDir();
    const path = join(sub, "m.safetensors");
    const deadPid = 2 ** 22 + 17; // above Linux's pid_max default: no such process
    const stale = [`m.safetensors.tmp-${deadPid}-0123456789ab`, `m.safetensors.optim.safetensors.tmp-${deadPid}-abcdef012345`];
    const others = [
      `m.safetensors.tmp-${process.ppid}-0123456789ab`, // a live process may still be writing it
      "m.safetensors.tmp-notours",
      `other.safetensors.tmp-${deadPid}-0123456789ab`,
      `m.safetensors.tmp-${deadPid}-0123456789ab.bak`,
    ];
    for (const name of [...stale, ...others]) writeFileSync(join(sub, name), "x");
    const t = trained(1);
    saveModel(t.model, path, { optimizer: t.opt });
    expect(readdirSync(sub).sort()).toEqual(["m.safetensors", "m.safetensors.optim.safetensors", ...others].sort());
  });
});

describe("issue 11: a save that cannot happen says why", () => {
  const model = mlp([3, 4, 2], 1);

  it("a missing directory", () => {
    const path = join(dir, "no-such-dir", "m.safetensors");
    expect(() => saveModel(model, path)).toThrow(`cannot write ${path}: the directory ${join(dir, "no-such-dir")} does not exist`);
  });

  it("a path that is a directory", () => {
    const sub = freshDir();
    expect(() => saveModel(model, sub)).toThrow(`cannot write ${sub}: it is a directory`);
    expect(() => writeSafetensors(sub, { w: tensor([1]) })).toThrow(`cannot write ${sub}: it is a directory`);
  });

  it("a name too long for the file system", () => {
    const path = join(freshDir(), `${"n".repeat(300)}.safetensors`);
    expect(() => saveModel(model, path)).toThrow(/cannot write .*: the file name is too long for the file system \(ENAMETOOLONG\): 312 characters/);
    const nearly = join(freshDir(), `${"n".repeat(240)}.st`);
    expect(() => saveModel(model, nearly)).toThrow(/243 characters, 2\d\d with the temporary suffix/);
  });

  it("a read-only directory or file system (EACCES, EROFS)", () => {
    const sub = freshDir();
    for (const code of ["EACCES", "EROFS"]) {
      const fs: AtomicWriteFs = {
        ...nodeFs,
        openSync: () => {
          throw Object.assign(new Error(`${code}: permission denied, open`), { code });
        },
      };
      expect(() => writeSafetensors(join(sub, "w.safetensors"), { w: tensor([1]) }, undefined, { fs })).toThrow(
        new RegExp(`cannot write .*w\\.safetensors: the directory .* is not writable \\(${code}`),
      );
    }
    expect(existsSync(join(sub, "w.safetensors"))).toBe(false);
  });

  it("a read-only directory for real (skipped as root, who may write anywhere)", () => {
    if (process.getuid?.() === 0) return;
    const sub = freshDir();
    chmodSync(sub, 0o555);
    try {
      expect(() => saveModel(model, join(sub, "m.safetensors"))).toThrow(/is not writable \(EACCES/);
    } finally {
      chmodSync(sub, 0o755);
    }
  });
});

// The file readSafetensors reads is the one the link points to (kept for completeness).
it("readSafetensors follows a link", () => {
  const sub = freshDir();
  writeSafetensors(join(sub, "a.safetensors"), { w: tensor([4]) });
  symlinkSync("a.safetensors", join(sub, "b.safetensors"));
  writeSafetensors(join(sub, "b.safetensors"), { w: tensor([5]) });
  expect(readSafetensors(join(sub, "a.safetensors")).tensors.w.item()).toBe(5);
  expect(lstatSync(join(sub, "b.safetensors")).isSymbolicLink()).toBe(true);
});
