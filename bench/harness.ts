/**
 * Timing helpers for the side-by-side benchmark: contenders run in alternating rounds
 * (so drift in machine load hits all of them alike), after a warm-up, and each reports the
 * median over rounds of its mean time per step.
 */

/** One implementation of a workload: a training step (or a product) that keeps its own state. */
export interface Contender {
  readonly name: string;
  /** Called before each of this contender's rounds (e.g. to switch the tfjs backend). */
  enter?(): Promise<void>;
  /** Runs one step. */
  step(): void;
  /**
   * Runs `steps` steps elsewhere (another process) and returns their mean milliseconds per
   * step as timed there; used instead of `step` when present.
   */
  runRound?(steps: number): Promise<number>;
}

/** How long to measure. */
export interface MeasureOptions {
  /** Steps run once per contender before timing. */
  warmupSteps: number;
  /**
   * Keep warming each contender up until this many milliseconds have passed (after
   * `warmupSteps`), so the JIT has settled for cheap steps too. Default 0.
   */
  warmupMs?: number;
  /** Steps timed together in one round (their mean is one sample). */
  stepsPerRound: number;
  /** Rounds per contender; the median of the round means is reported. */
  rounds: number;
}

/** Milliseconds of idle time after a round run in another process (see {@link measureAlternating}). */
export const QUIET_MS = 250;

/** The median of `values` (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Times every contender, alternating round by round. (A forced GC before each round was
 * tried: it slowed every contender, tfjs most, so rounds run on the heap as it is.)
 *
 * @returns for each contender's name, the median milliseconds per step
 */
export async function measureAlternating(contenders: readonly Contender[], options: MeasureOptions): Promise<Map<string, number>> {
  for (const c of contenders) {
    await c.enter?.();
    const until = performance.now() + (options.warmupMs ?? 0);
    if (c.runRound !== undefined) {
      await c.runRound(options.warmupSteps);
      while (performance.now() < until) await c.runRound(10);
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
      continue;
    }
    for (let i = 0; i < options.warmupSteps; i++) c.step();
    while (performance.now() < until) for (let i = 0; i < 10; i++) c.step();
  }
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  let previous: Contender | null = null;
  for (let r = 0; r < options.rounds; r++) {
    for (const c of contenders) {
      // After a round in another process (PyTorch), let its BLAS threads stop spinning (OpenBLAS
      // busy-waits ~0.1 s after each call, measured) before the next contender runs, so that one
      // does not share its cores with them.
      if (previous?.runRound !== undefined) await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
      previous = c;
      await c.enter?.();
      if (c.runRound !== undefined) {
        samples.get(c.name)?.push(await c.runRound(options.stepsPerRound));
        continue;
      }
      const start = performance.now();
      for (let i = 0; i < options.stepsPerRound; i++) c.step();
      samples.get(c.name)?.push((performance.now() - start) / options.stepsPerRound);
    }
  }
  return new Map([...samples].map(([name, values]) => [name, median(values)]));
}

/** Formats rows of cells as a left-aligned text table. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

/** The same rows as a Markdown table (the first row is the header), for the README. */
export function markdownTable(rows: readonly (readonly string[])[]): string {
  const line = (row: readonly string[]): string => `| ${row.join(" | ")} |`;
  return [line(rows[0]), line(rows[0].map(() => "---")), ...rows.slice(1).map(line)].join("\n");
}
