import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** One line of a chart. */
export interface Series {
  label: string;
  x: readonly number[];
  y: readonly number[];
  /** CSS colour; default from the palette. */
  color?: string;
  dashed?: boolean;
}

/** A line chart with axes, ticks, a legend and a title. */
export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  /** Logarithmic y axis (non-positive values are dropped). Default false. */
  logY?: boolean;
  width?: number;
  height?: number;
  /** Fixed y range; default from the data. */
  yRange?: [number, number];
}

export const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22", "#393b79", "#637939", "#843c39", "#7b4173"];

function escape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** "Nice" tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/**
 * Ticks of a log axis spanning log10 values [lo, hi]: every power of ten, plus 2 and 5 times
 * them when the axis spans three decades or fewer, and every integer multiple within one
 * decade, so a short axis still has several labels.
 */
export function logTicks(lo: number, hi: number): number[] {
  const decades = hi - lo;
  const mantissas = decades <= 1.2 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : decades <= 3 ? [1, 2, 5] : [1];
  const out: number[] = [];
  const step = Math.max(1, Math.ceil(decades / 8));
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e += step) {
    for (const m of mantissas) {
      const v = m * 10 ** e;
      const l = Math.log10(v);
      if (l >= lo - 1e-9 && l <= hi + 1e-9) out.push(Number(v.toPrecision(12)));
    }
  }
  return out;
}

function fmt(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

/** Renders a line chart as an SVG document. */
export function lineChartSvg(chart: LineChart): string {
  // The legend sits right of the plot: make room for its longest label (~7 px a character).
  const legend = Math.max(170, 52 + 7 * Math.max(0, ...chart.series.map((x) => x.label.length)));
  const width = chart.width ?? 470 + legend;
  const height = chart.height ?? 400;
  const m = { left: 70, right: legend, top: 40, bottom: 50 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const ty = (v: number) => (chart.logY ? Math.log10(v) : v);
  const pts = chart.series.flatMap((s) => s.x.map((x, i) => [x, s.y[i]] as const)).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!chart.logY || y > 0));
  const xs = pts.map(([x]) => x);
  const ys = pts.map(([, y]) => ty(y));
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = chart.yRange ? [ty(chart.yRange[0]), ty(chart.yRange[1])] : [Math.min(...ys), Math.max(...ys)];
  if (!Number.isFinite(x0)) [x0, x1] = [0, 1];
  if (!Number.isFinite(y0)) [y0, y1] = [0, 1];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pad = (y1 - y0) * 0.05;
  if (!chart.yRange) [y0, y1] = [y0 - pad, y1 + pad];
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.top + ph - ((ty(y) - y0) / (y1 - y0)) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escape(chart.title)}</text>`);
  const yTicks = chart.logY ? logTicks(y0, y1) : ticks(y0, y1);
  for (const t of yTicks) {
    const y = sy(t);
    out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${y + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  for (const t of ticks(x0, x1)) {
    const x = sx(t);
    out.push(`<line x1="${x}" x2="${x}" y1="${m.top}" y2="${m.top + ph}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${x}" y="${m.top + ph + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${height - 10}" text-anchor="middle">${escape(chart.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escape(chart.yLabel)}</text>`);
  // Default colours skip the ones given explicitly, so no two series share a colour by accident.
  const free = PALETTE.filter((c) => !chart.series.some((x) => x.color === c));
  let next = 0;
  const colors = chart.series.map((x) => x.color ?? free[next++ % free.length]);
  chart.series.forEach((s, k) => {
    const color = colors[k];
    const visible = s.x
      .map((x, i) => [x, s.y[i]] as const)
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!chart.logY || y > 0));
    const d = visible.map(([x, y], i) => `${i === 0 ? "M" : "L"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join("");
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
    // A lone point draws no line: mark it so it is not lost.
    if (visible.length === 1) out.push(`<circle cx="${sx(visible[0][0])}" cy="${sy(visible[0][1])}" r="3.5" fill="${color}"/>`);
    const ly = m.top + 10 + k * 18;
    out.push(`<line x1="${m.left + pw + 12}" x2="${m.left + pw + 36}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
    out.push(`<text x="${m.left + pw + 42}" y="${ly + 4}">${escape(s.label)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}

/** Writes an SVG line chart to `path` (creating folders). */
export function writeLineChart(path: string, chart: LineChart): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, lineChartSvg(chart));
}
