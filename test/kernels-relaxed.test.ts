import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { kernels } from "../src/kernels/index.js";
import { enableWasmKernels, kernelInfo, RELAXED_NOT_REQUESTED, wasmKernels } from "../src/kernels/wasm.js";
import { enableRelaxedSimd, relaxedSimdSupported } from "../src/relaxed-simd.js";
import { bundleForBrowser, launchChromium, serve } from "./helpers/browser.js";
import type { RelaxedReport } from "./helpers/relaxed-checks.js";

// The relaxed-SIMD build of the kernels (typegrad/relaxed-simd): f32x4.relaxed_madd in the
// float32 gemm micro-kernels, opt-in, detected and never assumed. Node 20 has relaxed SIMD
// only with --experimental-wasm-relaxed-simd, so it is checked in a child process started
// with that flag, and in Chromium (which has it); this process shows the fallback.

const wasmOn = enableWasmKernels();
const here = import.meta.dirname;
const FLAG = "--experimental-wasm-relaxed-simd";

/** The checks of test/helpers/relaxed-checks.ts in a child Node process. */
function inChild(flags: string[]): RelaxedReport {
  const run = spawnSync(process.execPath, [...flags, "--import", "tsx", join(here, "helpers", "relaxed-child.ts")], {
    encoding: "utf8",
    timeout: 120_000,
  });
  if (run.status !== 0) throw new Error(`child exited with ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").pop() as string) as RelaxedReport;
}

/** What every report of an active relaxed build must show. */
function expectRelaxedActive(r: RelaxedReport): void {
  expect(r.supported).toBe(true);
  expect(r.before).toMatchObject({ active: "wasm-simd", gemmKernel: "f32x4 mul+add", relaxedSimdError: RELAXED_NOT_REQUESTED });
  expect(r.enabled).toBe(true);
  expect(r.after).toMatchObject({ active: "wasm-simd", wasmError: null, gemmKernel: "f32x4.relaxed_madd", relaxedSimdError: null });
  // Every size in {1,3,7,17,64,100}³ and transpose: within 1e-5·√k·Σ|a||b| of the float64 product.
  expect(r.cases).toBe(6 ** 3 * 4);
  expect(r.gemmDirect).toBeLessThanOrEqual(1);
  expect(r.gemmInstalled).toBeLessThanOrEqual(1);
  expect(r.threaded).toBeLessThanOrEqual(1);
  expect(r.threadsSameBits).toBe(true);
  expect(r.linear).toBeLessThanOrEqual(1);
  // Seeded training on the relaxed kernels: the same bits twice, and the plain run within float32 rounding.
  expect(r.relaxedSameBits).toBe(true);
  expect(r.relaxedVsPlain).toBeLessThan(1e-4);
  expect(r.relaxedLosses.every(Number.isFinite)).toBe(true);
  for (let i = 0; i < r.plainLosses.length; i++) expect(Math.abs(r.relaxedLosses[i] - r.plainLosses[i])).toBeLessThan(1e-4);
  // Switching halfway through (parameters, gradients and momentum in the old module's memory): training carries on.
  expect(r.swapVsPlain).toBeLessThan(1e-4);
  for (let i = 0; i < r.plainLosses.length; i++) expect(Math.abs(r.swapLosses[i] - r.plainLosses[i])).toBeLessThan(1e-4);
}

describe.skipIf(!wasmOn)("relaxed-SIMD kernels (typegrad/relaxed-simd)", () => {
  it("without relaxed SIMD in this runtime, enableRelaxedSimd() returns false, says why, and the default kernels stay", () => {
    expect(kernelInfo()).toMatchObject({ gemmKernel: "f32x4 mul+add", relaxedSimdError: RELAXED_NOT_REQUESTED });
    if (relaxedSimdSupported()) return; // a Node with relaxed SIMD by default: the child tests cover it
    expect(enableRelaxedSimd()).toBe(false);
    expect(kernels()).toBe(wasmKernels);
    expect(kernelInfo()).toMatchObject({ active: "wasm-simd", wasmError: null, gemmKernel: "f32x4 mul+add" });
    expect(kernelInfo().relaxedSimdError).toBe(
      "this runtime's WebAssembly has no relaxed SIMD (Chromium 114+ has it; Node 20 needs --experimental-wasm-relaxed-simd)",
    );
  });

  it(`in Node with ${FLAG}: detected and active; gemm, Dense and seeded training agree with the references; bits reproducible`, () => {
    const r = inChild([FLAG]);
    expectRelaxedActive(r);
    // Node's memory is shared: the new module keeps the thread count set before the switch.
    expect(r.threadsAfter).toBe(2);
    expect(r.after.threadsError).toBeNull();
    console.log(`relaxed gemm bits differ from the default build's in ${r.differFromPlain} of ${r.cases} products (Node)`);
  });

  it("in a Node without the flag the same script falls back and trains exactly as before", () => {
    const r = inChild([]);
    if (r.supported) return; // relaxed SIMD on by default in this Node
    expect(r.enabled).toBe(false);
    expect(r.after).toMatchObject({ active: "wasm-simd", gemmKernel: "f32x4 mul+add" });
    expect(r.relaxedSameBits).toBe(true);
    expect(r.relaxedVsPlain).toBe(0);
    expect(r.swapVsPlain).toBe(0);
    expect(r.differFromPlain).toBe(0);
  });

  describe("in Chromium", () => {
    let browser: Browser | undefined;
    let close: (() => Promise<void>) | undefined;
    afterAll(async () => {
      await browser?.close();
      await close?.();
    });

    it("relaxed SIMD is detected and the relaxed kernels agree with the references", async () => {
      const bundles = await bundleForBrowser({ relaxed: join(here, "browser", "relaxed-page.ts") });
      const server = await serve({
        "index.html": '<!doctype html><meta charset="utf-8"><script type="module" src="relaxed.js"></script>',
        ...bundles,
      });
      close = server.close;
      browser = await launchChromium();
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(server.url);
      await page.waitForFunction(() => "relaxedReport" in globalThis, undefined, { timeout: 60_000 });
      const r = await page.evaluate(() => (globalThis as unknown as { relaxedReport: RelaxedReport }).relaxedReport);
      expect(errors).toEqual([]);
      expectRelaxedActive(r);
      console.log(`relaxed gemm bits differ from the default build's in ${r.differFromPlain} of ${r.cases} products (Chromium)`);
    });
  });
});
