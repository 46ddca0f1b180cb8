// The network diagram: feature tiles, a heat-map tile per hidden unit, the output tile, and
// links coloured and sized by weight. Tiles are buttons; links show their weight on hover.
import { FEATURE_FUNCTIONS, FEATURE_LABELS } from "./features.js";
import { el } from "./dom.js";
import { gridPointsFloat } from "./grid.js";
import { NEURON_GRID, type Snapshot } from "./protocol.js";
import { cssColor, drawHeatmap } from "./render.js";
import { FEATURES, MAX_UNITS, type FeatureName, type PlaygroundState } from "./state.js";

/** A unit of the diagram: weight layer `layer` (0 = first hidden layer; the last is the output), unit `unit`. */
export interface UnitRef {
  layer: number;
  unit: number;
}

export interface NetworkViewHandlers {
  toggleFeature(feature: FeatureName): void;
  addUnit(layer: number, delta: number): void;
  select(unit: UnitRef | null): void;
}

const SVG = "http://www.w3.org/2000/svg";

/** Static heat maps of the input features (values scaled into [−1, 1]). */
const featureMaps = new Map<FeatureName, Float32Array>();
function featureMap(f: FeatureName): Float32Array {
  let map = featureMaps.get(f);
  if (!map) {
    const { xs, ys } = gridPointsFloat(NEURON_GRID);
    map = new Float32Array(xs.length);
    let max = 0;
    for (let i = 0; i < xs.length; i++) {
      map[i] = FEATURE_FUNCTIONS[f](xs[i], ys[i]);
      max = Math.max(max, Math.abs(map[i]));
    }
    for (let i = 0; i < map.length; i++) map[i] /= max || 1;
    featureMaps.set(f, map);
  }
  return map;
}

interface Link {
  path: SVGPathElement;
  layer: number;
  from: number;
  to: number;
  fromLabel: string;
  toLabel: string;
}

export class NetworkView {
  readonly #root: HTMLElement;
  readonly #handlers: NetworkViewHandlers;
  #links: Link[] = [];
  #biasRects: SVGRectElement[][] = [];
  #tiles: HTMLCanvasElement[][] = [];
  #tooltip: HTMLElement;
  #selected: UnitRef | null = null;
  #tileButtons: HTMLButtonElement[][] = [];

  constructor(root: HTMLElement, tooltip: HTMLElement, handlers: NetworkViewHandlers) {
    this.#root = root;
    this.#tooltip = tooltip;
    this.#handlers = handlers;
  }

  get selected(): UnitRef | null {
    return this.#selected;
  }

  setSelected(unit: UnitRef | null): void {
    this.#selected = unit;
    this.#tileButtons.forEach((col, l) =>
      col.forEach((b, u) => {
        const on = unit !== null && unit.layer === l && unit.unit === u;
        b.classList.toggle("selected", on);
        b.setAttribute("aria-pressed", String(on));
      }),
    );
  }

  /** Unit label as shown in tooltips and the inspector. */
  static unitLabel(state: PlaygroundState, ref: UnitRef): string {
    return ref.layer === state.networkShape.length ? "output" : `layer ${ref.layer + 1}, unit ${ref.unit + 1}`;
  }

  /** Rebuilds the diagram for a network shape (after any reset). */
  build(state: PlaygroundState): void {
    const root = this.#root;
    root.replaceChildren();
    this.#links = [];
    this.#tiles = [];
    this.#biasRects = [];
    this.#tileButtons = [];
    const width = root.clientWidth || 500;
    const height = root.clientHeight || 420;
    const shape = state.networkShape;
    const maxUnits = Math.max(FEATURES.length, ...shape);
    const tile = Math.max(12, Math.min(34, Math.floor((height - 44) / maxUnits) - 6));
    const gap = Math.min(12, Math.max(3, Math.floor((height - 44 - maxUnits * tile) / Math.max(1, maxUnits))));
    const columns = shape.length + 2; // features, hidden layers, output
    const left = 62;
    const right = width - tile - 8;
    const xOf = (c: number): number => (columns === 1 ? left : left + ((right - left) * c) / (columns - 1));
    const top = 40;
    const yOf = (i: number, n: number): number => top + (height - top - 8 - n * tile - (n - 1) * gap) / 2 + i * (tile + gap);

    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", String(width));
    svg.setAttribute("height", String(height));
    svg.classList.add("links");
    root.append(svg);

    const active = FEATURES.filter((f) => state.features[f]);
    const positions: { x: number; y: number }[][] = [];
    // Input column: every feature, active ones linked.
    positions.push(
      active.map((f) => {
        const i = FEATURES.indexOf(f);
        return { x: xOf(0), y: yOf(i, FEATURES.length) };
      }),
    );
    FEATURES.forEach((f, i) => {
      const on = state.features[f];
      const canvas = el("canvas", { width: String(tile), height: String(tile), "aria-hidden": "true" });
      const button = el("button", {
        type: "button",
        class: `tile feature${on ? " on" : ""}`,
        "aria-pressed": String(on),
        "aria-label": `Feature ${FEATURE_LABELS[f]}: ${on ? "on" : "off"}`,
        "data-feature": f,
        title: `${FEATURE_LABELS[f]} — click to turn ${on ? "off" : "on"}`,
      }, [canvas]);
      button.style.cssText = `left:${xOf(0)}px;top:${yOf(i, FEATURES.length)}px;width:${tile}px;height:${tile}px`;
      button.addEventListener("click", () => this.#handlers.toggleFeature(f));
      const label = el("span", { class: "feature-label", text: FEATURE_LABELS[f], "aria-hidden": "true" });
      label.style.cssText = `top:${yOf(i, FEATURES.length) + tile / 2 - 8}px;right:${width - xOf(0) + 6}px`;
      root.append(button, label);
      drawHeatmap(canvas, featureMap(f), NEURON_GRID);
    });

    const widths = [...shape, 1];
    widths.forEach((n, l) => {
      const c = l + 1;
      const col: { x: number; y: number }[] = [];
      const tiles: HTMLCanvasElement[] = [];
      const buttons: HTMLButtonElement[] = [];
      const isOutput = l === shape.length;
      for (let u = 0; u < n; u++) {
        const pos = { x: xOf(c), y: yOf(u, n) };
        col.push(pos);
        const canvas = el("canvas", { width: String(tile), height: String(tile), "aria-hidden": "true" });
        const ref = { layer: l, unit: u };
        const button = el("button", {
          type: "button",
          class: `tile unit${isOutput ? " out" : ""}`,
          "aria-pressed": "false",
          "aria-label": `${NetworkView.unitLabel(state, ref)}: show its heat map and edit its weights`,
          "data-layer": String(l),
          "data-unit": String(u),
        }, [canvas]);
        button.style.cssText = `left:${pos.x}px;top:${pos.y}px;width:${tile}px;height:${tile}px`;
        button.addEventListener("click", () => {
          const same = this.#selected !== null && this.#selected.layer === l && this.#selected.unit === u;
          this.#handlers.select(same ? null : ref);
        });
        root.append(button);
        tiles.push(canvas);
        buttons.push(button);
      }
      this.#tiles.push(tiles);
      this.#tileButtons.push(buttons);
      positions.push(col);
      if (!isOutput) {
        const controls = el("div", { class: "unit-controls" }, [
          el("button", { type: "button", class: "small", "aria-label": `Add a unit to layer ${l + 1}`, text: "+" }),
          el("button", { type: "button", class: "small", "aria-label": `Remove a unit from layer ${l + 1}`, text: "−" }),
          el("span", { class: "units-label", text: `${n} ${n === 1 ? "unit" : "units"}` }),
        ]);
        const [plus, minus] = controls.querySelectorAll("button");
        (plus as HTMLButtonElement).disabled = n >= MAX_UNITS;
        (minus as HTMLButtonElement).disabled = n <= 1;
        plus.addEventListener("click", () => this.#handlers.addUnit(l, 1));
        minus.addEventListener("click", () => this.#handlers.addUnit(l, -1));
        controls.style.cssText = `left:${xOf(c) + tile / 2}px;top:4px`;
        root.append(controls);
      }
    });

    // Links and bias squares.
    const activeLabels = active.map((f) => FEATURE_LABELS[f]);
    for (let l = 0; l < widths.length; l++) {
      const from = positions[l];
      const to = positions[l + 1];
      for (let j = 0; j < to.length; j++) {
        for (let i = 0; i < from.length; i++) {
          const a = { x: from[i].x + tile, y: from[i].y + tile / 2 };
          const b = { x: to[j].x, y: to[j].y + tile / 2 };
          const mx = (a.x + b.x) / 2;
          const path = document.createElementNS(SVG, "path");
          path.setAttribute("d", `M${a.x},${a.y} C${mx},${a.y} ${mx},${b.y} ${b.x},${b.y}`);
          path.classList.add("link");
          svg.append(path);
          const link: Link = {
            path,
            layer: l,
            from: i,
            to: j,
            fromLabel: l === 0 ? activeLabels[i] : `layer ${l}, unit ${i + 1}`,
            toLabel: NetworkView.unitLabel(state, { layer: l, unit: j }),
          };
          path.addEventListener("mousemove", (e) => this.#showTip(e, link));
          path.addEventListener("mouseleave", () => (this.#tooltip.hidden = true));
          path.addEventListener("click", () => this.#handlers.select({ layer: l, unit: j }));
          this.#links.push(link);
        }
      }
      const rects: SVGRectElement[] = [];
      for (let j = 0; j < to.length; j++) {
        const r = document.createElementNS(SVG, "rect");
        r.setAttribute("x", String(to[j].x - 7));
        r.setAttribute("y", String(to[j].y + tile - 5));
        r.setAttribute("width", "5");
        r.setAttribute("height", "5");
        r.classList.add("bias");
        svg.append(r);
        rects.push(r);
      }
      this.#biasRects.push(rects);
    }
    this.setSelected(this.#selected);
  }

  #weights: number[][][] = [];
  #biases: number[][] = [];

  #showTip(e: MouseEvent, link: Link): void {
    const w = this.#weights[link.layer]?.[link.to]?.[link.from];
    this.#tooltip.textContent = `weight ${w === undefined ? "–" : w.toPrecision(4)}: ${link.fromLabel} → ${link.toLabel} (click to edit)`;
    this.#tooltip.hidden = false;
    this.#tooltip.style.left = `${e.clientX + 12}px`;
    this.#tooltip.style.top = `${e.clientY + 12}px`;
  }

  /** Redraws the tiles, links and biases from a snapshot. */
  update(snapshot: Snapshot, discretize: boolean): void {
    this.#weights = snapshot.weights;
    this.#biases = snapshot.biases;
    snapshot.neurons.forEach((maps, l) =>
      maps.forEach((map, u) => {
        const canvas = this.#tiles[l]?.[u];
        if (canvas) drawHeatmap(canvas, map, NEURON_GRID, discretize);
      }),
    );
    const dash = String(-snapshot.step / 30);
    for (const link of this.#links) {
      const w = snapshot.weights[link.layer]?.[link.to]?.[link.from] ?? 0;
      link.path.style.stroke = cssColor(w);
      link.path.style.strokeWidth = String(0.6 + Math.min(Math.abs(w), 5) * 1.6);
      link.path.style.strokeDashoffset = dash;
    }
    this.#biasRects.forEach((rects, l) => rects.forEach((r, j) => (r.style.fill = cssColor(snapshot.biases[l]?.[j] ?? 0))));
  }

  weightsOf(ref: UnitRef): { weights: number[]; bias: number } | null {
    const w = this.#weights[ref.layer]?.[ref.unit];
    const b = this.#biases[ref.layer]?.[ref.unit];
    return w === undefined || b === undefined ? null : { weights: w, bias: b };
  }
}
