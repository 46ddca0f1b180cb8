import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { report } from "../bench/run.js";
import { runBenchmark, type BenchResults } from "../bench/suite.js";
import { DEFAULT_PYTHON, TorchPeer } from "../bench/torch-peer.js";
import { torchTrainSpec, xorSpec } from "../bench/workloads.js";

// Smoke test: the benchmark runs end to end in quick mode, so it never rots. No timing is asserted.
describe("benchmark (quick mode)", () => {
  it("runs every workload for typegrad and tfjs and writes its results", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "typegrad-bench-")), "results.json");
    // PyTorch stays out of this run (it is optional and slow to start); its peer is tested below.
    const results = await runBenchmark({ quick: true, out, torch: false });
    const written = JSON.parse(readFileSync(out, "utf8")) as BenchResults;
    expect(written.mode).toBe("quick");
    expect(written.torch).toEqual({ available: false, skipped: "disabled (--no-torch)", peers: {} });
    expect(Object.keys(results.workloads)).toEqual(["xor", "spirals", "mlp-b1", "mlp-b128", "mlp-f64-b128", "predict", "matmul-64"]);
    const tfjs = results.tfjsBackends.map((b) => `tfjs-${b}`);
    for (const [name, w] of Object.entries(results.workloads)) {
      expect(Object.keys(w.msPerStep)).toContain("typegrad");
      for (const t of Object.values(w.msPerStep)) expect(t).toBeGreaterThan(0);
      for (const v of Object.values(w.value)) expect(v).toBeGreaterThan(0);
      // tfjs has no float64; its WASM backend takes part everywhere else (its CPU backend only
      // where a step is cheap).
      if (name === "mlp-f64-b128") expect(w.ratioToBestTfjs).toBeNull();
      else if (tfjs.includes("tfjs-wasm")) expect(Object.keys(w.msPerStep)).toContain("tfjs-wasm");
    }
    for (const acc of Object.values(results.workloads.spirals.accuracy)) expect(acc).toBeGreaterThanOrEqual(0);
    expect(Object.keys(results.matmul.gflops)).toEqual(["NN", "NT", "TN"]);
    expect(results.tfjsTensorsLeft).toBe(0);
    const text = report(results);
    expect(text).toContain("typegrad/best tfjs");
    expect(text).toContain("PyTorch peer skipped: disabled");
  }, 600_000);

  it("reports a missing interpreter as a reason, not an error", async () => {
    const peer = await TorchPeer.start(1, "/nonexistent/python3", 10_000);
    expect(typeof peer).toBe("string");
  });

  const torchImportable = spawnSync(DEFAULT_PYTHON, ["-c", "import torch"], { timeout: 60_000 }).status === 0;
  it.skipIf(!torchImportable)("runs a workload in the PyTorch peer and names its BLAS (when torch is importable)", async () => {
    const peer = await TorchPeer.start(1);
    if (typeof peer === "string") throw new Error(peer);
    try {
      expect(peer.info.threads).toBe(1);
      expect(peer.info.blas.length).toBeGreaterThan(0);
      const c = await peer.contender("torch-1t", torchTrainSpec(xorSpec()));
      expect(await c.runRound?.(3)).toBeGreaterThan(0);
      await c.dispose();
      await expect(peer.contender("bad", { kind: "nope" })).rejects.toThrow(/torch peer/);
    } finally {
      peer.close();
    }
  }, 300_000);
});
