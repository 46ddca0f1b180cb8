import { commonDType, record } from "../autograd/node.js";
import { mul } from "../autograd/ops/binary.js";
import { sum } from "../autograd/ops/reduce.js";
import { slice } from "../autograd/ops/shape.js";
import { allocate, type TypedArray } from "../tensor/dtype.js";
import { formatShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * The extended uniform knot vector of one input of a KAN layer: `gridSize` intervals on
 * `gridRange`, extended by `splineOrder` knots on each side, as efficient-kan and pykan build it.
 *
 * ```text
 * h   = (hi − lo) / G
 * t_j = lo + (j − k)·h,   j = 0 … G + 2k        (G + 2k + 1 knots)
 * ```
 *
 * @param gridSize - G, the number of intervals on `[lo, hi]` (a positive integer)
 * @param splineOrder - k, the spline degree (a non-negative integer; 3 = cubic)
 * @param gridRange - `[lo, hi]`, finite and increasing
 * @returns the knots, a `Float64Array` of length `G + 2k + 1`
 * @throws Error when an argument is out of its domain (see {@link checkGridOptions})
 */
export function extendedGrid(gridSize: number, splineOrder: number, gridRange: readonly [number, number]): Float64Array {
  checkGridOptions("extendedGrid", gridSize, splineOrder, gridRange);
  const [lo, hi] = gridRange;
  const h = (hi - lo) / gridSize;
  const t = new Float64Array(gridSize + 2 * splineOrder + 1);
  for (let j = 0; j < t.length; j++) t[j] = (j - splineOrder) * h + lo;
  return t;
}

/**
 * Validates the grid options of a KAN layer.
 *
 * @param op - the operation or layer named in the message
 * @throws Error naming `op` and the value when `gridSize` is not an integer ≥ 1, `splineOrder`
 * not an integer ≥ 0, or `gridRange` not two finite numbers with `lo < hi`
 */
export function checkGridOptions(op: string, gridSize: number, splineOrder: number, gridRange: readonly number[]): void {
  if (!Number.isInteger(gridSize) || gridSize < 1) {
    throw new Error(`${op}: gridSize must be an integer ≥ 1, got ${String(gridSize)}`);
  }
  if (!Number.isInteger(splineOrder) || splineOrder < 0) {
    throw new Error(`${op}: splineOrder must be an integer ≥ 0, got ${String(splineOrder)}`);
  }
  if (!Array.isArray(gridRange) || gridRange.length !== 2 || !gridRange.every((v) => Number.isFinite(v)) || !(gridRange[0] < gridRange[1])) {
    throw new Error(`${op}: gridRange must be two finite numbers [lo, hi] with lo < hi, got ${JSON.stringify(gridRange)}`);
  }
}

/**
 * The non-zero B-spline values of every element, in compact form. Element `e = b·in + i`
 * has its `k + 1` possibly non-zero bases `m = start[e] + r`, `r = 0 … k`, with values
 * `values[e·(k+1) + r]` (and derivatives `derivs[…]`). Indices `m` outside `[0, G + k)` carry 0
 * and must be skipped. Elements outside the grid have all values 0.
 */
export interface BsplineSpans {
  readonly start: Int32Array;
  readonly values: Float64Array;
  readonly derivs: Float64Array | null;
}

/**
 * B-spline bases of degree k (Cox–de Boor) for a whole `[batch, in]` array, each input with
 * its own knot row, computed as efficient-kan and pykan compute them.
 *
 * ```text
 * B_{j,0}(x) = 1 if t_j ≤ x < t_{j+1} else 0                         (half-open)
 * B_{j,p}(x) = (x − t_j)/(t_{j+p} − t_j)·B_{j,p−1}(x) + (t_{j+p+1} − x)/(t_{j+p+1} − t_{j+1})·B_{j+1,p−1}(x)
 * d/dx B_{j,k} = k/(t_{j+k} − t_j)·B_{j,k−1} − k/(t_{j+k+1} − t_{j+1})·B_{j+1,k−1}
 * ```
 *
 * Only the `k + 1` bases that can be non-zero are evaluated (the other terms of the full
 * recursion are products with exact zeros, so the values are the same bit for bit). A term
 * whose denominator is 0 (repeated knots) counts as 0, like pykan's `nan_to_num`. Elements
 * outside `[t_0, t_last)`, and NaN, give all zeros (the indicator is never true).
 *
 * @param x - `[batch, in]` values, row-major
 * @param grid - `[in, nKnots]` knots, each row non-decreasing
 * @param withDerivs - also compute `d/dx` of each basis
 */
export function bsplineSpans(
  x: TypedArray,
  batch: number,
  inFeatures: number,
  grid: TypedArray,
  nKnots: number,
  splineOrder: number,
  withDerivs: boolean,
): BsplineSpans {
  const k = splineOrder;
  const k1 = k + 1;
  const nElems = batch * inFeatures;
  const start = new Int32Array(nElems);
  const values = new Float64Array(nElems * k1);
  const derivs = withDerivs ? new Float64Array(nElems * k1) : null;
  const n = new Float64Array(k1);
  const prev = new Float64Array(k1);
  for (let e = 0; e < nElems; e++) {
    const xi = x[e];
    const row = (e % inFeatures) * nKnots;
    // Interval μ with t_μ ≤ x < t_{μ+1} (binary search for the last knot ≤ x).
    if (!(xi >= grid[row]) || !(xi < grid[row + nKnots - 1])) continue;
    let lo = 0;
    let hi = nKnots - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (grid[row + mid] <= xi) lo = mid;
      else hi = mid;
    }
    const mu = lo;
    n[0] = 1;
    for (let p = 1; p <= k; p++) {
      if (p === k) for (let r = 0; r < k; r++) prev[r] = n[r];
      const last = nKnots - 2 - p; // highest basis index at degree p
      // n[r] is B_{μ−p+r, p}; descending r updates in place from the degree p−1 values.
      for (let r = p; r >= 0; r--) {
        const j = mu - p + r;
        let v = 0;
        if (j >= 0 && j <= last) {
          const tj = grid[row + j];
          const tj1 = grid[row + j + 1];
          const tjp = grid[row + j + p];
          const tjp1 = grid[row + j + p + 1];
          if (r >= 1) {
            const d = tjp - tj;
            if (d !== 0) v = ((xi - tj) / d) * n[r - 1];
          }
          if (r <= p - 1) {
            const d = tjp1 - tj1;
            if (d !== 0) v += ((tjp1 - xi) / d) * n[r];
          }
        }
        n[r] = v;
      }
    }
    start[e] = mu - k;
    const base = e * k1;
    for (let r = 0; r <= k; r++) values[base + r] = n[r];
    if (derivs !== null && k > 0) {
      const last = nKnots - 2 - k;
      for (let r = 0; r <= k; r++) {
        const j = mu - k + r;
        if (j < 0 || j > last) continue;
        let dv = 0;
        if (r >= 1) {
          const d = grid[row + j + k] - grid[row + j];
          if (d !== 0) dv = (k / d) * prev[r - 1];
        }
        if (r <= k - 1) {
          const d = grid[row + j + k + 1] - grid[row + j + 1];
          if (d !== 0) dv -= (k / d) * prev[r];
        }
        derivs[base + r] = dv;
      }
    }
  }
  return { start, values, derivs };
}

/**
 * Scatters compact spans into dense `[batch·in, G + k]` rows (zeros elsewhere).
 *
 * @param source - `spans.values` or `spans.derivs`
 * @param out - `batch·in·numBases` values, overwritten
 */
export function scatterSpans(spans: BsplineSpans, source: Float64Array, splineOrder: number, numBases: number, out: TypedArray): void {
  const k1 = splineOrder + 1;
  out.fill(0);
  for (let e = 0; e < spans.start.length; e++) {
    const s = spans.start[e];
    for (let r = 0; r < k1; r++) {
      const m = s + r;
      if (m >= 0 && m < numBases) out[e * numBases + m] = source[e * k1 + r];
    }
  }
}

function checkBasisArgs(op: string, x: Tensor, grid: Tensor, splineOrder: number): void {
  if (x.shape.length !== 2) throw new Error(`${op}: x must be 2-D [batch, in], got ${formatShape(x.shape)}`);
  if (grid.shape.length !== 2 || grid.shape[0] !== x.shape[1]) {
    throw new Error(`${op}: grid ${formatShape(grid.shape)} does not match x ${formatShape(x.shape)}: expected [${x.shape[1]}, knots]`);
  }
  if (!Number.isInteger(splineOrder) || splineOrder < 0) {
    throw new Error(`${op}: splineOrder must be an integer ≥ 0, got ${String(splineOrder)}`);
  }
  if (grid.shape[1] < splineOrder + 2) {
    throw new Error(`${op}: grid has ${grid.shape[1]} knots per input; degree ${splineOrder} needs at least ${splineOrder + 2}`);
  }
}

/**
 * The B-spline basis of a KAN layer as a dense tensor, differentiable with respect to `x`
 * (the grid is a constant).
 *
 * ```text
 * bsplineBasis(x, t)[b, i, m] = B_m(x[b, i]) on row t[i]     m = 0 … nKnots − k − 2
 * ∂/∂x[b, i] = Σ_m g[b, i, m] · B′_m(x[b, i])               (see {@link bsplineSpans})
 * ```
 *
 * With the uniform grid of `G` intervals the last axis has `G + k` entries. Σ_m B_m(x) = 1 on
 * `[t_k, t_{G+k})` = `[lo, hi)`. At a knot, the half-open indicator makes the value and the
 * derivative those of the interval to the right.
 *
 * @param x - `[batch, in]`
 * @param grid - `[in, nKnots]`, each row non-decreasing (same dtype as `x`)
 * @param splineOrder - k ≥ 0
 * @returns `[batch, in, nKnots − k − 1]`
 * @throws Error naming the shapes when `x` is not 2-D, the grid rows do not match `x`'s
 * width or are too short for the degree; or when the dtypes differ
 *
 * @example
 * ```ts
 * const t = tensor([extendedGrid(5, 3, [-1, 1])], { dtype: "float64" });
 * bsplineBasis(tensor([[0]], { dtype: "float64" }), t, 3).toArray(); // [[[0, 0, 1/48, 23/48, 23/48, 1/48, 0, 0]]]
 * ```
 */
export function bsplineBasis(x: Tensor, grid: Tensor, splineOrder: number): Tensor {
  checkBasisArgs("bsplineBasis", x, grid, splineOrder);
  const dtype = commonDType("bsplineBasis", [x, grid]);
  const [batch, inF] = x.shape;
  const nKnots = grid.shape[1];
  const nb = nKnots - splineOrder - 1;
  const spans = bsplineSpans(x.data, batch, inF, grid.data, nKnots, splineOrder, false);
  const y = allocate(dtype, batch * inF * nb);
  scatterSpans(spans, spans.values, splineOrder, nb, y);
  return record(y, [batch, inF, nb], [x, grid], "bsplineBasis", (gy, needs) => {
    if (!needs[0]) return [null, null];
    const d = bsplineSpans(x.data, batch, inF, grid.data, nKnots, splineOrder, true);
    const gx = allocate(dtype, x.size);
    const k1 = splineOrder + 1;
    for (let e = 0; e < x.size; e++) {
      let s = 0;
      for (let r = 0; r < k1; r++) {
        const m = d.start[e] + r;
        if (m >= 0 && m < nb) s += gy[e * nb + m] * d.derivs![e * k1 + r];
      }
      gx[e] = s;
    }
    return [gx, null];
  }, (gy, _out, needs) => [needs[0] ? sum(mul(gy, bsplineBasisDerivative(x, grid, splineOrder)), 2) : null, null]);
}

/**
 * B′_m(x) as tensor ops, `[batch, in, nKnots − k − 1]`: the derivative of
 * {@link bsplineBasis}, differentiable again (for higher-order gradients through a KAN).
 *
 * ```text
 * B′_{m,k}(x) = k · ( B_{m,k−1}(x) / (t_{m+k} − t_m) − B_{m+1,k−1}(x) / (t_{m+k+1} − t_{m+1}) )
 * ```
 *
 * (a term with a zero denominator is 0). Degree 0 is piecewise constant: the derivative is 0.
 */
export function bsplineBasisDerivative(x: Tensor, grid: Tensor, splineOrder: number): Tensor {
  const [batch, inF] = x.shape;
  const nKnots = grid.shape[1];
  const nb = nKnots - splineOrder - 1;
  if (splineOrder === 0) return new Tensor(allocate(x.dtype, batch * inF * nb), [batch, inF, nb]);
  const lower = bsplineBasis(x, grid, splineOrder - 1); // [batch, in, nb + 1]
  const k = splineOrder;
  const c1 = allocate(x.dtype, inF * nb);
  const c2 = allocate(x.dtype, inF * nb);
  const t = grid.data;
  for (let i = 0; i < inF; i++) {
    for (let m = 0; m < nb; m++) {
      const r = i * nKnots;
      const d1 = t[r + m + k] - t[r + m];
      const d2 = t[r + m + k + 1] - t[r + m + 1];
      c1[i * nb + m] = d1 === 0 ? 0 : k / d1;
      c2[i * nb + m] = d2 === 0 ? 0 : k / d2;
    }
  }
  const left = mul(slice(lower, 2, 0, nb), new Tensor(c1, [inF, nb]));
  const right = mul(slice(lower, 2, 1, nb + 1), new Tensor(c2, [inF, nb]));
  return left.sub(right);
}
