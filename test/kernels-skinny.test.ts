import { describe, expect, it } from "vitest";
import { enableWasmKernels, gemmWasm, linearBackwardWasm, linearForwardWasm, WASM_GEMM_MIN_WORK } from "../src/kernels/wasm.js";
import { gemmReference } from "../src/kernels/gemm.js";
import { generator } from "../src/tensor/random.js";

// Products with one or two rows of op(A) (a Dense layer at batch 1 or 2) skip packing op(B)
// (assembly/skinny.ts). Each element must be the same sum as on the packed path, bit for bit:
// a row of C computed alone equals the same row of a taller product.

const wasmOn = enableWasmKernels();

function values(n: number, seed: number): Float32Array {
  const rng = generator(seed);
  const v = Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);
  // A few exact zeros, −0 and large magnitudes, so signed zeros and cancellation show.
  for (let i = 0; i < n; i += 17) v[i] = i % 34 === 0 ? 0 : -0;
  for (let i = 5; i < n; i += 29) v[i] *= 1e4;
  return v;
}

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.slice().buffer));

/** Row `i` of op(A) [rows, k] as a new op(A) of one row, in A's storage layout. */
function rowsOf(a: Float32Array, transA: boolean, rows: number, k: number, pick: readonly number[]): Float32Array {
  const out = new Float32Array(pick.length * k);
  pick.forEach((r, i) => {
    for (let p = 0; p < k; p++) out[transA ? p * pick.length + i : i * k + p] = a[transA ? p * rows + r : r * k + p];
  });
  return out;
}

describe.skipIf(!wasmOn)("skinny products (one or two rows of op(A)) give the packed path's bits", () => {
  const tall = 9;
  for (const variant of ["NN", "NT", "TN", "TT"] as const) {
    it(`gemm ${variant}: rows of a ${tall}-row product, alone and in pairs, every k around the KC blocks and odd n`, () => {
      const ta = variant[0] === "T";
      const tb = variant[1] === "T";
      for (const k of [1, 2, 3, 4, 5, 7, 64, 255, 256, 257, 300, 511, 513, 784]) {
        for (const n of [1, 3, 4, 5, 8, 9, 13, 31, 36, 515]) {
          if (n * k < WASM_GEMM_MIN_WORK) continue;
          const a = values(tall * k, k + 7 * n);
          const b = values(k * n, 3 * k + n);
          const full = new Float32Array(tall * n);
          gemmWasm(ta, tb, tall, n, k, a, b, full);
          for (const pick of [[0], [4], [tall - 1], [2, 3], [7, 1]]) {
            const c = new Float32Array(pick.length * n).fill(Number.NaN);
            gemmWasm(ta, tb, pick.length, n, k, rowsOf(a, ta, tall, k, pick), b, c);
            const expected = new Float32Array(pick.length * n);
            pick.forEach((r, i) => expected.set(full.subarray(r * n, (r + 1) * n), i * n));
            expect(bits(c), `${variant} k=${k} n=${n} rows ${pick}`).toEqual(bits(expected));
          }
          // And close to the float64-accumulated reference.
          const ref = new Float32Array(tall * n);
          gemmReference(ta, tb, tall, n, k, a, b, ref);
          for (let i = 0; i < ref.length; i++) expect(Math.abs(full[i] - ref[i])).toBeLessThanOrEqual(1e-3 * (1 + Math.abs(ref[i])) * Math.sqrt(k));
        }
      }
    });
  }

  it("Dense forward (bias, ReLU) and backward (G_X, accumulated G_W and G_b) at batch 1 and 2 equal rows of batch 7", () => {
    // Every product at least WASM_GEMM_MIN_WORK (smaller ones run the TypeScript kernels).
    for (const [out, inF] of [[512, 784], [10, 512], [3, 257], [13, 21]] as const) {
      const x = values(7 * inF, out);
      const w = values(out * inF, inF);
      const b = values(out, 1);
      const gy = values(7 * out, 2);
      for (const act of [0, 1] as const) {
        const y7 = new Float32Array(7 * out);
        linearForwardWasm(7, out, inF, x, w, b, act, y7);
        const gx7 = new Float32Array(7 * inF);
        linearBackwardWasm(7, out, inF, gy, y7, act, x, w, gx7, new Float32Array(out * inF), new Float32Array(out), true, true);
        for (const batch of [1, 2]) {
          const y = new Float32Array(batch * out);
          linearForwardWasm(batch, out, inF, x.subarray(0, batch * inF), w, b, act, y);
          expect(bits(y), `forward ${out}×${inF} batch ${batch}`).toEqual(bits(y7.subarray(0, batch * out)));
          const gx = new Float32Array(batch * inF);
          linearBackwardWasm(batch, out, inF, gy.subarray(0, batch * out), y, act, x.subarray(0, batch * inF), w, gx, new Float32Array(out * inF), new Float32Array(out), true, true);
          expect(bits(gx), `G_X ${out}×${inF} batch ${batch}`).toEqual(bits(gx7.subarray(0, batch * inF)));
        }
      }
    }
  });
});
