import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

// The published entry point is compiled JavaScript (dist/, built by `prepare`), so plain
// Node can import typegrad without a TypeScript loader. Build it afresh and use it.
describe("the compiled package", () => {
  it("builds with tsconfig.build.json and trains from plain Node (no tsx)", () => {
    // Inside the checkout (git-ignored build/), so the compiled files find node_modules.
    const out = join(root, "build", "test-dist");
    rmSync(out, { recursive: true, force: true });
    execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.build.json"), "--outDir", out]);
    const script = `
      const tg = await import(${JSON.stringify(join(out, "index.js"))});
      const data = tg.spirals({ seed: 1, pointsPerClass: 20 });
      const model = new tg.Sequential(new tg.Dense(2, 8, { activation: "relu", rng: tg.generator(0) }), new tg.Dense(8, 3, { rng: tg.generator(1) }));
      const h = tg.fit(model, data, { loss: tg.crossEntropyLoss, optimizer: new tg.Adam(model.parameters(), { lr: 0.01 }), epochs: 2, seed: 0, verbose: 0 });
      console.log(JSON.stringify({ epochs: h.loss.length, finite: h.loss.every(Number.isFinite) }));`;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({ epochs: 2, finite: true });
  });

  it("package.json points every condition (types, browser, import, require) at the one compiled entry point", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports: Record<string, Record<string, string>> };
    // One file for every runtime: nothing in it depends on Node (test/platform.test.ts), and
    // Node ≥ 20.19 require()s it (an ES module without top-level await).
    expect(pkg.exports["."]).toEqual({
      types: "./dist/index.d.ts",
      browser: "./dist/index.js",
      import: "./dist/index.js",
      require: "./dist/index.js",
      default: "./dist/index.js",
    });
    // The opt-in relaxed-SIMD kernels: a second entry point, so the main one does not carry their bytes.
    expect(pkg.exports["./relaxed-simd"]).toEqual({
      types: "./dist/relaxed-simd.d.ts",
      browser: "./dist/relaxed-simd.js",
      import: "./dist/relaxed-simd.js",
      require: "./dist/relaxed-simd.js",
      default: "./dist/relaxed-simd.js",
    });
  });
});
