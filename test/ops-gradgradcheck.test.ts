// Second derivatives of every op: float64 gradgradcheck over a table keyed by exported op
// name. The last test fails when an op exported from src/autograd/ops has no case here.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sigmoidEpilogue, tanhEpilogue } from "../src/activations/basic.js";
import { reluEpilogue } from "../src/activations/relu-family.js";
import { gradgradcheck } from "../src/autograd/gradcheck.js";
import { add, div, maximum, minimum, mul, sub } from "../src/autograd/ops/binary.js";
import { cast } from "../src/autograd/ops/cast.js";
import { where } from "../src/autograd/ops/compare.js";
import { linearFused } from "../src/autograd/ops/linear-fused.js";
import { batchNorm, layerNorm } from "../src/autograd/ops/normalization.js";
import { linear, matmul } from "../src/autograd/ops/matmul.js";
import { max, mean, min, std, sum, variance } from "../src/autograd/ops/reduce.js";
import { gather, scatterAdd } from "../src/autograd/ops/gather.js";
import { clone, flatten, squeeze, unsqueeze, view } from "../src/autograd/ops/shape.js";
import { cos, expm1, log1p, sin, square } from "../src/autograd/ops/unary.js";
import { Tensor as TensorClass } from "../src/tensor/tensor.js";
import { broadcastTo, concat, indexAdd, indexSelect, permute, reshape, slice, stack, sumTo, transpose } from "../src/autograd/ops/shape.js";
import { logSoftmax, softmax } from "../src/autograd/ops/softmax.js";
import { abs, clamp, exp, log, neg, pow, sqrt } from "../src/autograd/ops/unary.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { randomTensor } from "./helpers/index.js";

type Case = readonly [label: string, fn: (...xs: Tensor[]) => Tensor, inputs: () => Tensor[]];

const r = (shape: number[], seed: number, opts: Parameters<typeof randomTensor>[2] = {}) => randomTensor(shape, seed, opts);
const positive = (shape: number[], seed: number) => r(shape, seed, { low: 0.3, high: 2 });
const awayFromKinks = (shape: number[], seed: number) => r(shape, seed, { minAbs: 0.05 });
const distinct = (shape: number[], seed: number) => {
  const t = r(shape, seed);
  const order = Array.from(t.data.keys()).sort((i, j) => t.data[i] - t.data[j]);
  order.forEach((i, rank) => (t.data[i] = rank * 0.1 - 1 + 0.01 * Math.sin(rank)));
  return t;
};

/** Squared, so that a linear op's output still has a nonzero second derivative to check. */
const sq = (f: (...xs: Tensor[]) => Tensor) => (...xs: Tensor[]) => {
  const y = f(...xs);
  return y.mul(y);
};

const PAIRS: [number[], number[]][] = [
  [[2, 3], [2, 3]],
  [[2, 3], [3]],
  [[2, 1], [1, 3]],
  [[2, 3], []],
];
const binaryCases = (name: string, fn: (a: Tensor, b: Tensor) => Tensor, make: typeof r): Case[] =>
  PAIRS.map(([sa, sb], k): Case => [`${name} ${JSON.stringify(sa)}∘${JSON.stringify(sb)}`, fn, () => [make(sa, 10 + k), make(sb, 20 + k)]]);

/** Every differentiable op, keyed by its exported name. */
const cases: Record<string, Case[]> = {
  add: binaryCases("add", sq(add), r),
  sub: binaryCases("sub", sq(sub), r),
  mul: binaryCases("mul", mul, r),
  div: binaryCases("div", div, (s, seed) => r(s, seed, { minAbs: 0.5 })),
  maximum: PAIRS.map(([sa, sb], k): Case => [`maximum ${sa}∘${sb}`, sq(maximum), () => [distinct(sa, 30 + k), r(sb, 40 + k, { low: 0.03, high: 0.04 })]]),
  minimum: PAIRS.map(([sa, sb], k): Case => [`minimum ${sa}∘${sb}`, sq(minimum), () => [distinct(sa, 50 + k), r(sb, 60 + k, { low: 0.03, high: 0.04 })]]),
  neg: [["neg", sq(neg), () => [r([2, 3], 1)]]],
  exp: [["exp", exp, () => [r([2, 3], 2)]]],
  log: [["log", log, () => [positive([2, 3], 3)]]],
  sqrt: [["sqrt", sqrt, () => [positive([2, 3], 4)]]],
  abs: [["abs", sq(abs), () => [awayFromKinks([2, 3], 5)]]],
  pow: [
    ["pow 2", (x) => pow(x, 2), () => [r([2, 3], 6)]],
    ["pow 3", (x) => pow(x, 3), () => [r([2, 3], 7)]],
    ["pow -1.5", (x) => pow(x, -1.5), () => [positive([2, 3], 8)]],
    ["pow 1", sq((x) => pow(x, 1)), () => [r([2, 3], 9)]],
    ["pow 0", (x) => pow(x, 0), () => [r([2, 3], 9)]],
  ],
  clamp: [["clamp", sq((x) => clamp(x, -0.5, 0.7)), () => [r([3, 4], 10, { minAbs: 0.05 })]]],
  where: [["where [2,3] masks [2,3]∘[3]", sq((a, b) => where(a.gt(0).detach(), a, b)), () => [awayFromKinks([2, 3], 11), r([3], 12)]]],
  sum: [
    ["sum all", sq((x) => sum(x)), () => [r([2, 3, 4], 13)]],
    ["sum axis 1", sq((x) => sum(x, 1)), () => [r([2, 3, 4], 14)]],
    ["sum axis -1 keepDims", sq((x) => sum(x, -1, { keepDims: true })), () => [r([2, 3, 4], 15)]],
    ["sum axes [0, 2] (not consecutive)", sq((x) => sum(x, [0, 2])), () => [r([2, 3, 4], 95)]],
    ["mean axes [1, 2]", sq((x) => mean(x, [1, 2])), () => [r([2, 3, 4], 96)]],
  ],
  mean: [
    ["mean all", sq((x) => mean(x)), () => [r([2, 3], 16)]],
    ["mean axis 0", sq((x) => mean(x, 0)), () => [r([4, 3], 17)]],
  ],
  max: [
    ["max all", sq((x) => max(x)), () => [distinct([2, 3], 18)]],
    ["max axis 1", sq((x) => max(x, 1)), () => [distinct([3, 4, 2], 19)]],
    ["max axis 0 keepDims", sq((x) => max(x, 0, { keepDims: true })), () => [distinct([3, 4], 20)]],
    ["max axes [1, 2]", sq((x) => max(x, [1, 2])), () => [distinct([2, 3, 2], 97)]],
  ],
  reshape: [["reshape", sq((x) => reshape(x, [3, -1])), () => [r([2, 3, 2], 21)]]],
  permute: [["permute", sq((x) => permute(x, [2, 0, 1])), () => [r([2, 3, 4], 22)]]],
  transpose: [["transpose 0,2", sq((x) => transpose(x, 0, 2)), () => [r([2, 3, 4], 24)]]],
  broadcastTo: [["broadcastTo", sq((x) => broadcastTo(x, [2, 3, 4])), () => [r([3, 1], 25)]]],
  sumTo: [["sumTo", sq((x) => sumTo(x, [3, 1])), () => [r([2, 3, 4], 26)]]],
  indexSelect: [
    ["indexSelect rows, repeated", sq((x) => indexSelect(x, [2, 0, 2, -1])), () => [r([3, 4], 26)]],
    ["indexSelect axis 1", sq((x) => indexSelect(x, [1, 1, 0], 1)), () => [r([2, 3, 2], 27)]],
  ],
  indexAdd: [["indexAdd axis 1, repeated", sq((x) => indexAdd(x, [2, 0, 2], 1, 4)), () => [r([2, 3, 2], 28)]]],
  slice: [["slice", sq((x) => slice(x, 1, 1, -1)), () => [r([2, 4, 3], 28)]]],
  concat: [["concat axis 1", sq((a, b) => concat([a, b, a], 1)), () => [r([2, 3], 29), r([2, 1], 30)]]],
  stack: [["stack axis 1", sq((a, b) => stack([a, b], 1)), () => [r([2, 3], 31), r([2, 3], 32)]]],
  matmul: [
    ["matmul 2-D", matmul, () => [r([3, 4], 33), r([4, 5], 34)]],
    ["matmul batched 3-D", matmul, () => [r([2, 3, 4], 35), r([2, 4, 2], 36)]],
    ["matmul 3-D by shared 2-D", matmul, () => [r([2, 3, 4], 37), r([4, 2], 38)]],
    ["matmul shared 2-D by 3-D", matmul, () => [r([3, 4], 39), r([2, 4, 2], 40)]],
    ["matmul batch of 1 broadcast", matmul, () => [r([1, 3, 4], 51), r([2, 4, 2], 52)]],
    ["matmul dot [k]·[k]", matmul, () => [r([4], 100), r([4], 101)]],
    ["matmul matrix-vector", matmul, () => [r([3, 4], 102), r([4], 103)]],
    ["matmul vector by batched", matmul, () => [r([4], 108), r([2, 4, 3], 109)]],
  ],
  linear: [
    ["linear with bias", sq((x, w, b) => linear(x, w, b)), () => [r([4, 3], 41), r([2, 3], 42), r([2], 43)]],
    ["linear without bias", (x, w) => linear(x, w), () => [r([4, 3], 44), r([2, 3], 45)]],
  ],
  linearFused: [
    ["linear+relu (in place)", sq((x, w, b) => linearFused(x, w, b, reluEpilogue)), () => [awayFromKinks([5, 3], 55), r([4, 3], 56), r([4], 57)]],
    ["linear+tanh", (x, w, b) => linearFused(x, w, b, tanhEpilogue), () => [r([5, 3], 58), r([4, 3], 59), r([4], 60)]],
    ["linear+sigmoid without bias", (x, w) => linearFused(x, w, null, sigmoidEpilogue), () => [r([5, 3], 61), r([4, 3], 62)]],
  ],
  softmax: [
    ["softmax last axis", (x) => softmax(x), () => [r([3, 4], 46)]],
    ["softmax axis 0", (x) => softmax(x, 0), () => [r([3, 4, 2], 47)]],
  ],
  logSoftmax: [
    ["logSoftmax last axis", (x) => logSoftmax(x), () => [r([3, 4], 48)]],
    ["logSoftmax axis 1", (x) => logSoftmax(x, 1), () => [r([2, 3, 2], 49)]],
  ],
  sin: [["sin", sin, () => [r([2, 3], 70, { low: -4, high: 4 })]]],
  cos: [["cos", cos, () => [r([2, 3], 71, { low: -4, high: 4 })]]],
  square: [["square", square, () => [r([2, 3], 72)]]],
  log1p: [["log1p", log1p, () => [r([2, 3], 73, { low: -0.7, high: 3 })]]],
  expm1: [["expm1", expm1, () => [r([2, 3], 74)]]],
  min: [
    ["min all", sq((x) => min(x)), () => [distinct([2, 3], 75)]],
    ["min axes [0, 2] keepDims", sq((x) => min(x, [0, 2], { keepDims: true })), () => [distinct([3, 2, 4], 77)]],
  ],
  variance: [
    ["var all", (x) => variance(x), () => [r([2, 3], 78)]],
    ["var axes [0, 2], correction 0", (x) => variance(x, [0, 2], { correction: 0 }), () => [r([3, 2, 4], 80)]],
  ],
  std: [["std axis 1", (x) => std(x, 1), () => [r([3, 4], 81)]]],
  unsqueeze: [["unsqueeze", sq((x) => unsqueeze(x, 1)), () => [r([2, 3], 83)]]],
  squeeze: [["squeeze", sq((x) => squeeze(x)), () => [r([2, 1, 3], 84)]]],
  flatten: [["flatten", sq((x) => flatten(x, 1)), () => [r([2, 3, 2], 85)]]],
  view: [["view", sq((x) => view(x, [3, 2])), () => [r([2, 3], 86)]]],
  clone: [["clone", sq(clone), () => [r([2, 3], 87)]]],
  gather: [["gather axis 1, repeated", sq((x) => gather(x, 1, new TensorClass(new Float64Array([0, 2, 2, 1, 0, 0]), [2, 3]))), () => [r([2, 4], 88)]]],
  scatterAdd: [["scatterAdd axis 1, repeated", sq((x, s) => scatterAdd(x, 1, new TensorClass(new Float64Array([0, 2, 2, 1]), [2, 2]), s)), () => [r([2, 3], 90), r([2, 2], 91)]]],
  cast: [["cast float64 → float64 (identity)", sq((x) => cast(x, "float64")), () => [r([3], 50)]]],
  layerNorm: [
    ["layerNorm [3,4] with weight and bias", sq((x, w, b) => layerNorm(x, [4], w, b)), () => [r([3, 4], 66), r([4], 67), r([4], 68)]],
    ["layerNorm without affine", sq((x) => layerNorm(x, [5])), () => [r([2, 5], 71)]],
  ],
  batchNorm: [
    ["batchNorm [5,3] batch statistics", sq((x, w, b) => batchNorm(x, w, b)), () => [r([5, 3], 72), r([3], 73), r([3], 74)]],
    ["batchNorm [3,2,4] batch statistics, no affine", sq((x) => batchNorm(x)), () => [r([3, 2, 4], 75)]],
    [
      "batchNorm [4,3] running statistics",
      sq((x, w, b) => batchNorm(x, w, b, { stats: { mean: Float64Array.of(0.1, -0.2, 0.3), variance: Float64Array.of(0.5, 1.5, 2) } })),
      () => [r([4, 3], 76), r([3], 77), r([3], 78)],
    ],
  ],
};

/** Exported functions that are deliberately not differentiable. */
const NOT_DIFFERENTIABLE = new Set([
  "gt", "ge", "lt", "le", "eq", "ne", "argmax", "argmin",
  // In-place ops record no graph (src/autograd/ops/inplace.ts).
  "add_", "sub_", "mul_", "div_", "fill_", "zero_", "copy_",
]);

describe("float64 gradgradcheck of every differentiable op", () => {
  for (const list of Object.values(cases)) {
    for (const [label, fn, inputs] of list) {
      it(label, () => {
        expect(gradgradcheck(fn, inputs())).toBe(true);
      });
    }
  }

  it("every op exported from src/autograd/ops is gradgradchecked or declared non-differentiable", async () => {
    const dir = join(import.meta.dirname, "..", "src", "autograd", "ops");
    const modules = await Promise.all(readdirSync(dir).filter((f) => f.endsWith(".ts")).map((f) => import(join(dir, f)) as Promise<Record<string, unknown>>));
    const exported = modules.flatMap((m) => Object.entries(m).filter(([, v]) => typeof v === "function").map(([k]) => k));
    const missing = exported.filter((k) => !(k in cases) && !NOT_DIFFERENTIABLE.has(k));
    expect(missing).toEqual([]);
  });
});
