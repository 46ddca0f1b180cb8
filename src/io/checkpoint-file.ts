import type { Module } from "../layers/module.js";
import { requireNodeBuiltin } from "../platform/node.js";
import { checkOptionKeys } from "../util/options.js";
import type { CheckpointLimits } from "./architecture.js";
import { abortWrite, atomicWriteFile, commitWrite, prepareWrite, removeStaleTemporaries, syncDirectory, type PreparedWrite } from "./atomic-write.js";
import {
  encodeModel,
  optimizerBelongsTo,
  rebuildModel,
  restoreCheckpoint,
  serializeOptimizer,
  type CheckpointNames,
  type CheckpointOptimizer,
} from "./checkpoint.js";

// Checkpoint files (Node, Deno, Bun): thin wrappers that write and read the bytes of
// checkpoint.ts, so a file saved here and bytes serialised in a browser are the same thing.

const FILE_NAMES: CheckpointNames = {
  save: "saveModel",
  load: "loadModel",
  weightsOnly: "writeSafetensors(path, model.stateDict())",
  restore: "loadCheckpoint",
};

/** Options of {@link saveModel}. */
export interface SaveModelOptions {
  /** Also save this optimiser's state, in the sidecar file {@link optimizerPath}(path). */
  optimizer?: CheckpointOptimizer;
  /** Extra string → string metadata (keys must not start with `typegrad.`). */
  metadata?: Record<string, string>;
}

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** Bounds on what the file may make the loader allocate or compute; see {@link CheckpointLimits}. */
  limits?: CheckpointLimits;
}

/** Options of {@link loadCheckpoint}. */
export interface LoadCheckpointOptions {
  /** Also restore this optimiser from the sidecar file {@link optimizerPath}(path). */
  optimizer?: CheckpointOptimizer;
}

/** Where {@link saveModel} puts the optimiser state of a checkpoint at `path`: `path + ".optim.safetensors"`. */
export function optimizerPath(path: string): string {
  return `${path}.optim.safetensors`;
}

/**
 * Where {@link saveModel} keeps the previous optimiser state while it replaces a pair:
 * `path + ".optim.prev.safetensors"`. {@link loadCheckpoint} falls back to it when a save was
 * interrupted between its two renames (new sidecar, old model).
 */
export function previousOptimizerPath(path: string): string {
  return `${path}.optim.prev.safetensors`;
}

/**
 * Moves the current sidecar (if any) aside to `previous`, so that until the model file is
 * replaced an old model still has its own optimiser state. Renamed when on the same file
 * system, copied otherwise.
 */
function keepPrevious(fs: typeof import("node:fs"), sidecar: string, previous: string): boolean {
  if (!fs.existsSync(sidecar)) return false;
  try {
    fs.renameSync(sidecar, previous);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    fs.copyFileSync(sidecar, previous);
  }
  return true;
}

/**
 * Saves a model's parameters and buffers to a safetensors file under their dotted state-dict
 * names (`0.weight`, `0.bias`, …), so PyTorch loads it directly:
 *
 * ```text
 * model.load_state_dict(safetensors.torch.load_file(path), strict=True)
 * ```
 *
 * The file holds exactly the bytes of `serializeModel(model, { metadata })`: `format: "pt"`,
 * the architecture (`typegrad.architecture`, the JSON of `model.spec()`, which
 * {@link loadModel} rebuilds), `typegrad.format_version`, `typegrad.version` and the user's
 * `metadata`.
 *
 * With `optimizer`, its state (`serializeOptimizer`) goes to a separate file,
 * {@link optimizerPath}(path), so the model file holds exactly the model's keys (PyTorch's
 * strict load rejects extra keys). The sidecar records the SHA-256 of the model file, the id
 * the pair shares, so a model and an optimiser state from two different saves are never
 * restored together.
 *
 * Durable: both files are written and flushed (`fsync`) to temporary files before either is
 * renamed into place; the previous sidecar is kept as {@link previousOptimizerPath}(path)
 * until the new pair is durable, so a crash or error at any moment leaves a
 * consistent pair — the old one or the new one — that {@link loadCheckpoint} finds. An
 * existing file keeps its mode (a `0600` checkpoint stays private; new files get `0666`
 * minus the umask); a symbolic link stays a link to its updated target. Stale temporary
 * files of crashed saves (`<name>.tmp-<pid>-<hex>`, typegrad's own pattern only) are removed
 * after a successful save.
 *
 * @throws Error when the model cannot describe its architecture (`spec()`), or metadata uses
 *   a `typegrad.` key or a non-string value; nothing is written then. In a runtime without a
 *   file system (a browser), an Error pointing to `serializeModel`.
 */
export function saveModel(model: Module, path: string, options: SaveModelOptions = {}): void {
  const fs = requireNodeBuiltin("saveModel", "fs", "serializeModel");
  const { dirname } = requireNodeBuiltin("saveModel", "path", "serializeModel");
  const modelBytes = encodeModel(FILE_NAMES, model, options.metadata);
  const optimizerBytes = options.optimizer === undefined ? null : serializeOptimizer(options.optimizer, modelBytes);
  if (optimizerBytes === null) {
    atomicWriteFile(path, modelBytes);
    return;
  }
  // Phase 1: both files written and flushed beside their targets; nothing visible has changed.
  const model_ = prepareWrite("saveModel", path, modelBytes);
  let sidecar: PreparedWrite;
  try {
    sidecar = prepareWrite("saveModel", optimizerPath(path), optimizerBytes);
  } catch (error) {
    abortWrite(model_);
    throw error;
  }
  // Phase 2: old sidecar aside, new sidecar in, new model in. Every prefix of these steps
  // leaves a consistent pair: (old model, old sidecar | previous) or (new model, new sidecar).
  const previous = previousOptimizerPath(path);
  let sidecarCommitted = false;
  let kept = false;
  try {
    kept = keepPrevious(fs, sidecar.target, previous);
    commitWrite(sidecar);
    sidecarCommitted = true;
    commitWrite(model_);
  } catch (error) {
    abortWrite(model_);
    abortWrite(sidecar);
    if (sidecarCommitted && kept) {
      try {
        fs.renameSync(previous, sidecar.target); // put the old pair back together
      } catch {
        // loadCheckpoint still finds the old sidecar as the previous one.
      }
    }
    throw error;
  }
  for (const directory of new Set([dirname(model_.target), dirname(sidecar.target)])) syncDirectory(directory);
  // The new pair is durable: the previous sidecar is no longer needed.
  if (kept) fs.rmSync(previous, { force: true });
  removeStaleTemporaries(model_.target);
  removeStaleTemporaries(sidecar.target);
}

/**
 * Loads a checkpoint's weights into an existing model (and optionally an optimiser). Every
 * check runs before anything changes, and when it throws the model and optimiser are
 * unchanged: the file must be valid safetensors, hold exactly the model's keys (strict) with
 * matching shapes, and the optimiser sidecar must belong to this model file. float32/float64
 * values convert to the model's dtype. Files written by PyTorch's `save_file` load too. The
 * bytes twin is `deserializeCheckpoint`.
 *
 * @returns the file's metadata (including any user metadata given to {@link saveModel})
 * @throws Error naming the file and the problem (missing/unexpected keys, shapes, corruption)
 */
export function loadCheckpoint(model: Module, path: string, options: LoadCheckpointOptions = {}): Record<string, string> {
  const fs = requireNodeBuiltin("loadCheckpoint", "fs", "deserializeCheckpoint");
  const bytes = fs.readFileSync(path);
  const optimizer = options.optimizer === undefined ? null : { optimizer: options.optimizer, ...chooseSidecar(fs, path, bytes) };
  return restoreCheckpoint("loadCheckpoint", model, bytes, path, optimizer);
}

/**
 * The optimiser state that belongs to the model file `modelBytes` (same SHA-256): the sidecar,
 * or the previous sidecar a save interrupted between its renames left (the newest consistent
 * pair). When neither belongs, the sidecar, whose check then reports the mismatch.
 */
function chooseSidecar(fs: typeof import("node:fs"), path: string, modelBytes: Uint8Array): { source: string; bytes: () => Uint8Array } {
  const sidecar = optimizerPath(path);
  const previous = previousOptimizerPath(path);
  const read = (file: string): Uint8Array | null => (fs.existsSync(file) ? fs.readFileSync(file) : null);
  const current = read(sidecar);
  if (current !== null && optimizerBelongsTo(current, modelBytes)) return { source: sidecar, bytes: () => current };
  const older = read(previous);
  if (older !== null && optimizerBelongsTo(older, modelBytes)) return { source: previous, bytes: () => older };
  if (current !== null) return { source: sidecar, bytes: () => current };
  return {
    source: sidecar,
    bytes: () => {
      throw new Error(`loadCheckpoint: no optimiser state next to ${path} (expected ${sidecar})`);
    },
  };
}

/**
 * Rebuilds a model saved by {@link saveModel}: the architecture from its metadata (through
 * `moduleFromSpec`, so every module type in it must be registered, which importing typegrad
 * does for the built-in layers), then the weights, strictly. A model whose tensors are all
 * float64 in the file is converted to float64 first. The bytes twin is `deserializeModel`.
 *
 * The file is untrusted: before anything is built, every tensor the architecture declares
 * is derived from the spec alone (each spec checked strictly against its type's schema),
 * counted against `options.limits` (by default no more values than the file holds, 250 000
 * modules, nesting 100 deep, KAN grids up to 1000) and compared with the file's header
 * (names and shapes). So a file costs at most what its bytes justify.
 *
 * @returns the model, in training mode
 * @throws Error naming the file when it is not valid, has no architecture, names an unknown
 *   module type, breaks a module's schema, exceeds a limit (naming it), or its tensors do
 *   not match the architecture
 */
export function loadModel(path: string, options: LoadModelOptions = {}): Module {
  checkOptionKeys("loadModel", options, ["limits"]);
  const fs = requireNodeBuiltin("loadModel", "fs", "deserializeModel");
  return rebuildModel(FILE_NAMES, fs.readFileSync(path), path, options.limits);
}
