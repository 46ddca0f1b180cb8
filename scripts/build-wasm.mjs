// Compiles the AssemblyScript kernels in assembly/ to build/kernels.wasm.
//
// Run by `npm ci` / `npm install` through the package's "prepare" script, so the
// WebAssembly binary is always built from the sources in this repository and never
// downloaded. If the AssemblyScript compiler is not installed (a production install
// without devDependencies) it warns and exits 0: typegrad then runs on its TypeScript
// kernels. A compile error exits 1.
//
// Usage: node scripts/build-wasm.mjs [--text]   (--text also writes build/kernels.wat)

import { mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outFile = join(root, "build", "kernels.wasm");

let asc;
try {
  asc = (await import("assemblyscript/asc")).default;
} catch (error) {
  console.warn(`build-wasm: AssemblyScript compiler not available (${error.message}); typegrad will use its TypeScript kernels`);
  process.exit(0);
}

mkdirSync(dirname(outFile), { recursive: true });
const args = [
  join(root, "assembly", "index.ts"),
  "--outFile", outFile,
  "--optimizeLevel", "3",
  "--shrinkLevel", "0",
  "--noAssert",
  "--runtime", "stub",
  "--enable", "simd",
  // No imports at all: without an abort handler the module needs no "env".
  "--use", "abort=",
  "--initialMemory", "1",
];
if (process.argv.includes("--text")) args.push("--textFile", join(root, "build", "kernels.wat"));

const started = Date.now();
const { error, stderr } = await asc.main(args, {});
if (error) {
  console.error(`build-wasm: compiling assembly/ failed: ${error.message}`);
  console.error(stderr.toString());
  process.exit(1);
}
console.log(`build-wasm: wrote ${outFile} (${statSync(outFile).size} bytes) in ${Date.now() - started} ms`);
