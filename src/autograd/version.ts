import type { TypedArray } from "../tensor/dtype.js";

/**
 * Version counters of tensor storage, for the in-place ops. Every in-place change of an
 * array bumps the counter of its buffer (shared by every tensor and view over it, as
 * PyTorch's version counter is shared by views); `record()` notes the versions of an op's
 * inputs and output, and `backward()` refuses to run the op's backward if one changed
 * since, naming both ops, instead of returning a wrong gradient.
 *
 * Only buffers that were ever changed in place have an entry, so ordinary tensors cost
 * one `WeakMap` lookup per recorded input.
 */
interface Version {
  version: number;
  /** The in-place op that last changed the buffer, for the error message. */
  op: string;
}

const versions = new WeakMap<object, Version>();

/**
 * What a version counter belongs to: the array's buffer (shared by every view over it), but
 * the array itself when the buffer is a `SharedArrayBuffer`: one such buffer (the
 * WebAssembly kernels' memory) holds the storage of many unrelated tensors.
 */
function storageKey(data: TypedArray): object {
  const buffer = data.buffer;
  return typeof SharedArrayBuffer === "function" && buffer instanceof SharedArrayBuffer ? data : buffer;
}
/**
 * Whether any in-place op has run in this process. Until one has, every version is 0 and
 * `record()` saves none: reading `.buffer` of a small typed array allocates it, which
 * showed as per-op overhead on small training steps.
 */
let anyChanged = false;

/** Whether any storage has been changed in place yet (before that, every version is 0). */
export function inPlaceSeen(): boolean {
  return anyChanged;
}

/** How many in-place changes the storage of `data` has seen (0 for one never changed). */
export function versionOf(data: TypedArray): number {
  if (!anyChanged) return 0;
  return versions.get(storageKey(data))?.version ?? 0;
}

/** The in-place op that last changed the storage of `data`, if any. */
export function lastInPlaceOp(data: TypedArray): string | undefined {
  return versions.get(storageKey(data))?.op;
}

/** Records that `op` changed the storage of `data` in place. */
export function bumpVersion(data: TypedArray, op: string): void {
  anyChanged = true;
  const key = storageKey(data);
  const v = versions.get(key);
  if (v === undefined) versions.set(key, { version: 1, op });
  else {
    v.version++;
    v.op = op;
  }
}
