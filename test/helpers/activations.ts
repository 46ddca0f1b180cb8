// Shared helpers for the activation tests, and the table of activations every activation
// test iterates over (so none can skip a check). Owned by the activations work.
import { readFileSync } from "node:fs";
import { randomTensor as baseRandomTensor, type RandomTensorOptions } from "./index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import type { DType } from "../../src/tensor/dtype.js";
import { neg } from "../../src/autograd/ops/unary.js";
import { where } from "../../src/autograd/ops/compare.js";
import { identity, logSigmoid, sigmoid, tanh } from "../../src/activations/basic.js";
import { defineActivation } from "../../src/activations/define.js";
import { gelu } from "../../src/activations/gelu.js";
import { leafExtended } from "../../src/activations/leaf.js";
import { leaf, prelu } from "../../src/activations/prelu.js";
import { elu, leakyRelu, relu, selu } from "../../src/activations/relu-family.js";
import { mish, silu, softplus } from "../../src/activations/smooth.js";
import { swish } from "../../src/activations/swish.js";

/** One reference point of `activation_reference.json` (mpmath, 50 digits, rounded to float64). */
export interface RefPoint {
  x: number;
  f: number;
  df: number;
  dparams?: Record<string, number>;
}

/** One entry of `activation_reference.json`. */
export interface RefEntry {
  params: Record<string, number | string>;
  convention: string;
  points: RefPoint[];
}

let cache: Record<string, RefEntry> | null = null;

/** The committed reference values, by key (`relu`, `gelu_tanh`, `leaf_as_relu` …). */
export function reference(): Record<string, RefEntry> {
  if (cache === null) {
    const url = new URL("../fixtures/activation_reference.json", import.meta.url);
    cache = JSON.parse(readFileSync(url, "utf8")) as Record<string, RefEntry>;
  }
  return cache;
}

/** Tolerances of {@link assertClose}: pass if |a − e| ≤ atol + rtol·|e|. */
export interface Tolerance {
  rtol?: number;
  atol?: number;
}

/**
 * Element-wise comparison reporting the first failing index. NaN matches NaN only; ±∞
 * must match exactly.
 */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, label = ""): void {
  const rtol = tol.rtol ?? 0;
  const atol = tol.atol ?? 0;
  if (actual.length !== expected.length) {
    throw new Error(`${label}: length ${actual.length}, expected ${expected.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) && Number.isNaN(a)) continue;
      throw new Error(`${label}[${i}]: got ${a}, expected ${e}`);
    }
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a === e) continue;
      throw new Error(`${label}[${i}]: got ${a}, expected ${e}`);
    }
    const diff = Math.abs(a - e);
    if (!(diff <= atol + rtol * Math.abs(e))) {
      throw new Error(
        `${label}[${i}]: got ${a}, expected ${e} (|diff| ${diff.toExponential(3)}, ` +
          `relative ${(diff / Math.abs(e)).toExponential(3)} > rtol ${rtol} + atol ${atol})`,
      );
    }
  }
}

/**
 * A seeded uniform random leaf tensor in [-5, 5) by default (float64, not requiring grad):
 * the shared helper with the range activation tests use.
 */
export function randomTensor(shape: readonly number[], seed: number, options: RandomTensorOptions = {}): Tensor {
  return baseRandomTensor(shape, seed, { low: -5, high: 5, requiresGrad: false, ...options });
}

/** A float tensor of the given values and dtype (a leaf). */
export function vec(values: readonly number[], dtype: DType = "float64", requiresGrad = false): Tensor {
  const data = dtype === "float32" ? Float32Array.from(values) : Float64Array.from(values);
  return new Tensor(data, [values.length], { requiresGrad });
}

/** The values as float32 would store them. */
export function toFloat32(values: readonly number[]): number[] {
  return values.map((v) => Math.fround(v));
}

// ---------------------------------------------------------------------------
/**
 * ELU with a trainable α written with the level-2 API (`defineActivation`), so the
 * reference's ∂f/∂α column is checked and the extension API is exercised on real maths.
 */
export const TrainableELU = defineActivation({
  name: "trainableElu",
  parameters: { alpha: 1 },
  initHint: "he",
  forward(x, y, { alpha }) {
    for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : alpha[i] * Math.expm1(x[i]);
  },
  backward(x, _y, gy, gx, { alpha }, gp) {
    for (let i = 0; i < x.length; i++) {
      if (gx !== null) gx[i] = x[i] > 0 ? gy[i] : gy[i] * alpha[i] * Math.exp(x[i]);
      if (gp.alpha !== null) gp.alpha[i] = x[i] > 0 ? 0 : gy[i] * Math.expm1(x[i]);
    }
  },
  // The same derivatives as tensor ops, so the activation is twice differentiable.
  derivative(x, _y, { alpha }) {
    const positive = x.gt(0);
    const e = x.clamp(-Infinity, 0).exp();
    return { x: where(positive, 1, e.mul(alpha)), alpha: where(positive, 0, e.sub(1)) };
  },
});

/** One row of the activation table. */
export interface ActivationCase {
  /** Test label. */
  label: string;
  /** Key in activation_reference.json, when the reference has this activation. */
  ref?: string;
  /** Trainable parameters: name → value (and the JSON dparams key when it differs). */
  params?: Record<string, number>;
  /** JSON dparams key for each parameter name, when it differs. */
  refParamName?: Record<string, string>;
  /** Applies the activation; `p` holds one tensor per entry of `params`. */
  run(x: Tensor, p: Record<string, Tensor>): Tensor;
  /** float64 relative tolerance against the reference (default 1e-14). */
  rtol64?: number;
  /** float64 absolute tolerance (default 1e-300), for forms that cancel by construction. */
  atol64?: number;
  /** float32 relative tolerance against the rounded reference (default 1e-6). */
  rtol32?: number;
  /** The limits at +∞ and −∞: [f(+∞), f(−∞), f'(+∞), f'(−∞)]. */
  limits: [number, number, number, number];
}

const SELU_L = 1.0507009873554805;
const SELU_LA = 1.7580993408473768;

export const CASES: ActivationCase[] = [
  { label: "identity", ref: "identity", run: (x) => identity(x), limits: [Infinity, -Infinity, 1, 1] },
  { label: "sigmoid", ref: "sigmoid", run: (x) => sigmoid(x), limits: [1, 0, 0, 0] },
  { label: "tanh", ref: "tanh", run: (x) => tanh(x), limits: [1, -1, 0, 0] },
  { label: "relu", ref: "relu", run: (x) => relu(x), limits: [Infinity, 0, 1, 0] },
  { label: "leakyRelu", ref: "leaky_relu", run: (x) => leakyRelu(x, 0.01), limits: [Infinity, -Infinity, 1, 0.01] },
  { label: "elu", ref: "elu", run: (x) => elu(x, 1), limits: [Infinity, -1, 1, 0] },
  {
    label: "trainableElu (defineActivation)",
    ref: "elu",
    params: { alpha: 1 },
    run: (x, p) => TrainableELU.fn(x, { alpha: p.alpha }),
    limits: [Infinity, -1, 1, 0],
  },
  { label: "selu", ref: "selu", run: (x) => selu(x), limits: [Infinity, -SELU_LA, SELU_L, 0] },
  { label: "gelu", ref: "gelu", run: (x) => gelu(x), rtol64: 5e-14, limits: [Infinity, 0, 1, 0] },
  {
    label: "geluTanh",
    ref: "gelu_tanh",
    run: (x) => gelu(x, { approximate: "tanh" }),
    rtol64: 5e-14,
    limits: [Infinity, 0, 1, 0],
  },
  { label: "silu", ref: "silu", run: (x) => silu(x), limits: [Infinity, 0, 1, 0] },
  { label: "swish β=1", ref: "swish", params: { beta: 1 }, run: (x, p) => swish(x, p.beta), limits: [Infinity, 0, 1, 0] },
  { label: "swish β=2", ref: "swish_beta2", params: { beta: 2 }, run: (x, p) => swish(x, p.beta), limits: [Infinity, 0, 1, 0] },
  { label: "swish constant β=2", ref: "swish_beta2", run: (x) => swish(x, 2), limits: [Infinity, 0, 1, 0] },
  { label: "softplus", ref: "softplus", run: (x) => softplus(x), limits: [Infinity, 0, 1, 0] },
  { label: "mish", ref: "mish", run: (x) => mish(x), limits: [Infinity, 0, 1, 0] },
  { label: "logSigmoid", ref: "logsigmoid", run: (x) => logSigmoid(x), limits: [0, -Infinity, 0, 1] },
  { label: "bce target 1 = −logSigmoid", ref: "bce_with_logits_target1", run: (x) => neg(logSigmoid(x)), limits: [0, Infinity, 0, -1] },
  { label: "bce target 0 = softplus", ref: "bce_with_logits_target0", run: (x) => softplus(x), limits: [Infinity, 0, 1, 0] },
  { label: "prelu", ref: "prelu", params: { weight: 0.25 }, run: (x, p) => prelu(x, p.weight), limits: [Infinity, -Infinity, 1, 0.25] },
  {
    label: "leaf (article form)",
    ref: "prelu",
    params: { alpha: 0.25 },
    refParamName: { alpha: "weight" },
    run: (x, p) => leaf(x, p.alpha),
    limits: [Infinity, -Infinity, 1, 0.25],
  },
  ...(["silu", "tanh", "sigmoid", "relu"] as const).map(
    (preset): ActivationCase => ({
      label: `leafExtended as ${preset}`,
      ref: `leaf_as_${preset}`,
      params: {
        silu: { p1: 1, p2: 0, p3: 1, p4: 0 },
        tanh: { p1: 0, p2: 2, p3: 2, p4: -1 },
        sigmoid: { p1: 0, p2: 1, p3: 1, p4: 0 },
        relu: { p1: 1, p2: 0, p3: 65536, p4: 0 },
      }[preset],
      run: (x, p) => leafExtended(x, { p1: p.p1, p2: p.p2, p3: p.p3, p4: p.p4 }),
      // x·σ(65536x) amplifies the float32 rounding of x (condition number ≈ 65 at x = −0.001).
      rtol32: preset === "relu" ? 1e-5 : undefined,
      // 2σ(2x) − 1 cancels near 0: the published formula is exact to ~1 ulp of 1, not of f.
      atol64: preset === "tanh" ? 4.5e-16 : undefined,
      limits: {
        silu: [Infinity, 0, 1, 0] as [number, number, number, number],
        tanh: [1, -1, 0, 0] as [number, number, number, number],
        sigmoid: [1, 0, 0, 0] as [number, number, number, number],
        relu: [Infinity, 0, 1, 0] as [number, number, number, number],
      }[preset],
    }),
  ),
];
