import { commonDType, record } from "../autograd/node.js";
import { allocate, type TypedArray } from "../tensor/dtype.js";
import { formatShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { bsplineBasis, bsplineSpans } from "./kan-bspline.js";
import { composedGraphBackward } from "../autograd/grad.js";
import { mul } from "../autograd/ops/binary.js";
import { matmul } from "../autograd/ops/matmul.js";
import { reshape, transpose } from "../autograd/ops/shape.js";

function checkArgs(x: Tensor, grid: Tensor, weight: Tensor, scaler: Tensor | null, splineOrder: number): void {
  const op = "splineLinear";
  if (x.shape.length !== 2) throw new Error(`${op}: x must be 2-D [batch, in], got ${formatShape(x.shape)}`);
  const inF = x.shape[1];
  if (!Number.isInteger(splineOrder) || splineOrder < 0) {
    throw new Error(`${op}: splineOrder must be an integer ≥ 0, got ${String(splineOrder)}`);
  }
  if (grid.shape.length !== 2 || grid.shape[0] !== inF || grid.shape[1] < splineOrder + 2) {
    throw new Error(`${op}: grid ${formatShape(grid.shape)} does not match x ${formatShape(x.shape)}: expected [${inF}, ≥ ${splineOrder + 2}]`);
  }
  const nb = grid.shape[1] - splineOrder - 1;
  if (weight.shape.length !== 3 || weight.shape[1] !== inF || weight.shape[2] !== nb) {
    throw new Error(
      `${op}: splineWeight ${formatShape(weight.shape)} does not match x ${formatShape(x.shape)} and grid ` +
        `${formatShape(grid.shape)}: expected [out, ${inF}, ${nb}]`,
    );
  }
  if (scaler !== null && (scaler.shape.length !== 2 || scaler.shape[0] !== weight.shape[0] || scaler.shape[1] !== inF)) {
    throw new Error(
      `${op}: splineScaler ${formatShape(scaler.shape)} does not match splineWeight ${formatShape(weight.shape)}: ` +
        `expected [${weight.shape[0]}, ${inF}]`,
    );
  }
}

/**
 * The spline half of a KAN layer (efficient-kan's formulation), fused: the B-spline bases of
 * every input, contracted with the (optionally scaled) spline coefficients, with forward and
 * backward written together. Only the `k + 1` non-zero bases of each input are touched.
 *
 * ```text
 * y[b,o]      = Σ_i S[o,i] · Σ_m C[o,i,m] · B_m(x[b,i])          (S ≡ 1 when scaler is null)
 * ∂L/∂x[b,i]  = Σ_o g[b,o] · S[o,i] · Σ_m C[o,i,m] · B′_m(x[b,i])
 * ∂L/∂C[o,i,m] = Σ_b g[b,o] · S[o,i] · B_m(x[b,i])
 * ∂L/∂S[o,i]  = Σ_b g[b,o] · Σ_m C[o,i,m] · B_m(x[b,i])
 * ```
 *
 * B and B′ follow {@link bsplineSpans}: half-open intervals, so at a knot the derivative is
 * the right-hand one; outside `[t_0, t_last)` every basis and its derivative are 0. The grid
 * receives no gradient (it is a buffer).
 *
 * @param x - `[batch, in]`
 * @param grid - `[in, nKnots]` knot rows
 * @param splineWeight - C, `[out, in, nKnots − k − 1]`
 * @param splineScaler - S, `[out, in]`, or `null` for none
 * @param splineOrder - k ≥ 0
 * @returns `[batch, out]`
 * @throws Error naming the shapes when they do not fit together, or when dtypes differ
 */
export function splineLinear(x: Tensor, grid: Tensor, splineWeight: Tensor, splineScaler: Tensor | null, splineOrder: number): Tensor {
  checkArgs(x, grid, splineWeight, splineScaler, splineOrder);
  const inputs = splineScaler === null ? [x, grid, splineWeight] : [x, grid, splineWeight, splineScaler];
  const dtype = commonDType("splineLinear", inputs);
  const [batch, inF] = x.shape;
  const out = splineWeight.shape[0];
  const nKnots = grid.shape[1];
  const nb = nKnots - splineOrder - 1;
  const k1 = splineOrder + 1;
  const c = splineWeight.data;
  const s = splineScaler?.data ?? null;
  const spans = bsplineSpans(x.data, batch, inF, grid.data, nKnots, splineOrder, false);
  const acc = new Float64Array(batch * out);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < inF; i++) {
      const e = b * inF + i;
      const st = spans.start[e];
      const vb = e * k1;
      for (let o = 0; o < out; o++) {
        const cb = (o * inF + i) * nb;
        let sum = 0;
        for (let r = 0; r < k1; r++) {
          const m = st + r;
          if (m >= 0 && m < nb) sum += c[cb + m] * spans.values[vb + r];
        }
        acc[b * out + o] += s === null ? sum : s[o * inF + i] * sum;
      }
    }
  }
  const y = allocate(dtype, batch * out);
  y.set(acc);
  return record(y, [batch, out], inputs, "splineLinear", (gy, needs) => {
    const d = needs[0] ? bsplineSpans(x.data, batch, inF, grid.data, nKnots, splineOrder, true) : spans;
    const gx = needs[0] ? new Float64Array(x.size) : null;
    const gc = needs[2] ? new Float64Array(splineWeight.size) : null;
    const gs = s !== null && needs[3] ? new Float64Array(s.length) : null;
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < inF; i++) {
        const e = b * inF + i;
        const st = d.start[e];
        const vb = e * k1;
        let gxe = 0;
        for (let o = 0; o < out; o++) {
          const g = gy[b * out + o];
          if (g === 0) continue;
          const cb = (o * inF + i) * nb;
          const so = s === null ? 1 : s[o * inF + i];
          let sum = 0;
          let dsum = 0;
          for (let r = 0; r < k1; r++) {
            const m = st + r;
            if (m < 0 || m >= nb) continue;
            const v = d.values[vb + r];
            sum += c[cb + m] * v;
            if (gx !== null) dsum += c[cb + m] * d.derivs![vb + r];
            if (gc !== null) gc[cb + m] += g * so * v;
          }
          if (gx !== null) gxe += g * so * dsum;
          if (gs !== null) gs[o * inF + i] += g * sum;
        }
        if (gx !== null) gx[e] = gxe;
      }
    }
    const cast = (a: Float64Array | null): TypedArray | null => {
      if (a === null) return null;
      const r = allocate(dtype, a.length);
      r.set(a);
      return r;
    };
    return splineScaler === null ? [cast(gx), null, cast(gc)] : [cast(gx), null, cast(gc), cast(gs)];
  }, composedGraphBackward(inputs, () => splineLinearComposed(x, grid, splineWeight, splineScaler, splineOrder)));
}

/**
 * {@link splineLinear} rebuilt from differentiable ops (same values): the dense basis times
 * the scaled coefficients. Higher-order gradients (`createGraph`) go through this form.
 */
function splineLinearComposed(x: Tensor, grid: Tensor, weight: Tensor, scaler: Tensor | null, splineOrder: number): Tensor {
  const [batch, inF] = x.shape;
  const [out, , nb] = weight.shape;
  const basis = reshape(bsplineBasis(x, grid, splineOrder), [batch, inF * nb]);
  const w = scaler === null ? weight : mul(weight, reshape(scaler, [out, inF, 1]));
  return matmul(basis, transpose(reshape(w, [out, inF * nb])));
}
