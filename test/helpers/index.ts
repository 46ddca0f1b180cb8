import { expect } from "vitest";
import { Generator } from "../../src/tensor/random.js";
import { Tensor } from "../../src/tensor/tensor.js";
import type { DType } from "../../src/tensor/dtype.js";

/** Tolerances for {@link assertAllClose}: pass if |a − e| ≤ atol + rtol·|e|. */
export interface Tolerance {
  atol?: number;
  rtol?: number;
}

/** Element-wise closeness that reports the first failing index; NaN matches NaN, ±∞ must match exactly. */
export function assertAllClose(
  actual: ArrayLike<number> | Tensor,
  expected: ArrayLike<number> | Tensor,
  { atol = 1e-12, rtol = 1e-12 }: Tolerance = {},
): void {
  const a = actual instanceof Tensor ? actual.data : actual;
  const e = expected instanceof Tensor ? expected.data : expected;
  expect(a.length, "length").toBe(e.length);
  for (let i = 0; i < a.length; i++) {
    const ai = a[i];
    const ei = e[i];
    if (Number.isNaN(ei) && Number.isNaN(ai)) continue;
    if (!Number.isFinite(ei) || !Number.isFinite(ai)) {
      if (ai !== ei) throw new Error(`element ${i}: got ${ai}, expected ${ei}`);
      continue;
    }
    if (!(Math.abs(ai - ei) <= atol + rtol * Math.abs(ei))) {
      throw new Error(`element ${i}: got ${ai}, expected ${ei} (|diff| ${Math.abs(ai - ei)}, atol ${atol}, rtol ${rtol})`);
    }
  }
}

/** Options of {@link randomTensor}. */
export interface RandomTensorOptions {
  dtype?: DType;
  /** Keep |x| at least this far from 0 (away from kinks). Default 0. */
  minAbs?: number;
  /** Uniform range. Default [-2, 2]. */
  low?: number;
  high?: number;
  requiresGrad?: boolean;
}

/** A seeded uniform tensor, float64 by default (for gradchecks). */
export function randomTensor(shape: readonly number[], seed: number, options: RandomTensorOptions = {}): Tensor {
  const rng = new Generator(seed);
  const low = options.low ?? -2;
  const high = options.high ?? 2;
  const minAbs = options.minAbs ?? 0;
  let size = 1;
  for (const d of shape) size *= d;
  const data = options.dtype === "float32" ? new Float32Array(size) : new Float64Array(size);
  for (let i = 0; i < size; i++) {
    let v = low + (high - low) * rng.uniform();
    while (Math.abs(v) < minAbs) v = low + (high - low) * rng.uniform();
    data[i] = v;
  }
  return new Tensor(data, shape, { requiresGrad: options.requiresGrad ?? true });
}
