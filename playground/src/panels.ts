// The typegrad-only panels: the activation (and its derivative, with the learned parameters)
// with the parameters' trajectories, and the per-layer gradient norms, dead units and mean/std.
import { el } from "./dom.js";
import { CURVE_POINTS, CURVE_RANGE, type Snapshot } from "./protocol.js";
import { drawChart, fitCanvas, PALETTE, type Series } from "./render.js";
import { ACTIVATION_LABELS, type PlaygroundState } from "./state.js";

const CURVE_XS = Float32Array.from({ length: CURVE_POINTS }, (_, i) => -CURVE_RANGE + (2 * CURVE_RANGE * i) / (CURVE_POINTS - 1));
/** Parameter names as the panel shows them. */
const PARAM_SYMBOL: Record<string, string> = { beta: "β", alpha: "α", weight: "a", p1: "p₁", p2: "p₂", p3: "p₃", p4: "p₄" };
const MAX_HISTORY = 600;

/** Lightens a #rrggbb colour towards white by `t` ∈ [0, 1]. */
function tint(hex: string, t: number): string {
  const n = parseInt(hex.slice(1), 16);
  const mix = (c: number): number => Math.round(c + (255 - c) * t);
  return `rgb(${mix(n >> 16)},${mix((n >> 8) & 255)},${mix(n & 255)})`;
}

export class ActivationPanel {
  readonly #chart: HTMLCanvasElement;
  readonly #paramChart: HTMLCanvasElement;
  readonly #legend: HTMLElement;
  readonly #values: HTMLElement;
  readonly #name: HTMLElement;
  /** Per series key ("layer 1 β[3]"): values over snapshots; shared x in #steps. */
  #history = new Map<string, number[]>();
  #steps: number[] = [];
  #legendKey = "";
  #valuesKey = "";

  constructor(chart: HTMLCanvasElement, paramChart: HTMLCanvasElement, legend: HTMLElement, values: HTMLElement, name: HTMLElement) {
    this.#chart = chart;
    this.#paramChart = paramChart;
    this.#legend = legend;
    this.#values = values;
    this.#name = name;
  }

  reset(state: PlaygroundState): void {
    this.#history.clear();
    this.#steps = [];
    let detail = "";
    if (state.activation === "leakyRelu") detail = ` (slope ${state.leakySlope})`;
    if (state.activation === "gelu") detail = state.geluApproximate === "tanh" ? " (tanh form)" : " (exact)";
    if (state.activation === "leaf") detail = state.leafForm === "article" ? " (article form)" : ` (extended, ${state.leafPreset} preset)`;
    if (state.activation === "kan") detail = " — first layer's edge functions φ(x) − φ(0)";
    this.#name.textContent = `${ACTIVATION_LABELS[state.activation]}${detail}`;
  }

  update(snapshot: Snapshot): void {
    const series: Series[] = [];
    const legend: HTMLElement[] = [];
    snapshot.curves.forEach((c) => {
      const many = c.values.length > 1;
      c.values.forEach((v, u) => {
        const color = many && snapshot.curves.length === 1 ? PALETTE[u % PALETTE.length] : tint(PALETTE[c.layer % PALETTE.length], many ? (0.45 * u) / c.values.length : 0);
        series.push({ values: v, xs: CURVE_XS, color, width: 1.6 });
        series.push({ values: c.derivatives[u], xs: CURVE_XS, color, dashed: true, width: 1.2 });
      });
      if (snapshot.curves.length > 1 || !many) {
        legend.push(el("span", { class: "key" }, [el("i", { style: `background:${PALETTE[c.layer % PALETTE.length]}` }), `layer ${c.layer + 1}`]));
      }
    });
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of series) for (const v of Array.from(s.values)) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    lo = Math.max(lo, -6);
    hi = Math.min(hi, 6);
    drawChart(this.#chart, series, { xRange: [-CURVE_RANGE, CURVE_RANGE], yRange: [Math.min(lo, -1), Math.max(hi, 1.2)], guides: [0], yTicks: true, xTicks: true });
    legend.push(el("span", { class: "key" }, [el("i", { class: "solid" }), "f(x)"]), el("span", { class: "key" }, [el("i", { class: "dashed" }), "f′(x)"]));
    const legendKey = legend.map((n) => n.outerHTML).join("");
    if (legendKey !== this.#legendKey) {
      this.#legendKey = legendKey;
      this.#legend.replaceChildren(...legend);
    }

    // Learned parameters: their current values and their trajectories.
    this.#steps.push(snapshot.step);
    const lines: string[] = [];
    for (const { layer, params } of snapshot.params) {
      for (const [name, values] of Object.entries(params)) {
        const symbol = PARAM_SYMBOL[name] ?? name;
        values.forEach((v, i) => {
          const key = `${layer}:${name}:${i}`;
          let h = this.#history.get(key);
          if (!h) {
            h = new Array<number>(this.#steps.length - 1).fill(NaN);
            this.#history.set(key, h);
          }
          h.push(v);
        });
        const shown = values.length === 1 ? values[0].toFixed(4) : `${values.slice(0, 4).map((v) => v.toFixed(3)).join(", ")}${values.length > 4 ? ", …" : ""}`;
        lines.push(`layer ${layer + 1}: ${symbol} = ${shown}`);
      }
    }
    if (this.#steps.length > MAX_HISTORY) {
      this.#steps = this.#steps.filter((_, i) => i % 2 === 0);
      for (const [k, h] of this.#history) this.#history.set(k, h.filter((_, i) => i % 2 === 0));
    }
    const valuesKey = lines.join("\n");
    if (valuesKey !== this.#valuesKey || this.#values.childElementCount === 0) {
      this.#valuesKey = valuesKey;
      this.#values.replaceChildren(
        ...(lines.length ? lines : ["no trainable activation parameters (choose Swish, PReLU or LEAF)"]).map((t) => el("div", { text: t })),
      );
    }
    this.#values.dataset.params = JSON.stringify(snapshot.params);
    const show = this.#history.size > 0;
    if (this.#paramChart.hidden === show) this.#paramChart.hidden = !show;
    if (!show) return;
    const paramSeries: Series[] = [];
    for (const [key, values] of this.#history) {
      const [layer, , index] = key.split(":").map(Number);
      paramSeries.push({ values, xs: this.#steps, color: tint(PALETTE[layer % PALETTE.length], Math.min(0.6, index * 0.08)), width: 1.3 });
    }
    drawChart(this.#paramChart, paramSeries, { yTicks: true, xTicks: true });
  }
}

export class GradientPanel {
  readonly #chart: HTMLCanvasElement;
  readonly #table: HTMLTableElement;

  constructor(chart: HTMLCanvasElement, table: HTMLTableElement) {
    this.#chart = chart;
    this.#table = table;
  }

  update(snapshot: Snapshot, state: PlaygroundState): void {
    const stats = snapshot.stats;
    const { ctx, width, height } = fitCanvas(this.#chart);
    ctx.clearRect(0, 0, width, height);
    ctx.font = "10px system-ui, sans-serif";
    if (stats === null) {
      ctx.fillStyle = "#666";
      ctx.fillText("statistics off (Data → collect statistics)", 8, height / 2);
      this.#table.replaceChildren();
      this.#tableKey = "";
      return;
    }
    const norms = stats.map((s) => s.gradNorm);
    const finite = norms.filter((v) => Number.isFinite(v) && v > 0);
    const top = finite.length ? Math.ceil(Math.log10(Math.max(...finite))) : 0;
    const bottom = Math.min(top - 3, finite.length ? Math.floor(Math.log10(Math.min(...finite))) : top - 3);
    const left = 34;
    const ph = height - 18;
    const pw = width - left - 4;
    const y = (v: number): number => 2 + ph - ((Math.log10(v) - bottom) / (top - bottom)) * ph;
    ctx.strokeStyle = "#e4e4e4";
    ctx.fillStyle = "#555";
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    const every = Math.max(1, Math.ceil((top - bottom) / 5));
    for (let e = bottom; e <= top; e += every) {
      ctx.beginPath();
      ctx.moveTo(left, y(10 ** e));
      ctx.lineTo(left + pw, y(10 ** e));
      ctx.stroke();
      ctx.fillText(`1e${e}`, left - 3, y(10 ** e));
    }
    const n = stats.length;
    const slot = pw / n;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    stats.forEach((s, l) => {
      const x = left + slot * l + slot * 0.18;
      const w = slot * 0.64;
      if (Number.isFinite(s.gradNorm) && s.gradNorm > 0) {
        const yy = y(s.gradNorm);
        ctx.fillStyle = l === n - 1 ? "#555" : PALETTE[l % PALETTE.length];
        ctx.fillRect(x, yy, w, 2 + ph - yy);
      }
      ctx.fillStyle = "#333";
      ctx.fillText(l === n - 1 ? "out" : `L${l + 1}`, x + w / 2, 4 + ph);
    });

    this.#fillTable(stats, state);
  }

  #tableKey = "";

  /** The table of per-layer figures: built when the network changes, then updated cell by cell. */
  #fillTable(stats: NonNullable<Snapshot["stats"]>, state: PlaygroundState): void {
    const n = stats.length;
    const cells = (s: (typeof stats)[number], l: number): string[] => [
      l === n - 1 ? "output" : String(l + 1),
      Number.isFinite(s.gradNorm) ? s.gradNorm.toExponential(1) : "–",
      l === n - 1 ? "" : `${Math.round(s.deadFraction * 100)} %`,
      s.mean.toFixed(2),
      s.std.toFixed(2),
    ];
    const key = `${n}:${state.activation}`;
    if (key === this.#tableKey) {
      const rows = this.#table.querySelectorAll<HTMLTableRowElement>("tr[data-layer]");
      stats.forEach((s, l) => {
        const row = rows[l];
        Object.assign(row.dataset, { gradNorm: String(s.gradNorm), dead: String(s.deadFraction), mean: String(s.mean), std: String(s.std) });
        cells(s, l).forEach((text, c) => {
          if (row.cells[c].textContent !== text) row.cells[c].textContent = text;
        });
      });
      return;
    }
    this.#tableKey = key;
    const dead = state.activation === "relu" || state.activation === "leakyRelu" || state.activation === "prelu" || state.activation === "leaf";
    const head = el("tr", {}, [
      el("th", { text: "layer" }),
      el("th", { text: "‖∇W‖" }),
      el("th", { text: dead ? "dead" : "zero units" }),
      el("th", { text: "mean" }),
      el("th", { text: "std" }),
    ]);
    const rows = stats.map((s, l) =>
      el("tr", { "data-layer": String(l), "data-grad-norm": String(s.gradNorm), "data-dead": String(s.deadFraction), "data-mean": String(s.mean), "data-std": String(s.std) },
        cells(s, l).map((text) => el("td", { text }))),
    );
    this.#table.replaceChildren(el("caption", { text: state.activation === "selu" ? "SELU keeps mean ≈ 0, std ≈ 1 per layer" : "per layer, over the training points" }), head, ...rows);
  }
}
