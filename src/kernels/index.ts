import type { TypedArray } from "../tensor/dtype.js";
import { adamGroupReference, adamPlainReference, type AdamDecay, type AdamSegment } from "./adam.js";
import { allFiniteReference } from "./finite.js";
import { gemmReference } from "./gemm.js";
import { linearBackwardReference, linearForwardReference, type LinearAct } from "./linear.js";
import { rmspropReference, sgdReference, type RmspropScalars, type RmspropSegment, type SgdScalars, type SgdSegment } from "./optim.js";

/**
 * The heavy inner loops that ops delegate to. The TypeScript implementations are the
 * reference; faster ones (WebAssembly) replace them behind this interface without any
 * op changing.
 */
export interface Kernels {
  /** Which implementation this is, for benchmark reports and diagnostics. */
  readonly name: string;
  /**
   * `C = op(A) · op(B)` with `op(A)` `[m,k]` (stored `[k,m]` when `transA`) and `op(B)`
   * `[k,n]` (stored `[n,k]` when `transB`); `C` `[m,n]` is overwritten. All three arrays
   * share one dtype.
   */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: TypedArray, b: TypedArray, c: TypedArray): void;
  /**
   * Dense forward `y = act(x·Wᵀ + b)` (`act` 0 none, 1 ReLU), `x` `[batch,in]`, `W`
   * `[out,in]`, `b` `[out]` or null, `y` `[batch,out]` overwritten. Optional: without it
   * ops use `gemm` and TypeScript loops, with the same results.
   */
  linearForward?(batch: number, out: number, inF: number, x: TypedArray, w: TypedArray, b: TypedArray | null, act: LinearAct, y: TypedArray): void;
  /**
   * Dense backward: from `gy` `[batch,out]` and the forward's output `y`, fills whichever
   * of `gx` `[batch,in]`, `gw` `[out,in]`, `gb` `[out]` is not null; with `accumulateW` /
   * `accumulateB` it adds into `gw` / `gb` instead (the product or sum rounded to the dtype,
   * then one add per element). Optional, as `linearForward`.
   */
  linearBackward?(
    batch: number, out: number, inF: number, gy: TypedArray, y: TypedArray, act: LinearAct, x: TypedArray, w: TypedArray,
    gx: TypedArray | null, gw: TypedArray | null, gb: TypedArray | null, accumulateW?: boolean, accumulateB?: boolean,
  ): void;
  /**
   * Adam's update without weight decay or amsgrad, in place on `theta`, `m`, `v` (all one
   * dtype and length), bit for bit the TypeScript loop. Optional.
   */
  adam?(theta: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, beta1: number, beta2: number, stepSize: number, bias2Sqrt: number, eps: number): void;
  /**
   * SGD's update over every parameter of a group in one pass, bit for bit
   * {@link sgdReference}. Optional.
   */
  sgd?(segments: readonly SgdSegment[], options: SgdScalars): void;
  /**
   * Adam's update over every parameter of a group that shares one step count, in one pass,
   * bit for bit {@link adamGroupReference}: plain without `decay`, else with its L2 penalty,
   * decoupled shrink and amsgrad (segments then carry `vMax`). Optional.
   */
  adamGroup?(
    segments: readonly AdamSegment[], beta1: number, beta2: number, stepSize: number, bias2Sqrt: number, eps: number, decay?: AdamDecay,
  ): void;
  /** RMSprop's update over every parameter of a group in one pass, bit for bit {@link rmspropReference}. Optional. */
  rmsprop?(segments: readonly RmspropSegment[], options: RmspropScalars): void;
  /** Whether every element is finite (the optimisers' pre-step gradient check). Optional. */
  allFinite?(data: TypedArray): boolean;
}

/** The pure-TypeScript kernels: always available, float32 and float64. */
export const typescriptKernels: Kernels = {
  name: "typescript",
  gemm: gemmReference,
  linearForward: (batch, out, inF, x, w, b, act, y) => linearForwardReference(batch, out, inF, x, w, b, act, y),
  linearBackward: (batch, out, inF, gy, y, act, x, w, gx, gw, gb, accW, accB) =>
    linearBackwardReference(batch, out, inF, gy, y, act, x, w, gx, gw, gb, gemmReference, accW === true, accB === true),
  adam: adamPlainReference,
  sgd: sgdReference,
  rmsprop: rmspropReference,
  adamGroup: adamGroupReference,
  allFinite: allFiniteReference,
};

let active: Kernels = typescriptKernels;

/** The kernels ops currently use. */
export function kernels(): Kernels {
  return active;
}

/** Replaces the kernels ops use (e.g. with WebAssembly ones); returns the previous set. */
export function setKernels(next: Kernels): Kernels {
  const previous = active;
  active = next;
  return previous;
}
