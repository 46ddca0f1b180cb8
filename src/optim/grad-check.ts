import { allFiniteReference } from "../kernels/finite.js";
import { kernels } from "../kernels/index.js";
import type { Parameter } from "../layers/parameter.js";
import type { TypedArray } from "../tensor/dtype.js";
import { formatShape, sameShape } from "../tensor/shape.js";

/**
 * Thrown by an optimiser's `step()` when a gradient holds a NaN or ±∞, before anything
 * changed: weights, moments and step counts are exactly as before the call (as a
 * mixed-precision grad scaler skips such steps). `fit` catches it to stop with the parameter's
 * name, or to skip the step and count it.
 */
export class NonFiniteGradientError extends Error {
  /** Index of the parameter across the optimiser's groups, in order. */
  readonly parameterIndex: number;
  /** The parameter. */
  readonly parameter: Parameter;
  /** Index of the first non-finite element of its gradient. */
  readonly elementIndex: number;
  /** That element's value (NaN, Infinity or -Infinity). */
  readonly value: number;

  constructor(optimizer: string, parameterIndex: number, parameter: Parameter, elementIndex: number, value: number) {
    super(
      `${optimizer}.step: the gradient of parameter ${parameterIndex} ${formatShape(parameter.shape)} is ${value} at element ${elementIndex}; ` +
        "no parameter or optimiser state was changed",
    );
    this.name = "NonFiniteGradientError";
    this.parameterIndex = parameterIndex;
    this.parameter = parameter;
    this.elementIndex = elementIndex;
    this.value = value;
  }
}

/** Whether every element is finite (through the active kernels: in place, with SIMD, for gradients in WebAssembly memory). */
export function allFinite(data: TypedArray): boolean {
  const k = kernels();
  return k.allFinite === undefined ? allFiniteReference(data) : k.allFinite(data);
}

/** Index of the first non-finite element, or −1. */
export function firstNonFinite(data: TypedArray): number {
  if (allFinite(data)) return -1;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

/**
 * The checks every optimiser's `step()` makes before changing anything: each trainable
 * parameter's `.grad` (when not `null`) has the parameter's shape and dtype, and holds only
 * finite values (one pass over the gradients, no per-element callback).
 *
 * @param optimizer - the optimiser's name, for errors
 * @param params - the parameters in the optimiser's order (frozen ones included, for indices)
 * @throws Error naming the parameter and both shapes/dtypes for a mismatched `.grad`;
 *   {@link NonFiniteGradientError} for a NaN or ±∞
 */
export function checkGradients(optimizer: string, params: readonly Parameter[]): void {
  for (let k = 0; k < params.length; k++) {
    const p = params[k];
    const g = p.grad;
    if (!p.requiresGrad || g === null) continue;
    if (!sameShape(g.shape, p.shape) || g.dtype !== p.dtype) {
      throw new Error(
        `${optimizer}.step: parameter ${k} is ${formatShape(p.shape)} ${p.dtype} but its .grad is ${formatShape(g.shape)} ${g.dtype}; ` +
          "no parameter was changed",
      );
    }
  }
  for (let k = 0; k < params.length; k++) {
    const p = params[k];
    if (!p.requiresGrad || p.grad === null) continue;
    const i = firstNonFinite(p.grad.data);
    if (i >= 0) throw new NonFiniteGradientError(optimizer, k, p, i, p.grad.data[i]);
  }
}
