import { indexSelect } from "../autograd/ops/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkRows, resolveRng, type Dataset, type SeedOptions } from "./dataset.js";

/** Options of {@link trainTestSplit}. */
export interface SplitOptions extends SeedOptions {
  /** Fraction of rows for the test set, in (0, 1); ⌈fraction·N⌉ rows. Default 0.2. */
  testFraction?: number;
  /** Shuffle before splitting. Default true. */
  shuffle?: boolean;
}

/**
 * Splits rows into a training and a test set (scikit-learn's `train_test_split`).
 *
 * ```text
 * nTest = ⌈testFraction · N⌉,  nTrain = N − nTest
 * shuffled: p = permutation(N); test = rows p[0 … nTest), train = rows p[nTest … N)
 * unshuffled: train = the first nTrain rows, test = the rest
 * ```
 *
 * @param options - `testFraction` 0.2, `shuffle` true, `seed` / `rng`
 * @returns `{ train, test }`, each `{ x, y }` (copies, via `indexSelect`)
 * @throws Error when the row counts of x and y differ (both named), `testFraction` is not in
 *   (0, 1), either part would be empty, or the seed options are bad
 */
export function trainTestSplit(x: Tensor, y: Tensor, options: SplitOptions = {}): { train: Dataset; test: Dataset } {
  const n = checkRows("trainTestSplit", x, y);
  const fraction = options.testFraction ?? 0.2;
  if (typeof fraction !== "number" || !(fraction > 0 && fraction < 1)) {
    throw new Error(`trainTestSplit: testFraction must be in (0, 1), got ${String(fraction)}`);
  }
  const nTest = Math.ceil(fraction * n);
  const nTrain = n - nTest;
  if (nTrain < 1 || nTest < 1) {
    throw new Error(`trainTestSplit: ${n} rows with testFraction ${fraction} leave ${nTrain} for training and ${nTest} for testing`);
  }
  const shuffle = options.shuffle ?? true;
  let order: Int32Array;
  let test: Int32Array;
  let train: Int32Array;
  if (shuffle) {
    order = resolveRng("trainTestSplit", options).permutation(n);
    test = order.subarray(0, nTest);
    train = order.subarray(nTest);
  } else {
    order = new Int32Array(n).map((_, i) => i);
    train = order.subarray(0, nTrain);
    test = order.subarray(nTrain);
  }
  return {
    train: { x: indexSelect(x, train), y: indexSelect(y, train) },
    test: { x: indexSelect(x, test), y: indexSelect(y, test) },
  };
}
