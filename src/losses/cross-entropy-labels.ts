import { record } from "../autograd/node.js";
import { sliceLse, type SliceLse } from "../autograd/log-sum-exp.js";
import { mul, sub } from "../autograd/ops/binary.js";
import { reshape } from "../autograd/ops/shape.js";
import { softmax } from "../autograd/ops/softmax.js";
import { allocate } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import type { Reduction } from "./reduction.js";

/**
 * Cross-entropy of `[N, C]` logits against integer labels as one fused node (internal to
 * {@link crossEntropyLoss}): the same maths as `−Σ_c a[n,c]·logSoftmax(x)[n,c]` followed by
 * the reduction, computed in double precision per row in the shift-invariant form of
 * `logSoftmax` (mₙ the row maximum at class kₙ, tₙ = Σ_{c≠kₙ} exp(xₙ,c − mₙ)) and rounded once.
 *
 * ```text
 * log pₙ,c = (xₙ,c − mₙ) − log1p(tₙ)
 * ℓₙ   = Σ_c aₙ,c·(log1p(tₙ) − (xₙ,c − mₙ))
 * ∂ℓₙ/∂xₙ,c = pₙ,c·Σ_k aₙ,k − aₙ,c;   at c = kₙ: Σ_{j≠kₙ} aₙ,j − qₙ·Σ_k aₙ,k,  qₙ = tₙ/(1 + tₙ)
 * ```
 *
 * so the dominant class's loss and gradient p − 1 = −q keep full relative accuracy.
 *
 * @param coef - the coefficients a (`[N, C]`), or null for one-hot labels (a = [c = yₙ])
 * @param labels - yₙ, already checked to be in range; rows with `coef` all zero (or, for
 *   one-hot labels, a label of −1) contribute nothing
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
  const rows = new Array<SliceLse>(n);
  const perRow = reduction === "none" ? allocate(logits.dtype, n) : null;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const base = i * c;
    const s: SliceLse = { k: 0, m: 0, l: 0, q: 0 };
    sliceLse(x, base, c, 1, s);
    rows[i] = s;
    let loss: number;
    if (coef === null) {
      const y = labels[i];
      loss = y < 0 ? 0 : s.l - (x[base + y] - s.m);
    } else {
      loss = 0;
      for (let k = 0; k < c; k++) {
        const a = coef[base + k];
        if (a !== 0) loss += a * (s.l - (x[base + k] - s.m));
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
      const { k: top, m, q } = rows[i];
      if (coef === null) {
        // softmax − onehot in double, rounded once; at the dominant class p − 1 = −q exactly
        // (1 − p would cancel, and a second rounding could flip the sign).
        const label = labels[i];
        if (label < 0) continue;
        const scale = 1 - q; // 1/(1 + t): pₖ = exp(xₖ − m)/(1 + t), never exp(xₖ − m − log1p t), which magnifies a rounding
        for (let k = 0; k < c; k++) gx[base + k] = g * (Math.exp(x[base + k] - m) * scale - (k === label ? 1 : 0));
        gx[base + top] = g * (label === top ? 0 - q : 1 - q); // 0 − q: a +0 for p = 1, as p − 1 gives
      } else {
        let sumA = 0;
        let others = 0;
        for (let k = 0; k < c; k++) {
          sumA += coef[base + k];
          if (k !== top) others += coef[base + k];
        }
        if (sumA === 0) continue;
        for (let k = 0; k < c; k++) gx[base + k] = g * (Math.exp(x[base + k] - m) * (1 - q) * sumA - coef[base + k]);
        gx[base + top] = g * (others - q * sumA);
      }
    }
    return [gx];
  }, (gy) => {
    // The same gradient with tensor ops: g · (softmax(x)·Σa − a), a constant (0 for an ignored row).
    const a = allocate(logits.dtype, n * c);
    const sumA = allocate(logits.dtype, n);
    for (let i = 0; i < n; i++) {
      if (coef === null) {
        if (labels[i] >= 0) a[i * c + labels[i]] = 1;
      } else for (let k = 0; k < c; k++) a[i * c + k] = coef[i * c + k];
      let s = 0;
      for (let k = 0; k < c; k++) s += a[i * c + k];
      sumA[i] = s;
    }
    const g = perRow !== null ? reshape(gy, [n, 1]) : mul(gy, scale);
    const p = mul(softmax(logits, -1), new Tensor(sumA, [n, 1]));
    return [mul(sub(p, new Tensor(a, [n, c])), g)];
  });
}
