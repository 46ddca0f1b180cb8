// The sample grids over the plane on which heat maps are computed.
import { DOMAIN } from "./protocol.js";

/** The n² centres of an n×n grid over [−6, 6]², row by row, row 0 at the top (x₂ = 6). */
export function gridPointsFloat(n: number): { xs: Float64Array; ys: Float64Array } {
  const xs = new Float64Array(n * n);
  const ys = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      xs[r * n + c] = -DOMAIN + (2 * DOMAIN * (c + 0.5)) / n;
      ys[r * n + c] = DOMAIN - (2 * DOMAIN * (r + 0.5)) / n;
    }
  }
  return { xs, ys };
}
