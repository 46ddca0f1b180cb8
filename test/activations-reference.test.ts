// Forward, input gradient and parameter gradients of every activation against the mpmath
// reference (test/fixtures/activation_reference.json), in float64 and float32.
import { describe, expect, it } from "vitest";
import { full, ones } from "../src/tensor/creation.js";
import type { DType } from "../src/tensor/dtype.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { assertClose, CASES, reference, toFloat32, vec, type ActivationCase } from "./helpers/activations.js";

function evaluate(c: ActivationCase, xs: number[], dtype: DType) {
  const x = vec(xs, dtype, true);
  const p: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.params ?? {})) {
    // One parameter per point (x is 1-D, so per-feature = per-point): dparams are per point.
    p[k] = full([xs.length], v, { dtype, requiresGrad: true });
  }
  const y = c.run(x, p);
  y.backward(ones(y.shape, { dtype }));
  return { x, y, p };
}

const withRef = CASES.filter((c) => c.ref !== undefined);

describe("every activation matches the 50-digit reference", () => {
  it("covers every activation entry of the JSON", () => {
    const keys = Object.keys(reference());
    const covered = new Set(withRef.map((c) => c.ref));
    expect(keys.filter((k) => !covered.has(k))).toEqual([]);
  });

  for (const c of withRef) {
    const entry = () => reference()[c.ref!];

    it(`${c.label}: float64 forward, d/dx and d/dparams within ${c.rtol64 ?? 1e-14} relative`, () => {
      const pts = entry().points;
      const { x, y, p } = evaluate(c, pts.map((q) => q.x), "float64");
      const tol = { rtol: c.rtol64 ?? 1e-14, atol: c.atol64 ?? 1e-300 };
      assertClose(y.data, pts.map((q) => q.f), tol, `${c.label} f`);
      assertClose(x.grad!.data, pts.map((q) => q.df), tol, `${c.label} df`);
      for (const k of Object.keys(c.params ?? {})) {
        const refName = c.refParamName?.[k] ?? k;
        expect(pts[0].dparams?.[refName], `reference has d/d${refName}`).toBeDefined();
        assertClose(p[k].grad!.data, pts.map((q) => q.dparams![refName]), tol, `${c.label} d/d${k}`);
      }
    });

    it(`${c.label}: float32 forward, d/dx and d/dparams within float32 tolerance`, () => {
      const pts = entry().points;
      const { x, y, p } = evaluate(c, pts.map((q) => q.x), "float32");
      expect(y.dtype).toBe("float32");
      const tol = { rtol: c.rtol32 ?? 1e-6, atol: 1e-38 };
      assertClose(y.data, toFloat32(pts.map((q) => q.f)), tol, `${c.label} f32`);
      assertClose(x.grad!.data, toFloat32(pts.map((q) => q.df)), tol, `${c.label} df32`);
      for (const k of Object.keys(c.params ?? {})) {
        const refName = c.refParamName?.[k] ?? k;
        assertClose(p[k].grad!.data, toFloat32(pts.map((q) => q.dparams![refName])), tol, `${c.label} d/d${k} f32`);
      }
    });
  }

  it("a shared (scalar) parameter receives the sum of the per-point derivatives", () => {
    for (const c of CASES.filter((k) => k.params !== undefined && k.ref !== undefined)) {
      const pts = reference()[c.ref!].points;
      const x = vec(pts.map((q) => q.x), "float64", true);
      const p: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(c.params!)) p[k] = full([1], v, { dtype: "float64", requiresGrad: true });
      c.run(x, p).sum().backward();
      for (const k of Object.keys(c.params!)) {
        const refName = c.refParamName?.[k] ?? k;
        const expected = pts.reduce((s, q) => s + q.dparams![refName], 0);
        // The terms may cancel (odd functions): allow rounding relative to Σ|terms|.
        const scale = pts.reduce((s, q) => s + Math.abs(q.dparams![refName]), 0);
        assertClose(p[k].grad!.data, [expected], { rtol: 1e-13, atol: 1e-15 * scale }, `${c.label} Σ d/d${k}`);
      }
    }
  });
});
