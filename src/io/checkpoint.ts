import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import type { Module } from "../layers/module.js";
import type { JsonValue, ModuleSpec } from "../layers/spec.js";
import { specLayout } from "../layers/spec-layout.js";
import { checkOptionKeys } from "../util/options.js";
import { checkArchitecture, rebuildModel, type CheckpointLimits } from "./architecture.js";
import { parseHeader } from "./safetensors-header.js";
import type { OptimizerState } from "../optim/optimizer.js";
import type { DType } from "../tensor/dtype.js";
import { formatShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { atomicWriteFile } from "./atomic-write.js";
import { decodeSafetensors, parseSafetensors, serializeSafetensors } from "./safetensors.js";
import { TYPEGRAD_VERSION } from "./version.js";

/** The checkpoint layout version written in `typegrad.format_version`; readers reject newer ones. */
export const CHECKPOINT_FORMAT_VERSION = 1;

/** Metadata keys typegrad writes (user metadata may not use the `typegrad.` prefix). */
export const CHECKPOINT_KEYS = {
  architecture: "typegrad.architecture",
  formatVersion: "typegrad.format_version",
  version: "typegrad.version",
  optimizer: "typegrad.optimizer",
  modelSha256: "typegrad.model_sha256",
} as const;

/** The optimiser interface checkpoints need (every `Optimizer` has it). */
export interface CheckpointOptimizer {
  stateDict(): OptimizerState;
  loadStateDict(state: OptimizerState): void;
}

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

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function checkFormatVersion(path: string, metadata: Record<string, string>): void {
  const raw = metadata[CHECKPOINT_KEYS.formatVersion];
  if (raw === undefined) return; // a plain safetensors file, e.g. written by PyTorch
  const version = Number(raw);
  if (!Number.isInteger(version) || version < 1 || version > CHECKPOINT_FORMAT_VERSION) {
    throw new Error(
      `${path}: checkpoint format version ${JSON.stringify(raw)} is not supported (this typegrad ${TYPEGRAD_VERSION} reads up to ${CHECKPOINT_FORMAT_VERSION})`,
    );
  }
}

function parseJson(path: string, key: string, text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (e) {
    throw new Error(`${path}: metadata "${key}" is not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Saves a model's parameters and buffers to a safetensors file under their dotted state-dict
 * names (`0.weight`, `0.bias`, …), so PyTorch loads it directly:
 *
 * ```text
 * model.load_state_dict(safetensors.torch.load_file(path), strict=True)
 * ```
 *
 * The metadata holds `format: "pt"`, the architecture (`typegrad.architecture`, the JSON of
 * `model.spec()`, which {@link loadModel} rebuilds), `typegrad.format_version`,
 * `typegrad.version` and the user's `metadata`.
 *
 * With `optimizer`, its state goes to a separate file, {@link optimizerPath}(path), so the
 * model file holds exactly the model's keys (PyTorch's strict load rejects extra keys). The
 * sidecar records the SHA-256 of the model file, so a model and an optimiser state from two
 * different saves are never restored together. Each file is written atomically (temporary
 * file, fsync, rename): an interrupted save leaves the previous file intact.
 *
 * @throws Error when the model cannot describe its architecture (`spec()`), or metadata uses
 *   a `typegrad.` key or a non-string value; nothing is written then
 */
export function saveModel(model: Module, path: string, options: SaveModelOptions = {}): void {
  let spec: ModuleSpec;
  try {
    spec = model.spec();
  } catch (e) {
    throw new Error(`saveModel: ${(e as Error).message}; to save the weights only, use writeSafetensors(path, model.stateDict())`);
  }
  checkRebuilds(model, spec);
  const user = options.metadata ?? {};
  for (const [key, value] of Object.entries(user)) {
    if (key.startsWith("typegrad.")) throw new Error(`saveModel: metadata key "${key}" is reserved (typegrad.*)`);
    if (typeof value !== "string") throw new Error(`saveModel: metadata["${key}"] must be a string, got ${typeof value}`);
  }
  const common = { [CHECKPOINT_KEYS.formatVersion]: String(CHECKPOINT_FORMAT_VERSION), [CHECKPOINT_KEYS.version]: TYPEGRAD_VERSION };
  const modelBytes = serializeSafetensors(model.stateDict(), {
    format: "pt",
    ...user,
    [CHECKPOINT_KEYS.architecture]: JSON.stringify(spec),
    ...common,
  });
  let optimizerBytes: Uint8Array | null = null;
  if (options.optimizer !== undefined) {
    const state = options.optimizer.stateDict();
    optimizerBytes = serializeSafetensors(state.tensors, {
      [CHECKPOINT_KEYS.optimizer]: JSON.stringify({ type: state.type, step: state.step, groups: state.groups }),
      [CHECKPOINT_KEYS.modelSha256]: sha256(modelBytes),
      ...common,
    });
  }
  atomicWriteFile(path, modelBytes);
  if (optimizerBytes !== null) atomicWriteFile(optimizerPath(path), optimizerBytes);
}

/**
 * Checks that the architecture describes exactly this model's tensor names and shapes, so
 * {@link loadModel} can read the file back; derived from the spec without building a second
 * model (`specLayout`), and compared through sets (linear in the number of tensors). It fails
 * when a module or tensor is used in two places (the state dict holds it once, the
 * architecture twice), or when a custom module's `spec()` leaves out something its
 * constructor needs.
 */
function checkRebuilds(model: Module, spec: ModuleSpec): void {
  let again: string[];
  try {
    again = [...specLayout(JSON.parse(JSON.stringify(spec)), { maxModules: Infinity, maxDepth: Infinity, maxGridSize: Infinity }, "saveModel").tensors.values()]
      .map((t) => `${t.name} ${formatShape(t.shape)}`);
  } catch (e) {
    throw new Error(`saveModel: the model's architecture cannot be rebuilt: ${(e as Error).message}`);
  }
  const own = [...model.namedParameters(), ...model.namedBuffers()].map(([k, t]) => `${k} ${formatShape(t.shape)}`);
  const ownSet = new Set(own);
  const againSet = new Set(again);
  const missing = again.filter((k) => !ownSet.has(k));
  const extra = own.filter((k) => !againSet.has(k));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `saveModel: the saved architecture would rebuild different tensors (${[...missing.map((k) => `+${k}`), ...extra.map((k) => `-${k}`)].join(", ")}), ` +
        "so loadModel could not read the file back; a module or tensor used in two places is stored once and cannot be saved this way " +
        "(save the weights with writeSafetensors(path, model.stateDict()) and rebuild the model in code)",
    );
  }
}

/** Reads and validates the optimiser sidecar of the checkpoint whose model file has `modelBytes`. */
function readOptimizerState(path: string, modelBytes: Uint8Array): OptimizerState {
  const sidecar = optimizerPath(path);
  if (!existsSync(sidecar)) throw new Error(`loadCheckpoint: no optimiser state next to ${path} (expected ${sidecar})`);
  const { tensors, metadata } = parseSafetensors(readFileSync(sidecar), sidecar);
  checkFormatVersion(sidecar, metadata);
  const recorded = metadata[CHECKPOINT_KEYS.modelSha256];
  if (recorded !== sha256(modelBytes)) {
    throw new Error(
      `loadCheckpoint: ${sidecar} was saved with a different model file than ${path} (SHA-256 ${String(recorded)} recorded, ${sha256(modelBytes)} found)`,
    );
  }
  const raw = metadata[CHECKPOINT_KEYS.optimizer];
  if (raw === undefined) throw new Error(`loadCheckpoint: ${sidecar} has no "${CHECKPOINT_KEYS.optimizer}" metadata`);
  const json = parseJson(sidecar, CHECKPOINT_KEYS.optimizer, raw);
  if (json === null || typeof json !== "object" || Array.isArray(json) || typeof json.type !== "string" || typeof json.step !== "number") {
    throw new Error(`loadCheckpoint: ${sidecar}: "${CHECKPOINT_KEYS.optimizer}" must be { type, step, groups }, got ${raw.slice(0, 80)}`);
  }
  return { type: json.type, step: json.step, groups: json.groups ?? null, tensors };
}

/**
 * Loads a checkpoint's weights into an existing model (and optionally an optimiser). Every
 * check runs before anything changes, and when it throws the model and optimiser are
 * unchanged: the file must be valid safetensors, hold exactly the model's keys (strict) with
 * matching shapes, and the optimiser sidecar must belong to this model file. float32/float64
 * values convert to the model's dtype. Files written by PyTorch's `save_file` load too.
 *
 * @returns the file's metadata (including any user metadata given to {@link saveModel})
 * @throws Error naming the file and the problem (missing/unexpected keys, shapes, corruption)
 */
export function loadCheckpoint(model: Module, path: string, options: LoadCheckpointOptions = {}): Record<string, string> {
  const bytes = readFileSync(path);
  const { tensors, metadata } = parseSafetensors(bytes, path);
  checkFormatVersion(path, metadata);
  const optimizerState = options.optimizer === undefined ? null : readOptimizerState(path, bytes);
  const snapshot = optimizerState === null ? null : model.stateDict();
  try {
    model.loadStateDict(tensors);
  } catch (e) {
    throw new Error(`loadCheckpoint: ${path}: ${(e as Error).message}`);
  }
  if (optimizerState !== null && options.optimizer !== undefined && snapshot !== null) {
    try {
      options.optimizer.loadStateDict(optimizerState);
    } catch (e) {
      model.loadStateDict(snapshot); // keep the promise: on error, nothing changed
      throw new Error(`loadCheckpoint: ${optimizerPath(path)}: ${(e as Error).message}`);
    }
  }
  return metadata;
}

/** The single dtype of every tensor in `tensors`, or `null` when they mix (or there are none). */
function uniformDType(tensors: Record<string, Tensor>): DType | null {
  const dtypes = new Set(Object.values(tensors).map((t) => t.dtype));
  return dtypes.size === 1 ? [...dtypes][0] : null;
}

/**
 * Rebuilds a model saved by {@link saveModel}: the architecture from its metadata (through
 * `moduleFromSpec`, so every module type in it must be registered, which importing typegrad
 * does for the built-in layers), then the weights, strictly. A model whose tensors are all
 * float64 in the file is converted to float64 first.
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
  const limits = options.limits ?? {};
  const bytes = readFileSync(path);
  const header = parseHeader(bytes, path, limits.maxHeaderBytes);
  checkFormatVersion(path, header.metadata);
  const raw = Object.prototype.hasOwnProperty.call(header.metadata, CHECKPOINT_KEYS.architecture) ? header.metadata[CHECKPOINT_KEYS.architecture] : undefined;
  if (raw === undefined) {
    throw new Error(`loadModel: ${path} has no "${CHECKPOINT_KEYS.architecture}" metadata; build the model yourself and use loadCheckpoint`);
  }
  const { spec } = checkArchitecture(`loadModel: ${path}`, raw, header.entries, limits);
  const { tensors } = decodeSafetensors(bytes, header);
  let model: Module;
  try {
    model = rebuildModel(spec, limits);
  } catch (e) {
    throw new Error(`loadModel: ${path}: ${(e as Error).message}`);
  }
  const dtype = uniformDType(tensors);
  if (dtype !== null && model.parameters().some((p) => p.dtype !== dtype)) model.to(dtype);
  try {
    model.loadStateDict(tensors);
  } catch (e) {
    throw new Error(`loadModel: ${path}: ${(e as Error).message}`);
  }
  return model;
}
