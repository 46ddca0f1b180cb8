// The playground's whole setup: one plain object, its defaults, its limits, and its URL-hash form.

/** Classification data sets (labels ±1). */
export const CLASSIFICATION_DATASETS = ["circle", "xor", "gauss", "spiral", "moons", "checkerboard"] as const;
/** Regression data sets (targets in [−1, 1]), the TensorFlow Playground's two. */
export const REGRESSION_DATASETS = ["plane", "multigauss"] as const;
export type ClassificationDataset = (typeof CLASSIFICATION_DATASETS)[number];
export type RegressionDataset = (typeof REGRESSION_DATASETS)[number];

/** Every activation the playground offers; `kan` replaces the Dense layers by KAN layers. */
export const ACTIVATIONS = [
  "linear",
  "sigmoid",
  "tanh",
  "relu",
  "leakyRelu",
  "elu",
  "selu",
  "gelu",
  "silu",
  "swish",
  "mish",
  "softplus",
  "prelu",
  "leaf",
  "kan",
] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/** Human names of the activations, for the select box. */
export const ACTIVATION_LABELS: Record<ActivationName, string> = {
  linear: "Linear",
  sigmoid: "Sigmoid",
  tanh: "Tanh",
  relu: "ReLU",
  leakyRelu: "Leaky ReLU",
  elu: "ELU",
  selu: "SELU",
  gelu: "GELU",
  silu: "SiLU",
  swish: "Swish (trainable β)",
  mish: "Mish",
  softplus: "Softplus",
  prelu: "PReLU",
  leaf: "LEAF (trainable α)",
  kan: "KAN (spline layers)",
};

/** Activations with trainable parameters, which can be shared or one per unit. */
export const TRAINABLE_ACTIVATIONS: readonly ActivationName[] = ["swish", "prelu", "leaf"];

/** The input features, in the order they are fed to the network. */
export const FEATURES = ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2", "cosx1", "cosx2"] as const;
export type FeatureName = (typeof FEATURES)[number];

export const OPTIMIZERS = ["sgd", "adam", "adamw"] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export const REGULARIZATIONS = ["none", "L1", "L2"] as const;
export type RegularizationName = (typeof REGULARIZATIONS)[number];

/** The TensorFlow Playground's learning rates. */
export const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10] as const;
/** The TensorFlow Playground's regularisation rates. */
export const REGULARIZATION_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10] as const;

export const MAX_HIDDEN_LAYERS = 6;
export const MAX_UNITS = 32;
export const MAX_BATCH = 100;

export interface PlaygroundState {
  problem: "classification" | "regression";
  dataset: ClassificationDataset;
  regDataset: RegressionDataset;
  /** Noise, in percent (0–50). */
  noise: number;
  /** Share of the points used for training, in percent (10–90). */
  percTrainData: number;
  batchSize: number;
  features: Record<FeatureName, boolean>;
  /** Units of each hidden layer (0–6 layers, 1–32 units). */
  networkShape: number[];
  activation: ActivationName;
  /** Leaky ReLU's negative slope. */
  leakySlope: number;
  geluApproximate: "none" | "tanh";
  /** Swish/PReLU/LEAF parameters: one per layer, or one per unit. */
  perUnit: boolean;
  leafForm: "article" | "extended";
  leafPreset: "relu" | "silu" | "tanh" | "sigmoid";
  kanGridSize: number;
  kanSplineOrder: number;
  learningRate: number;
  optimizer: OptimizerName;
  momentum: number;
  regularization: RegularizationName;
  regularizationRate: number;
  seed: number;
  showTestData: boolean;
  discretize: boolean;
  /** Start every weight and bias at zero (the TensorFlow Playground's hidden `initZero`). */
  initZero: boolean;
  /** Collect the per-layer statistics of the gradient panel while training. */
  collectStats: boolean;
}

export function defaultState(): PlaygroundState {
  return {
    problem: "classification",
    dataset: "circle",
    regDataset: "plane",
    noise: 0,
    percTrainData: 50,
    batchSize: 10,
    features: { x1: true, x2: true, x1sq: false, x2sq: false, x1x2: false, sinx1: false, sinx2: false, cosx1: false, cosx2: false },
    networkShape: [4, 2],
    activation: "tanh",
    leakySlope: 0.01,
    geluApproximate: "none",
    perUnit: false,
    leafForm: "article",
    leafPreset: "relu",
    kanGridSize: 5,
    kanSplineOrder: 3,
    learningRate: 0.03,
    optimizer: "sgd",
    momentum: 0,
    regularization: "none",
    regularizationRate: 0,
    seed: 1,
    showTestData: false,
    discretize: false,
    initZero: false,
    collectStats: true,
  };
}

/** The features switched on, in network-input order. */
export function activeFeatures(state: PlaygroundState): FeatureName[] {
  return FEATURES.filter((f) => state.features[f]);
}

const clampInt = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, Math.round(v)));

/**
 * Brings a state inside the playground's limits (used on everything read from a URL).
 * At least one feature stays on.
 */
export function sanitize(state: PlaygroundState): PlaygroundState {
  const s = { ...state, features: { ...state.features }, networkShape: state.networkShape.slice(0, MAX_HIDDEN_LAYERS) };
  s.noise = clampInt(s.noise, 0, 50);
  s.percTrainData = clampInt(s.percTrainData, 10, 90);
  s.batchSize = clampInt(s.batchSize, 1, MAX_BATCH);
  s.networkShape = s.networkShape.map((n) => clampInt(n, 1, MAX_UNITS));
  s.leakySlope = Number.isFinite(s.leakySlope) ? Math.min(1, Math.max(0, s.leakySlope)) : 0.01;
  s.kanGridSize = clampInt(s.kanGridSize, 1, 20);
  s.kanSplineOrder = clampInt(s.kanSplineOrder, 1, 5);
  s.momentum = Number.isFinite(s.momentum) ? Math.min(0.99, Math.max(0, s.momentum)) : 0;
  if (!(s.learningRate > 0) || !Number.isFinite(s.learningRate)) s.learningRate = 0.03;
  if (!(s.regularizationRate >= 0) || !Number.isFinite(s.regularizationRate)) s.regularizationRate = 0;
  s.seed = Number.isFinite(s.seed) ? Math.trunc(s.seed) : 1;
  if (!activeFeatures(s).length) s.features.x1 = true;
  return s;
}

type Scalar = string | number | boolean;

/** The URL hash of a state: `key=value` pairs joined by `&`, features as a comma list. */
export function encodeState(state: PlaygroundState): string {
  const pairs: [string, Scalar][] = [];
  for (const [key, value] of Object.entries(state) as [keyof PlaygroundState, PlaygroundState[keyof PlaygroundState]][]) {
    if (key === "features") pairs.push([key, activeFeatures(state).join(",")]);
    else if (key === "networkShape") pairs.push([key, state.networkShape.join(",")]);
    else pairs.push([key, value as Scalar]);
  }
  return pairs.map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join("&");
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  return value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

/**
 * Reads a state from a URL hash (with or without the leading `#`); missing or unknown values
 * keep their defaults, and the result is {@link sanitize}d.
 */
export function decodeState(hash: string): PlaygroundState {
  const map = new Map<string, string>();
  for (const part of hash.replace(/^#/, "").split("&")) {
    const eq = part.indexOf("=");
    if (eq > 0) map.set(part.slice(0, eq), decodeURIComponent(part.slice(eq + 1)));
  }
  const d = defaultState();
  const num = (key: keyof PlaygroundState, fallback: number): number => {
    const raw = map.get(key);
    const v = raw === undefined || raw.trim() === "" ? NaN : Number(raw);
    return Number.isFinite(v) ? v : fallback;
  };
  const bool = (key: keyof PlaygroundState, fallback: boolean): boolean => {
    const raw = map.get(key);
    return raw === undefined ? fallback : raw === "true";
  };
  const features = { ...d.features };
  const rawFeatures = map.get("features");
  if (rawFeatures !== undefined) {
    const on = new Set(rawFeatures.split(","));
    for (const f of FEATURES) features[f] = on.has(f);
  }
  const rawShape = map.get("networkShape");
  const networkShape =
    rawShape === undefined ? d.networkShape : rawShape.trim() === "" ? [] : rawShape.split(",").map(Number).filter(Number.isFinite);
  return sanitize({
    problem: oneOf(map.get("problem"), ["classification", "regression"] as const, d.problem),
    dataset: oneOf(map.get("dataset"), CLASSIFICATION_DATASETS, d.dataset),
    regDataset: oneOf(map.get("regDataset"), REGRESSION_DATASETS, d.regDataset),
    noise: num("noise", d.noise),
    percTrainData: num("percTrainData", d.percTrainData),
    batchSize: num("batchSize", d.batchSize),
    features,
    networkShape,
    activation: oneOf(map.get("activation"), ACTIVATIONS, d.activation),
    leakySlope: num("leakySlope", d.leakySlope),
    geluApproximate: oneOf(map.get("geluApproximate"), ["none", "tanh"] as const, d.geluApproximate),
    perUnit: bool("perUnit", d.perUnit),
    leafForm: oneOf(map.get("leafForm"), ["article", "extended"] as const, d.leafForm),
    leafPreset: oneOf(map.get("leafPreset"), ["relu", "silu", "tanh", "sigmoid"] as const, d.leafPreset),
    kanGridSize: num("kanGridSize", d.kanGridSize),
    kanSplineOrder: num("kanSplineOrder", d.kanSplineOrder),
    learningRate: num("learningRate", d.learningRate),
    optimizer: oneOf(map.get("optimizer"), OPTIMIZERS, d.optimizer),
    momentum: num("momentum", d.momentum),
    regularization: oneOf(map.get("regularization"), REGULARIZATIONS, d.regularization),
    regularizationRate: num("regularizationRate", d.regularizationRate),
    seed: num("seed", d.seed),
    showTestData: bool("showTestData", d.showTestData),
    discretize: bool("discretize", d.discretize),
    initZero: bool("initZero", d.initZero),
    collectStats: bool("collectStats", d.collectStats),
  });
}
