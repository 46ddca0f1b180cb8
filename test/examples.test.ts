import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main as customActivation } from "../examples/custom-activation.js";
import { main as kan } from "../examples/kan.js";
import { main as spirals } from "../examples/spirals.js";
import { main as xor } from "../examples/xor.js";

const root = mkdtempSync(join(tmpdir(), "typegrad-examples-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs an example in-process with `--out <tmp>/<name>`, collecting its screen output. */
async function run<T>(main: (argv: string[], options: { print: (line: string) => void }) => T | Promise<T>, name: string, argv: string[]) {
  const out = join(root, name);
  const lines: string[] = [];
  const result = await main([...argv, "--out", out], { print: (line) => lines.push(line) });
  return { result, out, text: lines.join("\n") };
}

function expectFiles(files: readonly string[], expected: readonly string[]): void {
  for (const f of expected) {
    expect(files).toContain(f);
    expect(existsSync(f), f).toBe(true);
    expect(statSync(f).size, f).toBeGreaterThan(100);
  }
}

describe("examples/xor.ts", () => {
  it("--quick: the 2-8-1 network predicts all four XOR outputs; the linear one never beats 75 %", async () => {
    const { result, out, text } = await run(xor, "xor", ["--quick", "--seed", "0"]);
    expect(result.predictions).toEqual([0, 1, 1, 0]);
    expect(result.accuracy).toBe(1);
    result.probabilities.forEach((p, i) => expect(Math.abs(p - [0, 1, 1, 0][i])).toBeLessThan(0.1));
    expect(result.linear.bestAccuracy).toBeLessThanOrEqual(0.75);
    expect(result.linear.accuracy).toBeLessThanOrEqual(0.75);
    expectFiles(result.files, ["decision-regions", "decision-regions-linear"].flatMap((b) => [join(out, `${b}.png`), join(out, `${b}.svg`)]));
    expect(text).toContain("Truth table");
  });

  it("the linear network stays at or below 75 % for other seeds and activations", async () => {
    for (const [seed, act] of [["1", "relu"], ["2", "sigmoid"], ["3", "gelu"]]) {
      const { result } = await run(xor, `xor-${seed}`, ["--quick", "--seed", seed, "--activation", act]);
      expect(result.linear.bestAccuracy).toBeLessThanOrEqual(0.75);
      expect(result.activation).toBe(act);
    }
  });

  it("rejects an unknown activation with the registry's list of names", async () => {
    await expect(run(xor, "xor-bad", ["--quick", "--activation", "relux"])).rejects.toThrow(/unknown activation "relux"; known: .*relu/);
  });

  it("rejects a bad number", async () => {
    await expect(run(xor, "xor-bad", ["--epochs", "ten"])).rejects.toThrow(/--epochs must be a non-negative integer, got "ten"/);
  });
});

describe("examples/spirals.ts", () => {
  it("--quick: writes the decision regions, curves and a checkpoint that reloads identically", async () => {
    const { result, out } = await run(spirals, "spirals-quick", ["--quick"]);
    expect(result.epochs).toBe(20);
    expectFiles(result.files, ["decision-regions.png", "decision-regions.svg", "loss.svg", "accuracy.svg", "model.safetensors"].map((f) => join(out, f)));
    expect(result.reloadMaxDiff).toBe(0);
  });

  // The full run (300 epochs) is the README's demo; measured about 1 s with relu.
  it("full run: reaches ≥ 99 % training accuracy and reports test accuracy", async () => {
    const { result, text } = await run(spirals, "spirals-full", []);
    expect(result.epochs).toBe(300);
    expect(result.trainAccuracy).toBeGreaterThanOrEqual(0.99);
    expect(result.trainAccuracy).toBeLessThanOrEqual(result.attainableAccuracy);
    expect(result.testAccuracy).toBeGreaterThan(0.9);
    expect(result.reloadMaxDiff).toBe(0);
    expect(text).toMatch(/training\s+300\s+[\d.]+\s+99\.\d %/);
  }, 60_000);
});

describe("examples/custom-activation.ts", () => {
  it("--quick: the three levels pass gradcheck, train, and reload to identical predictions", async () => {
    const { result, out } = await run(customActivation, "custom", ["--quick"]);
    expect(result.rows.map((r) => [r.level, r.name])).toEqual([[1, "squareplus"], [2, "snake"], [3, "isrlu"]]);
    for (const row of result.rows) {
      expect(row.gradcheckPassed, row.name).toBe(true);
      expect(row.maxGradientError, row.name).toBeLessThan(1e-6);
      expect(row.reloadMaxDiff, row.name).toBe(0);
      expect(row.trainAccuracy, row.name).toBeGreaterThan(1 / 3);
    }
    expect(result.snakeAlpha.max).toBeGreaterThan(result.snakeAlpha.min); // α per feature moved
    expectFiles(result.files, ["squareplus", "snake", "isrlu"].map((n) => join(out, `${n}.safetensors`)));
  });

  it("can run twice in one process (registration is idempotent)", async () => {
    const { result } = await run(customActivation, "custom-again", ["--quick", "--epochs", "2"]);
    expect(result.rows).toHaveLength(3);
  });
});

describe("examples/kan.ts", () => {
  it("--quick: fits both models, refines the grid, plots the edges and the RMSE curves", async () => {
    const { result, out, text } = await run(kan, "kan", ["--quick"]);
    expectFiles(result.files, [join(out, "rmse.svg"), join(out, "edges.svg")]);
    expect(result.parameters.kanCoarse).toBe(120); // 10 + 5 edges × (1 base + 6 coefficients + 1 scale)
    expect(result.parameters.kanFine).toBe(225); // 15 edges × (1 + 13 + 1)
    expect(Math.abs(result.parameters.mlpSmall - result.parameters.kanCoarse)).toBeLessThan(15);
    for (const v of Object.values(result.rmse)) expect(Number.isFinite(v)).toBe(true);
    // refine() preserves the function up to the spline fit error
    expect(Math.abs(result.rmse.kanRefined - result.rmse.kanCoarse)).toBeLessThan(0.05 * result.rmse.kanCoarse + 0.01);
    expect(result.edgeCheckMaxError).toBeLessThan(1e-4);
    expect(result.rmse.kanFine).toBeLessThan(result.rmse.kanCoarse); // measured (seed 0, quick): 0.152 → 0.026
    expect(text).toContain("Test RMSE");
  });
});

describe("examples/pinn.ts", () => {
  it("--quick: trains the KAN and both MLPs on the Poisson PINN loss, reports L2/H1 errors, writes the pictures", async () => {
    const { main: pinn, laplacian } = await import("../examples/pinn.js");
    const { result, out, text } = await run(pinn, "pinn", ["--quick"]);
    expectFiles(result.files, [join(out, "errors.svg"), join(out, "solution.svg"), join(out, "edges.svg")]);
    expect(result.parameters.kan).toBe(300); // 30 edges × (1 base + 8 coefficients + 1 scale)
    expect(Math.abs(result.parameters.mlpSame - result.parameters.kan)).toBeLessThan(10);
    for (const v of [...Object.values(result.l2), ...Object.values(result.h1)]) expect(Number.isFinite(v)).toBe(true);
    expect(text).toContain("KAN paper");
    // Δu by autograd on a known function: u = x²y + y³ → Δu = 2y + 6y = 8y.
    const { Tensor, Module } = await import("../src/index.js");
    class Cubic extends Module {
      forward(x: InstanceType<typeof Tensor>) {
        const a = x.slice(1, 0, 1);
        const b = x.slice(1, 1, 2);
        return a.mul(a).mul(b).add(b.pow(3));
      }
    }
    const pts = new Tensor(Float64Array.from([0.3, -0.5, -0.7, 0.25]), [2, 2]);
    const { lap } = laplacian(new Cubic(), pts);
    expect(Array.from(lap.data)).toEqual([8 * -0.5, 8 * 0.25]);
  });
});
