import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).filter((code) => code.includes('from "typegrad"'));

// The README's TypeScript samples must run as written (imports pointed at this checkout,
// files written to a temporary folder, progress output silenced).
describe("README code samples run", () => {
  it("has samples", () => expect(blocks.length).toBeGreaterThanOrEqual(2));
  blocks.forEach((code, k) => {
    it(`sample ${k + 1}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "typegrad-readme-"));
      const source = code
        .replaceAll('from "typegrad/relaxed-simd"', `from ${JSON.stringify(join(root, "src", "relaxed-simd.ts"))}`)
        .replaceAll('from "typegrad"', `from ${JSON.stringify(join(root, "src", "index.ts"))}`)
        .replaceAll('"spirals.safetensors"', JSON.stringify(join(dir, "spirals.safetensors")))
        .replaceAll("seed: 0,", "seed: 0, verbose: 0,");
      const file = join(dir, `sample-${k + 1}.ts`);
      writeFileSync(file, source);
      const log = console.log;
      console.log = () => {};
      try {
        await import(file);
      } finally {
        console.log = log;
      }
    });
  });
});
