import type * as NodeCrypto from "node:crypto";
import type * as NodeFs from "node:fs";
import type * as NodeModule from "node:module";
import type * as NodeOs from "node:os";
import type * as NodePath from "node:path";
import type * as NodeWorkerThreads from "node:worker_threads";

/** The Node built-in modules typegrad uses, by name. */
interface Builtins {
  fs: typeof NodeFs;
  crypto: typeof NodeCrypto;
  path: typeof NodePath;
  module: typeof NodeModule;
  os: typeof NodeOs;
  worker_threads: typeof NodeWorkerThreads;
}

interface ProcessWithBuiltins {
  getBuiltinModule?: (id: string) => unknown;
}

/**
 * A Node built-in module, or `undefined` outside Node (browsers, workers).
 *
 * typegrad has no static `import … from "node:…"`: the one entry point runs everywhere, and
 * bundlers targeting the browser never see a Node module. In Node (≥ 20.16), Deno and Bun,
 * `process.getBuiltinModule` hands out the built-ins synchronously; `process` is only looked
 * at when it exists.
 */
export function nodeBuiltin<K extends keyof Builtins>(name: K): Builtins[K] | undefined {
  const proc = (globalThis as { process?: ProcessWithBuiltins }).process;
  if (typeof proc !== "object" || proc === null || typeof proc.getBuiltinModule !== "function") return undefined;
  return proc.getBuiltinModule(`node:${name}`) as Builtins[K] | undefined;
}

/**
 * {@link nodeBuiltin}, or an Error naming `op`: it reads or writes files, which only a
 * runtime with a file system does; `bytesTwin` names the function that works everywhere.
 */
export function requireNodeBuiltin<K extends keyof Builtins>(op: string, name: K, bytesTwin: string): Builtins[K] {
  const builtin = nodeBuiltin(name);
  if (builtin === undefined) {
    throw new Error(
      `${op}: needs the file system of Node (≥ 20.16), Deno or Bun, which this runtime lacks; in a browser or worker use ${bytesTwin}, which works on bytes`,
    );
  }
  return builtin;
}
