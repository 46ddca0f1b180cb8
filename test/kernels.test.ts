import { afterEach, describe, expect, it, vi } from "vitest";
import { gemmReference } from "../src/kernels/gemm.js";
import { kernels, setKernels, typescriptKernels } from "../src/kernels/index.js";
import { enableWasmKernels, gemmWasm, kernelInfo, wasmKernels, WASM_GEMM_MIN_WORK } from "../src/kernels/wasm.js";
import { WasmKernelModule } from "../src/kernels/wasm-module.js";
import { generator } from "../src/tensor/random.js";

function random(n: number, seed: number): Float32Array {
  const rng = generator(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform() * 2 - 1;
  return a;
}

/** |C[i,j]| bound Σp |op(A)[i,p]|·|op(B)[p,j]|, so the tolerance scales with the sums' magnitude. */
function magnitudes(ta: boolean, tb: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array): Float64Array {
  const abs = (x: Float32Array) => Float64Array.from(x, Math.abs);
  const c = new Float64Array(m * n);
  gemmReference(ta, tb, m, n, k, abs(a), abs(b), c);
  return c;
}

function expectClose(actual: Float32Array, expected: Float32Array, scale: Float64Array): void {
  for (let i = 0; i < expected.length; i++) {
    const tol = 1e-5 * (scale[i] + 1e-6) * 4;
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      throw new Error(`element ${i}: wasm ${actual[i]} vs reference ${expected[i]} (tolerance ${tol})`);
    }
  }
}

const loaded = WasmKernelModule.load();
const wasm = typeof loaded === "string" ? null : loaded;

const sizes: [number, number, number][] = [
  [1, 1, 1], [3, 3, 3], [1, 17, 3], [17, 17, 17], [6, 8, 2], [7, 9, 5], [64, 64, 64],
  [33, 65, 257], [128, 10, 512], [513, 513, 513], [3, 513, 17],
];
const variants: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

describe.skipIf(wasm === null)("WebAssembly gemm agrees with the TypeScript reference", () => {
  for (const [m, n, k] of sizes) {
    for (const [ta, tb] of variants) {
      it(`${m}×${n}×${k} ${ta ? "T" : "N"}${tb ? "T" : "N"}`, () => {
        const a = random(m * k, m + 7 * k);
        const b = random(k * n, n + 3 * k);
        const expected = new Float32Array(m * n);
        gemmReference(ta, tb, m, n, k, a, b, expected);
        const actual = new Float32Array(m * n).fill(Number.NaN);
        expect(wasm?.gemm(ta, tb, m, n, k, a, b, actual)).toBe(true);
        expectClose(actual, expected, magnitudes(ta, tb, m, n, k, a, b));
      });
    }
  }

  it("overwrites C (stale values do not leak into the result)", () => {
    const a = random(20 * 30, 1);
    const b = random(30 * 40, 2);
    const expected = new Float32Array(20 * 40);
    gemmReference(false, false, 20, 40, 30, a, b, expected);
    const c = new Float32Array(20 * 40).fill(123);
    wasm?.gemm(false, false, 20, 40, 30, a, b, c);
    expectClose(c, expected, magnitudes(false, false, 20, 40, 30, a, b));
  });

  it("k = 0 gives zeros", () => {
    const c = new Float32Array(6).fill(5);
    wasm?.gemm(false, false, 2, 3, 0, new Float32Array(0), new Float32Array(0), c);
    expect([...c]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("reads and writes non-contiguous subarray views (batched matmul slices)", () => {
    const [m, n, k] = [9, 11, 13];
    const bigA = random(3 * m * k, 5);
    const bigB = random(3 * k * n, 6);
    const bigC = new Float32Array(3 * m * n + 4).fill(7);
    for (let i = 0; i < 3; i++) {
      const a = bigA.subarray(i * m * k, (i + 1) * m * k);
      const b = bigB.subarray(i * k * n, (i + 1) * k * n);
      const c = bigC.subarray(2 + i * m * n, 2 + (i + 1) * m * n);
      gemmWasm(false, true, m, n, k, a, b, c);
      const expected = new Float32Array(m * n);
      gemmReference(false, true, m, n, k, a, b, expected);
      expectClose(c, expected, magnitudes(false, true, m, n, k, a, b));
    }
    expect([bigC[0], bigC[1], bigC[bigC.length - 2], bigC[bigC.length - 1]]).toEqual([7, 7, 7, 7]);
  });

  it("grows its memory for large operands and stays correct afterwards", () => {
    const before = wasm?.memoryBytes ?? 0;
    const [m, n, k] = [700, 600, 650];
    const a = random(m * k, 8);
    const b = random(k * n, 9);
    const c = new Float32Array(m * n);
    wasm?.gemm(true, false, m, n, k, a, b, c);
    expect(wasm?.memoryBytes ?? 0).toBeGreaterThan(before);
    const small = new Float32Array(4);
    wasm?.gemm(false, false, 2, 2, 2, Float32Array.of(1, 2, 3, 4), Float32Array.of(5, 6, 7, 8), small);
    expect([...small]).toEqual([19, 22, 43, 50]);
  });
});

describe("kernel selection", () => {
  afterEach(() => {
    setKernels(typescriptKernels);
    vi.unstubAllGlobals();
  });

  it("gemmWasm runs float64 through the reference, exactly", () => {
    const a = Float64Array.from({ length: 40 * 30 }, (_, i) => Math.sin(i));
    const b = Float64Array.from({ length: 30 * 20 }, (_, i) => Math.cos(i));
    const expected = new Float64Array(40 * 20);
    const actual = new Float64Array(40 * 20);
    gemmReference(false, true, 40, 20, 30, a, b, expected);
    gemmWasm(false, true, 40, 20, 30, a, b, actual);
    expect(actual).toEqual(expected);
    expect(WASM_GEMM_MIN_WORK).toBeGreaterThan(0);
  });

  it.skipIf(wasm === null)("enableWasmKernels installs the WebAssembly kernels and kernelInfo says so", () => {
    expect(enableWasmKernels()).toBe(true);
    expect(kernels()).toBe(wasmKernels);
    expect(kernelInfo()).toMatchObject({ active: "wasm-simd", wasmLoaded: true, wasmError: null });
  });

  it("a missing .wasm file leaves the TypeScript kernels and says why", () => {
    expect(enableWasmKernels({ wasmPath: "/nonexistent/kernels.wasm" })).toBe(false);
    expect(kernels()).toBe(typescriptKernels);
    expect(kernelInfo().active).toBe("typescript");
    expect(kernelInfo().wasmError).toMatch(/nonexistent\/kernels\.wasm not found/);
  });

  it("without WebAssembly the loader reports it and typegrad keeps working", () => {
    vi.stubGlobal("WebAssembly", undefined);
    expect(WasmKernelModule.load()).toBe("WebAssembly is not available in this runtime");
    expect(enableWasmKernels({ wasmPath: "/any/kernels.wasm" })).toBe(false);
    expect(kernels()).toBe(typescriptKernels);
    const c = new Float32Array(1);
    kernels().gemm(false, false, 1, 1, 1, Float32Array.of(2), Float32Array.of(3), c);
    expect(c[0]).toBe(6);
  });
});
