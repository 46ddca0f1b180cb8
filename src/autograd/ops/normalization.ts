import { allocate, type TypedArray } from "../../tensor/dtype.js";
import { formatShape, sameShape } from "../../tensor/shape.js";
import { Tensor } from "../../tensor/tensor.js";
import { commonDType, record } from "../node.js";

/**
 * Normalisation ops: each element is standardised with the mean and variance of its group,
 * then scaled and shifted per feature. Forward and backward are single passes over plain
 * arrays (one node per layer); the graph form of the backward (for second derivatives) is
 * written with tensor ops.
 *
 * Shared maths, for a group of M elements xᵢ with weight w and bias b:
 *
 * ```text
 * μ = Σ xᵢ / M,   σ² = Σ (xᵢ − μ)² / M  (biased),   r = 1/√(σ² + ε),   x̂ᵢ = (xᵢ − μ)·r
 * yᵢ = w·x̂ᵢ + b
 * ∂L/∂xᵢ = r·(ĝᵢ − mean(ĝ) − x̂ᵢ·mean(ĝ ⊙ x̂)),   ĝ = w·∂L/∂y      (statistics of the batch)
 * ∂L/∂xᵢ = r·ĝᵢ                                                    (fixed statistics)
 * ∂L/∂w = Σ ∂L/∂yᵢ·x̂ᵢ,   ∂L/∂b = Σ ∂L/∂yᵢ    (over every element sharing w, b)
 * ```
 */

/** Per-group statistics that {@link batchNorm} uses or reports: mean and biased variance. */
export interface NormStats {
  mean: TypedArray | Float64Array;
  variance: TypedArray | Float64Array;
}

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** ε added to the variance. Default 1e-5, as PyTorch. */
  eps?: number;
  /**
   * Fixed statistics (running mean and variance, one per channel) to normalise with, as in
   * evaluation; no gradient flows into them. Default: the batch's own.
   */
  stats?: NormStats;
  /** Filled with the batch's mean and biased variance per channel (when `stats` is not given). */
  batchStats?: NormStats;
}

function checkAffine(op: string, x: Tensor, t: Tensor | null, name: string, shape: readonly number[]): void {
  if (t === null) return;
  if (!(t instanceof Tensor)) throw new Error(`${op}: ${name} must be a Tensor or null, got ${typeof t}`);
  if (!sameShape(t.shape, shape)) throw new Error(`${op}: ${name} has shape ${formatShape(t.shape)}, expected ${formatShape(shape)} for input ${formatShape(x.shape)}`);
}

/**
 * Layer normalisation (Ba, Kiros & Hinton 2016, https://arxiv.org/abs/1607.06450), as
 * PyTorch's `F.layer_norm`: each sample is standardised over its trailing
 * `normalizedShape` elements (biased variance), then scaled by `weight` and shifted by
 * `bias` (both of shape `normalizedShape`, elementwise). See the module comment for the
 * formulas. No kinks; with a constant group x̂ = 0 and the gradient is r·(ĝ − mean ĝ).
 *
 * @param x - `[…, …normalizedShape]`
 * @param normalizedShape - the trailing dimensions to normalise over
 * @param weight - γ of shape `normalizedShape`, or null for 1
 * @param bias - β of shape `normalizedShape`, or null for 0
 * @param eps - ε added to the variance. Default 1e-5, as PyTorch.
 * @throws Error naming the shapes when `x` does not end with `normalizedShape`, `weight` or
 *   `bias` has another shape, or `eps` is not finite and ≥ 0
 */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  const op = "layerNorm";
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${typeof x}`);
  const k = normalizedShape.length;
  if (k === 0 || k > x.shape.length || !sameShape(x.shape.slice(x.shape.length - k), normalizedShape)) {
    throw new Error(`${op}: input ${formatShape(x.shape)} does not end with normalizedShape ${formatShape(normalizedShape)}`);
  }
  checkAffine(op, x, weight, "weight", normalizedShape);
  checkAffine(op, x, bias, "bias", normalizedShape);
  if (typeof eps !== "number" || !(eps >= 0) || !Number.isFinite(eps)) throw new Error(`${op}: eps must be a finite number ≥ 0, got ${String(eps)}`);
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const dtype = commonDType(op, inputs);
  const d = normalizedShape.reduce((a, b) => a * b, 1);
  const n = x.size / d;
  const xd = x.data;
  const w = weight?.data ?? null;
  const b = bias?.data ?? null;
  const xhat = new Float64Array(x.size);
  const rs = new Float64Array(n);
  const y = allocate(dtype, x.size);
  for (let row = 0; row < n; row++) {
    const o = row * d;
    let mu = 0;
    for (let j = 0; j < d; j++) mu += xd[o + j];
    mu /= d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (xd[o + j] - mu) ** 2;
    const r = 1 / Math.sqrt(v / d + eps);
    rs[row] = r;
    for (let j = 0; j < d; j++) {
      const h = (xd[o + j] - mu) * r;
      xhat[o + j] = h;
      y[o + j] = (w === null ? h : h * w[j]) + (b === null ? 0 : b[j]);
    }
  }
  return record(
    y,
    x.shape,
    inputs,
    op,
    (gy, needs) => {
      const gx = needs[0] ? allocate(dtype, x.size) : null;
      const gw = weight !== null && needs[1] ? new Float64Array(d) : null;
      const gb = bias !== null && needs[inputs.length - 1] ? new Float64Array(d) : null;
      for (let row = 0; row < n; row++) {
        const o = row * d;
        let sg = 0;
        let sgh = 0;
        for (let j = 0; j < d; j++) {
          const g = w === null ? gy[o + j] : gy[o + j] * w[j];
          sg += g;
          sgh += g * xhat[o + j];
          if (gw !== null) gw[j] += gy[o + j] * xhat[o + j];
          if (gb !== null) gb[j] += gy[o + j];
        }
        if (gx !== null) {
          const r = rs[row];
          const mg = sg / d;
          const mgh = sgh / d;
          for (let j = 0; j < d; j++) {
            const g = w === null ? gy[o + j] : gy[o + j] * w[j];
            gx[o + j] = r * (g - mg - xhat[o + j] * mgh);
          }
        }
      }
      const out: (TypedArray | null)[] = [gx];
      if (weight !== null) out.push(gw === null ? null : toDtype(gw, dtype));
      if (bias !== null) out.push(gb === null ? null : toDtype(gb, dtype));
      return out;
    },
    (gy, _out, needs) => {
      const x2 = x.reshape([n, d]);
      const g2 = gy.reshape([n, d]);
      const w2 = weight?.reshape([1, d]) ?? null;
      const reduce = (t: Tensor): Tensor => t.mean(1, { keepDims: true });
      const [gx, gw, gb] = normGraphBackward(x2, g2, w2, reduce, (t) => t.sum(0, { keepDims: true }), eps, needs);
      const out: (Tensor | null)[] = [gx?.reshape(x.shape) ?? null];
      if (weight !== null) out.push(gw?.reshape(weight.shape) ?? null);
      if (bias !== null) out.push(gb?.reshape(bias.shape) ?? null);
      return out;
    },
  );
}

/**
 * Batch normalisation (Ioffe & Szegedy 2015, https://arxiv.org/abs/1502.03167), as
 * PyTorch's `F.batch_norm` for `BatchNorm1d`: each channel c of `[N, C]` or `[N, C, L]` is
 * standardised over the batch (and length) axes with the batch's mean and biased variance,
 * or with fixed `stats` (evaluation), then scaled by `weight[c]` and shifted by `bias[c]`.
 * See the module comment for the formulas. Running statistics are the caller's (the
 * `BatchNorm1d` module updates them from `batchStats`).
 *
 * @param x - `[N, C]` or `[N, C, L]`
 * @param weight - γ of shape `[C]`, or null for 1
 * @param bias - β of shape `[C]`, or null for 0
 * @param options - `eps` 1e-5; `stats` to normalise with fixed statistics; `batchStats` to receive the batch's
 * @throws Error naming the shapes when `x` is not 2-D or 3-D, `weight`, `bias` or `stats` do
 *   not have C entries, or (with batch statistics) a channel has a single value
 */
export function batchNorm(x: Tensor, weight: Tensor | null = null, bias: Tensor | null = null, options: BatchNormOptions = {}): Tensor {
  const op = "batchNorm";
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${typeof x}`);
  if (x.shape.length !== 2 && x.shape.length !== 3) throw new Error(`${op}: expected input [N, C] or [N, C, L], got ${formatShape(x.shape)}`);
  const [n, c] = x.shape;
  const len = x.shape.length === 3 ? x.shape[2] : 1;
  checkAffine(op, x, weight, "weight", [c]);
  checkAffine(op, x, bias, "bias", [c]);
  const eps = options.eps ?? 1e-5;
  if (typeof eps !== "number" || !(eps >= 0) || !Number.isFinite(eps)) throw new Error(`${op}: eps must be a finite number ≥ 0, got ${String(eps)}`);
  const fixed = options.stats;
  if (fixed !== undefined && (fixed.mean.length !== c || fixed.variance.length !== c)) {
    throw new Error(`${op}: stats hold ${fixed.mean.length} means and ${fixed.variance.length} variances for ${c} channels`);
  }
  const m = n * len;
  if (fixed === undefined && m < 2) {
    throw new Error(`${op}: expected more than 1 value per channel in training (batch statistics), got input ${formatShape(x.shape)}`);
  }
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const dtype = commonDType(op, inputs);
  const xd = x.data;
  const w = weight?.data ?? null;
  const b = bias?.data ?? null;
  const means = new Float64Array(c);
  const rs = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    let mu: number;
    let v: number;
    if (fixed !== undefined) {
      mu = fixed.mean[ch];
      v = fixed.variance[ch];
    } else {
      mu = 0;
      for (let i = 0; i < n; i++) for (let l = 0, o = (i * c + ch) * len; l < len; l++) mu += xd[o + l];
      mu /= m;
      v = 0;
      for (let i = 0; i < n; i++) for (let l = 0, o = (i * c + ch) * len; l < len; l++) v += (xd[o + l] - mu) ** 2;
      v /= m;
      if (options.batchStats !== undefined) {
        options.batchStats.mean[ch] = mu;
        options.batchStats.variance[ch] = v;
      }
    }
    means[ch] = mu;
    rs[ch] = 1 / Math.sqrt(v + eps);
  }
  const y = allocate(dtype, x.size);
  const xhat = new Float64Array(x.size);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const scale = w === null ? 1 : w[ch];
      const shift = b === null ? 0 : b[ch];
      for (let l = 0, o = (i * c + ch) * len; l < len; l++) {
        const h = (xd[o + l] - means[ch]) * rs[ch];
        xhat[o + l] = h;
        y[o + l] = h * scale + shift;
      }
    }
  }
  const shape3 = [n, c, len];
  return record(
    y,
    x.shape,
    inputs,
    op,
    (gy, needs) => {
      const gx = needs[0] ? allocate(dtype, x.size) : null;
      const gw = weight !== null && needs[1] ? new Float64Array(c) : null;
      const gb = bias !== null && needs[inputs.length - 1] ? new Float64Array(c) : null;
      for (let ch = 0; ch < c; ch++) {
        const scale = w === null ? 1 : w[ch];
        let sg = 0;
        let sgh = 0;
        for (let i = 0; i < n; i++) {
          for (let l = 0, o = (i * c + ch) * len; l < len; l++) {
            sg += gy[o + l];
            sgh += gy[o + l] * xhat[o + l];
          }
        }
        if (gw !== null) gw[ch] = sgh;
        if (gb !== null) gb[ch] = sg;
        if (gx === null) continue;
        const r = rs[ch];
        const mg = (scale * sg) / m;
        const mgh = (scale * sgh) / m;
        for (let i = 0; i < n; i++) {
          for (let l = 0, o = (i * c + ch) * len; l < len; l++) {
            gx[o + l] = fixed !== undefined ? r * scale * gy[o + l] : r * (scale * gy[o + l] - mg - xhat[o + l] * mgh);
          }
        }
      }
      const out: (TypedArray | null)[] = [gx];
      if (weight !== null) out.push(gw === null ? null : toDtype(gw, dtype));
      if (bias !== null) out.push(gb === null ? null : toDtype(gb, dtype));
      return out;
    },
    (gy, _out, needs) => {
      const x3 = x.reshape(shape3);
      const g3 = gy.reshape(shape3);
      const w3 = weight?.reshape([1, c, 1]) ?? null;
      const overChannel = (t: Tensor): Tensor => t.sum(2, { keepDims: true }).sum(0, { keepDims: true });
      const reduce = (t: Tensor): Tensor => overChannel(t).mul(1 / m);
      const constant = fixed === undefined ? undefined : { mean: new Tensor(toDtype(means, dtype), [1, c, 1]), r: new Tensor(toDtype(rs, dtype), [1, c, 1]) };
      const [gx, gw, gb] = normGraphBackward(x3, g3, w3, reduce, overChannel, eps, needs, constant);
      const out: (Tensor | null)[] = [gx?.reshape(x.shape) ?? null];
      if (weight !== null) out.push(gw?.reshape([c]) ?? null);
      if (bias !== null) out.push(gb?.reshape([c]) ?? null);
      return out;
    },
  );
}

function toDtype(a: Float64Array, dtype: Tensor["dtype"]): TypedArray {
  if (dtype === "float64") return a;
  const out = allocate(dtype, a.length);
  out.set(a);
  return out;
}

/**
 * The normalisation backward with tensor ops (recorded, so differentiable again): `reduce`
 * averages over a group keeping dimensions, `sumShared` sums over the elements sharing a
 * weight. With `constant` statistics, no gradient flows through the mean and variance.
 */
function normGraphBackward(
  x: Tensor,
  gy: Tensor,
  w: Tensor | null,
  reduce: (t: Tensor) => Tensor,
  sumShared: (t: Tensor) => Tensor,
  eps: number,
  needs: readonly boolean[],
  constant?: { mean: Tensor; r: Tensor },
): [Tensor | null, Tensor | null, Tensor | null] {
  let xhat: Tensor;
  let r: Tensor;
  if (constant !== undefined) {
    r = constant.r;
    xhat = x.sub(constant.mean).mul(r);
  } else {
    const xc = x.sub(reduce(x));
    r = reduce(xc.mul(xc)).add(eps).pow(-0.5);
    xhat = xc.mul(r);
  }
  const g = w === null ? gy : gy.mul(w);
  let gx: Tensor | null = null;
  if (needs[0]) gx = constant !== undefined ? g.mul(r) : g.sub(reduce(g)).sub(xhat.mul(reduce(g.mul(xhat)))).mul(r);
  const gw = w !== null && needs[1] ? sumShared(gy.mul(xhat)) : null;
  const gb = needs[needs.length - 1] ? sumShared(gy) : null;
  return [gx, gw, gb];
}
