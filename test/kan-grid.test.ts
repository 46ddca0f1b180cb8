import { describe, expect, it } from "vitest";
import { noGrad } from "../src/autograd/grad-mode.js";
import { KAN } from "../src/layers/kan.js";
import { edgeSplineOutputs, fitSplineCoefficients, gridFromSamples } from "../src/layers/kan-grid.js";
import { KANLinear } from "../src/layers/kan-linear.js";
import { Generator } from "../src/tensor/random.js";
import { Tensor } from "../src/tensor/tensor.js";
import { assertAllClose } from "./helpers/index.js";

/** A float64 layer with O(1) random spline coefficients, so the spline part dominates. */
function wigglyLayer(inF: number, outF: number, gridSize: number, seed: number): KANLinear {
  const layer = new KANLinear(inF, outF, { gridSize, dtype: "float64", rng: new Generator(seed) });
  const rng = new Generator(seed + 1);
  for (let q = 0; q < layer.splineWeight.size; q++) layer.splineWeight.data[q] = rng.normal();
  return layer;
}

function samples(batch: number, inF: number, seed: number, lo: number, hi: number): Tensor {
  const rng = new Generator(seed);
  const d = new Float64Array(batch * inF);
  for (let q = 0; q < d.length; q++) d[q] = lo + (hi - lo) * rng.uniform();
  return new Tensor(d, [batch, inF]);
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  let m = 0;
  for (let q = 0; q < a.size; q++) m = Math.max(m, Math.abs(a.data[q] - b.data[q]));
  return m;
}

function maxAbs(a: Tensor): number {
  return Math.max(...Array.from(a.data, Math.abs));
}

/** efficient-kan's update_grid, emulated: fits the *scaled* spline and stores it unscaled. */
function naiveUpdateGrid(layer: KANLinear, x: Tensor, margin = 0.01): void {
  const [batch, inF] = x.shape;
  const out = layer.outFeatures;
  const k = layer.splineOrder;
  const scaled = Float64Array.from(layer.splineWeight.data);
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < inF; i++) for (let m = 0; m < layer.gridSize + k; m++) scaled[(o * inF + i) * (layer.gridSize + k) + m] *= layer.splineScaler!.data[o * inF + i];
  }
  const target = edgeSplineOutputs(x.data, batch, inF, layer.grid.data, layer.grid.shape[1], k, scaled, out);
  const grid = gridFromSamples("naive", x.data, batch, inF, layer.gridSize, k, 0.02, margin);
  layer.grid.data.set(grid);
  layer.splineWeight.data.set(fitSplineCoefficients(x.data, batch, inF, grid, grid.length / inF, k, target, out));
}

describe("KANLinear.updateGrid preserves the function", () => {
  it("is the identity (to the ridge) when the new grid equals the old one", () => {
    const layer = wigglyLayer(2, 3, 5, 1);
    const x = samples(200, 2, 2, -0.99, 0.99);
    x.data.set([-0.99, -0.99, 0.99, 0.99], 0); // range exactly [−0.99, 0.99]: the new uniform grid is [−1, 1]
    const layerU = new KANLinear(2, 3, { gridSize: 5, gridEps: 1, dtype: "float64", rng: new Generator(1) });
    layerU.loadStateDict(layer.stateDict());
    const before = noGrad(() => layerU.forward(x));
    const oldGrid = Float64Array.from(layerU.grid.data);
    layerU.updateGrid(x);
    assertAllClose(layerU.grid.data, oldGrid, { atol: 1e-14, rtol: 0 });
    expect(maxAbsDiff(noGrad(() => layerU.forward(x)), before)).toBeLessThan(1e-7);
  });

  it("changes outputs only by the least-squares error on data-fitted grids, unlike efficient-kan's update", () => {
    const layer = wigglyLayer(3, 2, 5, 3);
    const x = samples(500, 3, 4, -0.9, 0.8);
    const before = noGrad(() => layer.forward(x));
    const naive = wigglyLayer(3, 2, 5, 3);
    layer.updateGrid(x);
    naiveUpdateGrid(naive, x);
    const ours = maxAbsDiff(noGrad(() => layer.forward(x)), before);
    const theirs = maxAbsDiff(noGrad(() => naive.forward(x)), before);
    // A random cubic spline cannot be exactly re-expressed on moved knots: a few % remain.
    expect(ours / maxAbs(before)).toBeLessThan(0.06);
    expect(theirs / maxAbs(before)).toBeGreaterThan(0.2);
    expect(theirs).toBeGreaterThan(5 * ours);
    // A second update on the same data finds the same grid: now the fit is exact.
    const after = noGrad(() => layer.forward(x));
    layer.updateGrid(x);
    expect(maxAbsDiff(noGrad(() => layer.forward(x)), after)).toBeLessThan(1e-7);
    // The grid now spans the data: first interior knot at the data minimum (mostly quantile).
    const n = layer.grid.shape[1];
    for (let i = 0; i < 3; i++) {
      let lo = Infinity;
      for (let b = 0; b < 500; b++) lo = Math.min(lo, x.data[b * 3 + i]);
      expect(layer.grid.data[i * n + 3]).toBeCloseTo(0.98 * lo + 0.02 * (lo - 0.01), 12);
    }
  });

  it("KAN.updateGrid updates every layer on its own inputs and keeps the network's function", () => {
    const model = new KAN([2, 4, 1], { dtype: "float64", rng: new Generator(5) });
    const x = samples(300, 2, 6, -1, 1);
    const before = noGrad(() => model.forward(x));
    model.updateGrid(x);
    expect(maxAbsDiff(noGrad(() => model.forward(x)), before) / maxAbs(before)).toBeLessThan(0.01);
  });
});

describe("KANLinear.updateGrid in float32", () => {
  it("fits against the stored (rounded) knots, so a repeated update is exact to float32 precision", () => {
    const layer = wigglyLayer(2, 2, 5, 12).to("float32");
    const x = samples(300, 2, 13, -0.7, 0.9);
    const x32 = new Tensor(Float32Array.from(x.data), x.shape);
    layer.updateGrid(x32);
    const after = noGrad(() => layer.forward(x32));
    layer.updateGrid(x32);
    expect(layer.grid.dtype).toBe("float32");
    expect(maxAbsDiff(noGrad(() => layer.forward(x32)), after) / maxAbs(after)).toBeLessThan(1e-5);
  });
});

describe("grid refinement (pykan's refine / grid extension)", () => {
  it("refine(10) of a G=3 layer preserves the function on its grid range", () => {
    const layer = wigglyLayer(2, 2, 3, 7);
    const fine = layer.refine(10);
    expect(fine.gridSize).toBe(10);
    expect(fine.grid.shape).toEqual([2, 17]);
    expect(fine.splineWeight.shape).toEqual([2, 2, 13]);
    assertAllClose(fine.baseWeight.data, layer.baseWeight.data, { atol: 0, rtol: 0 });
    const x = samples(400, 2, 8, -1, 0.999);
    const before = noGrad(() => layer.forward(x));
    const err = maxAbsDiff(noGrad(() => fine.forward(x)), before);
    expect(err / maxAbs(before)).toBeLessThan(0.02);
    // The old layer is untouched.
    expect(layer.gridSize).toBe(3);
  });

  it("refine with samples fits the grid to them; KAN.refine keeps the network's function", () => {
    const model = new KAN([1, 3, 1], { gridSize: 3, dtype: "float64", rng: new Generator(9) });
    for (const l of model.layers) {
      const rng = new Generator(10);
      for (let q = 0; q < l.splineWeight.size; q++) l.splineWeight.data[q] = rng.normal();
    }
    const x = samples(400, 1, 11, -1, 1);
    const before = noGrad(() => model.forward(x));
    const fine = model.refine(10, x);
    expect(fine.layers.map((l) => l.gridSize)).toEqual([10, 10]);
    expect(maxAbsDiff(noGrad(() => fine.forward(x)), before) / maxAbs(before)).toBeLessThan(0.02);
    const coarse = model.refine(10);
    expect(maxAbsDiff(noGrad(() => coarse.forward(x)), before) / maxAbs(before)).toBeLessThan(0.05);
  });
});
