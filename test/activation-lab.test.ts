// The activation lab (examples/activation-lab.ts) in --quick mode: files, determinism, and
// that REPORT.md holds exactly the figures of a fresh run with the same seed.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main, type LabResult } from "../examples/activation-lab.js";
import { ALL_ACTIVATIONS, benchmarkRows } from "../examples/lib/lab-benchmark.js";
import { curvesRows } from "../examples/lib/lab-curves.js";
import { deepRows, deepVerdict } from "../examples/lib/lab-deep.js";
import { dyingRows } from "../examples/lib/lab-dying.js";
import { linearityRows } from "../examples/lib/lab-linearity.js";
import { SUMMARY_HEADER } from "../examples/lib/lab-report.js";
import { seluRows } from "../examples/lib/lab-selu.js";
import { trainableRows } from "../examples/lib/lab-trainable.js";
import { vanishingRows } from "../examples/lib/lab-vanishing.js";

const SEED = 1;
const TIMING = /^\d+(\.\d+)? ms$/;

/** Every markdown table of a document: rows of cells (header first, separator dropped). */
function tables(md: string): string[][][] {
  const out: string[][][] = [];
  let current: string[][] | null = null;
  for (const line of md.split("\n")) {
    if (!line.startsWith("|")) {
      current = null;
      continue;
    }
    const cells = line.slice(2, -2).split(" | ");
    if (cells.every((c) => c === "---")) continue;
    if (current === null) out.push((current = []));
    current.push(cells);
  }
  return out;
}

/** The report's table whose body starts with `firstCell` and has `columns` columns. */
function tableBody(md: string, firstCell: string, columns: number): string[][] {
  const found = tables(md).filter((t) => t.length > 1 && t[1][0] === firstCell && t[0].length === columns);
  expect(found.length, `a table starting with "${firstCell}" and ${columns} columns`).toBe(1);
  return found[0].slice(1);
}

const maskTimings = (rows: string[][]) => rows.map((r) => r.map((c) => (TIMING.test(c) ? "<ms>" : c)));

/** The result without its timings and without the output folder (which differs between the two runs). */
function deterministic(r: LabResult): unknown {
  return JSON.parse(
    JSON.stringify(r, (key, value: unknown) => (key.endsWith("Ms") || key === "out" || key === "reportPath" ? undefined : value)),
  );
}

describe("activation lab (--quick)", () => {
  let dirs: string[] = [];
  let first: LabResult;
  let fresh: LabResult;
  let report: string;
  const lines: string[] = [];

  beforeAll(() => {
    dirs = [mkdtempSync(join(tmpdir(), "lab-a-")), mkdtempSync(join(tmpdir(), "lab-b-"))];
    first = main(["--quick", "--seed", String(SEED), "--out", dirs[0]], { log: (l) => lines.push(l) });
    report = readFileSync(join(dirs[0], "REPORT.md"), "utf8");
    fresh = main(["--quick", "--seed", String(SEED), "--out", dirs[1]], { log: () => {} });
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("writes REPORT.md and every image it links, as SVG", () => {
    expect(first.reportPath).toBe(join(dirs[0], "REPORT.md"));
    const links = [...report.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThanOrEqual(15);
    expect(first.images).toEqual(links);
    for (const link of links) {
      expect(link).not.toMatch(/^\/|\.\./); // relative, inside the output folder
      const file = join(dirs[0], link);
      expect(existsSync(file), link).toBe(true);
      expect(statSync(file).size).toBeGreaterThan(500);
      expect(readFileSync(file, "utf8").startsWith("<svg")).toBe(true);
    }
    for (let k = 1; k <= 7; k++) expect(report).toContain(`## ${k}. `);
  });

  it("prints progress and the summary table", () => {
    for (let k = 1; k <= 8; k++) expect(lines.some((l) => l.startsWith(`[${k}/8]`))).toBe(true);
    const header = lines.find((l) => l.startsWith("#  claim"));
    expect(header).toBeDefined();
    for (const row of first.summary) expect(lines.some((l) => l.startsWith(row[0]) && l.includes(row[1]) && l.includes(row[2]))).toBe(true);
  });

  it("gives identical figures for the same seed (timings aside)", () => {
    expect(deterministic(fresh)).toEqual(deterministic(first));
    expect(fresh.sectionMs).toHaveLength(8);
  });

  it("writes the same report for the same seed, timings aside", () => {
    const again = readFileSync(join(dirs[1], "REPORT.md"), "utf8");
    const mask = (s: string) => s.replace(/\d+(\.\d+)? ms/g, "<ms>").replace(/`[^`]*activation-lab\.ts[^`]*`/g, "<cmd>");
    expect(mask(again)).toBe(mask(report));
  });

  it("holds in its tables exactly the fresh run's figures", () => {
    expect(tables(report)[0]).toEqual([[...SUMMARY_HEADER], ...fresh.summary]);
    expect(tableBody(report, "xor", 5)).toEqual(linearityRows(fresh.linearity));
    expect(tableBody(report, "sigmoid", 3 + fresh.vanishing.steps.length)).toEqual(vanishingRows(fresh.vanishing));
    expect(tableBody(report, "relu", 7)).toEqual(dyingRows(fresh.dying));
    expect(tableBody(report, "selu", 2 + fresh.selu.tableLayers.length)).toEqual(seluRows(fresh.selu));
    expect(maskTimings(tableBody(report, "identity", 9))).toEqual(maskTimings(benchmarkRows(fresh.benchmark)));
    expect(tableBody(report, "swish", 10)).toEqual(trainableRows(fresh.trainable));
    expect(tableBody(report, "identity", 8)).toEqual(curvesRows(fresh.curves));
    expect(maskTimings(tableBody(report, "selu (LeCun normal)", 7))).toEqual(maskTimings(deepRows(fresh.deep)));
  });

  it("section 8 trains SELU, ReLU + BatchNorm and plain ReLU with the same budget and reports a verdict from the figures", () => {
    expect(fresh.deep.runs.map((r) => r.label)).toEqual(["selu (LeCun normal)", "relu + BatchNorm1d (He normal)", "relu, no normalisation (He normal)"]);
    for (const r of fresh.deep.runs) expect(r.loss).toHaveLength(fresh.deep.epochs);
    expect(fresh.summary.at(-1)![3]).toBe(deepVerdict(fresh.deep));
    expect(report).toContain(`**Verdict: ${deepVerdict(fresh.deep)}**`);
  });

  it("prints the measured values themselves (formatted independently here)", () => {
    const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
    const bench = tableBody(report, "identity", 9);
    for (const a of ALL_ACTIVATIONS) {
      const row = bench.find((r) => r[0] === a);
      const s = fresh.benchmark.runs.find((r) => r.dataset === "spirals" && r.activation === a);
      const m = fresh.benchmark.runs.find((r) => r.dataset === "moons" && r.activation === a);
      expect(row?.[2]).toBe(pct(s?.finalTestAccuracy ?? NaN));
      expect(row?.[3]).toBe(String(s?.epochsToTarget ?? "not reached"));
      expect(row?.[6]).toBe(pct(m?.finalTestAccuracy ?? NaN));
      expect(row?.[4]).toMatch(TIMING);
    }
    const van = tableBody(report, "sigmoid", 3 + fresh.vanishing.steps.length);
    for (const run of fresh.vanishing.runs) {
      const row = van.find((r) => r[0] === run.label);
      expect(Number(row?.[2])).toBeCloseTo(run.ratios[0], -Math.floor(Math.log10(run.ratios[0])) + 1);
      expect(row?.at(-1)).toBe(pct(run.accuracy));
    }
    const dying = tableBody(report, "relu", 7);
    fresh.dying.cells.forEach((c, i) => {
      expect(dying[i].slice(0, 3)).toEqual([c.activation, String(c.lr), pct(c.deadAtInit)]);
      expect(dying[i][3]).toBe(c.deadAfter === null ? "—" : pct(c.deadAfter));
    });
    const selu = fresh.selu.runs.find((r) => r.label === "selu");
    const seluRow = tableBody(report, "selu", 2 + fresh.selu.tableLayers.length)[0];
    const [mean, std] = (seluRow.at(-1) ?? "").split(" / ").map(Number);
    expect(mean).toBeCloseTo(selu?.means.at(-1) ?? NaN, 3);
    expect(std).toBeCloseTo(selu?.stds.at(-1) ?? NaN, 3);
    const curves = tableBody(report, "identity", 8);
    const relu = curves.find((r) => r[0] === "relu");
    expect(relu?.slice(4, 7)).toEqual(["0", "0", "1.00"]); // ReLU'(−4), ReLU'(0) = 0 (PyTorch's convention), ReLU'(4)
  });

  it("rejects an unknown option, naming it", () => {
    expect(() => main(["--bogus"], { log: () => {} })).toThrow(/bogus/);
  });
});
