import { checkDType, getDefaultDtype, type DType } from "../tensor/dtype.js";
import { tensor } from "../tensor/creation.js";
import type { Generator } from "../tensor/random.js";
import { resolveRng, type Dataset, type SeedOptions } from "./dataset.js";

/** Options shared by the toy datasets. */
export interface ToyOptions extends SeedOptions {
  /** Default `'float32'`. */
  dtype?: DType;
}

/** `num` evenly spaced values from `start` to `stop` (NumPy's `linspace`). */
function linspace(start: number, stop: number, num: number, endpoint = true): number[] {
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(start + i * step);
  if (endpoint && num > 1) out[num - 1] = stop;
  return out;
}

function checkCount(op: string, name: string, n: unknown): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw new Error(`${op}: ${name} must be an integer ≥ 1, got ${String(n)}`);
  }
  return n;
}

function checkNoise(op: string, noise: unknown): number {
  if (typeof noise !== "number" || !Number.isFinite(noise) || noise < 0) {
    throw new Error(`${op}: noise must be a finite number ≥ 0, got ${String(noise)}`);
  }
  return noise;
}

/** Shuffles the rows as scikit-learn does, then adds N(0, noise²) to every coordinate. */
function finishSklearn(points: number[][], labels: number[], rng: Generator, noise: number, shuffle: boolean, dtype: DType): Dataset {
  const order = shuffle ? Array.from(rng.permutation(points.length)) : points.map((_, i) => i);
  const flat: number[] = [];
  for (const i of order) flat.push(...points[i]);
  for (let i = 0; i < flat.length; i++) flat[i] += noise === 0 ? 0 : noise * rng.normal();
  return {
    x: tensor(flat, { shape: [points.length, 2], dtype }),
    y: tensor(order.map((i) => labels[i]), { dtype }),
  };
}

/**
 * The four XOR points and their labels.
 *
 * ```text
 * x = [[0,0],[0,1],[1,0],[1,1]],   y = [[0],[1],[1],[0]]
 * ```
 *
 * @param options - `dtype` default `getDefaultDtype()` (float32)
 * @returns `x` of shape [4, 2], `y` of shape [4, 1]
 */
export function xor(options: { dtype?: DType } = {}): Dataset {
  const dtype = checkDType("xor", options.dtype ?? getDefaultDtype());
  return {
    x: tensor([[0, 0], [0, 1], [1, 0], [1, 1]], { dtype }),
    y: tensor([[0], [1], [1], [0]], { dtype }),
  };
}

/** Options of {@link spirals}. */
export interface SpiralsOptions extends ToyOptions {
  /** Number of arms (classes). Default 3. */
  classes?: number;
  /** Points per arm. Default 100. */
  pointsPerClass?: number;
  /** Standard deviation of the angle noise. Default 0.2. */
  noise?: number;
}

/**
 * Interleaved spirals, one arm per class: the classic CS231n data set.
 *
 * ```text
 * arm j:  r = linspace(0, 1, P),  t = linspace(4j, 4(j + 1), P) + noise·N(0, 1)
 *         x = (r·sin t, r·cos t),  label j
 * ```
 *
 * @see https://cs231n.github.io/neural-networks-case-study/
 * @param options - `classes` 3, `pointsPerClass` 100, `noise` 0.2, `seed` / `rng`, `dtype` getDefaultDtype() (float32)
 * @returns `x` of shape [classes·P, 2] (arm by arm), `y` of shape [classes·P] holding the class index
 * @throws Error for a count that is not an integer ≥ 1, a negative noise, or bad seed options
 */
export function spirals(options: SpiralsOptions = {}): Dataset {
  const classes = checkCount("spirals", "classes", options.classes ?? 3);
  const per = checkCount("spirals", "pointsPerClass", options.pointsPerClass ?? 100);
  const noise = checkNoise("spirals", options.noise ?? 0.2);
  const dtype = checkDType("spirals", options.dtype ?? getDefaultDtype());
  const rng = resolveRng("spirals", options);
  const x: number[] = [];
  const y: number[] = [];
  const r = linspace(0, 1, per);
  for (let j = 0; j < classes; j++) {
    const t = linspace(j * 4, (j + 1) * 4, per);
    for (let i = 0; i < per; i++) {
      const ti = t[i] + rng.normal() * noise;
      x.push(r[i] * Math.sin(ti), r[i] * Math.cos(ti));
      y.push(j);
    }
  }
  return { x: tensor(x, { shape: [classes * per, 2], dtype }), y: tensor(y, { dtype }) };
}

/** Options of {@link moons}. */
export interface MoonsOptions extends ToyOptions {
  /** Number of points (⌊n/2⌋ on the upper moon). Default 200. */
  n?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate. Default 0.1. */
  noise?: number;
  /** Shuffle the rows. Default true, as scikit-learn. */
  shuffle?: boolean;
}

/**
 * Two interleaving half circles (scikit-learn's `make_moons`).
 *
 * ```text
 * upper (label 0, ⌊n/2⌋ points):  (cos θ, sin θ),              θ = linspace(0, π)
 * lower (label 1, the rest):      (1 − cos θ, 1 − sin θ − 0.5)
 * then shuffled, then + noise·N(0, 1) on every coordinate
 * ```
 *
 * @param options - `n` 200, `noise` 0.1, `shuffle` true, `seed` / `rng`, `dtype` getDefaultDtype() (float32)
 * @returns `x` of shape [n, 2], `y` of shape [n] holding 0 or 1
 * @throws Error for `n` not an integer ≥ 1, a negative noise, or bad seed options
 */
export function moons(options: MoonsOptions = {}): Dataset {
  const n = checkCount("moons", "n", options.n ?? 200);
  const noise = checkNoise("moons", options.noise ?? 0.1);
  const dtype = checkDType("moons", options.dtype ?? getDefaultDtype());
  const rng = resolveRng("moons", options);
  const nOut = Math.floor(n / 2);
  const points: number[][] = [];
  const labels: number[] = [];
  for (const t of linspace(0, Math.PI, nOut)) {
    points.push([Math.cos(t), Math.sin(t)]);
    labels.push(0);
  }
  for (const t of linspace(0, Math.PI, n - nOut)) {
    points.push([1 - Math.cos(t), 1 - Math.sin(t) - 0.5]);
    labels.push(1);
  }
  return finishSklearn(points, labels, rng, noise, options.shuffle ?? true, dtype);
}

/** Options of {@link circles}. */
export interface CirclesOptions extends ToyOptions {
  /** Number of points (⌊n/2⌋ on the outer circle). Default 200. */
  n?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate. Default 0.05. */
  noise?: number;
  /** Radius of the inner circle relative to the outer one, in [0, 1). Default 0.5. */
  factor?: number;
  /** Shuffle the rows. Default true, as scikit-learn. */
  shuffle?: boolean;
}

/**
 * A small circle inside a large one (scikit-learn's `make_circles`).
 *
 * ```text
 * outer (label 0, ⌊n/2⌋ points):  (cos θ, sin θ),                θ = linspace(0, 2π, endpoint excluded)
 * inner (label 1, the rest):      (factor·cos θ, factor·sin θ)
 * then shuffled, then + noise·N(0, 1) on every coordinate
 * ```
 *
 * @param options - `n` 200, `noise` 0.05, `factor` 0.5, `shuffle` true, `seed` / `rng`, `dtype` getDefaultDtype() (float32)
 * @returns `x` of shape [n, 2], `y` of shape [n] holding 0 or 1
 * @throws Error for `n` not an integer ≥ 1, a negative noise, `factor` outside [0, 1), or bad seed options
 */
export function circles(options: CirclesOptions = {}): Dataset {
  const n = checkCount("circles", "n", options.n ?? 200);
  const noise = checkNoise("circles", options.noise ?? 0.05);
  const factor = options.factor ?? 0.5;
  if (typeof factor !== "number" || !(factor >= 0 && factor < 1)) {
    throw new Error(`circles: factor must be in [0, 1), got ${String(factor)}`);
  }
  const dtype = checkDType("circles", options.dtype ?? getDefaultDtype());
  const rng = resolveRng("circles", options);
  const nOut = Math.floor(n / 2);
  const points: number[][] = [];
  const labels: number[] = [];
  for (const t of linspace(0, 2 * Math.PI, nOut, false)) {
    points.push([Math.cos(t), Math.sin(t)]);
    labels.push(0);
  }
  for (const t of linspace(0, 2 * Math.PI, n - nOut, false)) {
    points.push([factor * Math.cos(t), factor * Math.sin(t)]);
    labels.push(1);
  }
  return finishSklearn(points, labels, rng, noise, options.shuffle ?? true, dtype);
}
