// Runs bundles in Debian's Chromium, headless, through playwright-core (never `npx playwright
// install`: it downloads a browser). Used by test/browser.test.ts and bench/browser.ts.
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { build } from "esbuild";
import { chromium, type Browser } from "playwright-core";

const root = join(import.meta.dirname, "..", "..");

/** Where Chromium is looked for: `$TYPEGRAD_CHROMIUM`, then the Debian/Ubuntu paths. */
const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/**
 * Chromium's path, or an Error saying how to install it: the browser tests fail (they are
 * not skipped) without a browser, so that CI cannot pass without running them.
 */
export function findChromium(): string {
  const fromEnv = process.env.TYPEGRAD_CHROMIUM;
  const candidates = fromEnv !== undefined && fromEnv !== "" ? [fromEnv] : CANDIDATES;
  const found = candidates.find((p) => existsSync(p));
  if (found !== undefined) return found;
  throw new Error(
    `The browser tests need Chromium and found none at ${candidates.join(", ")}${fromEnv ? " (TYPEGRAD_CHROMIUM)" : ""}.\n` +
      "Install it with:  apt-get update && apt-get install -y chromium   (Debian/Ubuntu, as root; .ci/run does this)\n" +
      "or point TYPEGRAD_CHROMIUM at a Chrome or Chromium binary. (Not `npx playwright install`: it downloads a browser.)",
  );
}

/** Flags for a headless Chromium on a machine without network, GPU or sandbox. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS, headless: true });
}

/**
 * Bundles `entries` (name → TypeScript or JavaScript file) for the browser with esbuild, the
 * way an application bundles typegrad: `import … from "typegrad"` resolves to the package's
 * entry point (src/index.ts, which dist/index.js — the `browser` export — is compiled from),
 * with esbuild's `browser` platform, so a Node built-in anywhere in it would fail the build.
 *
 * @returns the bundled JavaScript by output name (`<name>.js`)
 */
export async function bundleForBrowser(entries: Record<string, string>, options: { minify?: boolean } = {}): Promise<Record<string, string>> {
  const result = await build({
    entryPoints: entries,
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: options.minify ?? false,
    alias: { typegrad: join(root, "src", "index.ts") },
    outdir: "/bundle",
    write: false,
    logLevel: "silent",
  });
  const files: Record<string, string> = {};
  for (const file of result.outputFiles) files[file.path.slice("/bundle/".length)] = file.text;
  return files;
}

/** A static server for in-memory files on 127.0.0.1 and a free port. */
export async function serve(
  files: Record<string, string>,
  options: { headers?: Record<string, string> } = {},
): Promise<{ url: string; close: () => Promise<void> }> {
  const types: Record<string, string> = { html: "text/html", js: "text/javascript" };
  const server: Server = createServer((req, res) => {
    const name = (req.url ?? "/").split("?")[0].slice(1) || "index.html";
    const body = files[name];
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, { ...options.headers, "content-type": `${types[name.split(".").pop() ?? ""] ?? "application/octet-stream"}; charset=utf-8` })
      .end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
