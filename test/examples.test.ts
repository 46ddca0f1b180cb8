import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { exampleArgs, HelpRequested, type ExampleSpec } from "../examples/lib/args.js";
import { lineChartSvg, logTicks, PALETTE } from "../examples/lib/svg-chart.js";
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
    await expect(run(xor, "xor-bad", ["--epochs", "ten"])).rejects.toThrow(/--epochs must be an integer ≥ 1, got "ten"/);
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
    expectFiles(result.files, [join(out, "activations.svg"), ...["squareplus", "snake", "isrlu"].map((n) => join(out, `${n}.safetensors`))]);
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

describe("every example's command line (examples/lib/args.ts)", () => {
  const specs: ExampleSpec[] = [
    { name: "xor", description: "d", epochs: "500", activation: "tanh" },
    { name: "spirals", description: "d", epochs: "300", activation: "relu" },
    { name: "kan", description: "d", epochs: "300", activation: "tanh" },
    { name: "custom-activation", description: "d", epochs: "200" },
    { name: "activation-lab", description: "d" },
  ];
  for (const spec of specs) {
    const n = spec.name;
    it(`${n}: the same validation and one-line errors`, () => {
      expect(() => exampleArgs(spec, ["--help"])).toThrow(HelpRequested);
      expect(() => exampleArgs(spec, ["-h"])).toThrow(`usage: npx tsx examples/${n}.ts [options]`);
      expect(exampleArgs(spec, ["--seed", "-1"]).seed).toBe(-1);
      expect(exampleArgs(spec, ["--seed=-7", "--quick"])).toMatchObject({ seed: -7, quick: true, out: `out/${n}` });
      expect(() => exampleArgs(spec, ["--seed", "1.5"])).toThrow(`${n}: --seed must be an integer, got "1.5"`);
      expect(() => exampleArgs(spec, ["--sed", "1"])).toThrow(`${n}: unknown option --sed (did you mean --seed?)`);
      expect(() => exampleArgs(spec, ["extra"])).toThrow(`${n}: unexpected argument "extra"`);
      expect(() => exampleArgs(spec, ["--seed"])).toThrow(`${n}: Option '--seed <value>' argument missing`);
      if (spec.epochs !== undefined) {
        expect(exampleArgs(spec, ["--epochs", "3"]).epochs).toBe(3);
        for (const bad of ["abc", "0", "-2", "1.5", ""]) expect(() => exampleArgs(spec, ["--epochs", bad])).toThrow(`${n}: --epochs must be an integer ≥ 1, got "${bad}"`);
      } else {
        expect(() => exampleArgs(spec, ["--epochs", "3"])).toThrow(`${n}: --epochs does not apply to this example`);
      }
      if (spec.activation !== undefined) {
        expect(exampleArgs(spec, ["--activation", "gelu"]).activation).toBe("gelu");
        expect(() => exampleArgs(spec, ["--activation", "nosuch"])).toThrow(`${n}: unknown activation "nosuch"; known: elu`);
        expect(() => exampleArgs(spec, ["--activation", "softmax"])).toThrow(`${n}: --activation softmax normalises across features, so it cannot be a hidden activation`);
      } else {
        expect(() => exampleArgs(spec, ["--activation", "relu"])).toThrow(`${n}: --activation does not apply to this example`);
      }
    });
  }

  it("runCli prints --help to stdout with exit code 0, and an error as one line without a stack trace", () => {
    const cli = (args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "examples/spirals.ts", ...args], { encoding: "utf8" });
    const help = cli(["--help"]);
    expect([help.status, help.stderr]).toEqual([0, ""]);
    expect(help.stdout).toContain("--activation NAME");
    const bad = cli(["--epochs", "abc"]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('error: spirals: --epochs must be an integer ≥ 1, got "abc"\n');
    const lab = spawnSync(process.execPath, ["--import", "tsx", "examples/activation-lab.ts", "--epochs", "abc"], { encoding: "utf8" });
    expect([lab.status, lab.stderr]).toEqual([1, "error: activation-lab: --epochs does not apply to this example; options: --quick, --seed, --out, --help\n"]);
  });
});

describe("charts (examples/lib/svg-chart.ts)", () => {
  it("a log axis over less than three decades gets 1-2-5 ticks, within one decade every multiple", () => {
    expect(logTicks(Math.log10(0.03), Math.log10(2.2))).toEqual([0.05, 0.1, 0.2, 0.5, 1, 2]);
    expect(logTicks(Math.log10(0.07), Math.log10(0.35))).toEqual([0.07, 0.08, 0.09, 0.1, 0.2, 0.3]);
    expect(logTicks(-6, 0)).toEqual([1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1]);
  });

  it("default colours skip explicit ones (no two series look alike); the legend is wide enough for its labels", () => {
    const svg = lineChartSvg({
      title: "t",
      xLabel: "x",
      yLabel: "y",
      series: [0, 1, 2, 3, 4].map((k) => ({ label: `a rather long legend label ${k}`, x: [0, 1], y: [k, k + 1], dashed: true, ...(k === 0 ? { color: PALETTE[4] } : {}) })),
    });
    const strokes = [...svg.matchAll(/<path d="[^"]*" fill="none" stroke="(#[0-9a-f]+)"/g)].map((m) => m[1]);
    expect(new Set(strokes).size).toBe(5);
    const width = Number(/width="(\d+)"/.exec(svg)![1]);
    const legendX = Number(/<text x="(\d+(\.\d+)?)" y="[\d.]+">a rather/.exec(svg)![1]);
    expect(legendX + 7 * "a rather long legend label 0".length).toBeLessThanOrEqual(width);
  });
});
