// Shared pieces of the activation lab (examples/activation-lab.ts): network building,
// layer-by-layer forward passes, number formatting, markdown tables and progress output.
import {
  activation,
  Dense,
  initHintOf,
  Sequential,
  type Generator,
  type InitName,
  type Module,
  type Tensor,
} from "../../src/index.js";

/** Where the lab prints its progress (one line per call). */
export type Log = (line: string) => void;

/** What every section receives. */
export interface LabContext {
  quick: boolean;
  seed: number;
  /** Output folder (REPORT.md and images go here). */
  out: string;
  log: Log;
}

/** A multilayer perceptron whose activations are separate modules, so pre-activations can be read. */
export interface Mlp {
  model: Sequential;
  /** The Dense layers, in order (the last one is the output layer, without activation). */
  dense: Dense[];
  /** The activation module after each hidden Dense layer. */
  acts: Module[];
}

/** Options of {@link buildMlp}. */
export interface MlpOptions {
  /** Registered activation name, or a factory for a fresh module per layer. */
  activation: string | (() => Module);
  /** Weight initialiser; default the one Dense picks for the activation (He / LeCun / Glorot). */
  init?: InitName;
  rng: Generator;
}

const HINT_INIT: Record<string, InitName> = { he: "heNormal", lecun: "lecunNormal", glorot: "glorotUniform" };

/**
 * `sizes = [in, h1, …, hk, out]`: Dense(in→h1), act, …, Dense(hk→out). Each hidden layer
 * gets its own activation module (so trainable parameters are per layer).
 */
export function buildMlp(sizes: readonly number[], options: MlpOptions): Mlp {
  const make = typeof options.activation === "string" ? ((name: string) => () => activation(name))(options.activation) : options.activation;
  const dense: Dense[] = [];
  const acts: Module[] = [];
  const layers: Module[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const hidden = i + 2 < sizes.length;
    const act = hidden ? make() : null;
    const init = options.init ?? HINT_INIT[initHintOf(act)];
    const layer = new Dense(sizes[i], sizes[i + 1], { init, rng: options.rng });
    dense.push(layer);
    layers.push(layer);
    if (act !== null) {
      acts.push(act);
      layers.push(act);
    }
  }
  return { model: new Sequential(...layers), dense, acts };
}

/** The pre-activations z_l and activations a_l of every hidden layer for input `x`. */
export function hiddenValues(mlp: Mlp, x: Tensor): { pre: Tensor[]; post: Tensor[] } {
  const pre: Tensor[] = [];
  const post: Tensor[] = [];
  let h = x;
  mlp.acts.forEach((act, l) => {
    const z = mlp.dense[l].forward(h);
    h = act.forward(z);
    pre.push(z);
    post.push(h);
  });
  return { pre, post };
}

/** Mean and population standard deviation of an array. */
export function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  const mean = s / values.length;
  let v = 0;
  for (let i = 0; i < values.length; i++) v += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / values.length) };
}

/** Euclidean norm of an array. */
export function norm(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] * values[i];
  return Math.sqrt(s);
}

/** `0.9833` → `"98.3 %"`. */
export function pct(v: number): string {
  return `${(v * 100).toFixed(1)} %`;
}

/** Three significant digits, exponent form outside [1e-3, 1e4). */
export function num(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(2) : v.toPrecision(3);
}

/** 3 decimals (`0.012`, `-1.204`), or 3 significant digits in exponent form when 0 < |v| < 5e-4. */
export function fixed3(v: number): string {
  return v !== 0 && Math.abs(v) < 5e-4 ? v.toExponential(2) : v.toFixed(3);
}

/** {@link fixed3} with an explicit sign (`+0.012`, `-1.204`, `+3.10e-5`). */
export function signed(v: number): string {
  return `${v >= 0 ? "+" : ""}${fixed3(v)}`;
}

/** Milliseconds, one decimal (timings are the lab's only non-deterministic figures). */
export function ms(v: number): string {
  return `${v.toFixed(1)} ms`;
}

/** A markdown table. */
export function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** A plain-text table with aligned columns, for the terminal. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((c, j) => c.padEnd(widths[j])).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Runs `fn` and returns its result with the elapsed wall time in ms. */
export function timed<T>(fn: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}
