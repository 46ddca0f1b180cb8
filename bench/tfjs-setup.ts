import { createRequire, register } from "node:module";
import { dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

/** The tfjs backends compared with typegrad. */
export type TfBackend = "cpu" | "wasm";

let ready: Promise<TfBackend[]> | null = null;

/**
 * Registers tfjs-core's CPU and WASM backends for Node without any network access: the
 * WASM backend is pointed at the `.wasm` files inside its own package in node_modules
 * (`setWasmPaths` with a directory path; Emscripten reads a file path with `fs` in Node).
 *
 * @returns the backends that initialised
 */
export function initTfjs(): Promise<TfBackend[]> {
  ready ??= (async () => {
    // tfjs-core's Node bundle registers no gradients; the @tensorflow/tfjs umbrella package
    // imports them from tfjs-core's ES modules, which need a resolve hook outside a bundler.
    register("./tfjs-resolve-hook.mjs", import.meta.url);
    await import("@tensorflow/tfjs-core/dist/register_all_gradients.js");
    const require = createRequire(import.meta.url);
    const wasmDir = join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist");
    setWasmPaths(wasmDir + "/");
    // Production mode, as a deployed tfjs user would run: no warnings (such as the advice to
    // install the native Node backend, which typegrad deliberately does not compare with).
    tf.env().set("PROD", true);
    const available: TfBackend[] = [];
    for (const backend of ["cpu", "wasm"] as const) {
      if (await tf.setBackend(backend)) available.push(backend);
    }
    return available;
  })();
  return ready;
}

/** Makes `backend` the active tfjs backend (cheap once it is initialised). */
export async function useBackend(backend: TfBackend): Promise<void> {
  if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) {
    throw new Error(`tfjs: backend ${backend} failed to initialise`);
  }
}

export { tf };
