import { record } from "../autograd/node.js";
import { mul } from "../autograd/ops/binary.js";
import { indexAdd, reshape } from "../autograd/ops/shape.js";
import { randn } from "../tensor/creation.js";
import { allocate, checkDType, getDefaultDtype, type DType } from "../tensor/dtype.js";
import type { Generator } from "../tensor/random.js";
import { formatShape } from "../tensor/shape.js";
import { indexValues } from "../tensor/indices.js";
import { Tensor } from "../tensor/tensor.js";
import { checkOptionKeys, countOption } from "../util/options.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { registerBuiltinModule, type ModuleSpec } from "./spec.js";
import { dtypeRule, integerRule, required } from "./spec-schema.js";

/** Options of {@link Embedding}. */
export interface EmbeddingOptions {
  /**
   * A row that stays out of training (PyTorch's `padding_idx`): initialised to zeros and
   * never given a gradient; negative counts from the end. Default none.
   */
  paddingIdx?: number;
  /** Generator for the initial weights. Default: the global one. */
  rng?: Generator;
  /** dtype of the weight. Default {@link getDefaultDtype} (float32). */
  dtype?: DType;
}

/**
 * A lookup table of `numEmbeddings` vectors of length `embeddingDim` (PyTorch's
 * `nn.Embedding`): `forward(indices)` returns row `indices[…]` of the weight for every index.
 *
 * ```text
 * weight: [numEmbeddings, embeddingDim], init N(0, 1) as PyTorch (the padding row 0)
 * y[…, :] = weight[indices[…], :]           shape [...indices.shape, embeddingDim]
 * ∂/∂weight[r] = Σ over the positions holding r of the incoming gradient (0 for paddingIdx)
 * ```
 *
 * The state-dict name is `weight`, as PyTorch's, so `load_state_dict(strict=True)` reads it.
 *
 * @example
 * ```ts
 * const emb = new Embedding(10, 3, { paddingIdx: 0 });
 * emb.forward(tensor([[1, 2], [0, 9]])).shape; // [2, 2, 3]
 * ```
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** The padding row (non-negative), or null. */
  readonly paddingIdx: number | null;
  /** `[numEmbeddings, embeddingDim]`. */
  readonly weight: Parameter;

  /**
   * @throws Error when a size is not an integer ≥ 1, `paddingIdx` is not an integer in
   *   `[−numEmbeddings, numEmbeddings)`, the dtype is unknown, or an option is unknown
   */
  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    if (typeof numEmbeddings === "object" && numEmbeddings !== null) {
      throw new Error("Embedding: numEmbeddings must be an integer ≥ 1, got an object; call new Embedding(numEmbeddings, embeddingDim, { … })");
    }
    countOption("Embedding", "numEmbeddings", numEmbeddings);
    countOption("Embedding", "embeddingDim", embeddingDim);
    checkOptionKeys("Embedding", options, ["paddingIdx", "rng", "dtype"]);
    const dtype = options.dtype === undefined ? getDefaultDtype() : checkDType("Embedding", options.dtype);
    const pad = options.paddingIdx;
    if (pad !== undefined && (typeof pad !== "number" || !Number.isInteger(pad) || pad < -numEmbeddings || pad >= numEmbeddings)) {
      throw new Error(`Embedding: paddingIdx must be an integer in [${-numEmbeddings}, ${numEmbeddings}), got ${String(pad)}`);
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = pad === undefined ? null : pad < 0 ? pad + numEmbeddings : pad;
    const w = randn([numEmbeddings, embeddingDim], { dtype, ...(options.rng ? { rng: options.rng } : {}) });
    if (this.paddingIdx !== null) w.data.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
    this.weight = new Parameter(w);
  }

  /**
   * @param indices - integers in `[0, numEmbeddings)`: a tensor of any shape and dtype, a
   *   number[] or an Int32Array
   * @returns `[...indices.shape, embeddingDim]`, of the weight's dtype
   * @throws Error naming an index that is not an integer or out of range, and its position
   */
  forward(indices: Tensor | readonly number[] | Int32Array): Tensor {
    const { values, shape } = indexValues("Embedding", "indices", indices);
    const n = this.numEmbeddings;
    const d = this.embeddingDim;
    const idx = new Int32Array(values.length);
    for (let i = 0; i < idx.length; i++) {
      const v = values[i];
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= n) {
        throw new Error(`Embedding: index ${String(v)} at flat position ${i} (indices of shape ${formatShape(shape)}) is not an integer in [0, ${n})`);
      }
      idx[i] = v;
    }
    const weight = this.weight;
    const wd = weight.data;
    const y = allocate(weight.dtype, idx.length * d);
    for (let i = 0; i < idx.length; i++) y.set(wd.subarray(idx[i] * d, (idx[i] + 1) * d), i * d);
    const pad = this.paddingIdx;
    // 1 for every position whose row trains, 0 where it is the padding row.
    const keep = allocate(weight.dtype, idx.length);
    for (let i = 0; i < idx.length; i++) keep[i] = idx[i] === pad ? 0 : 1;
    return record(y, [...shape, d], [weight], "embedding", (gy) => {
      const gw = allocate(weight.dtype, weight.size);
      for (let i = 0; i < idx.length; i++) {
        if (keep[i] === 0) continue;
        const row = idx[i] * d;
        for (let j = 0; j < d; j++) gw[row + j] += gy[i * d + j];
      }
      return [gw];
    }, (gy) => [indexAdd(mul(reshape(gy, [idx.length, d]), new Tensor(keep, [idx.length, 1])), idx, 0, n)]);
  }

  /** `"numEmbeddings, embeddingDim[, paddingIdx=…]"`. */
  override describe(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? "" : `, paddingIdx=${this.paddingIdx}`}`;
  }

  override spec(): ModuleSpec {
    return {
      type: "Embedding",
      options: {
        numEmbeddings: this.numEmbeddings,
        embeddingDim: this.embeddingDim,
        ...(this.paddingIdx === null ? {} : { paddingIdx: this.paddingIdx }),
        dtype: this.weight.dtype,
      },
    };
  }
}

/** Registers Embedding for checkpoints; called once by the spec registry at its first lookup (`src/layers/builtins.ts`). */
export function registerEmbedding(): void {
  registerBuiltinModule(
    "Embedding",
    (spec) => {
      const o = spec.options ?? {};
      return new Embedding(o.numEmbeddings as number, o.embeddingDim as number, {
        ...(o.paddingIdx === undefined ? {} : { paddingIdx: o.paddingIdx as number }),
        dtype: checkDType("Embedding", o.dtype ?? getDefaultDtype()),
      });
    },
    {
      options: { numEmbeddings: required(integerRule(1)), embeddingDim: required(integerRule(1)), paddingIdx: integerRule(0), dtype: dtypeRule },
      tensors: (o) => [{ name: "weight", shape: [o.numEmbeddings as number, o.embeddingDim as number], dtype: (o.dtype ?? getDefaultDtype()) as DType }],
    },
  );
}
