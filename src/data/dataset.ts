import { defaultGenerator, Generator } from "../tensor/random.js";
import { formatShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";

/** Inputs and targets with one row per example (PyTorch's `TensorDataset`, for two tensors). */
export interface Dataset {
  /** Inputs, shape `[N, …]`. */
  x: Tensor;
  /** Targets, shape `[N, …]`. */
  y: Tensor;
}

/** Where randomness comes from: a seed, or a generator to draw from (not both). */
export interface SeedOptions {
  /** Seed of a fresh generator; the same seed gives bit-identical results. */
  seed?: number | string;
  /** A generator to draw from (it advances). Default: the global one, when no `seed` is given. */
  rng?: Generator;
}

/**
 * The generator `options` ask for.
 *
 * @throws Error naming `op` when both `seed` and `rng` are given, or `rng` is not a Generator
 */
export function resolveRng(op: string, options: SeedOptions): Generator {
  if (options.seed !== undefined && options.rng !== undefined) {
    throw new Error(`${op}: pass either seed or rng, not both`);
  }
  if (options.rng !== undefined) {
    if (!(options.rng instanceof Generator)) throw new Error(`${op}: rng must be a Generator (see generator(seed))`);
    return options.rng;
  }
  return options.seed !== undefined ? new Generator(options.seed) : defaultGenerator();
}

/**
 * Checks that `x` and `y` are tensors with the same number of rows, and returns it.
 *
 * @throws Error naming `op` and both row counts (or shapes) when they differ
 */
export function checkRows(op: string, x: Tensor, y: Tensor): number {
  if (!(x instanceof Tensor) || !(y instanceof Tensor)) throw new Error(`${op}: x and y must be Tensors`);
  if (x.ndim === 0 || y.ndim === 0) {
    throw new Error(`${op}: x and y need a row axis, got shapes ${formatShape(x.shape)} and ${formatShape(y.shape)}`);
  }
  if (x.shape[0] !== y.shape[0]) {
    throw new Error(
      `${op}: x has ${x.shape[0]} rows but y has ${y.shape[0]} (shapes ${formatShape(x.shape)} and ${formatShape(y.shape)})`,
    );
  }
  return x.shape[0];
}
