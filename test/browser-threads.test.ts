import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleForBrowser, launchChromium, serve } from "./helpers/browser.js";
import type { ThreadsReport } from "./browser/threads.js";

// Kernel threads in Chromium. Shared WebAssembly memory needs a cross-origin isolated page, so
// the server sends COOP/COEP; a Web Worker of that page runs large products on 2 threads (the
// kernels start a nested worker), and the page's main thread, which may not block, runs them on
// one and says why. Without Chromium these tests fail with the command that installs it.

const here = join(import.meta.dirname, "browser");
let browser: Browser;
let page: Page;
let closeServer: () => Promise<void>;
const errors: string[] = [];
let setupError: Error | null = null;

beforeAll(async () => {
  try {
    const bundles = await bundleForBrowser({ "threads-page": join(here, "threads-page.ts"), "threads-worker": join(here, "threads-worker.ts") });
    const server = await serve(
      { "index.html": '<!doctype html><meta charset="utf-8"><title>typegrad threads</title><script type="module" src="threads-page.js"></script>', ...bundles },
      { headers: { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" } },
    );
    closeServer = server.close;
    browser = await launchChromium();
    page = await browser.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction(() => "typegradThreads" in globalThis);
  } catch (e) {
    setupError = e as Error;
  }
});

afterAll(async () => {
  await browser?.close();
  await closeServer?.();
});

function run(where: "page" | "worker"): Promise<ThreadsReport> {
  if (setupError !== null) throw setupError;
  return page.evaluate((w) => (globalThis as unknown as { typegradThreads: Record<string, () => Promise<ThreadsReport>> }).typegradThreads[w](), where);
}

describe("kernel threads in Chromium (cross-origin isolated page)", () => {
  it("in a Web Worker: 2 threads, products and seeded training bit-identical to 1 thread", async () => {
    const report = await run("worker");
    expect(report.crossOriginIsolated).toBe(true);
    expect(report.info.threadsError).toBeNull();
    expect(report.info.threads).toBe(2);
    expect(report.info.activeThreads).toBe(2);
    expect(report.gemmIdentical).toBe(true);
    expect(report.trainingIdentical).toBe(true);
    expect(report.exact).toBe(true);
  });

  it("on the page's main thread: one thread, and kernelInfo says why", async () => {
    const report = await run("page");
    expect(report.crossOriginIsolated).toBe(true);
    expect(report.info.threads).toBe(1);
    expect(report.info.threadsError).toMatch(/cannot wait for others .*Web Worker/);
    expect(report.gemmIdentical).toBe(true);
    expect(report.trainingIdentical).toBe(true);
    expect(report.exact).toBe(true);
  });

  it("raised no uncaught error", () => {
    expect(errors).toEqual([]);
  });
});
