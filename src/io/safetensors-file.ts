import { requireNodeBuiltin } from "../platform/node.js";
import type { Tensor } from "../tensor/tensor.js";
import { atomicWriteFile, type AtomicWriteFs } from "./atomic-write.js";
import { parseSafetensors, serializeSafetensors, type Safetensors } from "./safetensors.js";

// safetensors files (Node, Deno, Bun): thin wrappers over the bytes functions of safetensors.ts.

/** Options of {@link writeSafetensors}. */
export interface WriteSafetensorsOptions {
  /** File-system calls to use (default `node:fs`); for tests that simulate a failing disk. */
  fs?: AtomicWriteFs;
}

/**
 * Writes tensors to a safetensors file atomically: the bytes go to a temporary file in the
 * same directory, which is flushed and renamed over `path`, so an error or crash never
 * leaves a torn file or destroys the previous one. See {@link serializeSafetensors} for the layout
 * (the file holds exactly its bytes).
 *
 * @throws Error for invalid tensors or metadata (nothing is written), or the file-system error
 */
export function writeSafetensors(
  path: string,
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
  options: WriteSafetensorsOptions = {},
): void {
  if (options.fs === undefined) requireNodeBuiltin("writeSafetensors", "fs", "serializeSafetensors");
  atomicWriteFile(path, serializeSafetensors(tensors, metadata), options.fs);
}

/**
 * Reads and validates a safetensors file. See {@link parseSafetensors}.
 *
 * @throws Error naming the file, the tensor and the offending values when the file is not a valid safetensors file
 */
export function readSafetensors(path: string): Safetensors {
  return parseSafetensors(requireNodeBuiltin("readSafetensors", "fs", "parseSafetensors").readFileSync(path), path);
}
