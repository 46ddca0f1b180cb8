import type { Module } from "../layers/module.js";
import { requireNodeBuiltin } from "../platform/node.js";
import { checkOptionKeys } from "../util/options.js";
import type { CheckpointLimits } from "./architecture.js";
import { atomicWriteFile } from "./atomic-write.js";
import {
  encodeModel,
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
 * strict load rejects extra keys). The sidecar records the SHA-256 of the model file, so a
 * model and an optimiser state from two different saves are never restored together. Each
 * file is written atomically (temporary file, fsync, rename): an interrupted save leaves the
 * previous file intact.
 *
 * @throws Error when the model cannot describe its architecture (`spec()`), or metadata uses
 *   a `typegrad.` key or a non-string value; nothing is written then. In a runtime without a
 *   file system (a browser), an Error pointing to `serializeModel`.
 */
export function saveModel(model: Module, path: string, options: SaveModelOptions = {}): void {
  requireNodeBuiltin("saveModel", "fs", "serializeModel");
  const modelBytes = encodeModel(FILE_NAMES, model, options.metadata);
  const optimizerBytes = options.optimizer === undefined ? null : serializeOptimizer(options.optimizer, modelBytes);
  atomicWriteFile(path, modelBytes);
  if (optimizerBytes !== null) atomicWriteFile(optimizerPath(path), optimizerBytes);
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
  const sidecar = optimizerPath(path);
  const optimizer =
    options.optimizer === undefined
      ? null
      : {
          optimizer: options.optimizer,
          source: sidecar,
          bytes: () => {
            if (!fs.existsSync(sidecar)) throw new Error(`loadCheckpoint: no optimiser state next to ${path} (expected ${sidecar})`);
            return fs.readFileSync(sidecar);
          },
        };
  return restoreCheckpoint("loadCheckpoint", model, bytes, path, optimizer);
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
