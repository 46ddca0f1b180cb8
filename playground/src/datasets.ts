// The 2-D data sets, on the TensorFlow Playground's [−6, 6]² plane, seeded by typegrad's generator.
import { generator, type Generator } from "typegrad";
import { activeFeatures, type ClassificationDataset, type PlaygroundState, type RegressionDataset } from "./state.js";
import { featureVector } from "./features.js";

/** One point: its coordinates and label (±1 for classification, [−1, 1] for regression). */
export interface Point {
  x: number;
  y: number;
  label: number;
}

/** The inputs (features) and targets of a set of points, ready for the network. */
export interface Split {
  points: Point[];
  /** `[n, features]`, row-major. */
  inputs: Float32Array;
  /** `[n, 1]`: 0/1 for classification (binary cross-entropy), the value for regression. */
  targets: Float32Array;
}

export interface PlaygroundData {
  train: Split;
  test: Split;
}

/** Points per data set, as in the TensorFlow Playground. */
export const SAMPLES_CLASSIFY = 500;
export const SAMPLES_REGRESS = 1200;

const between = (rng: Generator, lo: number, hi: number): number => lo + (hi - lo) * rng.uniform();

function circle(n: number, noise: number, rng: Generator): Point[] {
  const radius = 5;
  const label = (x: number, y: number): number => (Math.hypot(x, y) < radius * 0.5 ? 1 : -1);
  const points: Point[] = [];
  const ring = (lo: number, hi: number): void => {
    for (let i = 0; i < n / 2; i++) {
      const r = between(rng, lo, hi);
      const angle = between(rng, 0, 2 * Math.PI);
      const x = r * Math.sin(angle);
      const y = r * Math.cos(angle);
      const nx = between(rng, -radius, radius) * noise;
      const ny = between(rng, -radius, radius) * noise;
      points.push({ x, y, label: label(x + nx, y + ny) });
    }
  };
  ring(0, radius * 0.5);
  ring(radius * 0.7, radius);
  return points;
}

function xor(n: number, noise: number, rng: Generator): Point[] {
  const padding = 0.3;
  const points: Point[] = [];
  for (let i = 0; i < n; i++) {
    let x = between(rng, -5, 5);
    x += x > 0 ? padding : -padding;
    let y = between(rng, -5, 5);
    y += y > 0 ? padding : -padding;
    const nx = between(rng, -5, 5) * noise;
    const ny = between(rng, -5, 5) * noise;
    points.push({ x, y, label: (x + nx) * (y + ny) >= 0 ? 1 : -1 });
  }
  return points;
}

function gauss(n: number, noise: number, rng: Generator): Point[] {
  const std = Math.sqrt(0.5 + (3.5 * noise) / 0.5); // variance 0.5 … 4 as noise goes 0 … 50 %
  const points: Point[] = [];
  for (const [cx, label] of [[2, 1], [-2, -1]] as const) {
    for (let i = 0; i < n / 2; i++) points.push({ x: cx + std * rng.normal(), y: cx + std * rng.normal(), label });
  }
  return points;
}

function spiral(n: number, noise: number, rng: Generator): Point[] {
  const points: Point[] = [];
  const half = n / 2;
  for (const [delta, label] of [[0, 1], [Math.PI, -1]] as const) {
    for (let i = 0; i < half; i++) {
      const r = (i / half) * 5;
      const t = ((1.75 * i) / half) * 2 * Math.PI + delta;
      points.push({ x: r * Math.sin(t) + between(rng, -1, 1) * noise, y: r * Math.cos(t) + between(rng, -1, 1) * noise, label });
    }
  }
  return points;
}

function moons(n: number, noise: number, rng: Generator): Point[] {
  const points: Point[] = [];
  for (let i = 0; i < n; i++) {
    const upper = i < n / 2;
    const t = Math.PI * rng.uniform();
    // Two interleaved half circles (radius 1), centred and scaled onto the plane.
    const u = upper ? Math.cos(t) : 1 - Math.cos(t);
    const v = upper ? Math.sin(t) : 0.5 - Math.sin(t);
    const x = (u - 0.5) * 3.6 + between(rng, -6, 6) * noise * 0.5;
    const y = (v - 0.25) * 3.6 + between(rng, -6, 6) * noise * 0.5;
    points.push({ x, y, label: upper ? 1 : -1 });
  }
  return points;
}

function checkerboard(n: number, noise: number, rng: Generator): Point[] {
  const points: Point[] = [];
  for (let i = 0; i < n; i++) {
    const x = between(rng, -6, 6);
    const y = between(rng, -6, 6);
    const nx = between(rng, -6, 6) * noise;
    const ny = between(rng, -6, 6) * noise;
    const cell = Math.floor((x + nx + 6) / 3) + Math.floor((y + ny + 6) / 3);
    points.push({ x, y, label: cell % 2 === 0 ? 1 : -1 });
  }
  return points;
}

function plane(n: number, noise: number, rng: Generator): Point[] {
  const points: Point[] = [];
  for (let i = 0; i < n; i++) {
    const x = between(rng, -6, 6);
    const y = between(rng, -6, 6);
    const nx = between(rng, -6, 6) * noise;
    const ny = between(rng, -6, 6) * noise;
    points.push({ x, y, label: Math.max(-1, Math.min(1, (x + nx + y + ny) / 10)) });
  }
  return points;
}

const GAUSSIANS = [
  [-4, 2.5, 1],
  [0, 2.5, -1],
  [4, 2.5, 1],
  [-4, -2.5, -1],
  [0, -2.5, 1],
  [4, -2.5, -1],
] as const;

function multigauss(n: number, noise: number, rng: Generator): Point[] {
  const value = (x: number, y: number): number => {
    let label = 0;
    for (const [cx, cy, sign] of GAUSSIANS) {
      const v = sign * Math.max(0, Math.min(1, 1 - Math.hypot(x - cx, y - cy) / 2));
      if (Math.abs(v) > Math.abs(label)) label = v;
    }
    return label;
  };
  const points: Point[] = [];
  for (let i = 0; i < n; i++) {
    const x = between(rng, -6, 6);
    const y = between(rng, -6, 6);
    const nx = between(rng, -6, 6) * noise;
    const ny = between(rng, -6, 6) * noise;
    points.push({ x, y, label: value(x + nx, y + ny) });
  }
  return points;
}

const GENERATORS: Record<ClassificationDataset | RegressionDataset, (n: number, noise: number, rng: Generator) => Point[]> = {
  circle,
  xor,
  gauss,
  spiral,
  moons,
  checkerboard,
  plane,
  multigauss,
};

/** The points of a data set, before the split (also drawn in the data set thumbnails). */
export function generatePoints(name: ClassificationDataset | RegressionDataset, n: number, noise: number, seed: number | string): Point[] {
  return GENERATORS[name](n, noise, generator(seed));
}

function toSplit(points: Point[], state: PlaygroundState): Split {
  const features = activeFeatures(state);
  const f = features.length;
  const inputs = new Float32Array(points.length * f);
  const targets = new Float32Array(points.length);
  const classify = state.problem === "classification";
  points.forEach((p, i) => {
    inputs.set(featureVector(p.x, p.y, features), i * f);
    targets[i] = classify ? (p.label > 0 ? 1 : 0) : p.label;
  });
  return { points, inputs, targets };
}

/**
 * The data of a state: its data set with its noise, shuffled, split into training and test
 * points by `percTrainData`. The same seed gives the same data.
 */
export function makeData(state: PlaygroundState): PlaygroundData {
  const classify = state.problem === "classification";
  const name = classify ? state.dataset : state.regDataset;
  const points = generatePoints(name, classify ? SAMPLES_CLASSIFY : SAMPLES_REGRESS, state.noise / 100, `data:${state.seed}`);
  generator(`shuffle:${state.seed}`).shuffle(points);
  const cut = Math.floor((points.length * state.percTrainData) / 100);
  return { train: toSplit(points.slice(0, cut), state), test: toSplit(points.slice(cut), state) };
}
