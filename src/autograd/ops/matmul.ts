import { kernels } from "../../kernels/index.js";
import { allocate } from "../../tensor/dtype.js";
import { formatShape } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { commonDType, record } from "../node.js";
import { linearFused } from "./linear-fused.js";
import { sum } from "./reduce.js";
import { reshape, transpose } from "./shape.js";

/**
 * Matrix product of 2-D tensors (`[m,k]·[k,n] → [m,n]`) or batched 3-D ones
 * (`[b,m,k]·[b,k,n] → [b,m,n]`; a 2-D operand, or a batch of 1, is shared by every batch,
 * as NumPy/PyTorch broadcast it). A 1-D operand works as `torch.matmul`: on the left it is
 * a row `[1,k]`, on the right a column `[k,1]`, and that axis is dropped from the result
 * (`[k]·[k] → []` is the dot product, `[m,k]·[k] → [m]`, `[k]·[k,n] → [n]`,
 * `[b,m,k]·[k] → [b,m]`, `[k]·[b,k,n] → [b,n]`).
 *
 * ```text
 * C = A·B,   ∂/∂A = G·Bᵀ,   ∂/∂B = Aᵀ·G
 * ```
 *
 * The backward products use the transposed-operand kernels, so no transpose is copied.
 *
 * @throws Error naming both shapes when they are not 2-D/3-D, the inner dimensions
 * differ, or the batch sizes differ; or when the dtypes differ
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new Error("matmul: expected two Tensors");
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 1 || ra > 3 || rb < 1 || rb > 3) {
    throw new Error(
      `matmul: cannot multiply ${formatShape(a.shape)} by ${formatShape(b.shape)}: expected 1-D, 2-D or 3-D (batched) tensors`,
    );
  }
  if (ra === 1 || rb === 1) return matmulVector(a, b);
  const m = a.shape[ra - 2];
  const k = a.shape[ra - 1];
  const k2 = b.shape[rb - 2];
  const n = b.shape[rb - 1];
  if (k !== k2) {
    throw new Error(
      `matmul: cannot multiply ${formatShape(a.shape)} by ${formatShape(b.shape)}: inner dimensions ${k} and ${k2} differ`,
    );
  }
  const batchA = ra === 3 ? a.shape[0] : 1;
  const batchB = rb === 3 ? b.shape[0] : 1;
  if (ra === 3 && rb === 3 && batchA !== batchB && batchA !== 1 && batchB !== 1) {
    throw new Error(
      `matmul: cannot multiply ${formatShape(a.shape)} by ${formatShape(b.shape)}: batch sizes ${batchA} and ${batchB} differ`,
    );
  }
  const dtype = commonDType("matmul", [a, b]);
  // A batch of one broadcasts: multiply its single matrix (the gradient flows back through
  // the reshape, summed over the batch).
  if (ra === 3 && rb === 3 && batchA !== batchB) {
    return batchA === 1 ? matmul(reshape(a, [m, k]), b) : matmul(a, reshape(b, [k, n]));
  }
  const batch = Math.max(batchA, batchB);
  const shape = ra === 3 || rb === 3 ? [batch, m, n] : [m, n];
  // A shared 2-D left operand with a batched right one is the only case that needs a loop
  // per batch; a batched left operand with a shared right one is one big [b·m,k]·[k,n].
  const y = allocate(dtype, batch * m * n);
  const gemm = kernels().gemm;
  if (rb === 2) {
    gemm(false, false, batch * m, n, k, a.data, b.data, y);
  } else {
    for (let i = 0; i < batch; i++) {
      gemm(
        false,
        false,
        m,
        n,
        k,
        ra === 3 ? a.data.subarray(i * m * k, (i + 1) * m * k) : a.data,
        b.data.subarray(i * k * n, (i + 1) * k * n),
        y.subarray(i * m * n, (i + 1) * m * n),
      );
    }
  }
  return record(y, shape, [a, b], "matmul", (gy, needs) => {
    const g = kernels().gemm;
    let ga: Float32Array | Float64Array | null = null;
    let gb: Float32Array | Float64Array | null = null;
    if (rb === 2) {
      // A is [(b·m),k]: dA = G·Bᵀ, dB = Aᵀ·G, each one product.
      if (needs[0]) g(false, true, batch * m, k, n, gy, b.data, (ga = allocate(dtype, a.size)));
      if (needs[1]) g(true, false, k, n, batch * m, a.data, gy, (gb = allocate(dtype, b.size)));
      return [ga, gb];
    }
    if (needs[0]) ga = allocate(dtype, a.size);
    if (needs[1]) gb = allocate(dtype, b.size);
    const tmp = ra === 2 && ga !== null ? allocate(dtype, m * k) : null;
    for (let i = 0; i < batch; i++) {
      const gyi = gy.subarray(i * m * n, (i + 1) * m * n);
      const ai = ra === 3 ? a.data.subarray(i * m * k, (i + 1) * m * k) : a.data;
      const bi = b.data.subarray(i * k * n, (i + 1) * k * n);
      if (ga !== null) {
        if (tmp === null) g(false, true, m, k, n, gyi, bi, ga.subarray(i * m * k, (i + 1) * m * k));
        else {
          g(false, true, m, k, n, gyi, bi, tmp);
          for (let j = 0; j < tmp.length; j++) ga[j] += tmp[j];
        }
      }
      if (gb !== null) g(true, false, k, n, m, ai, gyi, gb.subarray(i * k * n, (i + 1) * k * n));
    }
    return [ga, gb];
  }, (gy, _out, needs) => {
    // The same products as tensor ops: dA = G·Bᵀ, dB = Aᵀ·G, summed over a shared operand's batch.
    if (ra === 3 && rb === 2) {
      return [
        needs[0] ? matmul(gy, transpose(b)) : null,
        needs[1] ? matmul(transpose(reshape(a, [batch * m, k])), reshape(gy, [batch * m, n])) : null,
      ];
    }
    if (ra === 2 && rb === 3) {
      return [needs[0] ? sum(matmul(gy, transpose(b)), 0) : null, needs[1] ? matmul(transpose(a), gy) : null];
    }
    return [needs[0] ? matmul(gy, transpose(b)) : null, needs[1] ? matmul(transpose(a), gy) : null];
  });
}

/**
 * Affine map with a PyTorch-layout weight, fused: one product and a bias add, no
 * transpose copied and no broadcast materialised.
 *
 * ```text
 * linear(x, W, b) = x·Wᵀ + b        x [batch, in], W [out, in], b [out]
 * ∂/∂x = G·W,   ∂/∂W = Gᵀ·x,   ∂/∂b = Σ_batch G
 * ```
 *
 * @param bias - optional `[out]`
 * @throws Error naming the shapes when `x` is not `[batch, in]`, `W` not `[out, in]`, or `b` not `[out]`
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  return linearFused(x, weight, bias, null);
}

/** {@link matmul} with a 1-D operand: as a row (left) or column (right), that axis dropped after. */
function matmulVector(a: Tensor, b: Tensor): Tensor {
  const ka = a.shape[a.ndim - 1];
  const kb = b.shape[b.ndim === 1 ? 0 : b.ndim - 2];
  if (ka !== kb) {
    throw new Error(
      `matmul: cannot multiply ${formatShape(a.shape)} by ${formatShape(b.shape)}: inner dimensions ${ka} and ${kb} differ`,
    );
  }
  const y = matmul(a.ndim === 1 ? reshape(a, [1, ka]) : a, b.ndim === 1 ? reshape(b, [kb, 1]) : b);
  const shape = y.shape.slice();
  if (b.ndim === 1) shape.pop();
  if (a.ndim === 1) shape.splice(shape.length - (b.ndim === 1 ? 1 : 2), 1);
  return reshape(y, shape);
}
