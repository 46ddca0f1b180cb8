import type { TypedArray } from "../tensor/dtype.js";

/** One parameter's arrays in an SGD step: θ, its gradient, the momentum buffer (null without momentum). */
export interface SgdSegment {
  readonly theta: TypedArray;
  readonly g: TypedArray;
  readonly b: TypedArray | null;
  /** The parameter's first step with momentum (b ← g). */
  readonly first: boolean;
}

/** SGD's scalars (a group's options). */
export interface SgdScalars {
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
}

/**
 * SGD's update over every parameter of a group, in TypeScript (the reference; the
 * WebAssembly kernel `sgdStep` in assembly/optim.ts performs the same operations in the same
 * order, so the bits agree):
 *
 * ```text
 * momentum 0:  θ ← θ − lr·(g + λ·θ)
 * otherwise:   gᵢ = λ ≠ 0 ? g + λ·θ : g
 *              b ← first ? gᵢ : μ·b + (1 − τ)·gᵢ
 *              θ ← θ − lr·(nesterov ? gᵢ + μ·b : b)
 * ```
 */
export function sgdReference(segments: readonly SgdSegment[], o: SgdScalars): void {
  const { lr, momentum, dampening, nesterov, weightDecay } = o;
  for (const { theta, g, b, first } of segments) {
    if (momentum === 0 || b === null) {
      for (let i = 0; i < theta.length; i++) theta[i] -= lr * (g[i] + weightDecay * theta[i]);
      continue;
    }
    for (let i = 0; i < theta.length; i++) {
      const gi = weightDecay !== 0 ? g[i] + weightDecay * theta[i] : g[i];
      b[i] = first ? gi : momentum * b[i] + (1 - dampening) * gi;
      theta[i] -= lr * (nesterov ? gi + momentum * b[i] : b[i]);
    }
  }
}

/** One parameter's arrays in an RMSprop step (`gAvg` when centered, `b` with momentum). */
export interface RmspropSegment {
  readonly theta: TypedArray;
  readonly g: TypedArray;
  readonly v: TypedArray;
  readonly gAvg: TypedArray | null;
  readonly b: TypedArray | null;
}

/** RMSprop's scalars (a group's options). */
export interface RmspropScalars {
  readonly lr: number;
  readonly alpha: number;
  readonly eps: number;
  readonly momentum: number;
  readonly centered: boolean;
  readonly weightDecay: number;
}

/** `a + w·(b − a)`, evaluated as PyTorch's `lerp` does (from the nearer end). */
export function lerp(a: number, b: number, w: number): number {
  return w < 0.5 ? a + w * (b - a) : b - (b - a) * (1 - w);
}

/**
 * RMSprop's update over every parameter of a group, in TypeScript (the reference for
 * `rmspropStep` in assembly/optim.ts):
 *
 * ```text
 * gᵢ = λ ≠ 0 ? g + λ·θ : g
 * v ← α·v + (1 − α)·gᵢ²
 * centered: gAvg ← lerp(gAvg, gᵢ, 1 − α); d = √(v − gAvg²) + ε;   else d = √v + ε
 * momentum: b ← μ·b + gᵢ/d; θ ← θ − lr·b;                        else θ ← θ − lr·gᵢ/d
 * ```
 */
export function rmspropReference(segments: readonly RmspropSegment[], o: RmspropScalars): void {
  const { lr, alpha, eps, momentum, centered, weightDecay } = o;
  for (const { theta, g, v, gAvg, b } of segments) {
    for (let i = 0; i < theta.length; i++) {
      const gi = weightDecay !== 0 ? g[i] + weightDecay * theta[i] : g[i];
      v[i] = alpha * v[i] + (1 - alpha) * gi * gi;
      let d: number;
      if (centered && gAvg !== null) {
        gAvg[i] = lerp(gAvg[i], gi, 1 - alpha);
        d = Math.sqrt(v[i] - gAvg[i] * gAvg[i]) + eps;
      } else {
        d = Math.sqrt(v[i]) + eps;
      }
      if (momentum > 0 && b !== null) {
        b[i] = momentum * b[i] + gi / d;
        theta[i] -= lr * b[i];
      } else {
        theta[i] -= lr * (gi / d);
      }
    }
  }
}
