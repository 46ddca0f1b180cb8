import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { build } from "esbuild";
import { WasmKernelModule } from "../src/kernels/wasm-module.js";
import { KERNELS_WASM_HEX } from "../src/kernels/wasm-bytes.generated.js";
import { nodeBuiltin } from "../src/platform/node.js";

const root = join(import.meta.dirname, "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("one entry point for every runtime", () => {
  it("no module of src/ imports a Node built-in or a Node-only package (they come from src/platform/node.ts)", () => {
    const offenders = sourceFiles(join(root, "src")).flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/^\s*import\s+(?!type\b)[^;]*?from\s+"((?:node:)?(?:fs|path|crypto|os|module|url|events|readline|child_process)|cli-progress)"/gm)].map(
        (m) => `${file.slice(root.length + 1)}: ${m[1]}`,
      ),
    );
    expect(offenders).toEqual([]);
  });

  it("bundles for the browser with esbuild: no Node built-in, no cli-progress", async () => {
    const result = await build({
      entryPoints: [join(root, "src", "index.ts")],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((f) => f.includes("cli-progress") || f.startsWith("node:"))).toEqual([]);
    const code = result.outputFiles[0].text;
    expect(code).not.toMatch(/from\s*"node:|require\("node:/);
  });

  it("finds Node's built-ins in Node", () => {
    expect(typeof nodeBuiltin("fs")?.readFileSync).toBe("function");
  });
});

describe("the WebAssembly kernels embedded in the package", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("are the bytes npm ci compiled from assembly/ (build/kernels.wasm)", () => {
    expect(KERNELS_WASM_HEX).not.toBeNull();
    expect(KERNELS_WASM_HEX).toBe(readFileSync(join(root, "build", "kernels.wasm")).toString("hex"));
    expect(WasmKernelModule.load()).toBeInstanceOf(WasmKernelModule);
  });

  it("a runtime whose WebAssembly lacks SIMD gets the TypeScript kernels and the reason", () => {
    const real = (globalThis as unknown as { WebAssembly: object }).WebAssembly;
    vi.stubGlobal("WebAssembly", { Module: (real as { Module: unknown }).Module, Instance: (real as { Instance: unknown }).Instance, validate: () => false });
    expect(WasmKernelModule.load()).toBe("this runtime's WebAssembly has no SIMD (128-bit) support");
  });

  it("a path is read only where there is a file system", () => {
    vi.stubGlobal("process", { ...process, getBuiltinModule: undefined });
    expect(WasmKernelModule.load("/some/kernels.wasm")).toBe(
      "/some/kernels.wasm cannot be read: this runtime has no file system (pass the bytes, or use the embedded WebAssembly kernels)",
    );
  });
});
