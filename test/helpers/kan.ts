import { readFileSync } from "node:fs";

/** One B-spline point of `kan_reference.json` (exact values as "p/q" strings). */
export interface BsplinePoint {
  x: number;
  x_exact: string;
  B: string[];
  dB: string[];
  sum_B: string;
}

/** The worked KANLinear example of `kan_reference.json`. */
export interface KanLinearExample {
  grid: { grid_size: number; spline_order: number; grid_range: [number, number]; knots: string[] };
  base_weight: number[][];
  spline_weight: number[][][];
  spline_scaler: number[][];
  x: number[];
  y: string;
  dy_dx: string[];
  dy_dbase_weight: string[][];
  dy_dspline_weight: string[][][];
  dy_dspline_scaler: string[][];
}

/** The committed KAN reference values (mpmath / exact rationals). */
export const kanReference = JSON.parse(readFileSync(new URL("../fixtures/kan_reference.json", import.meta.url), "utf8")) as {
  "bspline_basis_G5_k3_range_-1_1": BsplinePoint[];
  kanlinear_example: KanLinearExample;
};

/** Parses an exact value written as `"p/q"` or a decimal string. */
export function exact(s: string): number {
  const [p, q] = s.split("/");
  return q === undefined ? Number(p) : Number(p) / Number(q);
}
