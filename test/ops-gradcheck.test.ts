import { describe, expect, it } from "vitest";
import * as binaryOps from "../src/autograd/ops/binary.js";
import * as castOps from "../src/autograd/ops/cast.js";
import * as compareOps from "../src/autograd/ops/compare.js";
import * as matmulOps from "../src/autograd/ops/matmul.js";
import * as reduceOps from "../src/autograd/ops/reduce.js";
import * as shapeOps from "../src/autograd/ops/shape.js";
import * as softmaxOps from "../src/autograd/ops/softmax.js";
import * as unaryOps from "../src/autograd/ops/unary.js";
import * as gatherOps from "../src/autograd/ops/gather.js";
import { linearFused } from "../src/autograd/ops/linear-fused.js";
import { batchNorm, layerNorm } from "../src/autograd/ops/normalization.js";
import { sigmoidEpilogue, tanhEpilogue } from "../src/activations/basic.js";
import { reluEpilogue } from "../src/activations/relu-family.js";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { gradcheck } from "../src/autograd/gradcheck.js";
import { Tensor } from "../src/tensor/tensor.js";
import { randomTensor } from "./helpers/index.js";

const {
  add, sub, mul, div, maximum, minimum,
} = binaryOps;
const { neg, exp, log, sqrt, abs, pow, clamp, sin, cos, square, log1p, expm1 } = unaryOps;
const { sum, mean, max, min, variance, std } = reduceOps;
const { reshape, permute, transpose, broadcastTo, indexSelect, slice, concat, stack, unsqueeze, squeeze, flatten, view, clone } = shapeOps;
const { gather, scatterAdd } = gatherOps;
const { matmul, linear } = matmulOps;
const { softmax, logSoftmax } = softmaxOps;
const { where } = compareOps;
const { cast } = castOps;

type Case = readonly [label: string, fn: (...xs: Tensor[]) => Tensor, inputs: () => Tensor[]];

const r = (shape: number[], seed: number, opts: Parameters<typeof randomTensor>[2] = {}) => randomTensor(shape, seed, opts);
const positive = (shape: number[], seed: number) => r(shape, seed, { low: 0.1, high: 3 });
const awayFromKinks = (shape: number[], seed: number) => r(shape, seed, { minAbs: 1e-2 });
const distinct = (shape: number[], seed: number) => {
  // Values spaced at least 0.05 apart so max/maximum never sit on a tie.
  const t = r(shape, seed);
  const order = Array.from(t.data.keys()).sort((i, j) => t.data[i] - t.data[j]);
  order.forEach((i, rank) => (t.data[i] = rank * 0.1 - 1 + 0.01 * Math.sin(rank)));
  return t;
};

/** Moves elements within 0.02 of a kink by 0.1, in place. */
const awayFrom = (t: Tensor, kinks: number[]) => {
  for (let i = 0; i < t.size; i++) if (kinks.some((k) => Math.abs(t.data[i] - k) < 0.02)) t.data[i] += 0.1;
  return t;
};

/** The broadcasting pairs every binary op is checked on (STYLE §3.12.3). */
const PAIRS: [number[], number[]][] = [
  [[2, 3], [2, 3]],
  [[2, 3], [3]],
  [[2, 1], [1, 3]],
  [[2, 3], []],
];

const binaryCases = (name: string, fn: (a: Tensor, b: Tensor) => Tensor, make: typeof r): Case[] =>
  PAIRS.map(([sa, sb], k): Case => [`${name} ${JSON.stringify(sa)}∘${JSON.stringify(sb)}`, fn, () => [make(sa, 10 + k), make(sb, 20 + k)]]);

/** Every differentiable op, keyed by its exported name: the exhaustiveness test below reads the keys. */
const cases: Record<string, Case[]> = {
  add: binaryCases("add", add, r),
  sub: binaryCases("sub", sub, r),
  mul: binaryCases("mul", mul, r),
  div: binaryCases("div", div, (s, seed) => r(s, seed, { minAbs: 0.5 })),
  maximum: PAIRS.map(([sa, sb], k): Case => [`maximum ${sa}∘${sb}`, maximum, () => [distinct(sa, 30 + k), r(sb, 40 + k, { low: 0.03, high: 0.04 })]]),
  minimum: PAIRS.map(([sa, sb], k): Case => [`minimum ${sa}∘${sb}`, minimum, () => [distinct(sa, 50 + k), r(sb, 60 + k, { low: 0.03, high: 0.04 })]]),
  neg: [["neg", neg, () => [r([2, 3], 1)]]],
  exp: [["exp", exp, () => [r([2, 3], 2)]]],
  log: [["log", log, () => [positive([2, 3], 3)]]],
  sqrt: [["sqrt", sqrt, () => [positive([2, 3], 4)]]],
  abs: [["abs", abs, () => [awayFromKinks([2, 3], 5)]]],
  pow: [
    ["pow 2", (x) => pow(x, 2), () => [r([2, 3], 6)]],
    ["pow 3", (x) => pow(x, 3), () => [r([2, 3], 7)]],
    ["pow -1.5", (x) => pow(x, -1.5), () => [positive([2, 3], 8)]],
    ["pow 0", (x) => pow(x, 0), () => [r([2, 3], 9)]],
  ],
  clamp: [["clamp", (x) => clamp(x, -0.5, 0.7), () => [awayFrom(r([3, 4], 10), [-0.5, 0.7])]]],
  where: [
    ["where [2,3] masks [2,3]∘[3]", (a, b) => where(a.gt(0).detach(), a, b), () => [awayFromKinks([2, 3], 11), r([3], 12)]],
  ],
  sum: [
    ["sum all", (x) => sum(x), () => [r([2, 3, 4], 13)]],
    ["sum axis 1", (x) => sum(x, 1), () => [r([2, 3, 4], 14)]],
    ["sum axis -1 keepDims", (x) => sum(x, -1, { keepDims: true }), () => [r([2, 3, 4], 15)]],
    ["sum axes [0, 1]", (x) => sum(x, [0, 1]), () => [r([2, 3, 4], 94)]],
    ["sum axes [0, 2] (not consecutive) keepDims", (x) => sum(x, [0, 2], { keepDims: true }), () => [r([2, 3, 4], 95)]],
  ],
  mean: [
    ["mean all", (x) => mean(x), () => [r([2, 3], 16)]],
    ["mean axis 0", (x) => mean(x, 0), () => [r([4, 3], 17)]],
    ["mean axes [2, 0]", (x) => mean(x, [2, 0]), () => [r([2, 3, 4], 96)]],
  ],
  max: [
    ["max all", (x) => max(x), () => [distinct([2, 3], 18)]],
    ["max axis 1", (x) => max(x, 1), () => [distinct([3, 4, 2], 19)]],
    ["max axis 0 keepDims", (x) => max(x, 0, { keepDims: true }), () => [distinct([3, 4], 20)]],
    ["max axes [1, 2]", (x) => max(x, [1, 2]), () => [distinct([2, 3, 2], 97)]],
  ],
  reshape: [["reshape", (x) => reshape(x, [3, -1]), () => [r([2, 3, 2], 21)]]],
  permute: [["permute", (x) => permute(x, [2, 0, 1]), () => [r([2, 3, 4], 22)]]],
  transpose: [
    ["transpose 2-D", (x) => transpose(x), () => [r([3, 5], 23)]],
    ["transpose 0,2", (x) => transpose(x, 0, 2), () => [r([2, 3, 4], 24)]],
  ],
  broadcastTo: [["broadcastTo", (x) => broadcastTo(x, [2, 3, 4]), () => [r([3, 1], 25)]]],
  indexSelect: [
    ["indexSelect rows, repeated", (x) => indexSelect(x, [2, 0, 2, -1]), () => [r([3, 4], 26)]],
    ["indexSelect axis 1", (x) => indexSelect(x, [1, 1, 0], 1), () => [r([2, 3, 2], 27)]],
  ],
  slice: [["slice", (x) => slice(x, 1, 1, -1), () => [r([2, 4, 3], 28)]]],
  concat: [["concat axis 1", (a, b) => concat([a, b, a], 1), () => [r([2, 3], 29), r([2, 1], 30)]]],
  stack: [["stack axis 1", (a, b) => stack([a, b], 1), () => [r([2, 3], 31), r([2, 3], 32)]]],
  matmul: [
    ["matmul 2-D", matmul, () => [r([3, 4], 33), r([4, 5], 34)]],
    ["matmul batched 3-D", matmul, () => [r([2, 3, 4], 35), r([2, 4, 2], 36)]],
    ["matmul 3-D by shared 2-D", matmul, () => [r([2, 3, 4], 37), r([4, 2], 38)]],
    ["matmul shared 2-D by 3-D", matmul, () => [r([3, 4], 39), r([2, 4, 2], 40)]],
    ["matmul batch of 1 broadcast (left)", matmul, () => [r([1, 3, 4], 51), r([2, 4, 2], 52)]],
    ["matmul batch of 1 broadcast (right)", matmul, () => [r([2, 3, 4], 53), r([1, 4, 2], 54)]],
    ["matmul dot [k]·[k]", matmul, () => [r([4], 100), r([4], 101)]],
    ["matmul matrix-vector [m,k]·[k]", matmul, () => [r([3, 4], 102), r([4], 103)]],
    ["matmul vector-matrix [k]·[k,n]", matmul, () => [r([4], 104), r([4, 2], 105)]],
    ["matmul batched by vector [b,m,k]·[k]", matmul, () => [r([2, 3, 4], 106), r([4], 107)]],
    ["matmul vector by batched [k]·[b,k,n]", matmul, () => [r([4], 108), r([2, 4, 3], 109)]],
  ],
  linear: [
    ["linear with bias", (x, w, b) => linear(x, w, b), () => [r([4, 3], 41), r([2, 3], 42), r([2], 43)]],
    ["linear without bias", (x, w) => linear(x, w), () => [r([4, 3], 44), r([2, 3], 45)]],
  ],
  linearFused: [
    ["linear+relu (in place)", (x, w, b) => linearFused(x, w, b, reluEpilogue), () => [awayFromKinks([5, 3], 55), r([4, 3], 56), r([4], 57)]],
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
  log1p: [["log1p", log1p, () => [r([2, 3], 73, { low: -0.9, high: 3 })]]],
  expm1: [["expm1", expm1, () => [r([2, 3], 74)]]],
  min: [
    ["min all", (x) => min(x), () => [distinct([2, 3], 75)]],
    ["min axis 1", (x) => min(x, 1), () => [distinct([3, 4, 2], 76)]],
    ["min axes [0, 2] keepDims", (x) => min(x, [0, 2], { keepDims: true }), () => [distinct([3, 2, 4], 77)]],
  ],
  variance: [
    ["var all (unbiased)", (x) => variance(x), () => [r([2, 3], 78)]],
    ["var axis 1, correction 0", (x) => variance(x, 1, { correction: 0 }), () => [r([3, 4], 79)]],
    ["var axes [0, 2] keepDims", (x) => variance(x, [0, 2], { keepDims: true }), () => [r([3, 2, 4], 80)]],
  ],
  std: [
    ["std all", (x) => std(x), () => [r([2, 3], 81)]],
    ["std axes [-1, 0]", (x) => std(x, [-1, 0]), () => [r([2, 3, 4], 82)]],
  ],
  unsqueeze: [["unsqueeze -1", (x) => unsqueeze(x, -1), () => [r([2, 3], 83)]]],
  squeeze: [["squeeze axis 1", (x) => squeeze(x, 1), () => [r([2, 1, 3, 1], 84)]]],
  flatten: [["flatten 1..2", (x) => flatten(x, 1, 2), () => [r([2, 3, 2, 2], 85)]]],
  view: [["view", (x) => view(x, [-1, 2]), () => [r([2, 3, 2], 86)]]],
  clone: [["clone", clone, () => [r([2, 3], 87)]]],
  gather: [
    ["gather axis 1, repeated indices", (x) => gather(x, 1, new Tensor(new Float64Array([0, 2, 2, 1, 0, 0]), [2, 3])), () => [r([2, 4], 88)]],
    ["gather axis 0, smaller index", (x) => gather(x, 0, new Tensor(new Float64Array([2, 0]), [1, 2])), () => [r([3, 3], 89)]],
  ],
  scatterAdd: [
    ["scatterAdd axis 1, repeated indices", (x, s) => scatterAdd(x, 1, new Tensor(new Float64Array([0, 2, 2, 1]), [2, 2]), s), () => [r([2, 3], 90), r([2, 2], 91)]],
    ["scatterAdd axis 0", (x, s) => scatterAdd(x, 0, new Tensor(new Float64Array([1, 1, 0]), [1, 3]), s), () => [r([2, 3], 92), r([1, 3], 93)]],
  ],
  cast: [["cast float32 → float64 round trip", (x) => cast(cast(x, "float32"), "float64"), () => [r([3], 50)]]],
  sumTo: [
    ["sumTo [3,1] from [2,3,4]", (x) => shapeOps.sumTo(x, [3, 1]), () => [r([2, 3, 4], 63)]],
    ["sumTo [] from [2,3]", (x) => shapeOps.sumTo(x, []), () => [r([2, 3], 64)]],
  ],
  indexAdd: [["indexAdd axis 1, repeated", (x) => shapeOps.indexAdd(x, [2, 0, 2], 1, 4), () => [r([2, 3, 2], 65)]]],
  layerNorm: [
    ["layerNorm [3,4] with weight and bias", (x, w, b) => layerNorm(x, [4], w, b), () => [r([3, 4], 66), r([4], 67), r([4], 68)]],
    ["layerNorm [2,3,2] over [3,2], weight only", (x, w) => layerNorm(x, [3, 2], w, null, 1e-3), () => [r([2, 3, 2], 69), r([3, 2], 70)]],
    ["layerNorm without affine", (x) => layerNorm(x, [5]), () => [r([2, 5], 71)]],
  ],
  batchNorm: [
    ["batchNorm [5,3] batch statistics", (x, w, b) => batchNorm(x, w, b), () => [r([5, 3], 72), r([3], 73), r([3], 74)]],
    ["batchNorm [3,2,4] batch statistics, no affine", (x) => batchNorm(x), () => [r([3, 2, 4], 75)]],
    [
      "batchNorm [4,3] running statistics",
      (x, w, b) => batchNorm(x, w, b, { stats: { mean: Float64Array.of(0.1, -0.2, 0.3), variance: Float64Array.of(0.5, 1.5, 2) } }),
      () => [r([4, 3], 76), r([3], 77), r([3], 78)],
    ],
  ],
};

/** Exported functions that are deliberately not differentiable. */
const NOT_DIFFERENTIABLE = new Set([
  "gt", "ge", "lt", "le", "eq", "ne", "argmax", "argmin",
  // In-place ops record no graph (src/autograd/ops/inplace.ts); test/inplace.test.ts covers them.
  "add_", "sub_", "mul_", "div_", "fill_", "zero_", "copy_",
]);

describe("float64 gradcheck of every differentiable op", () => {
  for (const [name, list] of Object.entries(cases)) {
    for (const [label, fn, inputs] of list) {
      it(label, () => {
        if (name === "cast") {
          // float32 rounding inside the function makes finite differences meaningless; check the chain rule only.
          const x = inputs()[0];
          const w = r([3], 99, { requiresGrad: false });
          fn(x).mul(w).sum().backward();
          expect(Array.from(x.grad!.data)).toEqual(Array.from(w.data).map((v) => Math.fround(v)));
          return;
        }
        expect(gradcheck(fn, inputs())).toBe(true);
      });
    }
  }

  it("every op exported from src/autograd/ops is gradchecked or declared non-differentiable", async () => {
    // Every file in the folder, so a new op file cannot be left out of this list either.
    const dir = join(import.meta.dirname, "..", "src", "autograd", "ops");
    const modules = await Promise.all(readdirSync(dir).filter((f) => f.endsWith(".ts")).map((f) => import(join(dir, f)) as Promise<Record<string, unknown>>));
    expect(modules.length).toBeGreaterThanOrEqual(9);
    const exported = modules.flatMap((m) => Object.entries(m).filter(([, v]) => typeof v === "function").map(([k]) => k));
    const missing = exported.filter((k) => !(k in cases) && !NOT_DIFFERENTIABLE.has(k));
    expect(missing).toEqual([]);
  });
});
