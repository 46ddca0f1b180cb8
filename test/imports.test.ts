import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it, vi } from "vitest";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

// Guards the one allowed import cycle (tensor.ts ↔ ops): every module must load as the
// first module of a fresh module graph, so none may construct a Tensor at top level.
describe("every source module loads as a standalone entry point", () => {
  const root = join(import.meta.dirname, "..", "src");
  for (const file of sources(root)) {
    it(relative(root, file), async () => {
      vi.resetModules();
      await expect(import(file)).resolves.toBeDefined();
    });
  }
});
