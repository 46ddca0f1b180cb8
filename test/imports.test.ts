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

// tsx (what users run examples with) compiles with esbuild's keepNames, which trips over
// code run while a module of the tensor ↔ ops cycle is still loading. vitest does not, so
// the modules of the cycle are also loaded first-thing in a real tsx process each.
describe("the tensor ↔ ops cycle loads under tsx from any of its modules", () => {
  const root = join(import.meta.dirname, "..", "src");
  const cycle = [...sources(join(root, "autograd")), ...sources(join(root, "tensor"))];
  it(`${cycle.length} modules`, async () => {
    const { spawn } = await import("node:child_process");
    const load = (file: string) =>
      new Promise<string>((resolve) => {
        const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", `await import(${JSON.stringify(file)})`], {
          stdio: ["ignore", "ignore", "pipe"],
        });
        let err = "";
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        child.on("close", (code) => resolve(code === 0 ? "" : `${relative(root, file)}: ${err.split("\n").find((l) => l.includes("Error")) ?? err}`));
      });
    const failures: string[] = [];
    for (let i = 0; i < cycle.length; i += 2) failures.push(...(await Promise.all(cycle.slice(i, i + 2).map(load))));
    expect(failures.filter((f) => f !== "")).toEqual([]);
  });
});
