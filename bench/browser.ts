/**
 * `npm run bench:browser` (`tsx bench/browser.ts`): the spirals training step (2-64-64-3 ReLU
 * MLP, batch 32, Adam, 600 steps) in headless Chromium — in a page and in a Web Worker — next
 * to Node, on this machine, one run each. Chromium is driven as in test/browser.test.ts.
 */
import { join } from "node:path";
import { bundleForBrowser, launchChromium, serve } from "../test/helpers/browser.js";
import { trainSpirals, type SuiteReport } from "../test/browser/suite.js";
import { kernelInfo } from "../src/index.js";

const pages = join(import.meta.dirname, "..", "test", "browser");
const bundles = await bundleForBrowser({ page: join(pages, "page.ts"), worker: join(pages, "worker.ts") }, { minify: true });
const server = await serve({ "index.html": '<!doctype html><script type="module" src="page.js"></script>', ...bundles });
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForFunction(() => "typegradTests" in globalThis);
  type Tests = { typegradTests: { page(): SuiteReport; worker(): Promise<SuiteReport> } };
  const inPage = await page.evaluate(() => (globalThis as unknown as Tests).typegradTests.page());
  const inWorker = await page.evaluate(() => (globalThis as unknown as Tests).typegradTests.worker());
  const node = trainSpirals();
  const rows: [string, string, number, number][] = [
    [`Chromium ${browser.version()} page`, inPage.kernels.active, inPage.spiralsStepMs, inPage.spiralsAccuracy],
    [`Chromium ${browser.version()} worker`, inWorker.kernels.active, inWorker.spiralsStepMs, inWorker.spiralsAccuracy],
    [`Node ${process.version}`, kernelInfo().active, node.stepMs, node.accuracy],
  ];
  console.log("| runtime | kernels | ms / step | train accuracy |");
  console.log("| --- | --- | ---: | ---: |");
  for (const [name, kernels, ms, acc] of rows) console.log(`| ${name} | ${kernels} | ${ms.toFixed(3)} | ${(acc * 100).toFixed(1)} % |`);
} finally {
  await browser.close();
  await server.close();
}
