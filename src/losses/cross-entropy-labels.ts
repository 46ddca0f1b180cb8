import { record } from "../autograd/node.js";
import { mul, sub } from "../autograd/ops/binary.js";
import { reshape } from "../autograd/ops/shape.js";
import { softmax } from "../autograd/ops/softmax.js";
import { allocate } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import type { Reduction } from "./reduction.js";

/**
 * Cross-entropy of `[N, C]` logits against integer labels as one fused node (internal to
 * {@link crossEntropyLoss}): the same maths as `−Σ_c a[n,c]·logSoftmax(x)[n,c]` followed by
 * the reduction, computed in double precision per row and rounded once.
 *
 * ```text
 * lseₙ = mₙ + log Σ_c exp(xₙ,c − mₙ),   mₙ = max_c xₙ,c
 * ℓₙ   = −Σ_c aₙ,c·(xₙ,c − lseₙ)
 * ∂ℓₙ/∂xₙ,c = pₙ,c·Σ_k aₙ,k − aₙ,c,    pₙ,c = exp(xₙ,c − lseₙ)
 * ```
 *
 * @param coef - the coefficients a (`[N, C]`), or null for one-hot labels (a = [c = yₙ])
 * @param labels - yₙ, already checked to be in range
 * @param denominator - what `'mean'` divides the sum by
 */
export function labelCrossEntropy(
  logits: Tensor,
  labels: Int32Array,
  coef: Float64Array | null,
  reduction: Reduction,
  denominator: number,
): Tensor {
  const [n, c] = logits.shape;
  const x = logits.data;
  const lse = new Array<number>(n);
  const perRow = reduction === "none" ? allocate(logits.dtype, n) : null;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const base = i * c;
    let m = -Infinity;
    for (let k = 0; k < c; k++) {
      const v = x[base + k];
      if (v > m || Number.isNaN(v)) m = v;
      if (Number.isNaN(v)) break;
    }
    let s = 0;
    for (let k = 0; k < c; k++) s += Math.exp(x[base + k] - m);
    const l = m + Math.log(s);
    lse[i] = l;
    let loss: number;
    if (coef === null) loss = l - x[base + labels[i]];
    else {
      loss = 0;
      for (let k = 0; k < c; k++) {
        const a = coef[base + k];
        if (a !== 0) loss -= a * (x[base + k] - l);
      }
    }
    if (perRow !== null) perRow[i] = loss;
    else total += loss;
  }
  let y: Float32Array | Float64Array;
  if (perRow !== null) y = perRow;
  else {
    y = allocate(logits.dtype, 1);
    y[0] = reduction === "sum" ? total : total / denominator;
  }
  const scale = reduction === "mean" ? 1 / denominator : 1;
  return record(y, perRow !== null ? [n] : [], [logits], "crossEntropyLoss", (gy) => {
    const gx = allocate(logits.dtype, logits.size);
    for (let i = 0; i < n; i++) {
      const base = i * c;
      const g = perRow !== null ? gy[i] : gy[0] * scale;
      const l = lse[i];
      if (coef === null) {
        // softmax − onehot in double, rounded once (a second rounding at the label would
        // give a confidently right sample a gradient of the wrong sign).
        const label = labels[i];
        for (let k = 0; k < c; k++) gx[base + k] = g * (Math.exp(x[base + k] - l) - (k === label ? 1 : 0));
      } else {
        let sumA = 0;
        for (let k = 0; k < c; k++) sumA += coef[base + k];
        for (let k = 0; k < c; k++) gx[base + k] = g * (Math.exp(x[base + k] - l) * sumA - coef[base + k]);
      }
    }
    return [gx];
  }, (gy) => {
    // The same gradient with tensor ops: g · (softmax(x)·Σa − a), a constant.
    const a = allocate(logits.dtype, n * c);
    const sumA = allocate(logits.dtype, n);
    for (let i = 0; i < n; i++) {
      if (coef === null) a[i * c + labels[i]] = 1;
      else for (let k = 0; k < c; k++) a[i * c + k] = coef[i * c + k];
      let s = 0;
      for (let k = 0; k < c; k++) s += a[i * c + k];
      sumA[i] = s;
    }
    const g = perRow !== null ? reshape(gy, [n, 1]) : mul(gy, scale);
    const p = mul(softmax(logits, -1), new Tensor(sumA, [n, 1]));
    return [mul(sub(p, new Tensor(a, [n, c])), g)];
  });
}
