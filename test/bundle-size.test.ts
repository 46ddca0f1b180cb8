import { describe, expect, it } from "vitest";
import { bundleSizes, onnxCode } from "../bench/bundle-size.js";

// The browser bundle of a small training script (bench/bundle/): sizes are deterministic for
// a given lockfile, so the target is checked here; the figures are in the README.
describe("browser bundle weight", () => {
  it("typegrad is at most a third of TensorFlow.js (core + layers + a backend), gzipped; ONNX export only when imported", async () => {
    const [small, withOnnx, tfjsCpu, tfjsWasm] = await bundleSizes();
    expect(small.gzipped).toBeLessThanOrEqual(tfjsCpu.gzipped / 3);
    expect(small.gzipped).toBeLessThanOrEqual((tfjsWasm.gzipped + tfjsWasm.extraGzipped) / 3);
    expect(onnxCode(small)).toEqual([]);
    expect(onnxCode(withOnnx).length).toBeGreaterThan(0);
    expect(withOnnx.inputs.filter((f) => f.includes("protobuf"))).toEqual([]);
    for (const s of [small, withOnnx]) expect(s.inputs.filter((f) => f.startsWith("node:") || f.includes("node_modules/cli-progress"))).toEqual([]);
    // The relaxed-SIMD build of the kernels is a second binary: only "typegrad/relaxed-simd" brings it.
    for (const s of [small, withOnnx]) expect(s.inputs.filter((f) => f.includes("relaxed"))).toEqual([]);
  });
});
