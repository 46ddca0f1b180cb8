import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { PALETTE, ticks, type Series } from "./svg-chart.js";

/** One small chart of a grid of panels. */
export interface Panel {
  title: string;
  series: readonly Series[];
}

/** A grid of small line charts sharing one legend (one panel per KAN edge, say). */
export interface PanelGrid {
  title: string;
  /** A line under the title. */
  subtitle?: string;
  /** Panels row by row; `null` leaves a cell empty. */
  rows: readonly (readonly (Panel | null)[])[];
  /** Labels shown on the left of each row. */
  rowLabels?: readonly string[];
  panelWidth?: number;
  panelHeight?: number;
}

function escape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function fmt(v: number): string {
  return String(Number(v.toPrecision(2)));
}

function panelSvg(panel: Panel, x: number, y: number, w: number, h: number): string[] {
  const m = { left: 34, right: 8, top: 20, bottom: 20 };
  const pw = w - m.left - m.right;
  const ph = h - m.top - m.bottom;
  const xs = panel.series.flatMap((s) => s.x.filter(Number.isFinite));
  const ys = panel.series.flatMap((s) => s.y.filter(Number.isFinite));
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (!(x1 > x0)) [x0, x1] = [x0 - 1, x0 + 1];
  if (!(y1 - y0 > 1e-6)) [y0, y1] = [y0 - 0.5, y0 + 0.5];
  const pad = (y1 - y0) * 0.08;
  [y0, y1] = [y0 - pad, y1 + pad];
  const sx = (v: number) => x + m.left + ((v - x0) / (x1 - x0)) * pw;
  const sy = (v: number) => y + m.top + ph - ((v - y0) / (y1 - y0)) * ph;
  const out = [`<text x="${x + m.left + pw / 2}" y="${y + 14}" text-anchor="middle" font-size="11" font-weight="bold">${escape(panel.title)}</text>`];
  for (const t of ticks(y0, y1, 3)) {
    out.push(`<line x1="${x + m.left}" x2="${x + m.left + pw}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${x + m.left - 3}" y="${(sy(t) + 3).toFixed(1)}" text-anchor="end" font-size="9">${fmt(t)}</text>`);
  }
  for (const t of ticks(x0, x1, 4)) {
    out.push(`<text x="${sx(t).toFixed(1)}" y="${y + m.top + ph + 12}" text-anchor="middle" font-size="9">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${x + m.left}" y="${y + m.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  panel.series.forEach((s, k) => {
    const d = s.x.map((v, i) => `${i === 0 ? "M" : "L"}${sx(v).toFixed(1)},${sy(s.y[i]).toFixed(1)}`).join("");
    out.push(`<path d="${d}" fill="none" stroke="${s.color ?? PALETTE[k % PALETTE.length]}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="4 3"' : ""}/>`);
  });
  return out;
}

/** Renders the grid as one SVG: a title, a legend from the first panel's series, then the panels. */
export function panelGridSvg(grid: PanelGrid): string {
  const pwid = grid.panelWidth ?? 170;
  const phei = grid.panelHeight ?? 130;
  const left = grid.rowLabels ? 125 : 10;
  const top = grid.subtitle ? 70 : 56;
  const cols = Math.max(...grid.rows.map((r) => r.length));
  const width = left + cols * pwid + 10;
  const height = top + grid.rows.length * phei + 10;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escape(grid.title)}</text>`,
  ];
  if (grid.subtitle) out.push(`<text x="${width / 2}" y="40" text-anchor="middle" font-size="11" fill="#444">${escape(grid.subtitle)}</text>`);
  const legend = grid.rows.flat().find((p): p is Panel => p !== null)?.series ?? [];
  let lx = left + 10;
  const ly = top - 10;
  legend.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ""}/>`);
    out.push(`<text x="${lx + 30}" y="${ly + 4}" font-size="11">${escape(s.label)}</text>`);
    lx += 40 + 6.5 * s.label.length;
  });
  grid.rows.forEach((row, r) => {
    const label = grid.rowLabels?.[r];
    if (label) out.push(`<text x="${left - 8}" y="${top + r * phei + phei / 2}" text-anchor="end" font-size="12">${escape(label)}</text>`);
    row.forEach((panel, c) => {
      if (panel !== null) out.push(...panelSvg(panel, left + c * pwid, top + r * phei, pwid, phei));
    });
  });
  out.push("</svg>");
  return out.join("\n");
}

/** Writes the panel grid to `path` (creating folders). */
export function writePanelGrid(path: string, grid: PanelGrid): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, panelGridSvg(grid));
}
