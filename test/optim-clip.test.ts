import { describe, expect, it } from "vitest";
import { Parameter } from "../src/layers/parameter.js";
import { clipGradNorm, clipGradValue } from "../src/optim/clip-grad.js";
import { tensor } from "../src/tensor/creation.js";

function withGrads(...grads: (number[] | null)[]): Parameter[] {
  return grads.map((g) => {
    const p = new Parameter(tensor(g ?? [0], { dtype: "float64" }));
    p.grad = g === null ? null : tensor(g, { dtype: "float64" });
    return p;
  });
}
const grads = (ps: Parameter[]): (number[] | null)[] => ps.map((p) => (p.grad === null ? null : Array.from(p.grad.data)));

describe("clipGradNorm", () => {
  it("returns the total 2-norm and scales by maxNorm/(total + 1e-6) when it is larger", () => {
    const ps = withGrads([3, 4], [12], null);
    expect(clipGradNorm(ps, 6.5)).toBe(13);
    const c = 6.5 / (13 + 1e-6);
    expect(grads(ps)).toEqual([[3 * c, 4 * c], [12 * c], null]);
  });

  it("leaves gradients bit-identical when the norm is within maxNorm", () => {
    const ps = withGrads([0.3, -0.4]);
    expect(clipGradNorm(ps, 1)).toBeCloseTo(0.5, 15);
    expect(grads(ps)).toEqual([[0.3, -0.4]]);
  });

  it("supports the ∞-norm, the 1-norm and other p", () => {
    expect(clipGradNorm(withGrads([3, -4], [-12]), 100, Infinity)).toBe(12);
    expect(clipGradNorm(withGrads([3, -4], [-12]), 100, 1)).toBe(19);
    expect(clipGradNorm(withGrads([3, -4], [-12]), 100, 3)).toBeCloseTo((27 + 64 + 1728) ** (1 / 3), 13);
    const ps = withGrads([3, -4], [-12]);
    clipGradNorm(ps, 6, Infinity);
    const c = 6 / (12 + 1e-6);
    expect(grads(ps)).toEqual([[3 * c, -4 * c], [-12 * c]]);
  });

  it("returns a non-finite norm and leaves the gradients alone (no error, as PyTorch's default)", () => {
    const nan = withGrads([1, NaN], [2]);
    expect(clipGradNorm(nan, 1)).toBeNaN();
    expect(grads(nan)).toEqual([[1, NaN], [2]]);
    const inf = withGrads([Infinity, 1]);
    expect(clipGradNorm(inf, 1)).toBe(Infinity);
    expect(grads(inf)).toEqual([[Infinity, 1]]);
    expect(clipGradNorm(withGrads([1, NaN]), 1, Infinity)).toBeNaN();
  });

  it("is 0 with no gradients", () => {
    expect(clipGradNorm(withGrads(null), 1)).toBe(0);
  });

  it("rejects a bad maxNorm or normType", () => {
    expect(() => clipGradNorm(withGrads([1]), -1)).toThrow("clipGradNorm: maxNorm must be a finite number ≥ 0, got -1");
    expect(() => clipGradNorm(withGrads([1]), 1, 0)).toThrow("clipGradNorm: normType must be > 0 or Infinity, got 0");
    expect(() => clipGradNorm([{} as Parameter], 1)).toThrow("clipGradNorm: parameter 0 is not a Tensor (got object)");
  });
});

describe("clipGradValue", () => {
  it("clamps every element to [−c, c]", () => {
    const ps = withGrads([-3, 0.5, 2, -0.25], null);
    clipGradValue(ps, 1);
    expect(grads(ps)).toEqual([[-1, 0.5, 1, -0.25], null]);
  });

  it("rejects a bad clipValue", () => {
    expect(() => clipGradValue(withGrads([1]), NaN)).toThrow("clipGradValue: clipValue must be a finite number ≥ 0, got NaN");
  });
});
