import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// Memory, not time: in a child process with a forced GC, the heap after 3 000 training steps
// must be where it was after 500 (nothing — graphs, gradients, optimiser state — accumulates).
describe("memory stays flat over long training", () => {
  it("3 000 spirals steps (2-64-64-3, Adam, batch 32) do not grow the heap", () => {
    const dir = mkdtempSync(join(tmpdir(), "typegrad-memory-"));
    const script = join(dir, "train.ts");
    writeFileSync(
      script,
      `
import { Adam, Dense, Sequential, batches, crossEntropyLoss, generator, spirals } from ${JSON.stringify(join(import.meta.dirname, "..", "src", "index.ts"))};
const gc = (globalThis as { gc?: () => void }).gc!;
const data = spirals({ seed: 0 });
const rng = generator(0);
const model = new Sequential(new Dense(2, 64, { activation: "relu", rng }), new Dense(64, 64, { activation: "relu", rng }), new Dense(64, 3, { rng }));
const optimizer = new Adam(model.parameters(), { lr: 0.01 });
const heap: number[] = [];
let step = 0;
while (step < 3000) {
  for (const { x, y } of batches(data.x, data.y, { batchSize: 32, rng })) {
    optimizer.zeroGrad();
    crossEntropyLoss(model.forward(x), y).backward();
    optimizer.step();
    step++;
    if (step === 500 || step === 3000) { gc(); gc(); heap.push(process.memoryUsage().heapUsed); }
    if (step === 3000) break;
  }
}
console.log(JSON.stringify(heap));
`,
    );
    const result = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", script], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    const [at500, at3000] = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as number[];
    expect(at3000 - at500).toBeLessThan(1 << 20); // under 1 MiB over 2 500 steps
  });
});
