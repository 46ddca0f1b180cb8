// Messages between the page and the training worker.
import type { PlaygroundState } from "./state.js";

/** A curve over x ∈ [−5, 5]: values and derivatives, one row per unit (or one for a shared parameter). */
export interface Curves {
  /** Which hidden layer (0-based). */
  layer: number;
  /** Rows of `CURVE_POINTS` values each. */
  values: Float32Array[];
  derivatives: Float32Array[];
  /** Short description of a row: "unit 3", "x₁ → 2" … */
  labels: string[];
}

/** The learned parameters of one hidden layer's activation: name → values (one per unit or one). */
export interface ActivationParams {
  layer: number;
  params: Record<string, number[]>;
}

/** Statistics of one weight layer (hidden layers first, the output layer last). */
export interface LayerStats {
  /** Mean over the steps since the last snapshot of ‖∂L/∂θ‖₂ over the layer's weights and biases. */
  gradNorm: number;
  /** Share of the layer's units whose output is 0 on every training point (dead ReLUs). */
  deadFraction: number;
  /** Mean and standard deviation of the layer's outputs over the training points and units. */
  mean: number;
  std: number;
}

export interface Snapshot {
  type: "snapshot";
  /** Increases with every reset, so stale snapshots can be dropped. */
  generation: number;
  step: number;
  epoch: number;
  trainLoss: number;
  testLoss: number;
  /** Output heat map, `OUTPUT_GRID²` values in [−1, 1], row 0 at the top (x₂ = 6). */
  output: Float32Array;
  /** One `NEURON_GRID²` heat map per hidden unit, layer by layer. */
  neurons: Float32Array[][];
  /** Weights `[out][in]` and biases `[out]` of every weight layer (for KAN: the base weights). */
  weights: number[][][];
  biases: number[][];
  stats: LayerStats[] | null;
  curves: Curves[];
  params: ActivationParams[];
  playing: boolean;
  /** Which kernels typegrad runs in the worker (`kernelInfo().active`). */
  kernels: string;
  /** Why WebAssembly kernels are not in use, when they are not. */
  kernelNote: string;
}

export type ToWorker =
  | { type: "reset"; state: PlaygroundState; generation: number }
  | { type: "update"; state: PlaygroundState }
  | { type: "play" }
  | { type: "pause" }
  | { type: "step"; id: number; steps?: number; epochs?: number }
  | { type: "setWeight"; id: number; layer: number; unit: number; input: number; value: number }
  | { type: "kanGridUpdate"; id: number }
  | { type: "export"; id: number; format: "safetensors" | "onnx" }
  | { type: "import"; id: number; bytes: Uint8Array; generation: number }
  | { type: "predict"; id: number; xs: number[]; ys: number[] };

export type FromWorker =
  | Snapshot
  | { type: "reply"; id: number; ok: true; value?: unknown; bytes?: Uint8Array; state?: PlaygroundState }
  | { type: "reply"; id: number; ok: false; error: string }
  | { type: "error"; message: string };

/** Resolution of the output heat map and of each neuron's heat map. */
export const OUTPUT_GRID = 80;
export const NEURON_GRID = 24;
/** Points of each activation curve over [−5, 5]. */
export const CURVE_POINTS = 121;
export const CURVE_RANGE = 5;
/** The plane shown: [−6, 6]². */
export const DOMAIN = 6;
