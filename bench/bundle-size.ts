/**
 * `npm run bench:bundle` (`tsx bench/bundle-size.ts`): the weight of a browser bundle of a
 * small training script (Dense, Adam, cross-entropy, fit) written with typegrad and, as a
 * TensorFlow.js user writes it, with tfjs-core + tfjs-layers + the CPU or WebAssembly backend.
 * esbuild, minified, ES2022, for the browser; gzip level 9. The tfjs WebAssembly backend also
 * needs its .wasm file (the SIMD build, the one a browser with SIMD loads), counted separately.
 * typegrad's WebAssembly kernels are inside its JavaScript.
 *
 * Also checks what the typegrad bundle leaves out: the ONNX exporter (unless imported) and
 * any Node module. Prints a table (and `--json` prints the figures as JSON).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = join(import.meta.dirname, "..");
const here = join(import.meta.dirname, "bundle");

/** One measured bundle. */
export interface BundleSize {
  name: string;
  /** Minified JavaScript, bytes. */
  minified: number;
  /** The same, gzip -9, bytes. */
  gzipped: number;
  /** Other files the page must load (tfjs's .wasm), gzip -9, bytes. */
  extraGzipped: number;
  /** Source files with code in the bundle. */
  inputs: string[];
}

async function measure(name: string, entry: string, extra: string[] = []): Promise<BundleSize> {
  const result = await build({
    entryPoints: [join(here, entry)],
    bundle: true,
    minify: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    alias: { typegrad: join(root, "src", "index.ts") },
    write: false,
    metafile: true,
    logLevel: "silent",
    outfile: "/out/bundle.js",
  });
  const code = result.outputFiles[0].contents;
  const extraGzipped = extra.reduce((sum, file) => sum + gzipSync(readFileSync(file), { level: 9 }).length, 0);
  const used = Object.entries(Object.values(result.metafile.outputs)[0].inputs).filter(([, input]) => input.bytesInOutput > 0);
  return { name, minified: code.length, gzipped: gzipSync(code, { level: 9 }).length, extraGzipped, inputs: used.map(([file]) => file) };
}

export async function bundleSizes(): Promise<BundleSize[]> {
  const tfjsWasm = join(root, "node_modules", "@tensorflow", "tfjs-backend-wasm", "dist", "tfjs-backend-wasm-simd.wasm");
  return [
    await measure("typegrad", "typegrad-train.ts"),
    await measure("typegrad + exportOnnx", "typegrad-train-onnx.ts"),
    await measure("tfjs-core + layers + backend-cpu", "tfjs-train-cpu.ts"),
    await measure("tfjs-core + layers + backend-wasm", "tfjs-train-wasm.ts", [tfjsWasm]),
  ];
}

/**
 * The ONNX exporter's files (and any protobuf library) with code in a bundle. (Of
 * onnx-activations.ts, a bundle keeps one numeric constant computed at top level.)
 */
export function onnxCode(size: BundleSize): string[] {
  return size.inputs.filter((f) => /onnx-(export|proto|graph)\.ts$/.test(f) || f.includes("protobuf"));
}

const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = await bundleSizes();
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(sizes.map(({ inputs: _inputs, ...s }) => s), null, 2));
  } else {
    const base = sizes[0].gzipped;
    console.log("| bundle | minified (KB) | gzipped (KB) | + .wasm gzipped (KB) | total gzipped vs typegrad |");
    console.log("| --- | ---: | ---: | ---: | ---: |");
    for (const s of sizes) {
      const total = s.gzipped + s.extraGzipped;
      console.log(`| ${s.name} | ${kb(s.minified)} | ${kb(s.gzipped)} | ${s.extraGzipped === 0 ? "–" : kb(s.extraGzipped)} | ${(total / base).toFixed(1)}× |`);
    }
    console.log(`\nONNX exporter code in the plain typegrad bundle: ${onnxCode(sizes[0]).join(", ") || "none"}`);
    console.log(`ONNX exporter code with exportOnnx imported: ${onnxCode(sizes[1]).join(", ") || "none"}`);
  }
}
