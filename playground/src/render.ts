// Canvas drawing: heat maps, points, line charts. No state; every function draws what it is given.
import { DOMAIN } from "./protocol.js";
import type { Point } from "./datasets.js";

/** The TensorFlow Playground's diverging scale: orange (−1), light grey (0), blue (+1). */
const NEG = [245, 147, 34];
const MID = [232, 234, 235];
const POS = [8, 119, 189];

/** RGB of a value in [−1, 1] (clamped; NaN is drawn mid-grey). */
export function colorOf(v: number): [number, number, number] {
  if (Number.isNaN(v)) return [160, 160, 160];
  const t = Math.max(-1, Math.min(1, v));
  const end = t < 0 ? NEG : POS;
  const a = Math.abs(t);
  return [MID[0] + (end[0] - MID[0]) * a, MID[1] + (end[1] - MID[1]) * a, MID[2] + (end[2] - MID[2]) * a];
}

export function cssColor(v: number): string {
  const [r, g, b] = colorOf(v);
  return `rgb(${r | 0},${g | 0},${b | 0})`;
}

/** Line colours for series (layers, units). */
export const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];

const scratch = new Map<number, HTMLCanvasElement>();

/** A reusable n×n offscreen canvas. */
function offscreen(n: number): HTMLCanvasElement {
  let c = scratch.get(n);
  if (!c) {
    c = document.createElement("canvas");
    c.width = n;
    c.height = n;
    scratch.set(n, c);
  }
  return c;
}

/** CSS sizes of canvases, measured once (reading a size forces a layout) until the window resizes. */
const sizes = new WeakMap<HTMLCanvasElement, { width: number; height: number; epoch: number }>();
let sizeEpoch = 0;

/** Forgets the measured canvas sizes (call on a window resize). */
export function invalidateCanvasSizes(): void {
  sizeEpoch++;
}

function cssSize(canvas: HTMLCanvasElement): { width: number; height: number } {
  const known = sizes.get(canvas);
  if (known !== undefined && known.epoch === sizeEpoch) return known;
  const size = {
    width: canvas.clientWidth || Number(canvas.getAttribute("width")) || 100,
    height: canvas.clientHeight || Number(canvas.getAttribute("height")) || 100,
    epoch: sizeEpoch,
  };
  sizes.set(canvas, size);
  return size;
}

/** Fits a canvas's backing store to its CSS size × devicePixelRatio; returns the context scaled to CSS pixels. */
export function fitCanvas(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; width: number; height: number } {
  const dpr = window.devicePixelRatio || 1;
  const { width, height } = cssSize(canvas);
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
  }
  const ctx = canvas.getContext("2d")!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, width, height };
}

/**
 * Draws an n×n map of values in [−1, 1] (row 0 at the top) onto the whole canvas, smoothly
 * scaled; `discretize` snaps every value to ±1.
 */
export function drawHeatmap(canvas: HTMLCanvasElement, values: ArrayLike<number>, n: number, discretize = false): void {
  const off = offscreen(n);
  const octx = off.getContext("2d")!;
  const image = octx.createImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    const v = values[i];
    const [r, g, b] = colorOf(discretize ? (v >= 0 ? 1 : -1) : v);
    image.data[4 * i] = r;
    image.data[4 * i + 1] = g;
    image.data[4 * i + 2] = b;
    image.data[4 * i + 3] = 255;
  }
  octx.putImageData(image, 0, 0);
  const { ctx, width, height } = fitCanvas(canvas);
  ctx.imageSmoothingEnabled = !discretize;
  ctx.drawImage(off, 0, 0, width, height);
}

/** Draws data points over a heat map: training points with a white edge, test points with a black one. */
export function drawPoints(canvas: HTMLCanvasElement, points: readonly Point[], test: boolean): void {
  const { ctx, width, height } = fitCanvas(canvas);
  const r = Math.max(2, width / 110);
  ctx.lineWidth = 1;
  ctx.strokeStyle = test ? "#000" : "#fff";
  for (const p of points) {
    const x = ((p.x + DOMAIN) / (2 * DOMAIN)) * width;
    const y = ((DOMAIN - p.y) / (2 * DOMAIN)) * height;
    ctx.beginPath();
    ctx.arc(x, y, r, 0, 2 * Math.PI);
    ctx.fillStyle = cssColor(p.label);
    ctx.fill();
    ctx.stroke();
  }
}

export interface Series {
  values: ArrayLike<number>;
  /** x of each value; default its index. */
  xs?: ArrayLike<number>;
  color: string;
  dashed?: boolean;
  width?: number;
}

export interface ChartOptions {
  /** Fixed y range; default the data's range. */
  yRange?: [number, number];
  xRange?: [number, number];
  log?: boolean;
  /** Draw horizontal lines at these y values. */
  guides?: number[];
  /** Tick labels on the left. */
  yTicks?: boolean;
  xTicks?: boolean;
}

function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * span; t += step) out.push(Math.abs(t) < 1e-12 ? 0 : t);
  return out;
}

const fmt = (v: number): string => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(0) : String(Number(v.toPrecision(3))));

/** A line chart on the whole canvas (small margins for tick labels). */
export function drawChart(canvas: HTMLCanvasElement, series: readonly Series[], options: ChartOptions = {}): void {
  const { ctx, width, height } = fitCanvas(canvas);
  ctx.clearRect(0, 0, width, height);
  const left = options.yTicks ? 34 : 2;
  const bottom = options.xTicks ? 14 : 2;
  const pw = width - left - 4;
  const ph = height - bottom - 4;
  const tf = (v: number): number => (options.log ? Math.log10(Math.max(v, 1e-30)) : v);
  let [y0, y1] = options.yRange ?? [Infinity, -Infinity];
  let [x0, x1] = options.xRange ?? [Infinity, -Infinity];
  if (!options.yRange || !options.xRange) {
    for (const s of series) {
      for (let i = 0; i < s.values.length; i++) {
        const v = tf(s.values[i]);
        if (!Number.isFinite(v)) continue;
        const x = s.xs ? s.xs[i] : i;
        if (!options.yRange) [y0, y1] = [Math.min(y0, v), Math.max(y1, v)];
        if (!options.xRange) [x0, x1] = [Math.min(x0, x), Math.max(x1, x)];
      }
    }
  } else if (options.log) {
    [y0, y1] = [tf(y0), tf(y1)];
  }
  if (!Number.isFinite(y0)) [y0, y1] = [0, 1];
  if (!(y1 - y0 > 1e-12)) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  if (!Number.isFinite(x0)) [x0, x1] = [0, 1];
  if (!(x1 > x0)) x1 = x0 + 1;
  const sx = (x: number): number => left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number): number => 2 + ph - ((y - y0) / (y1 - y0)) * ph;
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillStyle = "#555";
  ctx.strokeStyle = "#e4e4e4";
  ctx.lineWidth = 1;
  if (options.yTicks) {
    const ticks = options.log ? niceTicks(Math.floor(y0), Math.ceil(y1), 4).filter((t) => Number.isInteger(t)) : niceTicks(y0, y1, 3);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of ticks) {
      if (t < y0 - 1e-9 || t > y1 + 1e-9) continue;
      ctx.beginPath();
      ctx.moveTo(left, sy(t));
      ctx.lineTo(left + pw, sy(t));
      ctx.stroke();
      ctx.fillText(options.log ? `1e${t}` : fmt(t), left - 3, sy(t));
    }
  }
  if (options.xTicks) {
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of niceTicks(x0, x1, 4)) ctx.fillText(fmt(t), sx(t), 2 + ph + 2);
  }
  ctx.strokeStyle = "#999";
  for (const g of options.guides ?? []) {
    ctx.beginPath();
    ctx.moveTo(left, sy(tf(g)));
    ctx.lineTo(left + pw, sy(tf(g)));
    ctx.stroke();
  }
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, 0, pw + 2, ph + 4);
  ctx.clip();
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = s.width ?? 1.5;
    ctx.setLineDash(s.dashed ? [4, 3] : []);
    ctx.beginPath();
    let started = false;
    for (let i = 0; i < s.values.length; i++) {
      const v = tf(s.values[i]);
      if (!Number.isFinite(v)) {
        started = false;
        continue;
      }
      const px = sx(s.xs ? s.xs[i] : i);
      const py = sy(v);
      if (started) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      started = true;
    }
    ctx.stroke();
  }
  ctx.restore();
  ctx.setLineDash([]);
}
