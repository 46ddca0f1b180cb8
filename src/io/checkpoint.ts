import type { Module } from "../layers/module.js";
import type { JsonValue, ModuleSpec } from "../layers/spec.js";
import { specLayout } from "../layers/spec-layout.js";
import { checkOptionKeys } from "../util/options.js";
import { buildCheckedModel, checkArchitecture, type CheckpointLimits } from "./architecture.js";
import { parseHeader } from "./safetensors-header.js";
import type { OptimizerState } from "../optim/optimizer.js";
import { nodeBuiltin } from "../platform/node.js";
import type { DType } from "../tensor/dtype.js";
import { formatShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { decodeSafetensors, parseSafetensors, serializeSafetensors } from "./safetensors.js";
import { sha256Hex } from "./sha256.js";
import { TYPEGRAD_VERSION } from "./version.js";

// Checkpoints as bytes, in every runtime (a browser stores them in IndexedDB, sends them
// with postMessage or fetch). The files of saveModel/loadModel/loadCheckpoint hold exactly
// these bytes; the file functions are in checkpoint-file.ts.

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

/** Options of {@link serializeModel}. */
export interface SerializeModelOptions {
  /** Extra string → string metadata (keys must not start with `typegrad.`). */
  metadata?: Record<string, string>;
}

/** Options of {@link deserializeModel}. */
export interface DeserializeModelOptions {
  /** A name for the bytes in error messages (a URL, a storage key). Default `"bytes"`. */
  source?: string;
  /** Bounds on what the bytes may make the loader allocate or compute; see {@link CheckpointLimits}. */
  limits?: CheckpointLimits;
}

/** Options of {@link deserializeCheckpoint}. */
export interface DeserializeCheckpointOptions {
  /** Also restore this optimiser, from `optimizerBytes`. */
  optimizer?: CheckpointOptimizer;
  /** The optimiser state {@link serializeOptimizer} made for these model bytes; required with `optimizer`. */
  optimizerBytes?: Uint8Array;
  /** A name for the model bytes in error messages. Default `"bytes"`. */
  source?: string;
  /** A name for the optimiser bytes in error messages. Default `"optimizerBytes"`. */
  optimizerSource?: string;
}

/** Hex SHA-256 of `bytes`: Node's native hash where there is one, the same digest in TypeScript elsewhere. */
function sha256(bytes: Uint8Array): string {
  const crypto = nodeBuiltin("crypto");
  return crypto === undefined ? sha256Hex(bytes) : crypto.createHash("sha256").update(bytes).digest("hex");
}

function checkFormatVersion(source: string, metadata: Record<string, string>): void {
  const raw = metadata[CHECKPOINT_KEYS.formatVersion];
  if (raw === undefined) return; // a plain safetensors file, e.g. written by PyTorch
  const version = Number(raw);
  if (!Number.isInteger(version) || version < 1 || version > CHECKPOINT_FORMAT_VERSION) {
    throw new Error(
      `${source}: checkpoint format version ${JSON.stringify(raw)} is not supported (this typegrad ${TYPEGRAD_VERSION} reads up to ${CHECKPOINT_FORMAT_VERSION})`,
    );
  }
}

function parseJson(source: string, key: string, text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (e) {
    throw new Error(`${source}: metadata "${key}" is not valid JSON (${(e as Error).message})`);
  }
}

const common = (): Record<string, string> => ({
  [CHECKPOINT_KEYS.formatVersion]: String(CHECKPOINT_FORMAT_VERSION),
  [CHECKPOINT_KEYS.version]: TYPEGRAD_VERSION,
});

/**
 * The checkpoint bytes of a model: its parameters and buffers in safetensors under their
 * dotted state-dict names (`0.weight`, `0.bias`, …), so PyTorch loads them directly
 * (`safetensors.torch.load(bytes)`, then `model.load_state_dict(…, strict=True)`).
 *
 * The metadata holds `format: "pt"`, the architecture (`typegrad.architecture`, the JSON of
 * `model.spec()`, which {@link deserializeModel} rebuilds), `typegrad.format_version`,
 * `typegrad.version` and the user's `metadata`. `saveModel` writes exactly these bytes to its
 * file; the same bytes load identically in Node, browsers and workers.
 *
 * @param options - `metadata`: extra string → string pairs (no `typegrad.` keys)
 * @returns the safetensors bytes
 * @throws Error when the model cannot describe its architecture (`spec()`), the architecture
 *   would not rebuild the same tensors, or metadata uses a `typegrad.` key or a non-string value
 */
export function serializeModel(model: Module, options: SerializeModelOptions = {}): Uint8Array {
  return encodeModel(BYTES_NAMES, model, options.metadata);
}

/** The function names errors mention: the bytes functions, or the file functions of checkpoint-file.ts. */
export interface CheckpointNames {
  /** The function that saves (starts its errors). */
  save: string;
  /** The function that would load the model back. */
  load: string;
  /** How to save the weights alone instead. */
  weightsOnly: string;
  /** The function that loads weights into a model built in code. */
  restore: string;
}

const BYTES_NAMES: CheckpointNames = {
  save: "serializeModel",
  load: "deserializeModel",
  weightsOnly: "serializeSafetensors(model.stateDict())",
  restore: "deserializeCheckpoint",
};

/** {@link serializeModel}, with errors naming the functions in `names`. */
export function encodeModel(names: CheckpointNames, model: Module, metadata: Record<string, string> = {}): Uint8Array {
  const op = names.save;
  let spec: ModuleSpec;
  try {
    spec = model.spec();
  } catch (e) {
    throw new Error(`${op}: ${(e as Error).message}; to save the weights only, use ${names.weightsOnly}`);
  }
  checkRebuilds(names, model, spec);
  for (const [key, value] of Object.entries(metadata)) {
    if (key.startsWith("typegrad.")) throw new Error(`${op}: metadata key "${key}" is reserved (typegrad.*)`);
    if (typeof value !== "string") throw new Error(`${op}: metadata["${key}"] must be a string, got ${typeof value}`);
  }
  return serializeSafetensors(model.stateDict(), {
    format: "pt",
    ...metadata,
    [CHECKPOINT_KEYS.architecture]: JSON.stringify(spec),
    ...common(),
  });
}

/**
 * The bytes of an optimiser's state (moments, step count, hyper-parameters per group) in
 * safetensors, bound to one model checkpoint: they record the SHA-256 of `modelBytes`, and
 * {@link deserializeCheckpoint} refuses to restore them next to any other model bytes. This is
 * the sidecar file `saveModel(model, path, { optimizer })` writes.
 *
 * @param modelBytes - the {@link serializeModel} bytes of the model this optimiser trains
 * @returns the safetensors bytes
 * @throws Error from the optimiser's `stateDict()`
 */
export function serializeOptimizer(optimizer: CheckpointOptimizer, modelBytes: Uint8Array): Uint8Array {
  if (!(modelBytes instanceof Uint8Array)) throw new Error("serializeOptimizer: modelBytes must be the Uint8Array of serializeModel");
  const state = optimizer.stateDict();
  return serializeSafetensors(state.tensors, {
    [CHECKPOINT_KEYS.optimizer]: JSON.stringify({ type: state.type, step: state.step, groups: state.groups }),
    [CHECKPOINT_KEYS.modelSha256]: sha256(modelBytes),
    ...common(),
  });
}

/**
 * Checks that the architecture describes exactly this model's tensor names and shapes, so it
 * can be loaded back; derived from the spec without building a second model (`specLayout`),
 * and compared through sets (linear in the number of tensors). It fails when a module or
 * tensor is used in two places (the state dict holds it once, the architecture twice), or
 * when a custom module's `spec()` leaves out something its constructor needs.
 */
function checkRebuilds(names: CheckpointNames, model: Module, spec: ModuleSpec): void {
  const op = names.save;
  let again: string[];
  try {
    const unlimited = { maxModules: Infinity, maxDepth: Infinity, maxGridSize: Infinity };
    again = [...specLayout(JSON.parse(JSON.stringify(spec)), unlimited, op).tensors.values()].map((t) => `${t.name} ${formatShape(t.shape)}`);
  } catch (e) {
    throw new Error(`${op}: the model's architecture cannot be rebuilt: ${(e as Error).message}`);
  }
  const own = [...model.namedParameters(), ...model.namedBuffers()].map(([k, t]) => `${k} ${formatShape(t.shape)}`);
  const ownSet = new Set(own);
  const againSet = new Set(again);
  const missing = again.filter((k) => !ownSet.has(k));
  const extra = own.filter((k) => !againSet.has(k));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `${op}: the saved architecture would rebuild different tensors (${[...missing.map((k) => `+${k}`), ...extra.map((k) => `-${k}`)].join(", ")}), ` +
        `so ${names.load} could not read it back; a module or tensor used in two places is stored once and cannot be saved this way ` +
        `(save the weights with ${names.weightsOnly} and rebuild the model in code)`,
    );
  }
}

/**
 * Validates optimiser-state bytes (`sidecar`, named `sidecarSource`) against the model bytes
 * they must belong to, and decodes them.
 */
export function decodeOptimizerState(op: string, sidecar: Uint8Array, sidecarSource: string, modelBytes: Uint8Array, modelSource: string): OptimizerState {
  const { tensors, metadata } = parseSafetensors(sidecar, sidecarSource);
  checkFormatVersion(`${op}: ${sidecarSource}`, metadata);
  const recorded = metadata[CHECKPOINT_KEYS.modelSha256];
  const actual = sha256(modelBytes);
  if (recorded !== actual) {
    throw new Error(
      `${op}: ${sidecarSource} was saved with a different model file than ${modelSource} (SHA-256 ${String(recorded)} recorded, ${actual} found)`,
    );
  }
  const raw = metadata[CHECKPOINT_KEYS.optimizer];
  if (raw === undefined) throw new Error(`${op}: ${sidecarSource} has no "${CHECKPOINT_KEYS.optimizer}" metadata`);
  const json = parseJson(`${op}: ${sidecarSource}`, CHECKPOINT_KEYS.optimizer, raw);
  if (json === null || typeof json !== "object" || Array.isArray(json) || typeof json.type !== "string" || typeof json.step !== "number") {
    throw new Error(`${op}: ${sidecarSource}: "${CHECKPOINT_KEYS.optimizer}" must be { type, step, groups }, got ${raw.slice(0, 80)}`);
  }
  return { type: json.type, step: json.step, groups: json.groups ?? null, tensors };
}

/**
 * Whether optimiser-state bytes belong to these model bytes: their header (read without
 * decoding a tensor) records the SHA-256 of `modelBytes`, the id the pair shares. `false` for
 * bytes that are not a valid safetensors header.
 */
export function optimizerBelongsTo(sidecar: Uint8Array, modelBytes: Uint8Array): boolean {
  let metadata: Record<string, string>;
  try {
    metadata = parseHeader(sidecar, "sidecar").metadata;
  } catch {
    return false;
  }
  return Object.prototype.hasOwnProperty.call(metadata, CHECKPOINT_KEYS.modelSha256) && metadata[CHECKPOINT_KEYS.modelSha256] === sha256(modelBytes);
}

/** Where the optimiser state for {@link restoreCheckpoint} comes from (already read, not yet decoded). */
export interface OptimizerSource {
  optimizer: CheckpointOptimizer;
  /** Reads the state when called, after the model bytes passed their checks. */
  bytes: () => Uint8Array;
  source: string;
}

/**
 * Loads checkpoint bytes into `model` (and an optimiser), all checks first: on error the
 * model and optimiser are unchanged. The shared body of {@link deserializeCheckpoint} and
 * `loadCheckpoint`.
 */
export function restoreCheckpoint(op: string, model: Module, bytes: Uint8Array, source: string, optimizer: OptimizerSource | null): Record<string, string> {
  const { tensors, metadata } = parseSafetensors(bytes, source);
  checkFormatVersion(`${op}: ${source}`, metadata);
  const optimizerState = optimizer === null ? null : decodeOptimizerState(op, optimizer.bytes(), optimizer.source, bytes, source);
  const snapshot = optimizerState === null ? null : model.stateDict();
  try {
    model.loadStateDict(tensors);
  } catch (e) {
    throw new Error(`${op}: ${source}: ${(e as Error).message}`);
  }
  if (optimizerState !== null && optimizer !== null && snapshot !== null) {
    try {
      optimizer.optimizer.loadStateDict(optimizerState);
    } catch (e) {
      model.loadStateDict(snapshot); // keep the promise: on error, nothing changed
      throw new Error(`${op}: ${optimizer.source}: ${(e as Error).message}`);
    }
  }
  return metadata;
}

/**
 * Loads checkpoint bytes ({@link serializeModel}, or safetensors from PyTorch's `save`) into
 * an existing model, and optionally an optimiser from its {@link serializeOptimizer} bytes.
 * Every check runs before anything changes, and when it throws the model and optimiser are
 * unchanged: the bytes must be valid safetensors, hold exactly the model's keys (strict) with
 * matching shapes, and the optimiser bytes must belong to these model bytes (SHA-256).
 * float32/float64 values convert to the model's dtype.
 *
 * @returns the checkpoint's metadata (including any user metadata)
 * @throws Error naming the bytes (`source`) and the problem (missing/unexpected keys, shapes, corruption)
 */
export function deserializeCheckpoint(model: Module, bytes: Uint8Array, options: DeserializeCheckpointOptions = {}): Record<string, string> {
  const source = options.source ?? "bytes";
  const optimizerSource = options.optimizerSource ?? "optimizerBytes";
  let optimizer: OptimizerSource | null = null;
  if (options.optimizer !== undefined) {
    const sidecar = options.optimizerBytes;
    if (!(sidecar instanceof Uint8Array)) {
      throw new Error(`deserializeCheckpoint: with optimizer, pass its state as optimizerBytes (the Uint8Array of serializeOptimizer), got ${typeof sidecar}`);
    }
    optimizer = { optimizer: options.optimizer, bytes: () => sidecar, source: optimizerSource };
  } else if (options.optimizerBytes !== undefined) {
    throw new Error("deserializeCheckpoint: optimizerBytes given without the optimizer to restore them into");
  }
  return restoreCheckpoint("deserializeCheckpoint", model, bytes, source, optimizer);
}

/** The single dtype of every tensor in `tensors`, or `null` when they mix (or there are none). */
function uniformDType(tensors: Record<string, Tensor>): DType | null {
  const dtypes = new Set(Object.values(tensors).map((t) => t.dtype));
  return dtypes.size === 1 ? [...dtypes][0] : null;
}

/**
 * Rebuilds the model in checkpoint bytes; the shared body of {@link deserializeModel} and
 * `loadModel`. The bytes are untrusted: every tensor the architecture declares is derived from
 * the spec alone (strict schemas, `limits`) and compared with the header before anything is
 * built or decoded (`checkArchitecture`).
 */
export function rebuildModel(names: CheckpointNames, bytes: Uint8Array, source: string, limits: CheckpointLimits = {}): Module {
  const op = names.load;
  const header = parseHeader(bytes, source, limits.maxHeaderBytes);
  const metadata = header.metadata;
  checkFormatVersion(`${op}: ${source}`, metadata);
  const raw = metadata[CHECKPOINT_KEYS.architecture];
  if (raw === undefined) {
    throw new Error(`${op}: ${source} has no "${CHECKPOINT_KEYS.architecture}" metadata; build the model yourself and use ${names.restore}`);
  }
  const { spec } = checkArchitecture(`${op}: ${source}`, raw, header.entries, limits);
  const { tensors } = decodeSafetensors(bytes, header);
  let model: Module;
  try {
    model = buildCheckedModel(spec, limits);
  } catch (e) {
    throw new Error(`${op}: ${source}: ${(e as Error).message}`);
  }
  const dtype = uniformDType(tensors);
  if (dtype !== null && model.parameters().some((p) => p.dtype !== dtype)) model.to(dtype);
  try {
    model.loadStateDict(tensors);
  } catch (e) {
    throw new Error(`${op}: ${source}: ${(e as Error).message}`);
  }
  return model;
}

/**
 * Rebuilds a model from {@link serializeModel} bytes: the architecture from its metadata
 * (through `moduleFromSpec`, so every module type in it must be registered, which importing
 * typegrad does for the built-in layers), then the weights, strictly. A model whose tensors
 * are all float64 in the bytes is converted to float64 first.
 *
 * The bytes are untrusted: before anything is built, every tensor the architecture declares
 * is derived from the spec alone (each spec checked strictly against its type's schema),
 * counted against `options.limits` (by default no more values than the bytes hold, 250 000
 * modules, nesting 100 deep, KAN grids up to 1000) and compared with the header (names and
 * shapes). So a checkpoint costs at most what its bytes justify.
 *
 * @param options - `source` (for errors), `limits` (see {@link CheckpointLimits})
 * @returns the model, in training mode
 * @throws Error naming `source` when the bytes are not valid, have no architecture, name an
 *   unknown module type, break a module's schema, exceed a limit (naming it), or their
 *   tensors do not match the architecture
 */
export function deserializeModel(bytes: Uint8Array, options: DeserializeModelOptions = {}): Module {
  checkOptionKeys("deserializeModel", options, ["source", "limits"]);
  return rebuildModel(BYTES_NAMES, bytes, options.source ?? "bytes", options.limits);
}
