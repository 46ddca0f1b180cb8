import { describe, expect, it } from "vitest";
import { gradcheck } from "../src/autograd/gradcheck.js";
import { bsplineBasis, bsplineSpans, extendedGrid, scatterSpans } from "../src/layers/kan-bspline.js";
import { choleskyInPlace, lstsq } from "../src/layers/kan-lstsq.js";
import { tensor } from "../src/tensor/creation.js";
import { Generator } from "../src/tensor/random.js";
import { Tensor } from "../src/tensor/tensor.js";
import { assertAllClose } from "./helpers/index.js";
import { exact, kanReference } from "./helpers/kan.js";

const points = kanReference["bspline_basis_G5_k3_range_-1_1"];
const G = 5;
const K = 3;

function knotsTensor(inF = 1, g = G, k = K, range: [number, number] = [-1, 1]): Tensor {
  const t = extendedGrid(g, k, range);
  const data = new Float64Array(inF * t.length);
  for (let i = 0; i < inF; i++) data.set(t, i * t.length);
  return new Tensor(data, [inF, t.length]);
}

/** Dense values and derivatives of every basis at the given points (one input). */
function dense(xs: number[], grid: Tensor, k = K): { b: Float64Array; db: Float64Array; nb: number } {
  const nKnots = grid.shape[1];
  const nb = nKnots - k - 1;
  const spans = bsplineSpans(Float64Array.from(xs), xs.length, 1, grid.data, nKnots, k, true);
  const b = new Float64Array(xs.length * nb);
  const db = new Float64Array(xs.length * nb);
  scatterSpans(spans, spans.values, k, nb, b);
  scatterSpans(spans, spans.derivs!, k, nb, db);
  return { b, db, nb };
}

describe("extendedGrid", () => {
  it("builds G + 2k + 1 knots lo + (j − k)·h (−11/5 … 11/5 in steps of 2/5 for G=5, k=3)", () => {
    const t = extendedGrid(G, K, [-1, 1]);
    expect(t.length).toBe(G + 2 * K + 1);
    assertAllClose(t, kanReference.kanlinear_example.grid.knots.map(exact), { atol: 1e-15, rtol: 0 });
    expect(t[K]).toBe(-1);
  });

  it("rejects bad grid options by name and value", () => {
    expect(() => extendedGrid(0, 3, [-1, 1])).toThrow("extendedGrid: gridSize must be an integer ≥ 1, got 0");
    expect(() => extendedGrid(5, 1.5, [-1, 1])).toThrow("extendedGrid: splineOrder must be an integer ≥ 0, got 1.5");
    expect(() => extendedGrid(5, 3, [1, -1])).toThrow("gridRange must be two finite numbers [lo, hi] with lo < hi, got [1,-1]");
  });
});

describe("B-spline basis (Cox–de Boor) against exact reference values", () => {
  const grid = knotsTensor();
  const xs = points.map((p) => exact(p.x_exact));
  const { b, db, nb } = dense(xs, grid);

  for (const [n, p] of points.entries()) {
    it(`B(${p.x_exact}) and B′(${p.x_exact}) match the exact rationals`, () => {
      assertAllClose(b.subarray(n * nb, (n + 1) * nb), p.B.map(exact), { atol: 1e-14, rtol: 0 });
      assertAllClose(db.subarray(n * nb, (n + 1) * nb), p.dB.map(exact), { atol: 1e-13, rtol: 0 });
    });
  }

  it("the dense tensor op agrees with the kernel and has G + k bases per input", () => {
    const x = tensor([xs], { dtype: "float64" }).reshape([xs.length, 1]);
    const basis = bsplineBasis(x, grid, K);
    expect(basis.shape).toEqual([xs.length, 1, G + K]);
    assertAllClose(basis.data, b, { atol: 0, rtol: 0 });
  });

  it("forms a partition of unity on [lo, hi) and vanishes outside [t_0, t_last)", () => {
    const inside: number[] = [];
    for (let s = 0; s < 400; s++) inside.push(-1 + s / 200);
    const r = dense(inside, grid);
    for (let s = 0; s < inside.length; s++) {
      let sum = 0;
      let dsum = 0;
      for (let m = 0; m < r.nb; m++) {
        sum += r.b[s * r.nb + m];
        dsum += r.db[s * r.nb + m];
      }
      expect(Math.abs(sum - 1)).toBeLessThan(1e-14);
      expect(Math.abs(dsum)).toBeLessThan(1e-12);
    }
    const outside = dense([-2.3, 2.2, 5, Number.NaN, -Infinity], grid);
    expect(Array.from(outside.b).every((v) => v === 0)).toBe(true);
    expect(Array.from(outside.db).every((v) => v === 0)).toBe(true);
  });

  it("degree 0 is the half-open indicator and degree 1 the hat functions", () => {
    const g0 = knotsTensor(1, 4, 0, [0, 4]);
    expect(Array.from(dense([0, 1, 2.5, 3.999], g0, 0).b)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    const g1 = knotsTensor(1, 2, 1, [0, 2]); // knots −1, 0, 1, 2, 3
    const r = dense([0.25], g1, 1);
    assertAllClose(r.b, [0.75, 0.25, 0], { atol: 1e-15, rtol: 0 });
    assertAllClose(r.db, [-1, 1, 0], { atol: 1e-15, rtol: 0 });
  });

  it("repeated knots give finite values (0/0 terms count as 0), still summing to 1 inside", () => {
    const t = new Tensor(Float64Array.from([-3, -2, -1, 0, 0, 1, 2, 3, 4]), [1, 9]); // k = 3, double knot at 0
    const r = dense([0, 0.5, 0.99], t); // unity holds on [t_k, t_{n−k−1}) = [0, 1)
    expect(Array.from(r.b).every(Number.isFinite)).toBe(true);
    expect(Array.from(r.db).every(Number.isFinite)).toBe(true);
    for (let s = 0; s < 3; s++) {
      let sum = 0;
      for (let m = 0; m < r.nb; m++) sum += r.b[s * r.nb + m];
      expect(Math.abs(sum - 1)).toBeLessThan(1e-14);
    }
  });

  it("bsplineBasis passes a float64 gradcheck with respect to x (two inputs, own knot rows)", () => {
    const g2 = new Tensor(Float64Array.from([...extendedGrid(5, 3, [-1, 1]), ...extendedGrid(5, 3, [0, 2])]), [2, 12]);
    const x = tensor([[0.13, 1.07], [-0.61, 0.33], [0.77, 1.91], [-1.5, -0.2]], { dtype: "float64" });
    expect(gradcheck((v) => bsplineBasis(v, g2, 3), [x])).toBe(true);
  });

  it("names the shapes when x and the grid do not fit", () => {
    const x = tensor([[0, 0, 0]], { dtype: "float64" });
    expect(() => bsplineBasis(x, grid, 3)).toThrow("bsplineBasis: grid [1,12] does not match x [1,3]: expected [3, knots]");
    expect(() => bsplineBasis(tensor([0], { dtype: "float64" }), grid, 3)).toThrow("bsplineBasis: x must be 2-D [batch, in], got [1]");
  });
});

describe("lstsq (float64, Cholesky with a tiny ridge)", () => {
  it("solves an overdetermined system to the exact least-squares solution", () => {
    // Fit y = 1 + 2t − t² through exact samples: the residual is 0.
    const ts = [-1, -0.5, 0, 0.5, 1, 1.5];
    const a = Float64Array.from(ts.flatMap((t) => [1, t, t * t]));
    const b = Float64Array.from(ts.map((t) => 1 + 2 * t - t * t));
    assertAllClose(lstsq(a, ts.length, 3, b, 1), [1, 2, -1], { atol: 1e-8, rtol: 0 });
  });

  it("gives the minimum-norm solution of an underdetermined system", () => {
    const x = lstsq(Float64Array.from([1, 1]), 1, 2, Float64Array.from([2]), 1);
    assertAllClose(x, [1, 1], { atol: 1e-8, rtol: 0 });
  });

  it("handles many right-hand sides and a column no row touches (coefficient 0)", () => {
    const rng = new Generator(3);
    const m = 30;
    const a = new Float64Array(m * 4);
    for (let r = 0; r < m; r++) for (let c = 0; c < 3; c++) a[r * 4 + c] = rng.normal();
    const truth = [0.5, -1, 2, 0, 3, 1, 0, 0]; // [4, 2]; row 3 belongs to the untouched column
    const b = new Float64Array(m * 2);
    for (let r = 0; r < m; r++) for (let o = 0; o < 2; o++) for (let c = 0; c < 4; c++) b[r * 2 + o] += a[r * 4 + c] * truth[c * 2 + o];
    assertAllClose(lstsq(a, m, 4, b, 2), truth, { atol: 1e-8, rtol: 0 });
  });

  it("Cholesky reports a matrix that is not positive definite", () => {
    expect(choleskyInPlace(Float64Array.from([1, 2, 2, 1]), 2)).toBe(false);
  });
});
