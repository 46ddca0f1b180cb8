// Activation lab, section 7: every activation and its derivative over [-4, 4], derivatives by autograd.
import { join } from "node:path";
import { activation, noGrad, tensor, type Module } from "../../src/index.js";
import { writeLineChart } from "./svg-chart.js";
import { ALL_ACTIVATIONS } from "./lab-benchmark.js";
import { mdTable, num, type LabContext } from "./lab-common.js";

/** One activation's curve. */
export interface Curve {
  activation: string;
  /** f at each grid point. */
  y: number[];
  /** f' at each grid point, from autograd (backward of Σ f(x)). */
  dy: number[];
  /** max |autograd f' − central finite difference| over grid points with |x| ≥ 0.05 (away from the kink at 0). */
  maxFdError: number;
}

/** Section 7's figures. */
export interface CurvesResult {
  /** The grid: x_i = (i − 80) / 20, i = 0 … 160 (so 0 and ±4 are exact). */
  x: number[];
  curves: Curve[];
  /** Chart files: values and derivatives, for the piecewise-linear family and for the smooth family. */
  charts: { valuesA: string; derivativesA: string; valuesB: string; derivativesB: string };
}

/** The piecewise-linear (and saturating) family; the rest are the smooth gates. */
const GROUP_A = new Set(["identity", "sigmoid", "tanh", "relu", "leakyRelu", "elu", "selu", "prelu", "leaf"]);
/** Activations whose default curve coincides with another one's (drawn dashed). */
const SAME_AS: Record<string, string> = { swish: "silu", leaf: "prelu" };

function evaluate(module: Module, xs: readonly number[]): number[] {
  return noGrad(() => Array.from(module.forward(tensor([...xs], { dtype: "float64" })).data));
}

/** Evaluates each activation (default options, float64) on the grid and differentiates it with autograd. */
export function runCurves(ctx: LabContext): CurvesResult {
  const x = Array.from({ length: 161 }, (_, i) => (i - 80) / 20);
  const h = 1e-5;
  const curves = ALL_ACTIVATIONS.map((name): Curve => {
    const module = activation(name).to("float64");
    const xt = tensor(x, { dtype: "float64", requiresGrad: true });
    const yt = module.forward(xt);
    yt.sum().backward();
    const dy = Array.from(xt.grad?.data ?? []);
    const plus = evaluate(module, x.map((v) => v + h));
    const minus = evaluate(module, x.map((v) => v - h));
    let maxFdError = 0;
    x.forEach((v, i) => {
      if (Math.abs(v) >= 0.05) maxFdError = Math.max(maxFdError, Math.abs(dy[i] - (plus[i] - minus[i]) / (2 * h)));
    });
    return { activation: name, y: Array.from(yt.data), dy, maxFdError };
  });
  ctx.log(`  ${curves.length} activations on ${x.length} points; largest autograd vs finite-difference gap ${num(Math.max(...curves.map((c) => c.maxFdError)))}`);
  const charts = { valuesA: "curves-a.svg", derivativesA: "derivatives-a.svg", valuesB: "curves-b.svg", derivativesB: "derivatives-b.svg" };
  const draw = (file: string, title: string, yLabel: string, inGroup: boolean, pick: (c: Curve) => number[]) =>
    writeLineChart(join(ctx.out, file), {
      title,
      xLabel: "x",
      yLabel,
      series: curves
        .filter((c) => GROUP_A.has(c.activation) === inGroup)
        .map((c) => ({ label: SAME_AS[c.activation] ? `${c.activation} (= ${SAME_AS[c.activation]})` : c.activation, x, y: pick(c), dashed: c.activation in SAME_AS })),
    });
  draw(charts.valuesA, "Activations: ReLU family and saturating", "f(x)", true, (c) => c.y);
  draw(charts.derivativesA, "Derivatives (autograd): ReLU family and saturating", "f′(x)", true, (c) => c.dy);
  draw(charts.valuesB, "Activations: smooth gates", "f(x)", false, (c) => c.y);
  draw(charts.derivativesB, "Derivatives (autograd): smooth gates", "f′(x)", false, (c) => c.dy);
  return { x, curves, charts };
}

/** Table rows: activation, f(−4), f(0), f(4), f'(−4), f'(0), f'(4), finite-difference gap. */
export function curvesRows(r: CurvesResult): string[][] {
  const at = (v: number) => r.x.indexOf(v);
  return r.curves.map((c) => [c.activation, ...[-4, 0, 4].map((v) => num(c.y[at(v)])), ...[-4, 0, 4].map((v) => num(c.dy[at(v)])), num(c.maxFdError)]);
}

/** Section 7 of REPORT.md. */
export function curvesMarkdown(r: CurvesResult): string {
  const worst = Math.max(...r.curves.map((c) => c.maxFdError));
  return [
    "## 7. Every activation and its derivative",
    "",
    `Each activation with its default options (Swish β = 1, PReLU/LEAF α = 0.25), evaluated in float64 on ${r.x.length} points of [−4, 4]; ` +
      "the derivative is the gradient autograd returns for Σ f(x), not a hand-written formula. At kinks (x = 0) it follows PyTorch's conventions (ReLU′(0) = 0, SELU′(0) = λα). " +
      "The last column compares autograd with a central finite difference (step 1e-5) at every grid point with |x| ≥ 0.05.",
    "",
    mdTable(["activation", "f(−4)", "f(0)", "f(4)", "f′(−4)", "f′(0)", "f′(4)", "max gap autograd vs FD"], curvesRows(r)),
    "",
    `![activations A](${r.charts.valuesA}) ![derivatives A](${r.charts.derivativesA})`,
    "",
    `![activations B](${r.charts.valuesB}) ![derivatives B](${r.charts.derivativesB})`,
    "",
    `Largest gap between autograd and finite differences: ${num(worst)}${worst < 1e-6 ? " (agreement to finite-difference accuracy)." : " — larger than expected; see the table."}`,
  ].join("\n");
}
