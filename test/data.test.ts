import { describe, expect, it } from "vitest";
import { batches, countBatches } from "../src/data/batches.js";
import { trainTestSplit } from "../src/data/split.js";
import { circles, moons, spirals, xor } from "../src/data/toy.js";
import { arange, tensor } from "../src/tensor/creation.js";
import { generator } from "../src/tensor/random.js";
import type { Tensor } from "../src/tensor/tensor.js";

const rows = (t: Tensor): number[][] => t.toArray() as number[][];
const bits = (t: Tensor): number[] => Array.from(t.data);

describe("xor", () => {
  it("has the four points and their labels, in the requested dtype", () => {
    const { x, y } = xor();
    expect(x.shape).toEqual([4, 2]);
    expect(y.shape).toEqual([4, 1]);
    expect(x.toArray()).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]]);
    expect(y.toArray()).toEqual([[0], [1], [1], [0]]);
    expect(x.dtype).toBe("float32");
    expect(xor({ dtype: "float64" }).y.dtype).toBe("float64");
  });
});

describe("spirals", () => {
  it("has classes·P rows, class labels arm by arm, and the CS231n geometry", () => {
    const { x, y } = spirals({ seed: 1, dtype: "float64" });
    expect(x.shape).toEqual([300, 2]);
    expect(y.shape).toEqual([300]);
    expect(y.dtype).toBe("float64");
    expect(Array.from(y.data)).toEqual([...Array(100).fill(0), ...Array(100).fill(1), ...Array(100).fill(2)]);
    const xs = rows(x);
    for (let j = 0; j < 3; j++) {
      expect(xs[j * 100].map(Math.abs)).toEqual([0, 0]); // r = 0
      expect(Math.hypot(...xs[j * 100 + 99])).toBeCloseTo(1, 14); // r = 1
    }
  });

  it("without noise is exactly (r sin t, r cos t)", () => {
    const { x } = spirals({ classes: 2, pointsPerClass: 5, noise: 0, seed: 0, dtype: "float64" });
    const expected: number[][] = [];
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < 5; i++) {
        const r = i / 4;
        const t = j * 4 + i; // linspace(4j, 4j + 4, 5) steps by 1
        expected.push([r * Math.sin(t), r * Math.cos(t)]);
      }
    }
    const got = rows(x);
    got.forEach((row, k) => row.forEach((v, d) => expect(v).toBeCloseTo(expected[k][d], 14)));
  });

  it("is bit-identical for the same seed (or an equally seeded rng) and differs for another", () => {
    const a = spirals({ seed: 7 });
    expect(bits(spirals({ seed: 7 }).x)).toEqual(bits(a.x));
    expect(bits(spirals({ rng: generator(7) }).x)).toEqual(bits(a.x));
    expect(bits(spirals({ seed: 8 }).x)).not.toEqual(bits(a.x));
  });

  it("rejects bad options", () => {
    expect(() => spirals({ classes: 0 })).toThrow("spirals: classes must be an integer ≥ 1, got 0");
    expect(() => spirals({ pointsPerClass: 2.5 })).toThrow("spirals: pointsPerClass must be an integer ≥ 1, got 2.5");
    expect(() => spirals({ noise: -1 })).toThrow("spirals: noise must be a finite number ≥ 0, got -1");
    expect(() => spirals({ seed: 1, rng: generator(1) })).toThrow("spirals: pass either seed or rng, not both");
  });
});

describe("moons", () => {
  it("without noise or shuffling follows scikit-learn's make_moons", () => {
    const { x, y } = moons({ n: 7, noise: 0, shuffle: false, seed: 0, dtype: "float64" });
    expect(x.shape).toEqual([7, 2]);
    expect(Array.from(y.data)).toEqual([0, 0, 0, 1, 1, 1, 1]);
    const outer = [0, Math.PI / 2, Math.PI].map((t) => [Math.cos(t), Math.sin(t)]);
    const inner = [0, Math.PI / 3, (2 * Math.PI) / 3, Math.PI].map((t) => [1 - Math.cos(t), 1 - Math.sin(t) - 0.5]);
    rows(x).forEach((row, k) => row.forEach((v, d) => expect(v).toBeCloseTo([...outer, ...inner][k][d], 15)));
  });

  it("shuffles rows together with labels and is deterministic per seed", () => {
    const a = moons({ seed: 3 });
    expect(a.x.shape).toEqual([200, 2]);
    expect(Array.from(a.y.data).filter((v) => v === 0).length).toBe(100);
    expect(bits(moons({ seed: 3 }).x)).toEqual(bits(a.x));
    expect(bits(moons({ seed: 3 }).y)).toEqual(bits(a.y));
    expect(bits(moons({ seed: 4 }).x)).not.toEqual(bits(a.x));
    // noise-free shuffled points still lie on their moon
    const clean = moons({ n: 50, noise: 0, seed: 5, dtype: "float64" });
    rows(clean.x).forEach(([px, py], k) => {
      const r = clean.y.data[k] === 0 ? Math.hypot(px, py) : Math.hypot(px - 1, py - 0.5);
      expect(r).toBeCloseTo(1, 14);
    });
  });

  it("rejects bad options", () => {
    expect(() => moons({ n: 0 })).toThrow("moons: n must be an integer ≥ 1, got 0");
  });
});

describe("circles", () => {
  it("puts ⌊n/2⌋ points on the unit circle and the rest on radius factor", () => {
    const { x, y } = circles({ n: 9, noise: 0, factor: 0.3, seed: 2, dtype: "float64" });
    expect(x.shape).toEqual([9, 2]);
    expect(Array.from(y.data).filter((v) => v === 0).length).toBe(4);
    rows(x).forEach(([px, py], k) => expect(Math.hypot(px, py)).toBeCloseTo(y.data[k] === 0 ? 1 : 0.3, 15));
    const ordered = circles({ n: 4, noise: 0, shuffle: false, dtype: "float64" });
    rows(ordered.x).forEach((row, k) => row.forEach((v, d) => expect(v).toBeCloseTo([[1, 0], [-1, 0], [0.5, 0], [-0.5, 0]][k][d], 15)));
  });

  it("is deterministic per seed", () => {
    expect(bits(circles({ seed: 9 }).x)).toEqual(bits(circles({ seed: 9 }).x));
    expect(bits(circles({ seed: 9 }).x)).not.toEqual(bits(circles({ seed: 10 }).x));
  });

  it("rejects a factor outside [0, 1)", () => {
    expect(() => circles({ factor: 1 })).toThrow("circles: factor must be in [0, 1), got 1");
  });
});

describe("trainTestSplit", () => {
  const x = arange(10).reshape([10, 1]);
  const y = arange(10);

  it("puts ⌈fraction·N⌉ rows in the test set, disjoint from training, rows kept together", () => {
    const { train, test } = trainTestSplit(x, y, { testFraction: 0.25, seed: 0 });
    expect(test.x.shape).toEqual([3, 1]);
    expect(train.x.shape).toEqual([7, 1]);
    expect(bits(train.x)).toEqual(bits(train.y));
    expect(bits(test.x)).toEqual(bits(test.y));
    expect([...bits(train.y), ...bits(test.y)].sort((a, b) => a - b)).toEqual(bits(y));
  });

  it("is deterministic per seed, and keeps the order without shuffling", () => {
    const a = trainTestSplit(x, y, { seed: 4 });
    expect(bits(trainTestSplit(x, y, { seed: 4 }).test.y)).toEqual(bits(a.test.y));
    const ordered = trainTestSplit(x, y, { shuffle: false });
    expect(bits(ordered.train.y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(bits(ordered.test.y)).toEqual([8, 9]);
  });

  it("rejects mismatched rows and bad fractions", () => {
    expect(() => trainTestSplit(x, arange(9))).toThrow("trainTestSplit: x has 10 rows but y has 9 (shapes [10,1] and [9])");
    expect(() => trainTestSplit(x, y, { testFraction: 1 })).toThrow("trainTestSplit: testFraction must be in (0, 1), got 1");
    expect(() => trainTestSplit(tensor([[1], [2]]), tensor([1, 2]), { testFraction: 0.9 })).toThrow(
      "trainTestSplit: 2 rows with testFraction 0.9 leave 0 for training and 2 for testing",
    );
  });
});

describe("batches", () => {
  const x = arange(10).reshape([10, 1]);
  const y = arange(10).mul(10);

  it("covers every row once per epoch, in batches of batchSize (the last one smaller)", () => {
    const out = [...batches(x, y, { batchSize: 4, seed: 0 })];
    expect(out.map((b) => b.x.shape[0])).toEqual([4, 4, 2]);
    expect(countBatches(10, 4)).toBe(3);
    const seen = out.flatMap((b) => bits(b.x));
    expect([...seen].sort((a, b) => a - b)).toEqual(bits(arange(10)));
    expect(out.flatMap((b) => bits(b.y))).toEqual(seen.map((v) => v * 10));
  });

  it("drops a short last batch with dropLast, and keeps the order without shuffling", () => {
    expect([...batches(x, y, { batchSize: 4, dropLast: true, seed: 0 })].map((b) => b.x.shape[0])).toEqual([4, 4]);
    expect(countBatches(10, 4, true)).toBe(2);
    expect([...batches(x, y, { batchSize: 3, shuffle: false })].map((b) => bits(b.y))).toEqual([[0, 10, 20], [30, 40, 50], [60, 70, 80], [90]]);
  });

  it("is bit-identical for the same seed; a shared rng gives a new order each epoch", () => {
    const order = (options: Parameters<typeof batches>[2]): number[] => [...batches(x, y, options)].flatMap((b) => bits(b.x));
    expect(order({ batchSize: 3, seed: 11 })).toEqual(order({ batchSize: 3, seed: 11 }));
    const rng = generator(11);
    const first = order({ batchSize: 3, rng });
    expect(first).toEqual(order({ batchSize: 3, seed: 11 }));
    expect(order({ batchSize: 3, rng })).not.toEqual(first);
  });

  it("validates eagerly, naming the bad value or both row counts", () => {
    expect(() => batches(x, y, { batchSize: 0 })).toThrow("batches: batchSize must be an integer ≥ 1, got 0");
    expect(() => batches(x, y, { batchSize: 2.5 })).toThrow("batches: batchSize must be an integer ≥ 1, got 2.5");
    expect(() => batches(x, arange(8), { batchSize: 2 })).toThrow("batches: x has 10 rows but y has 8 (shapes [10,1] and [8])");
  });
});
