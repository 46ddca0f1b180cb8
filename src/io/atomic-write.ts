import { requireNodeBuiltin } from "../platform/node.js";

/** The file-system calls {@link atomicWriteFile} makes; tests inject failing versions. */
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
 * Writes `bytes` to `path` so that a crash or error at any point leaves either the old file
 * or the complete new one, never a torn file: the bytes go to a temporary file in the same
 * directory (`<path>.tmp-<pid>-<random>`), which is flushed to disk (`fsync`) and then
 * renamed over `path` (atomic on POSIX file systems). On failure the temporary file is
 * removed and the error rethrown.
 *
 * @param fs - the file-system calls to use (default `node:fs`)
 * @throws Error naming the directory when it does not exist; otherwise the underlying
 * file-system error, with `path` untouched
 */
export function atomicWriteFile(path: string, bytes: Uint8Array, fs?: AtomicWriteFs): void {
  const nodeFs = requireNodeBuiltin("atomicWriteFile", "fs", "the byte functions");
  fs ??= nodeFs;
  const { basename, dirname, join } = requireNodeBuiltin("atomicWriteFile", "path", "the byte functions");
  const { randomBytes } = requireNodeBuiltin("atomicWriteFile", "crypto", "the byte functions");
  const temporary = join(dirname(path), `${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
  let fd: number;
  try {
    fd = fs.openSync(temporary, "wx", 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error(`cannot write ${path}: the directory ${dirname(path)} does not exist`, { cause: error });
    }
    throw error;
  }
  let closed = false;
  try {
    let written = 0;
    while (written < bytes.length) {
      const length = Math.min(CHUNK_BYTES, bytes.length - written);
      written += fs.writeSync(fd, bytes, written, length, written);
    }
    fs.fsyncSync(fd);
    closed = true;
    fs.closeSync(fd);
    fs.renameSync(temporary, path);
  } catch (error) {
    if (!closed) {
      try {
        fs.closeSync(fd);
      } catch {
        // Already failing: the original error is the one to report.
      }
    }
    try {
      fs.unlinkSync(temporary);
    } catch {
      // The temporary file may not exist any more; nothing else to clean up.
    }
    throw error;
  }
  syncDirectory(nodeFs, dirname(path));
}

/** Flushes the directory entry of the rename, where the platform allows opening directories. */
function syncDirectory(nodeFs: Pick<AtomicWriteFs, "openSync" | "fsyncSync" | "closeSync">, directory: string): void {
  let fd: number | null = null;
  try {
    fd = nodeFs.openSync(directory, "r");
    nodeFs.fsyncSync(fd);
  } catch {
    // Windows cannot open directories; the rename itself has already happened.
  } finally {
    if (fd !== null) {
      try {
        nodeFs.closeSync(fd);
      } catch {
        // Nothing was written through this descriptor.
      }
    }
  }
}
