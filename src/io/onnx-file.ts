import type { Module } from "../layers/module.js";
import { requireNodeBuiltin } from "../platform/node.js";
import { atomicWriteFile } from "./atomic-write.js";
import { exportOnnx, type OnnxExportOptions } from "./onnx-export.js";

// ONNX files (Node, Deno, Bun): a thin wrapper that writes the bytes of exportOnnx.

/**
 * Exports a model with {@link exportOnnx} and writes it to `path` atomically (a temporary
 * file renamed over `path`, so a crash leaves the old file or the new one, never a torn
 * one). The whole graph is built before anything is written: an unsupported module throws
 * with `path` untouched.
 *
 * @throws Error as {@link exportOnnx}, or the file-system error (missing directory…)
 *
 * @example
 * ```ts
 * saveOnnx(model, "model.onnx", { inputShape: [null, 784] });
 * ```
 */
export function saveOnnx(model: Module, path: string, options: OnnxExportOptions): void {
  requireNodeBuiltin("saveOnnx", "fs", "exportOnnx");
  atomicWriteFile(path, exportOnnx(model, options));
}
