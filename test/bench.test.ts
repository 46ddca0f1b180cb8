import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { report } from "../bench/run.js";
import { runBenchmark, type BenchResults } from "../bench/suite.js";

// Smoke test: the benchmark runs end to end in quick mode, so it never rots. No timing is asserted.
describe("benchmark (quick mode)", () => {
  it("runs every workload for typegrad and tfjs and writes its results", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "typegrad-bench-")), "results.json");
    const results = await runBenchmark({ quick: true, out });
    const written = JSON.parse(readFileSync(out, "utf8")) as BenchResults;
    expect(written.mode).toBe("quick");
    expect(Object.keys(results.workloads)).toEqual(["xor", "spirals", "mlp"]);
    for (const w of Object.values(results.workloads)) {
      expect(Object.keys(w.msPerStep)).toEqual(["typegrad", ...results.tfjsBackends.map((b) => `tfjs-${b}`)]);
      for (const t of Object.values(w.msPerStep)) expect(t).toBeGreaterThan(0);
    }
    for (const acc of Object.values(results.workloads.spirals.accuracy)) expect(acc).toBeGreaterThanOrEqual(0);
    expect(Object.keys(results.matmul.gflops)).toEqual(["NN", "NT", "TN"]);
    expect(report(results)).toContain("typegrad/best tfjs");
  });
});
