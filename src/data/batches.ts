import { indexSelect } from "../autograd/ops/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkRows, resolveRng, type Dataset, type SeedOptions } from "./dataset.js";

/** Options of {@link batches}. */
export interface BatchOptions extends SeedOptions {
  /** Rows per batch, an integer ≥ 1 (the last batch may be smaller). */
  batchSize: number;
  /** Visit the rows in a random order. Default true. */
  shuffle?: boolean;
  /** Skip a last batch smaller than `batchSize`. Default false. */
  dropLast?: boolean;
}

/**
 * The number of batches {@link batches} yields for `rows` rows.
 *
 * ```text
 * ⌈rows / batchSize⌉, or ⌊rows / batchSize⌋ with dropLast
 * ```
 */
export function countBatches(rows: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(rows / batchSize) : Math.ceil(rows / batchSize);
}

/**
 * One epoch of mini-batches: rows of `x` and `y` taken together (via `indexSelect`), in a
 * random order when `shuffle` is on. The order is drawn when `batches` is called, so each
 * call is one epoch, and the same seed gives bit-identical batches.
 *
 * @param x - inputs, shape `[N, …]`
 * @param y - targets, shape `[N, …]`
 * @param options - `batchSize` (required), `shuffle` true, `dropLast` false, `seed` / `rng`
 * @returns an iterator of `{ x, y }` batches
 * @throws Error (at the call, not at the first batch) when the row counts differ (both
 *   named), `batchSize` is not an integer ≥ 1, or the seed options are bad
 *
 * @example
 * ```ts
 * for (const batch of batches(x, y, { batchSize: 32, seed: 0 })) { … }
 * ```
 */
export function batches(x: Tensor, y: Tensor, options: BatchOptions): IterableIterator<Dataset> {
  const n = checkRows("batches", x, y);
  const size = options?.batchSize;
  if (typeof size !== "number" || !Number.isInteger(size) || size < 1) {
    throw new Error(`batches: batchSize must be an integer ≥ 1, got ${String(size)}`);
  }
  const shuffle = options.shuffle ?? true;
  const order = shuffle ? resolveRng("batches", options).permutation(n) : new Int32Array(n).map((_, i) => i);
  const count = countBatches(n, size, options.dropLast ?? false);
  return (function* generate(): IterableIterator<Dataset> {
    for (let b = 0; b < count; b++) {
      const idx = order.subarray(b * size, Math.min(n, (b + 1) * size));
      yield { x: indexSelect(x, idx), y: indexSelect(y, idx) };
    }
  })();
}
