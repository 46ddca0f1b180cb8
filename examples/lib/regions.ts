import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { PNG } from "pngjs";
import { PALETTE, ticks } from "./svg-chart.js";

/** A 2-D classification picture: the model's decision regions with the data points on top. */
export interface RegionsPlot {
  title: string;
  /** Predicted class of each point of a `resolution × resolution` grid, row-major, top row first. */
  gridClasses: ArrayLike<number>;
  resolution: number;
  xRange: [number, number];
  yRange: [number, number];
  /** Data points `[x, y]` and their true classes. */
  points: readonly (readonly [number, number])[];
  labels: ArrayLike<number>;
  classNames?: readonly string[];
}

function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The decision regions as a PNG (pale class colours, points in full colour with a dark rim). */
export function regionsPng(plot: RegionsPlot, pixels = 400): Buffer {
  const png = new PNG({ width: pixels, height: pixels });
  const { resolution: r } = plot;
  for (let py = 0; py < pixels; py++) {
    for (let px = 0; px < pixels; px++) {
      const c = plot.gridClasses[Math.floor((py * r) / pixels) * r + Math.floor((px * r) / pixels)];
      const [R, G, B] = hexToRgb(PALETTE[c % PALETTE.length]);
      const o = (py * pixels + px) * 4;
      png.data[o] = Math.round(R * 0.35 + 255 * 0.65);
      png.data[o + 1] = Math.round(G * 0.35 + 255 * 0.65);
      png.data[o + 2] = Math.round(B * 0.35 + 255 * 0.65);
      png.data[o + 3] = 255;
    }
  }
  const [x0, x1] = plot.xRange;
  const [y0, y1] = plot.yRange;
  plot.points.forEach(([x, y], i) => {
    const cx = ((x - x0) / (x1 - x0)) * pixels;
    const cy = (1 - (y - y0) / (y1 - y0)) * pixels;
    const [R, G, B] = hexToRgb(PALETTE[plot.labels[i] % PALETTE.length]);
    for (let dy = -4; dy <= 4; dy++) {
      for (let dx = -4; dx <= 4; dx++) {
        const d2 = dx * dx + dy * dy;
        const px = Math.round(cx + dx);
        const py = Math.round(cy + dy);
        if (d2 > 16 || px < 0 || py < 0 || px >= pixels || py >= pixels) continue;
        const o = (py * pixels + px) * 4;
        const rim = d2 > 9;
        png.data[o] = rim ? 40 : R;
        png.data[o + 1] = rim ? 40 : G;
        png.data[o + 2] = rim ? 40 : B;
      }
    }
  });
  return PNG.sync.write(png);
}

/** The same picture as SVG: the PNG raster with axes, ticks, a title and a legend. */
export function regionsSvg(plot: RegionsPlot, png: Buffer, pixels = 400): string {
  const m = { left: 50, top: 40, right: 130, bottom: 40 };
  const w = m.left + pixels + m.right;
  const h = m.top + pixels + m.bottom;
  const [x0, x1] = plot.xRange;
  const [y0, y1] = plot.yRange;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${m.left + pixels / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${plot.title}</text>`,
    `<image x="${m.left}" y="${m.top}" width="${pixels}" height="${pixels}" xlink:href="data:image/png;base64,${png.toString("base64")}"/>`,
    `<rect x="${m.left}" y="${m.top}" width="${pixels}" height="${pixels}" fill="none" stroke="#333"/>`,
  ];
  for (const t of ticks(x0, x1, 5)) {
    const x = m.left + ((t - x0) / (x1 - x0)) * pixels;
    out.push(`<text x="${x}" y="${m.top + pixels + 16}" text-anchor="middle">${Number(t.toPrecision(3))}</text>`);
  }
  for (const t of ticks(y0, y1, 5)) {
    const y = m.top + (1 - (t - y0) / (y1 - y0)) * pixels;
    out.push(`<text x="${m.left - 6}" y="${y + 4}" text-anchor="end">${Number(t.toPrecision(3))}</text>`);
  }
  out.push(`<text x="${m.left + pixels / 2}" y="${h - 6}" text-anchor="middle">x₁</text>`);
  out.push(`<text x="16" y="${m.top + pixels / 2}" text-anchor="middle">x₂</text>`);
  const classes = Math.max(...Array.from(plot.labels)) + 1;
  for (let c = 0; c < classes; c++) {
    const y = m.top + 12 + c * 20;
    out.push(`<circle cx="${m.left + pixels + 20}" cy="${y}" r="5" fill="${PALETTE[c % PALETTE.length]}" stroke="#282828"/>`);
    out.push(`<text x="${m.left + pixels + 32}" y="${y + 4}">${plot.classNames?.[c] ?? `class ${c}`}</text>`);
  }
  out.push(`<text x="${m.left + pixels + 12}" y="${m.top + 20 + classes * 20}" font-size="11" fill="#555">shaded: predicted</text>`);
  out.push(`<text x="${m.left + pixels + 12}" y="${m.top + 34 + classes * 20}" font-size="11" fill="#555">dots: true class</text>`);
  out.push("</svg>");
  return out.join("\n");
}

/** Writes `<base>.png` and `<base>.svg` (the SVG adds axes, title and legend). */
export function writeRegions(base: string, plot: RegionsPlot): void {
  mkdirSync(dirname(base), { recursive: true });
  const png = regionsPng(plot);
  writeFileSync(`${base}.png`, png);
  writeFileSync(`${base}.svg`, regionsSvg(plot, png));
}
