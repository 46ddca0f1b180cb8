// Extreme inputs (±1e4, ±1e30, ±∞, NaN, −0) through every activation in float32 and float64:
// finite where the maths is finite, the right limits at ±∞, NaN propagates, and no NaN
// gradient (input or parameter) for a finite input.
import { describe, expect, it } from "vitest";
import { full, ones } from "../src/tensor/creation.js";
import type { DType } from "../src/tensor/dtype.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { softmax, logSoftmax } from "../src/autograd/ops/softmax.js";
import { CASES, vec } from "./helpers/activations.js";

const EXTREMES = [1e4, -1e4, 1e30, -1e30, Infinity, -Infinity, NaN, -0, 0];
const FINITE = [1e4, -1e4, 1e30, -1e30, -0, 0, 3e38, -3e38];

function run(c: (typeof CASES)[number], xs: number[], dtype: DType) {
  const x = vec(xs, dtype, true);
  const p: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(c.params ?? {})) p[k] = full([1], v, { dtype, requiresGrad: true });
  const y = c.run(x, p);
  y.backward(ones(y.shape, { dtype }));
  return { y: Array.from(y.data), gx: Array.from(x.grad!.data), gp: Object.values(p).map((t) => t.grad!.data[0]) };
}

describe("extreme inputs", () => {
  for (const dtype of ["float64", "float32"] as const) {
    for (const c of CASES) {
      it(`${c.label} (${dtype}): limits at ±∞, NaN propagates, finite elsewhere`, () => {
        const { y, gx } = run(c, EXTREMES, dtype);
        const round = (v: number) => (dtype === "float32" ? Math.fround(v) : v);
        const close = (a: number, e: number, what: string) => {
          const ok = a === e || Math.abs(a - e) <= 1e-6 * Math.abs(e);
          expect(ok, `${c.label} ${what}: got ${a}, expected ${e}`).toBe(true);
        };
        const [fPos, fNeg, dPos, dNeg] = c.limits;
        close(y[4], round(fPos), "f(+∞)");
        close(y[5], round(fNeg), "f(−∞)");
        close(gx[4], round(dPos), "f'(+∞)");
        close(gx[5], round(dNeg), "f'(−∞)");
        expect(y[6], `${c.label}(NaN)`).toBeNaN();
        for (const i of [0, 1, 2, 3, 7, 8]) {
          expect(Number.isFinite(y[i]), `${c.label}(${EXTREMES[i]}) = ${y[i]}`).toBe(true);
          expect(Number.isFinite(gx[i]), `${c.label}'(${EXTREMES[i]}) = ${gx[i]}`).toBe(true);
        }
      });

      it(`${c.label} (${dtype}): no NaN in any gradient for finite extreme inputs`, () => {
        const { y, gx, gp } = run(c, dtype === "float32" ? FINITE : [...FINITE, 1e300, -1e300], dtype);
        for (const v of [...y, ...gx, ...gp]) expect(Number.isNaN(v)).toBe(false);
      });
    }
  }

  it("sigmoid(±800) = [1, 0] and softplus(±800) = [800, 0] in float32 (no overflow)", () => {
    const sig = CASES.find((c) => c.label === "sigmoid")!;
    const sp = CASES.find((c) => c.label === "softplus")!;
    expect(Array.from(sig.run(vec([800, -800], "float32"), {}).data)).toEqual([1, 0]);
    expect(Array.from(sp.run(vec([800, -800], "float32"), {}).data)).toEqual([800, 0]);
  });

  it("softmax and logSoftmax (engine ops) stay finite for ±1e4 and ±1e30 logits", () => {
    for (const dtype of ["float64", "float32"] as const) {
      const x = vec([1e4, -1e4, 1e30, -1e30], dtype, true);
      const s = softmax(x);
      const l = logSoftmax(x);
      expect(Array.from(s.data).every(Number.isFinite)).toBe(true);
      expect(Array.from(l.data).every(Number.isFinite)).toBe(true);
      l.add(s).sum().backward();
      expect(Array.from(x.grad!.data).every(Number.isFinite)).toBe(true);
    }
  });
});
