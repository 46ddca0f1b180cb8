// Builds the playground's network from its state, with typegrad's layers and activations.
import {
  Dense,
  ELU,
  GELU,
  KAN,
  KANLinear,
  LEAF,
  LeakyReLU,
  Mish,
  PReLU,
  ReLU,
  SELU,
  Sequential,
  SiLU,
  Sigmoid,
  Softplus,
  Swish,
  Tanh,
  generator,
  type Generator,
  type Module,
  type Parameter,
} from "typegrad";
import type { PlaygroundState } from "./state.js";

/** A built network: the model, and its weight layers in order (the last one is the output). */
export interface Network {
  model: Module;
  /** Dense or KANLinear layers; hidden layers first, the one-unit output layer last. */
  layers: (Dense | KANLinear)[];
  /** Each hidden layer's activation module (`null` for linear, and for KAN layers). */
  activations: (Module | null)[];
  kan: boolean;
}

/** The activation module of a hidden layer of `width` units (`null` for linear). */
export function makeActivation(state: PlaygroundState, width: number): Module | null {
  const numParameters = state.perUnit ? width : 1;
  switch (state.activation) {
    case "linear":
    case "kan":
      return null;
    case "sigmoid":
      return new Sigmoid();
    case "tanh":
      return new Tanh();
    case "relu":
      return new ReLU();
    case "leakyRelu":
      return new LeakyReLU({ negativeSlope: state.leakySlope });
    case "elu":
      return new ELU();
    case "selu":
      return new SELU();
    case "gelu":
      return new GELU({ approximate: state.geluApproximate });
    case "silu":
      return new SiLU();
    case "swish":
      return new Swish({ numParameters });
    case "mish":
      return new Mish();
    case "softplus":
      return new Softplus();
    case "prelu":
      return new PReLU({ numParameters });
    case "leaf":
      return state.leafForm === "article"
        ? new LEAF({ numParameters })
        : new LEAF({ form: "extended", initAs: state.leafPreset, numParameters });
  }
}

/** The grid range of a KAN layer: the span of its inputs with 5 % margin, or [−1, 1]. */
function spanOf(values: Float32Array | null): [number, number] {
  if (values === null || values.length === 0) return [-1, 1];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const pad = Math.max(1e-3, (hi - lo) * 0.05);
  return [lo - pad, hi + pad];
}

/**
 * The network of a state for `inputs` features: `Dense` hidden layers with the chosen
 * activation and a one-unit linear output (a logit for classification), or the same widths
 * as KAN layers. Weights come from `generator("init:" + seed)`; `initZero` zeroes every
 * weight and bias (activation parameters keep their initial values).
 *
 * @param trainInputs - `[n, inputs]` training inputs; the first KAN layer's grid spans them
 */
export function buildNetwork(state: PlaygroundState, inputs: number, trainInputs: Float32Array | null = null): Network {
  const rng: Generator = generator(`init:${state.seed}`);
  const widths = [inputs, ...state.networkShape, 1];
  const kan = state.activation === "kan";
  const layers: (Dense | KANLinear)[] = [];
  const activations: (Module | null)[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const hidden = l + 2 < widths.length;
    if (kan) {
      const gridRange = l === 0 ? spanOf(trainInputs) : ([-2, 2] as [number, number]);
      layers.push(new KANLinear(widths[l], widths[l + 1], { gridSize: state.kanGridSize, splineOrder: state.kanSplineOrder, gridRange, rng }));
    } else {
      const act = hidden ? makeActivation(state, widths[l + 1]) : null;
      if (hidden) activations.push(act);
      layers.push(new Dense(widths[l], widths[l + 1], { activation: act, rng }));
    }
  }
  const model: Module = kan ? new KAN(layers as KANLinear[]) : new Sequential(...layers);
  if (state.initZero) for (const p of weightParameters(layers)) p.data.fill(0);
  return { model, layers, activations, kan };
}

/** The parameters of the weight layers themselves (not of their activations). */
export function weightParameters(layers: readonly (Dense | KANLinear)[]): Parameter[] {
  return layers.flatMap((layer) => layerParameters(layer));
}

/** One weight layer's own parameters: weight and bias, or a KAN layer's spline and base weights. */
export function layerParameters(layer: Dense | KANLinear): Parameter[] {
  if (layer instanceof Dense) return layer.bias === null ? [layer.weight] : [layer.weight, layer.bias];
  return layer.namedParameters().map(([, p]) => p);
}
