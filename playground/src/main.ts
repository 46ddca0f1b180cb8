// The page: controls, the URL hash, the worker, and a render loop that draws the latest
// snapshot once per animation frame (so the drawing rate does not depend on the step rate).
import { generatePoints, makeData, type PlaygroundData } from "./datasets.js";
import { byId, checkControl, el, numberControl, selectControl, sliderControl } from "./dom.js";
import { NetworkView } from "./network-view.js";
import { ActivationPanel, GradientPanel } from "./panels.js";
import { NEURON_GRID, OUTPUT_GRID, type FromWorker, type Snapshot, type ToWorker } from "./protocol.js";
import { cssColor, drawChart, drawHeatmap, drawPoints, fitCanvas, invalidateCanvasSizes } from "./render.js";
import { FEATURE_LABELS } from "./features.js";
import {
  ACTIVATION_LABELS,
  ACTIVATIONS,
  CLASSIFICATION_DATASETS,
  LEARNING_RATES,
  MAX_BATCH,
  MAX_HIDDEN_LAYERS,
  OPTIMIZERS,
  REGRESSION_DATASETS,
  REGULARIZATION_RATES,
  REGULARIZATIONS,
  TRAINABLE_ACTIVATIONS,
  activeFeatures,
  decodeState,
  defaultState,
  encodeState,
  sanitize,
  type ClassificationDataset,
  type PlaygroundState,
  type RegressionDataset,
} from "./state.js";

type Change = "reset" | "live" | "view";

let state: PlaygroundState = decodeState(location.hash);
let data: PlaygroundData = makeData(state);
let latest: Snapshot | null = null;
let dirty = false;
let playing = false;
let generation = 0;
let lossHistory: { step: number[]; train: number[]; test: number[] } = { step: [], train: [], test: [] };

const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
const pending = new Map<number, { resolve: (m: Extract<FromWorker, { type: "reply" }>) => void }>();
let nextId = 1;

function send(message: ToWorker, transfer: Transferable[] = []): void {
  worker.postMessage(message, transfer);
}

/** Sends a request and resolves with the worker's reply (rejects with its error). */
function request(make: (id: number) => ToWorker, transfer: Transferable[] = []): Promise<Extract<FromWorker, { type: "reply"; ok: true }>> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, {
      resolve: (m) => (m.ok ? resolve(m) : reject(new Error(m.error))),
    });
    send(make(id), transfer);
  });
}

// ---------------------------------------------------------------- state and URL

function writeHash(): void {
  history.replaceState(null, "", `#${encodeState(state)}`);
}

function setState(patch: Partial<PlaygroundState>, change: Change): void {
  keepFocus(() => {
    state = sanitize({ ...state, ...patch });
    writeHash();
    if (change === "reset") reset();
    else if (change === "live") send({ type: "update", state });
    else dirty = true;
    renderControls();
  });
}

/**
 * Runs `rebuild` (which may replace controls) and gives the focus back to the control that
 * had it, found again by id, data attribute or label, so keyboard users keep their place.
 */
function keepFocus(rebuild: () => void): void {
  const active = document.activeElement as HTMLElement | null;
  const selector =
    active === null || active === document.body
      ? null
      : active.id
        ? `#${CSS.escape(active.id)}`
        : active.dataset.feature
          ? `[data-feature="${active.dataset.feature}"]`
          : active.dataset.dataset
            ? `[data-dataset="${active.dataset.dataset}"]`
            : active.getAttribute("aria-label")
              ? `[aria-label="${CSS.escape(active.getAttribute("aria-label")!)}"]`
              : null;
  rebuild();
  if (selector !== null && !document.activeElement?.matches(selector)) {
    const again = document.querySelector<HTMLElement>(selector);
    if (again && !(again as HTMLButtonElement).disabled) again.focus();
  }
}

function reset(): void {
  data = makeData(state);
  latest = null;
  lossHistory = { step: [], train: [], test: [] };
  generation++;
  setPlaying(false);
  view.setSelected(null);
  view.build(state);
  activationPanel.reset(state);
  send({ type: "reset", state, generation });
  renderInspector();
}

const PLAY_ICON = '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path fill="currentColor" d="M8 5v14l11-7z"/></svg>';
const PAUSE_ICON = '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path fill="currentColor" d="M6 5h4v14H6zM14 5h4v14h-4z"/></svg>';

function setPlaying(on: boolean): void {
  playing = on;
  send({ type: on ? "play" : "pause" });
  const play = byId<HTMLButtonElement>("play");
  play.innerHTML = on ? PAUSE_ICON : PLAY_ICON;
  play.setAttribute("aria-label", on ? "Pause" : "Train");
  play.classList.toggle("playing", on);
}

// ---------------------------------------------------------------- controls

const view = new NetworkView(byId("network"), byId("tooltip"), {
  toggleFeature(f) {
    const features = { ...state.features, [f]: !state.features[f] };
    if (!Object.values(features).some(Boolean)) return; // keep at least one input
    setState({ features }, "reset");
  },
  addUnit(layer, delta) {
    const shape = [...state.networkShape];
    shape[layer] += delta;
    setState({ networkShape: shape }, "reset");
  },
  select(unit) {
    view.setSelected(unit);
    dirty = true;
    renderInspector();
  },
});
const activationPanel = new ActivationPanel(byId("act-chart"), byId("param-chart"), byId("act-legend"), byId("param-values"), byId("act-name"));
const gradientPanel = new GradientPanel(byId("grad-chart"), byId<HTMLTableElement>("grad-table"));

const fmtRate = (v: number): string => String(v);

function renderControls(): void {
  const s = state;
  byId("settings").replaceChildren(
    selectControl("Learning rate", LEARNING_RATES.map((v) => ({ value: String(v), text: fmtRate(v) })), String(s.learningRate), (v) =>
      setState({ learningRate: Number(v) }, "live"), "learningRate"),
    selectControl("Activation", ACTIVATIONS.map((a) => ({ value: a, text: ACTIVATION_LABELS[a] })), s.activation, (v) =>
      setState({ activation: v as PlaygroundState["activation"] }, "reset"), "activation"),
    selectControl("Regularization", REGULARIZATIONS.map((r) => ({ value: r, text: r === "none" ? "None" : r })), s.regularization, (v) =>
      setState({ regularization: v as PlaygroundState["regularization"] }, "reset"), "regularization"),
    selectControl("Regularization rate", REGULARIZATION_RATES.map((v) => ({ value: String(v), text: fmtRate(v) })), String(s.regularizationRate), (v) =>
      setState({ regularizationRate: Number(v) }, "live"), "regularizationRate"),
    selectControl("Problem type", [{ value: "classification", text: "Classification" }, { value: "regression", text: "Regression" }], s.problem, (v) =>
      setState({ problem: v as PlaygroundState["problem"] }, "reset"), "problem"),
  );

  const options: HTMLElement[] = [];
  if (s.activation === "leakyRelu") {
    options.push(numberControl("Negative slope", s.leakySlope, (v) => setState({ leakySlope: v }, "reset"), { min: "0", max: "1", step: "0.01" }, "leakySlope"));
  }
  if (s.activation === "gelu") {
    options.push(selectControl("GELU form", [{ value: "none", text: "exact (erf)" }, { value: "tanh", text: "tanh approximation" }], s.geluApproximate, (v) =>
      setState({ geluApproximate: v as "none" | "tanh" }, "reset"), "geluApproximate"));
  }
  if (s.activation === "leaf") {
    options.push(selectControl("LEAF form", [{ value: "article", text: "article: max(0,x)+α·min(0,x)" }, { value: "extended", text: "published: (p₁x+p₂)σ(p₃x)+p₄" }], s.leafForm, (v) =>
      setState({ leafForm: v as "article" | "extended" }, "reset"), "leafForm"));
    if (s.leafForm === "extended") {
      options.push(selectControl("Preset", ["relu", "silu", "tanh", "sigmoid"].map((p) => ({ value: p, text: p })), s.leafPreset, (v) =>
        setState({ leafPreset: v as PlaygroundState["leafPreset"] }, "reset"), "leafPreset"));
    }
  }
  if (TRAINABLE_ACTIVATIONS.includes(s.activation)) {
    options.push(selectControl("Parameters", [{ value: "shared", text: "one per layer" }, { value: "unit", text: "one per unit" }], s.perUnit ? "unit" : "shared", (v) =>
      setState({ perUnit: v === "unit" }, "reset"), "perUnit"));
  }
  if (s.activation === "kan") {
    options.push(numberControl("Grid size", s.kanGridSize, (v) => setState({ kanGridSize: v }, "reset"), { min: "1", max: "20", step: "1" }, "kanGridSize"));
    options.push(numberControl("Spline order", s.kanSplineOrder, (v) => setState({ kanSplineOrder: v }, "reset"), { min: "1", max: "5", step: "1" }, "kanSplineOrder"));
    const update = el("button", { type: "button", id: "kan-grid-update", text: "Update grid to data" });
    update.addEventListener("click", () => {
      request((id) => ({ type: "kanGridUpdate", id })).then(
        () => status("KAN grids adapted to the training inputs (function kept)."),
        (e: Error) => status(e.message, true),
      );
    });
    options.push(el("div", { class: "control" }, [update]));
  }
  const optimizer = [
    selectControl("Optimizer", OPTIMIZERS.map((o) => ({ value: o, text: { sgd: "SGD", adam: "Adam", adamw: "AdamW" }[o] })), s.optimizer, (v) =>
      setState({ optimizer: v as PlaygroundState["optimizer"] }, "reset"), "optimizer"),
  ];
  if (s.optimizer === "sgd") {
    optimizer.push(numberControl("Momentum", s.momentum, (v) => setState({ momentum: v }, "reset"), { min: "0", max: "0.99", step: "0.1" }, "momentum"));
  }
  byId("settings2").replaceChildren(
    el("div", { class: "group act-options", role: "group", "aria-label": "Activation options" }, options.length ? options : [el("span", { class: "hint", text: "no options for this activation" })]),
    el("div", { class: "group", role: "group", "aria-label": "Optimizer" }, optimizer),
    el("div", { class: "group" }, [numberControl("Seed", s.seed, (v) => setState({ seed: v }, "reset"), { step: "1" }, "seed")]),
    el("div", { class: "group kernels", id: "kernels", text: latest ? kernelText(latest) : "" }),
  );

  // Data column.
  const classify = s.problem === "classification";
  const names: readonly (ClassificationDataset | RegressionDataset)[] = classify ? CLASSIFICATION_DATASETS : REGRESSION_DATASETS;
  const current = classify ? s.dataset : s.regDataset;
  byId("datasets").replaceChildren(
    ...names.map((name) => {
      const canvas = el("canvas", { width: "52", height: "52", "aria-hidden": "true" });
      const button = el("button", {
        type: "button",
        class: `dataset${name === current ? " selected" : ""}`,
        "aria-pressed": String(name === current),
        "aria-label": `Data set: ${name}`,
        title: name,
        "data-dataset": name,
      }, [canvas]);
      button.addEventListener("click", () => setState(classify ? { dataset: name as ClassificationDataset } : { regDataset: name as RegressionDataset }, "reset"));
      drawThumbnail(canvas, name);
      return button;
    }),
  );
  const regenerate = el("button", { type: "button", id: "regenerate", class: "wide", text: "Regenerate" });
  regenerate.addEventListener("click", () => setState({ seed: Math.floor(Math.random() * 1e6) }, "reset"));
  byId("data-controls").replaceChildren(
    sliderControl("Ratio of training to test data", 10, 90, 10, s.percTrainData, (v) => setState({ percTrainData: v }, "reset"), " %", "percTrainData"),
    sliderControl("Noise", 0, 50, 5, s.noise, (v) => setState({ noise: v }, "reset"), "", "noise"),
    sliderControl("Batch size", 1, MAX_BATCH, 1, s.batchSize, (v) => setState({ batchSize: v }, "reset"), "", "batchSize"),
    regenerate,
    checkControl("Initialise to zero", s.initZero, (v) => setState({ initZero: v }, "reset"), "initZero"),
    checkControl("Collect statistics", s.collectStats, (v) => setState({ collectStats: v }, "live"), "collectStats"),
  );

  byId("output-controls").replaceChildren(
    checkControl("Show test data", s.showTestData, (v) => setState({ showTestData: v }, "view"), "showTestData"),
    checkControl("Discretize output", s.discretize, (v) => setState({ discretize: v }, "view"), "discretize"),
  );
  byId("layer-count").textContent = String(s.networkShape.length);
  byId("h-network").lastChild!.textContent = s.networkShape.length === 1 ? " hidden layer" : " hidden layers";
  byId<HTMLButtonElement>("add-layer").disabled = s.networkShape.length >= MAX_HIDDEN_LAYERS;
  byId<HTMLButtonElement>("remove-layer").disabled = s.networkShape.length === 0;
}

const thumbnails = new Map<string, ImageData>();
function drawThumbnail(canvas: HTMLCanvasElement, name: ClassificationDataset | RegressionDataset): void {
  const ctx = canvas.getContext("2d")!;
  const cached = thumbnails.get(name);
  if (cached) {
    ctx.putImageData(cached, 0, 0);
    return;
  }
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (const p of generatePoints(name, 200, 0, "thumbnail")) {
    ctx.fillStyle = cssColor(p.label);
    ctx.fillRect(((p.x + 6) / 12) * canvas.width - 1.5, ((6 - p.y) / 12) * canvas.height - 1.5, 3, 3);
  }
  thumbnails.set(name, ctx.getImageData(0, 0, canvas.width, canvas.height));
}

function kernelText(s: Snapshot): string {
  return `typegrad kernels in the worker: ${s.kernels}`;
}

function status(text: string, error = false): void {
  const node = byId("io-status");
  node.textContent = text;
  node.classList.toggle("error", error);
}

// ---------------------------------------------------------------- inspector (edit weights)

function renderInspector(): void {
  const root = byId("inspector");
  const ref = view.selected;
  if (ref === null || latest === null) {
    root.replaceChildren(el("span", { class: "hint", text: "Select a unit (click or Enter) to see its heat map and edit its weights; hover a link to read its weight." }));
    return;
  }
  const values = view.weightsOf(ref);
  if (values === null) return;
  const inputs = ref.layer === 0 ? activeFeatures(state).map((f) => FEATURE_LABELS[f]) : Array.from({ length: values.weights.length }, (_, i) => `L${ref.layer}·${i + 1}`);
  const kan = state.activation === "kan";
  const field = (label: string, value: number, input: number): HTMLElement => {
    const id = `w-${ref.layer}-${ref.unit}-${input}`;
    const box = el("input", { id, type: "number", step: "0.1", value: value.toPrecision(4), "data-input": String(input) });
    if (kan) box.disabled = true;
    box.addEventListener("change", () => {
      const v = Number(box.value);
      if (!Number.isFinite(v) || box.value.trim() === "") return;
      request((id) => ({ type: "setWeight", id, layer: ref.layer, unit: ref.unit, input, value: v })).catch((e: Error) => status(e.message, true));
    });
    return el("span", { class: "weight" }, [el("label", { for: id, text: label }), box]);
  };
  root.replaceChildren(
    el("div", { class: "inspector-title", text: `${NetworkView.unitLabel(state, ref)}${kan ? " (KAN: base weights, read only)" : ""}` }),
    el("div", { class: "weights" }, [field("bias", values.bias, -1), ...values.weights.map((w, i) => field(inputs[i], w, i))]),
  );
}

function refreshInspectorValues(): void {
  const ref = view.selected;
  if (ref === null) return;
  const values = view.weightsOf(ref);
  if (values === null) return;
  for (const box of byId("inspector").querySelectorAll<HTMLInputElement>("input[data-input]")) {
    if (document.activeElement === box) continue;
    const i = Number(box.dataset.input);
    box.value = (i === -1 ? values.bias : values.weights[i]).toPrecision(4);
  }
}

// ---------------------------------------------------------------- drawing

/** Sets an element's text only when it changes (a change costs a layout). */
function setText(id: string, text: string): void {
  const node = byId(id);
  if (node.textContent !== text) node.textContent = text;
}

/** Which data points the overlay shows (redrawn only when they change). */
let pointsDrawn = "";

function draw(): void {
  const s = latest;
  if (s === null) return;
  setText("epoch", String(s.epoch).padStart(6, "0").replace(/\B(?=(\d{3})+(?!\d))/g, ","));
  setText("stepno", s.step.toLocaleString("en-US"));
  setText("loss-test", Number.isFinite(s.testLoss) ? s.testLoss.toFixed(3) : "–");
  setText("loss-train", s.trainLoss.toFixed(3));
  byId("loss-test").dataset.value = String(s.testLoss);
  byId("loss-train").dataset.value = String(s.trainLoss);
  setText("kernels", kernelText(s));
  const ref = view.selected;
  const heat = byId<HTMLCanvasElement>("heatmap");
  if (ref !== null && s.neurons[ref.layer]?.[ref.unit]) {
    drawHeatmap(heat, s.neurons[ref.layer][ref.unit], NEURON_GRID, state.discretize);
    setText("output-note", `Showing ${NetworkView.unitLabel(state, ref)}; select it again for the output.`);
  } else {
    drawHeatmap(heat, s.output, OUTPUT_GRID, state.discretize);
    setText("output-note", state.problem === "classification" ? "Output: 2·P(blue) − 1" : "Output: predicted value");
  }
  const pointsKey = `${generation}:${state.showTestData}`;
  if (pointsKey !== pointsDrawn) {
    pointsDrawn = pointsKey;
    const pointsCanvas = byId<HTMLCanvasElement>("points");
    const { ctx, width, height } = fitCanvas(pointsCanvas);
    ctx.clearRect(0, 0, width, height);
    drawPoints(pointsCanvas, data.train.points, false);
    if (state.showTestData) drawPoints(pointsCanvas, data.test.points, true);
  }
  drawChart(byId("loss-chart"), [
    { values: lossHistory.train, xs: lossHistory.step, color: "#999" },
    { values: lossHistory.test, xs: lossHistory.step, color: "#222" },
  ], { yTicks: true });
  view.update(s, state.discretize);
  activationPanel.update(s);
  gradientPanel.update(s, state);
  refreshInspectorValues();
}

// Steps per second (from the snapshots) and frames per second (from the animation frames).
const rateWindow: { t: number; step: number }[] = [];
let frames: number[] = [];
let fpsValue = 0;
let stepsPerSecond = 0;
const drawTimes: number[] = [];

function frame(now: number): void {
  frames.push(now);
  while (frames.length && now - frames[0] > 1000) frames.shift();
  fpsValue = frames.length;
  if (dirty) {
    dirty = false;
    const t0 = performance.now();
    draw();
    drawTimes.push(performance.now() - t0);
    if (drawTimes.length > 60) drawTimes.shift();
  }
  requestAnimationFrame(frame);
}

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const msg = event.data;
  if (msg.type === "snapshot") {
    if (msg.generation !== generation) return; // from a network that has been replaced
    const isNew = latest === null;
    latest = msg;
    const last = lossHistory.step.at(-1);
    if (last === undefined || msg.step > last) {
      lossHistory.step.push(msg.step);
      lossHistory.train.push(msg.trainLoss);
      lossHistory.test.push(msg.testLoss);
      if (lossHistory.step.length > 2000) for (const k of ["step", "train", "test"] as const) lossHistory[k] = lossHistory[k].filter((_, i) => i % 2 === 0);
    }
    const now = performance.now();
    rateWindow.push({ t: now, step: msg.step });
    while (rateWindow.length > 2 && now - rateWindow[0].t > 2000) rateWindow.shift();
    const first = rateWindow[0];
    stepsPerSecond = msg.playing && now > first.t && msg.step >= first.step ? ((msg.step - first.step) * 1000) / (now - first.t) : 0;
    setText("rate", msg.playing ? Math.round(stepsPerSecond).toLocaleString("en-US") : "–");
    dirty = true;
    if (isNew) renderInspector();
  } else if (msg.type === "reply") {
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    p?.resolve(msg);
  } else {
    setPlaying(false);
    status(`Training stopped: ${msg.message}`, true);
  }
};
worker.onerror = (e) => status(`Worker error: ${e.message}`, true);

// ---------------------------------------------------------------- buttons, keyboard, files

byId("play").addEventListener("click", () => setPlaying(!playing));
byId("reset").addEventListener("click", () => reset());
byId("step").addEventListener("click", () => {
  setPlaying(false);
  request((id) => ({ type: "step", id, epochs: 1 })).catch((e: Error) => status(e.message, true));
});
byId("add-layer").addEventListener("click", () => setState({ networkShape: [...state.networkShape, 2] }, "reset"));
byId("remove-layer").addEventListener("click", () => setState({ networkShape: state.networkShape.slice(0, -1) }, "reset"));
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && view.selected !== null) {
    view.setSelected(null);
    dirty = true;
    renderInspector();
  }
});

function download(bytes: Uint8Array, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function fileStem(): string {
  const name = state.problem === "classification" ? state.dataset : state.regDataset;
  return `playground-${name}-${state.activation}-${state.networkShape.join("x") || "0"}-step${latest?.step ?? 0}`;
}

byId("export-st").addEventListener("click", () => {
  request((id) => ({ type: "export", id, format: "safetensors" })).then(
    (r) => {
      download(r.bytes!, `${fileStem()}.safetensors`, "application/octet-stream");
      status(`Saved ${fileStem()}.safetensors (${r.bytes!.length} bytes). Node: loadModel(path); input = [${activeFeatures(state).map((f) => FEATURE_LABELS[f]).join(", ")}].`);
    },
    (e: Error) => status(e.message, true),
  );
});
byId("export-onnx").addEventListener("click", () => {
  request((id) => ({ type: "export", id, format: "onnx" })).then(
    (r) => {
      download(r.bytes!, `${fileStem()}.onnx`, "application/octet-stream");
      status(`Saved ${fileStem()}.onnx (${r.bytes!.length} bytes).`);
    },
    (e: Error) => status(e.message, true),
  );
});
byId<HTMLInputElement>("import-st").addEventListener("change", async (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  if (!file) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  input.value = "";
  generation++; // the worker's snapshots of the loaded network carry this generation
  try {
    const reply = await request((id) => ({ type: "import", id, bytes, generation }), [bytes.buffer]);
    if (reply.state) {
      state = sanitize(reply.state);
      data = makeData(state);
      writeHash();
      renderControls();
    }
    lossHistory = { step: [], train: [], test: [] };
    setPlaying(false);
    view.setSelected(null);
    view.build(state);
    dirty = true;
    activationPanel.reset(state);
    renderInspector();
    status(`Loaded ${file.name}.`);
  } catch (error) {
    generation--; // nothing changed in the worker
    status(`Could not load ${file.name}: ${(error as Error).message}`, true);
  }
});

window.addEventListener("hashchange", () => {
  const next = decodeState(location.hash);
  if (encodeState(next) === encodeState(state)) return;
  state = next;
  renderControls();
  reset();
});
let resizeTimer = 0;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    invalidateCanvasSizes();
    pointsDrawn = "";
    view.build(state);
    dirty = true;
  }, 150);
});

// ---------------------------------------------------------------- automation hooks

/** What the page offers scripts (and the browser tests): state, snapshots, exact stepping. */
interface PlaygroundApi {
  state(): PlaygroundState;
  defaults(): PlaygroundState;
  snapshot(): Snapshot | null;
  /** Trains exactly `steps` optimiser steps (paused), then resolves with the losses. */
  runSteps(steps: number): Promise<{ step: number; epoch: number; train: number; test: number }>;
  /** Raw network outputs (logits for classification) at the points. */
  predict(xs: number[], ys: number[]): Promise<number[]>;
  /** Steps per second while playing, animation frames per second, mean time to draw a snapshot (ms). */
  metrics(): { stepsPerSecond: number; fps: number; playing: boolean; drawMs: number };
  /** Resolves once the first snapshot of the current network has arrived. */
  ready(): Promise<void>;
}

const api: PlaygroundApi = {
  state: () => structuredClone(state),
  defaults: () => defaultState(),
  snapshot: () => latest,
  async runSteps(steps) {
    setPlaying(false);
    const r = await request((id) => ({ type: "step", id, steps }));
    return r.value as { step: number; epoch: number; train: number; test: number };
  },
  async predict(xs, ys) {
    const r = await request((id) => ({ type: "predict", id, xs, ys }));
    return r.value as number[];
  },
  metrics: () => ({ stepsPerSecond, fps: fpsValue, playing, drawMs: drawTimes.reduce((a, b) => a + b, 0) / Math.max(1, drawTimes.length) }),
  ready: () =>
    new Promise<void>((resolve) => {
      const wanted = generation;
      const check = (): void => (latest !== null && generation === wanted ? resolve() : void setTimeout(check, 20));
      check();
    }),
};
(window as unknown as { playground: PlaygroundApi }).playground = api;

// ---------------------------------------------------------------- start

writeHash();
renderControls();
reset();
requestAnimationFrame(frame);
