/**
 * `npx tsx bench/relaxed-simd.ts`: float32 matmul 1024² GFLOP/s on the default kernels
 * (f32x4 mul+add) and on the relaxed-SIMD build (f32x4.relaxed_madd, typegrad/relaxed-simd),
 * one thread, median of 7 runs, in Node started with --experimental-wasm-relaxed-simd and in a
 * headless Chromium page. About 30 s. Figures: CONTRIBUTING "Relaxed SIMD".
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { bundleForBrowser, launchChromium, serve } from "../test/helpers/browser.js";
import type { RelaxedBench } from "./relaxed-simd-gemm.js";

const here = import.meta.dirname;
const rows: [string, RelaxedBench][] = [];

const child = spawnSync(
  process.execPath,
  ["--experimental-wasm-relaxed-simd", "--import", "tsx", "--input-type=module", "-e",
    `const { benchRelaxedGemm } = await import(${JSON.stringify(join(here, "relaxed-simd-gemm.ts"))}); console.log(JSON.stringify(benchRelaxedGemm()));`],
  { encoding: "utf8" },
);
if (child.status !== 0) throw new Error(child.stderr);
rows.push([`Node ${process.version} --experimental-wasm-relaxed-simd`, JSON.parse(child.stdout.trim().split("\n").pop() as string) as RelaxedBench]);

const bundles = await bundleForBrowser({ bench: join(here, "relaxed-simd-page.ts") }, { minify: true });
const server = await serve({ "index.html": '<!doctype html><script type="module" src="bench.js"></script>', ...bundles });
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForFunction(() => "relaxedBench" in globalThis, undefined, { timeout: 120_000 });
  rows.push([`Chromium ${browser.version()} page`, await page.evaluate(() => (globalThis as unknown as { relaxedBench: RelaxedBench }).relaxedBench)]);
} finally {
  await browser.close();
  await server.close();
}

const f = (x: number | null): string => (x === null ? "—" : x.toFixed(1));
console.log("| runtime | relaxed SIMD | f32x4 mul+add (GFLOP/s) | f32x4.relaxed_madd (GFLOP/s) |");
console.log("| --- | --- | ---: | ---: |");
for (const [name, r] of rows) console.log(`| ${name} | ${r.supported ? "yes" : "no"} | ${f(r.plain)} | ${f(r.relaxed)} |`);
