/**
 * The one edit typegrad makes to its WebAssembly binary: marking the imported memory
 * shared. The kernels are compiled once (scripts/build-wasm.mjs) with an imported memory
 * that has a maximum; the same code runs on a shared memory (one memory for every worker
 * thread) or a plain one (where the runtime cannot share memory: a page that is not
 * cross-origin isolated). A shared import differs from a plain one in one bit of its limits
 * flag (0x01 "min and max" → 0x03 "shared, min and max"), so there is one binary, not two.
 *
 * Binary format: https://webassembly.github.io/threads/core/binary/types.html#limits
 */

/** Reads an unsigned LEB128 number at `at`; returns it and the offset after it. */
function readU32(bytes: Uint8Array, at: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (at >= bytes.length) throw new Error("wasm binary: truncated LEB128 number");
    const byte = bytes[at++];
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [result, at];
    shift += 7;
    if (shift > 28) throw new Error("wasm binary: LEB128 number too long");
  }
}

/** Skips a name (length-prefixed UTF-8) at `at`. */
function skipName(bytes: Uint8Array, at: number): number {
  const [length, after] = readU32(bytes, at);
  return after + length;
}

/**
 * A copy of the module `bytes` whose imported memory is shared.
 *
 * @throws Error when the module has no imported memory with a maximum (the build flags
 *   `--importMemory --maximumMemory` give it one)
 */
export function withSharedMemoryImport(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  let at = 8; // magic and version
  while (at < out.length) {
    const id = out[at++];
    const [size, payload] = readU32(out, at);
    const end = payload + size;
    if (id === 2) {
      let [count, p] = readU32(out, payload);
      for (; count > 0; count--) {
        p = skipName(out, skipName(out, p));
        const kind = out[p++];
        if (kind === 0) p = readU32(out, p)[1]; // function: type index
        else if (kind === 1) p = skipLimits(out, p + 1); // table: element type, limits
        else if (kind === 3) p += 2; // global: value type, mutability
        else if (kind === 2) {
          if (out[p] !== 0x01) throw new Error(`wasm binary: the imported memory has limits flag ${out[p]}, expected 1 (min and max)`);
          out[p] = 0x03;
          return out;
        } else throw new Error(`wasm binary: unknown import kind ${kind}`);
      }
    }
    at = end;
  }
  throw new Error("wasm binary: the module imports no memory");
}

/** Skips a limits record at `at`. */
function skipLimits(bytes: Uint8Array, at: number): number {
  const flag = bytes[at];
  let p = readU32(bytes, at + 1)[1];
  if ((flag & 1) !== 0) p = readU32(bytes, p)[1];
  return p;
}
