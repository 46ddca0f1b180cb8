import type { TypedArray } from "../tensor/dtype.js";
import { bsplineSpans, scatterSpans } from "./kan-bspline.js";
import { lstsq } from "./kan-lstsq.js";

/**
 * The unscaled output of every edge spline of a KAN layer, in float64.
 *
 * ```text
 * out[b, i, o] = Σ_m C[o, i, m] · B_m(x[b, i])
 * ```
 *
 * @param x - `[batch, in]`
 * @param grid - `[in, nKnots]`
 * @param c - C, `[out, in, nKnots − k − 1]`
 * @returns `[batch, in, out]`
 */
export function edgeSplineOutputs(
  x: TypedArray,
  batch: number,
  inF: number,
  grid: TypedArray,
  nKnots: number,
  splineOrder: number,
  c: TypedArray,
  outF: number,
): Float64Array {
  const nb = nKnots - splineOrder - 1;
  const k1 = splineOrder + 1;
  const spans = bsplineSpans(x, batch, inF, grid, nKnots, splineOrder, false);
  const y = new Float64Array(batch * inF * outF);
  for (let e = 0; e < batch * inF; e++) {
    const i = e % inF;
    const st = spans.start[e];
    for (let o = 0; o < outF; o++) {
      const cb = (o * inF + i) * nb;
      let s = 0;
      for (let r = 0; r < k1; r++) {
        const m = st + r;
        if (m >= 0 && m < nb) s += c[cb + m] * spans.values[e * k1 + r];
      }
      y[e * outF + o] = s;
    }
  }
  return y;
}

/**
 * Knot rows fitted to data, as efficient-kan's `update_grid` builds them: a mix of quantile
 * (adaptive) knots and uniform knots over the data range widened by `margin`, then extended
 * by k knots on each side with the uniform step.
 *
 * ```text
 * s = sorted samples of input i (n of them)
 * adaptive_j = s[⌊j·(n − 1)/G⌋],   j = 0 … G
 * h = (s_max − s_min + 2·margin) / G,   uniform_j = s_min − margin + j·h
 * t_{k+j} = gridEps·uniform_j + (1 − gridEps)·adaptive_j
 * t_{k−q} = t_k − q·h,   t_{k+G+q} = t_{k+G} + q·h,   q = 1 … k
 * ```
 *
 * gridEps = 1 gives a uniform grid, 0 a purely quantile one.
 *
 * @param x - `[batch, in]` finite samples
 * @returns `[in, G + 2k + 1]`
 * @throws Error naming the input when its knots collapse to a point (all samples equal, and
 * `margin` or `gridEps` 0)
 */
export function gridFromSamples(
  op: string,
  x: TypedArray,
  batch: number,
  inF: number,
  gridSize: number,
  splineOrder: number,
  gridEps: number,
  margin: number,
): Float64Array {
  const nKnots = gridSize + 2 * splineOrder + 1;
  const grid = new Float64Array(inF * nKnots);
  const col = new Float64Array(batch);
  for (let i = 0; i < inF; i++) {
    for (let b = 0; b < batch; b++) col[b] = x[b * inF + i];
    col.sort();
    const lo = col[0];
    const step = (col[batch - 1] - lo + 2 * margin) / gridSize;
    const row = i * nKnots;
    for (let j = 0; j <= gridSize; j++) {
      const adaptive = col[Math.floor((j * (batch - 1)) / gridSize)];
      const uniform = j * step + lo - margin;
      grid[row + splineOrder + j] = gridEps * uniform + (1 - gridEps) * adaptive;
    }
    if (!(grid[row + splineOrder + gridSize] > grid[row + splineOrder])) {
      throw new Error(
        `${op}: input ${i}: the grid collapses to a point (all samples equal ${lo}; margin ${margin}, gridEps ${gridEps})`,
      );
    }
    for (let q = 1; q <= splineOrder; q++) {
      grid[row + splineOrder - q] = grid[row + splineOrder] - q * step;
      grid[row + splineOrder + gridSize + q] = grid[row + splineOrder + gridSize] + q * step;
    }
  }
  return grid;
}

/**
 * Spline coefficients that reproduce given edge outputs on a new grid, by least squares
 * (efficient-kan's `curve2coeff`), one problem per input with every output as a right-hand side.
 *
 * ```text
 * C[:, i, :] = argmin Σ_b Σ_o (Σ_m C[o,i,m]·B_m(x[b,i]) − target[b,i,o])²     (+ tiny ridge, see lstsq)
 * ```
 *
 * @param x - `[batch, in]` samples
 * @param grid - `[in, nKnots]`, the grid the coefficients are for
 * @param target - `[batch, in, out]` values to reproduce
 * @returns C, `[out, in, nKnots − k − 1]`, float64
 */
export function fitSplineCoefficients(
  x: TypedArray,
  batch: number,
  inF: number,
  grid: TypedArray,
  nKnots: number,
  splineOrder: number,
  target: Float64Array,
  outF: number,
): Float64Array {
  const nb = nKnots - splineOrder - 1;
  const c = new Float64Array(outF * inF * nb);
  const col = new Float64Array(batch);
  const a = new Float64Array(batch * nb);
  const y = new Float64Array(batch * outF);
  for (let i = 0; i < inF; i++) {
    for (let b = 0; b < batch; b++) col[b] = x[b * inF + i];
    const spans = bsplineSpans(col, batch, 1, grid.subarray(i * nKnots, (i + 1) * nKnots), nKnots, splineOrder, false);
    scatterSpans(spans, spans.values, splineOrder, nb, a);
    for (let b = 0; b < batch; b++) {
      for (let o = 0; o < outF; o++) y[b * outF + o] = target[(b * inF + i) * outF + o];
    }
    const sol = lstsq(a, batch, nb, y, outF);
    for (let m = 0; m < nb; m++) {
      for (let o = 0; o < outF; o++) c[(o * inF + i) * nb + m] = sol[m * outF + o];
    }
  }
  return c;
}
