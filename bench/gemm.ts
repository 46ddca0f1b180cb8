/**
 * Matrix-multiply throughput: typegrad's kernels (WebAssembly SIMD and the TypeScript
 * reference) against tfjs's `matMul` on its CPU and WASM backends, in the variants a
 * training step uses (NN, NT = x·Wᵀ, TN = Gᵀ·x), and the size where WebAssembly starts
 * to pay for its copies.
 */
import { gemmReference } from "../src/kernels/gemm.js";
import { gemmWasm } from "../src/kernels/wasm.js";
import { WasmKernelModule } from "../src/kernels/wasm-module.js";
import type { TypedArray } from "../src/tensor/dtype.js";
import { generator } from "../src/tensor/random.js";
import { measureAlternating, type Contender, type MeasureOptions } from "./harness.js";
import { tf, useBackend, type TfBackend } from "./tfjs-setup.js";

/** A transpose variant: NN, NT, TN or TT. */
export type Variant = "NN" | "NT" | "TN" | "TT";
type Gemm = (ta: boolean, tb: boolean, m: number, n: number, k: number, a: TypedArray, b: TypedArray, c: TypedArray) => void;

function random(n: number, seed: number): Float32Array {
  const rng = generator(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() * 2 - 1;
  return a;
}

export function kernelContender(name: string, gemm: Gemm, variant: Variant, m: number, n: number, k: number): Contender {
  const a = random(m * k, 1);
  const b = random(k * n, 2);
  const c = new Float32Array(m * n);
  const ta = variant[0] === "T";
  const tb = variant[1] === "T";
  return { name, step: () => gemm(ta, tb, m, n, k, a, b, c) };
}

export function tfjsMatmul(backend: TfBackend, variant: Variant, m: number, n: number, k: number): Contender & { dispose(): void } {
  const ta = variant[0] === "T";
  const tb = variant[1] === "T";
  let a: tf.Tensor2D | null = null;
  let b: tf.Tensor2D | null = null;
  return {
    name: `tfjs-${backend}`,
    async enter() {
      await useBackend(backend);
      a ??= tf.tensor2d(random(m * k, 1), ta ? [k, m] : [m, k]);
      b ??= tf.tensor2d(random(k * n, 2), tb ? [n, k] : [k, n]);
    },
    step() {
      // dataSync: the product as a typed array, as typegrad's kernel delivers it.
      tf.tidy(() => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, ta, tb).dataSync());
    },
    dispose() {
      a?.dispose();
      b?.dispose();
    },
  };
}

/** GFLOP/s of each implementation for one variant of an `m×k · k×n` product. */
export async function matmulThroughput(
  variant: Variant,
  size: number,
  backends: readonly TfBackend[],
  options: MeasureOptions,
): Promise<Record<string, number>> {
  const contenders: (Contender & { dispose?(): void })[] = [
    kernelContender("typegrad-wasm", gemmWasm, variant, size, size, size),
    kernelContender("typegrad-ts", gemmReference, variant, size, size, size),
    ...backends.map((backend) => tfjsMatmul(backend, variant, size, size, size)),
  ];
  const ms = await measureAlternating(contenders, options);
  for (const c of contenders) c.dispose?.();
  const flop = 2 * size ** 3;
  return Object.fromEntries([...ms].map(([name, t]) => [name, flop / t / 1e6]));
}

/** One row of the crossover table. */
export interface CrossoverRow {
  shape: string;
  variant: Variant;
  tsMicros: number;
  wasmMicros: number;
}

/**
 * Microseconds per product of the TypeScript kernel and of the raw WebAssembly one
 * (copies included, no size threshold) at small sizes: where the threshold in
 * `src/kernels/wasm.ts` comes from. Empty when the module cannot be loaded.
 */
export async function crossover(shapes: readonly (readonly [number, number, number])[], options: MeasureOptions): Promise<CrossoverRow[]> {
  const mod = WasmKernelModule.load();
  if (typeof mod === "string") return [];
  const raw: Gemm = (ta, tb, m, n, k, a, b, c) => {
    mod.gemm(ta, tb, m, n, k, a as Float32Array, b as Float32Array, c as Float32Array);
  };
  const rows: CrossoverRow[] = [];
  for (const [m, n, k] of shapes) {
    for (const variant of ["NN", "NT", "TN"] as const) {
      const ms = await measureAlternating(
        [kernelContender("ts", gemmReference, variant, m, n, k), kernelContender("wasm", raw, variant, m, n, k)],
        options,
      );
      rows.push({ shape: `${m}x${n}x${k}`, variant, tsMicros: (ms.get("ts") ?? NaN) * 1000, wasmMicros: (ms.get("wasm") ?? NaN) * 1000 });
    }
  }
  return rows;
}
