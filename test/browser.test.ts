import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deserializeModel, serializeModel } from "../src/io/checkpoint.js";
import { tensor } from "../src/tensor/creation.js";
import { predict } from "../src/train/predict.js";
import { bundleForBrowser, launchChromium, serve } from "./helpers/browser.js";
import { probe, trainSpirals, type SuiteReport } from "./browser/suite.js";

// typegrad in a real browser: Debian's Chromium, headless, driven by playwright-core. The page
// is bundled here with esbuild from the package's entry point and served from 127.0.0.1. Without
// Chromium these tests fail with the command that installs it (.ci/run installs it).

const root = join(import.meta.dirname, "..");
const here = join(import.meta.dirname, "browser");

/** The README's browser sample (the ```js block importing "typegrad"). */
function readmeSample(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).find((code) => code.includes('from "typegrad"'));
  if (block === undefined) throw new Error("README.md has no ```js sample importing typegrad");
  return block;
}

let browser: Browser;
let page: Page;
let closeServer: () => Promise<void>;
let url: string;
const errors: string[] = [];
/** Why the page could not be set up (no Chromium…): every test then fails with it, none is skipped. */
let setupError: Error | null = null;

function ready(): void {
  if (setupError !== null) throw setupError;
}

async function setUp(): Promise<void> {
  const bundles = await bundleForBrowser({ page: join(here, "page.ts"), worker: join(here, "worker.ts") });
  const sampleDir = join(root, "build", "browser-test");
  mkdirSync(sampleDir, { recursive: true });
  writeFileSync(join(sampleDir, "readme-sample.js"), readmeSample());
  const sample = await bundleForBrowser({ readme: join(sampleDir, "readme-sample.js") });
  const server = await serve({
    "index.html": '<!doctype html><meta charset="utf-8"><title>typegrad tests</title><script type="module" src="page.js"></script>',
    "readme.html": '<!doctype html><meta charset="utf-8"><script type="module" src="readme.js"></script><pre id="log"></pre>',
    ...bundles,
    ...sample,
  });
  closeServer = server.close;
  url = server.url;
  browser = await launchChromium();
  page = await browser.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => "typegradTests" in globalThis);
}

beforeAll(async () => {
  try {
    await setUp();
  } catch (e) {
    setupError = e as Error;
  }
});

afterAll(async () => {
  await browser?.close();
  await closeServer?.();
});

function checkReport(report: SuiteReport, where: string): void {
  ready();
  expect(report.where).toBe(where);
  expect(report.kernels).toMatchObject({ active: "wasm-simd", wasmLoaded: true, wasmError: null });
  expect(report.xorAccuracy).toBe(1);
  expect(report.spiralsAccuracy).toBeGreaterThanOrEqual(0.98);
  expect(report.gradcheck).toBe(true);
  expect(report.roundTripIdentical).toBe(true);
  expect(report.resumeIdentical).toBe(true);
  expect(report.saveModelError).toBe(
    "saveModel: needs the file system of Node (≥ 20.16), Deno or Bun, which this runtime lacks; in a browser or worker use serializeModel, which works on bytes",
  );
}

describe("typegrad in Chromium", () => {
  let pageReport: SuiteReport;
  let workerReport: SuiteReport;

  it("in a page: XOR 100 %, spirals ≥ 98 % on the WebAssembly SIMD kernels, gradcheck, bytes round trip", async () => {
    ready();
    pageReport = await page.evaluate(() => (globalThis as unknown as { typegradTests: { page(): SuiteReport } }).typegradTests.page());
    checkReport(pageReport, "page");
    // fit's default progress output is the console where there is no terminal.
    expect(pageReport.progressLines).toBe(150);
    console.log(`spirals step in Chromium (page): ${pageReport.spiralsStepMs.toFixed(3)} ms (${pageReport.spiralsSteps} steps)`);
  });

  it("in a Web Worker: the same, with the same numbers as the page", async () => {
    ready();
    workerReport = await page.evaluate(() => (globalThis as unknown as { typegradTests: { worker(): Promise<SuiteReport> } }).typegradTests.worker());
    checkReport(workerReport, "worker");
    expect(workerReport.modelBase64).toBe(pageReport.modelBase64);
    expect(workerReport.probeBits).toEqual(pageReport.probeBits);
    console.log(`spirals step in Chromium (worker): ${workerReport.spiralsStepMs.toFixed(3)} ms`);
  });

  it("Node loads the bytes the page produced and predicts bit-identical float32", () => {
    ready();
    const bytes = Uint8Array.from(atob(pageReport.modelBase64), (c) => c.charCodeAt(0));
    const model = deserializeModel(bytes, { source: "the page's bytes" });
    const out = predict(model, tensor(probe())).data as Float32Array;
    expect([...new Uint32Array(out.buffer, out.byteOffset, out.length)]).toEqual(pageReport.probeBits);
  });

  it("Node trains the same model to the same bytes as Chromium (same seed, same numbers)", () => {
    ready();
    const { model, stepMs } = trainSpirals();
    expect(Buffer.from(serializeModel(model)).toString("base64")).toBe(pageReport.modelBase64);
    console.log(`spirals step in Node: ${stepMs.toFixed(3)} ms`);
  });

  it("the README's browser sample runs as written", async () => {
    ready();
    const readme = await browser.newPage();
    readme.on("pageerror", (e) => errors.push(e.message));
    await readme.goto(`${url}readme.html`);
    await readme.waitForFunction(() => /same predictions: /.test((globalThis as unknown as { document: { body: { textContent: string } } }).document.body.textContent), null, { timeout: 60_000 });
    const text = await readme.evaluate(() => (globalThis as unknown as { document: { body: { textContent: string } } }).document.body.textContent);
    expect(text).toMatch(/^Epoch 100\/100 - .* - accuracy: /m);
    expect(text).toContain("kernels: wasm-simd\n");
    expect(text).toContain("same predictions: true\n");
    await readme.close();
  });

  it("raised no uncaught error in any page", () => {
    ready();
    expect(errors).toEqual([]);
  });
});
