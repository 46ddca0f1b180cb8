// Second derivatives of every activation (and mixed ∂²f/∂x∂p, ∂²f/∂p² of its trainable
// parameters) at the reference points, against closed forms evaluated with mpmath at 50
// digits (scripts/fixtures/activation_second_derivatives.py), in float64.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { gradOf } from "../src/autograd/grad.js";
import { Tensor } from "../src/tensor/tensor.js";
import { CASES } from "./helpers/activations.js";

interface Point {
  x: number;
  d2f: number;
  dxdp?: Record<string, number>;
  dpdp?: Record<string, number>;
}
const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/activation_second_derivatives.json", import.meta.url), "utf8"),
) as Record<string, { points: Point[] }>;

/**
 * Relative 1e-12; plus, where a column changes sign (the value passes through 0 and float64
 * cannot avoid cancelling there), an absolute 1e-15 of the column's largest magnitude.
 */
function expectClose(label: string, actual: ArrayLike<number>, expected: readonly number[]): void {
  const scale = Math.max(...expected.map(Math.abs));
  const crosses = expected.some((v) => v > 0) && expected.some((v) => v < 0);
  const atol = crosses || expected.some((v) => v === 0) ? 1e-15 * scale : 0;
  expected.forEach((e, i) => {
    const a = actual[i];
    const ok = Math.abs(a - e) <= 1e-12 * Math.abs(e) + atol || (a === e);
    if (!ok) expect.fail(`${label}[${i}]: ${a} vs ${e} (rel ${Math.abs(a - e) / Math.abs(e)})`);
  });
}

const values = (g: Tensor | null, n: number): ArrayLike<number> => (g === null ? new Float64Array(n) : g.data);

describe("second derivatives of every activation vs closed forms (float64, 1e-12 relative)", () => {
  for (const c of CASES) {
    if (c.ref === undefined) continue;
    const entry = fixture[c.ref];
    it(`${c.label} (${c.ref})`, () => {
      expect(entry).toBeDefined();
      const pts = entry.points;
      const n = pts.length;
      const x = new Tensor(Float64Array.from(pts.map((p) => p.x)), [n], { requiresGrad: true });
      const names = Object.keys(c.params ?? {});
      const params: Record<string, Tensor> = {};
      for (const k of names) params[k] = new Tensor(new Float64Array(n).fill(c.params![k]), [n], { requiresGrad: true });
      const ps = names.map((k) => params[k]);
      const [gx, ...gp] = gradOf(c.run(x, params).sum(), [x, ...ps], { createGraph: true, allowUnused: true });
      const second = (g: Tensor | null, wrt: Tensor[]): (Tensor | null)[] =>
        g === null || !g.requiresGrad ? wrt.map(() => null) : gradOf(g.sum(), wrt, { allowUnused: true, retainGraph: true });
      const [hxx, ...hxp] = second(gx, [x, ...ps]);
      expectClose("f''", values(hxx, n), pts.map((p) => p.d2f));
      names.forEach((k, j) => {
        const refName = c.refParamName?.[k] ?? k;
        expectClose(`∂²f/∂x∂${k}`, values(hxp[j], n), pts.map((p) => p.dxdp![refName]));
        const [hpp] = second(gp[j], [ps[j]]);
        expectClose(`∂²f/∂${k}²`, values(hpp, n), pts.map((p) => p.dpdp![refName]));
      });
    });
  }
});
