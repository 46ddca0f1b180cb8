import { requireNodeBuiltin } from "../platform/node.js";

/** The file-system calls {@link atomicWriteFile} makes to write; tests inject failing versions. */
export interface AtomicWriteFs {
  openSync(path: string, flags: string, mode?: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

/** Bytes handed to one `write` call; large files are written in several. */
const CHUNK_BYTES = 1 << 20;

/**
 * The mode of a file typegrad creates (before the process umask, as for `fs.writeFileSync`):
 * `0o666`, so `-rw-r--r--` under the usual umask 022. An existing file keeps its own mode.
 */
export const NEW_FILE_MODE = 0o666;

/** A temporary file written, flushed and closed, waiting to be renamed over its target. */
export interface PreparedWrite {
  /** The path the caller gave (possibly a symbolic link). */
  readonly path: string;
  /** The file that is replaced: `path`, or the file its symbolic links lead to. */
  readonly target: string;
  /** The temporary file next to `target`: `<target>.tmp-<pid>-<12 hex digits>`. */
  readonly temporary: string;
}

type Fs = typeof import("node:fs");

function nodeFs(op: string): Fs {
  return requireNodeBuiltin(op, "fs", "the byte functions");
}

function pathModule(op: string): typeof import("node:path") {
  return requireNodeBuiltin(op, "path", "the byte functions");
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** The name of typegrad's temporary files for `target`, to create one or to recognise stale ones. */
function temporaryPattern(base: string): RegExp {
  return new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.tmp-(\\d+)-[0-9a-f]{12}$`);
}

/**
 * The file a write to `path` must replace: `path` itself, or, when `path` is a symbolic link
 * (possibly to another link), the file it finally leads to, so the link stays a link.
 *
 * @throws Error naming `path` when it is a directory
 */
function resolveTarget(op: string, path: string): string {
  const fs = nodeFs(op);
  const { dirname, resolve } = pathModule(op);
  let target = path;
  for (let hops = 0; hops < 40; hops++) {
    let stats: import("node:fs").Stats;
    try {
      stats = fs.lstatSync(target);
    } catch {
      return target; // does not exist yet (a dangling link's target is created)
    }
    if (stats.isSymbolicLink()) {
      target = resolve(dirname(target), fs.readlinkSync(target));
      continue;
    }
    if (stats.isDirectory()) throw new Error(`cannot write ${path}: it is a directory`);
    return target;
  }
  throw new Error(`cannot write ${path}: too many levels of symbolic links`);
}

/** An Error naming the real cause of a failure to create `temporary` for `path`. */
function describeOpenError(op: string, path: string, temporary: string, error: unknown): Error {
  const { dirname } = pathModule(op);
  const fs = nodeFs(op);
  const directory = dirname(temporary);
  const c = code(error);
  let message: string;
  if (c === "ENOENT") {
    message = fs.existsSync(directory) ? `cannot write ${path}: ${(error as Error).message}` : `cannot write ${path}: the directory ${directory} does not exist`;
  } else if (c === "ENOTDIR") {
    message = `cannot write ${path}: a part of ${directory} is not a directory`;
  } else if (c === "EACCES" || c === "EPERM" || c === "EROFS") {
    message = `cannot write ${path}: the directory ${directory} is not writable (${c}${c === "EROFS" ? ", a read-only file system" : ""})`;
  } else if (c === "ENAMETOOLONG") {
    const { basename } = pathModule(op);
    message =
      `cannot write ${path}: the file name is too long for the file system (ENAMETOOLONG): ${basename(path).length} characters, ` +
      `${basename(temporary).length} with the temporary suffix .tmp-<pid>-<12 hex digits> typegrad adds while writing; use a shorter name`;
  } else if (c === "ENOSPC" || c === "EDQUOT") {
    message = `cannot write ${path}: no space left on the device (${c})`;
  } else {
    return error instanceof Error ? error : new Error(String(error));
  }
  return new Error(message, { cause: error });
}

/**
 * First half of an atomic write: writes `bytes` to a new temporary file next to the file
 * `path` leads to (following symbolic links), flushes it to disk (`fsync`) and closes it,
 * with the mode of the file it will replace (or {@link NEW_FILE_MODE} minus the umask).
 * Nothing visible changes until {@link commitWrite}; on error the temporary file is removed.
 *
 * @throws Error naming the real cause: a missing or read-only directory, a path that is a
 *   directory, a name too long, a full disk; otherwise the file-system error
 */
export function prepareWrite(op: string, path: string, bytes: Uint8Array, fs?: AtomicWriteFs): PreparedWrite {
  const real = nodeFs(op);
  const io: AtomicWriteFs = fs ?? real;
  const { basename, dirname, join } = pathModule(op);
  const { randomBytes } = requireNodeBuiltin(op, "crypto", "the byte functions");
  const target = resolveTarget(op, path);
  let mode: number | null = null;
  try {
    mode = real.statSync(target).mode & 0o7777;
  } catch {
    mode = null; // a new file
  }
  const temporary = join(dirname(target), `${basename(target)}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
  let fd: number;
  try {
    fd = io.openSync(temporary, "wx", mode ?? NEW_FILE_MODE);
  } catch (error) {
    throw describeOpenError(op, path, temporary, error);
  }
  let closed = false;
  try {
    // open() applies the umask; an existing file's exact mode (e.g. 0600) is restored here.
    if (mode !== null && fs === undefined) real.fchmodSync(fd, mode);
    let written = 0;
    while (written < bytes.length) {
      const length = Math.min(CHUNK_BYTES, bytes.length - written);
      written += io.writeSync(fd, bytes, written, length, written);
    }
    io.fsyncSync(fd);
    closed = true;
    io.closeSync(fd);
  } catch (error) {
    if (!closed) {
      try {
        io.closeSync(fd);
      } catch {
        // Already failing: the original error is the one to report.
      }
    }
    abortWrite({ path, target, temporary }, io);
    const c = code(error);
    if (c === "ENOSPC" || c === "EDQUOT") throw new Error(`cannot write ${path}: no space left on the device (${c})`, { cause: error });
    throw error;
  }
  return { path, target, temporary };
}

/** Second half of an atomic write: renames the temporary file over its target (atomic on POSIX). */
export function commitWrite(prepared: PreparedWrite, fs?: AtomicWriteFs): void {
  const io: AtomicWriteFs = fs ?? nodeFs("commitWrite");
  try {
    io.renameSync(prepared.temporary, prepared.target);
  } catch (error) {
    if (code(error) === "EISDIR") throw new Error(`cannot write ${prepared.path}: it is a directory`, { cause: error });
    throw error;
  }
}

/** Removes a prepared temporary file (after an error); never throws. */
export function abortWrite(prepared: PreparedWrite, fs?: AtomicWriteFs): void {
  try {
    (fs ?? nodeFs("abortWrite")).unlinkSync(prepared.temporary);
  } catch {
    // The temporary file may not exist any more; nothing else to clean up.
  }
}

/** Whether process `pid` is alive (a temporary file of a live process may still be in use). */
function alive(pid: number): boolean {
  if (pid === process.pid) return false; // this process writes synchronously: none of its own is in flight
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return code(error) === "EPERM";
  }
}

/**
 * Removes typegrad's own stale temporary files for `target`: `<target>.tmp-<pid>-<12 hex>`
 * left by a process that died mid-save (never another name, never a live process's file).
 *
 * @returns the names removed
 */
export function removeStaleTemporaries(target: string): string[] {
  const fs = nodeFs("removeStaleTemporaries");
  const { basename, dirname, join } = pathModule("removeStaleTemporaries");
  const pattern = temporaryPattern(basename(target));
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dirname(target));
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = pattern.exec(name);
    if (m === null || alive(Number(m[1]))) continue;
    try {
      fs.unlinkSync(join(dirname(target), name));
      removed.push(name);
    } catch {
      // Gone already, or not ours to remove: leave it.
    }
  }
  return removed;
}

/** Flushes a directory's entries (the renames), where the platform allows opening directories. */
export function syncDirectory(directory: string): void {
  const fs = nodeFs("syncDirectory");
  let fd: number | null = null;
  try {
    fd = fs.openSync(directory, "r");
    fs.fsyncSync(fd);
  } catch {
    // Windows cannot open directories; the rename itself has already happened.
  } finally {
    if (fd !== null) {
      try {
        fs.closeSync(fd);
      } catch {
        // Nothing was written through this descriptor.
      }
    }
  }
}

/**
 * Writes `bytes` to `path` so that a crash or error at any point leaves either the old file
 * or the complete new one, never a torn file: the bytes go to a temporary file in the same
 * directory (`<name>.tmp-<pid>-<random>`), which is flushed to disk (`fsync`) and then
 * renamed over the file (atomic on POSIX file systems). On failure the temporary file is
 * removed and the error rethrown; after success, stale temporary files of this name left by
 * crashed processes are removed.
 *
 * An existing file keeps its mode (a `0600` checkpoint stays private); a new one gets
 * {@link NEW_FILE_MODE} minus the umask. When `path` is a symbolic link, the file it leads to
 * is replaced and the link stays a link.
 *
 * @param fs - the file-system calls to use for writing (default `node:fs`)
 * @throws Error naming the real cause: a missing or read-only directory, a path that is a
 *   directory, a name too long, a full disk; otherwise the underlying file-system error, with
 *   `path` untouched
 */
export function atomicWriteFile(path: string, bytes: Uint8Array, fs?: AtomicWriteFs): void {
  const prepared = prepareWrite("atomicWriteFile", path, bytes, fs);
  try {
    commitWrite(prepared, fs);
  } catch (error) {
    abortWrite(prepared, fs);
    throw error;
  }
  syncDirectory(pathModule("atomicWriteFile").dirname(prepared.target));
  removeStaleTemporaries(prepared.target);
}
