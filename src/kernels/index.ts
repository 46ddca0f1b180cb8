import type { TypedArray } from "../tensor/dtype.js";
import { gemmReference } from "./gemm.js";

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
}

/** The pure-TypeScript kernels: always available, float32 and float64. */
export const typescriptKernels: Kernels = {
  name: "typescript",
  gemm: gemmReference,
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
