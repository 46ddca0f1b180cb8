import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { PNG } from "pngjs";

/** One field on a square grid: `values[row · resolution + col]`, top row first. */
export interface HeatmapPanel {
  title: string;
  values: ArrayLike<number>;
  resolution: number;
  /** Colour scale; default the values' own [min, max]. */
  range?: [number, number];
}

/** A diverging blue–white–red scale on [0, 1]. */
function colour(t: number): [number, number, number] {
  const c = Math.min(1, Math.max(0, t));
  if (c < 0.5) {
    const s = c / 0.5;
    return [Math.round(40 + 215 * s), Math.round(90 + 165 * s), 255];
  }
  const s = (c - 0.5) / 0.5;
  return [255, Math.round(255 - 175 * s), Math.round(255 - 215 * s)];
}

function panelPng(panel: HeatmapPanel, pixels: number, lo: number, hi: number): Buffer {
  const png = new PNG({ width: pixels, height: pixels });
  const r = panel.resolution;
  for (let py = 0; py < pixels; py++) {
    for (let px = 0; px < pixels; px++) {
      const v = panel.values[Math.floor((py * r) / pixels) * r + Math.floor((px * r) / pixels)];
      const [R, G, B] = colour(hi > lo ? (v - lo) / (hi - lo) : 0.5);
      const o = (py * pixels + px) * 4;
      png.data[o] = R;
      png.data[o + 1] = G;
      png.data[o + 2] = B;
      png.data[o + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

/**
 * Writes `<base>.svg`: the panels side by side, each a raster with its title and its colour
 * scale's ends, over the square `[x0, x1]²`.
 */
export function writeHeatmaps(base: string, title: string, panels: readonly HeatmapPanel[], extent: [number, number], pixels = 260): void {
  mkdirSync(dirname(base), { recursive: true });
  const gap = 40;
  const w = gap + panels.length * (pixels + gap);
  const h = 60 + pixels + 60;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${title}</text>`,
  ];
  panels.forEach((panel, i) => {
    let [lo, hi] = panel.range ?? [Infinity, -Infinity];
    if (panel.range === undefined) for (let k = 0; k < panel.values.length; k++) [lo, hi] = [Math.min(lo, panel.values[k]), Math.max(hi, panel.values[k])];
    const x = gap + i * (pixels + gap);
    const png = panelPng(panel, pixels, lo, hi);
    out.push(`<text x="${x + pixels / 2}" y="48" text-anchor="middle">${panel.title}</text>`);
    out.push(`<image x="${x}" y="56" width="${pixels}" height="${pixels}" xlink:href="data:image/png;base64,${png.toString("base64")}"/>`);
    out.push(`<rect x="${x}" y="56" width="${pixels}" height="${pixels}" fill="none" stroke="#333"/>`);
    out.push(`<text x="${x}" y="${72 + pixels}" font-size="10">x, y ∈ [${extent[0]}, ${extent[1]}]</text>`);
    out.push(`<text x="${x + pixels}" y="${72 + pixels}" font-size="10" text-anchor="end">blue ${lo.toPrecision(3)} … red ${hi.toPrecision(3)}</text>`);
  });
  out.push("</svg>");
  writeFileSync(`${base}.svg`, out.join("\n"));
}
