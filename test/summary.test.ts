import { describe, expect, it } from "vitest";
import { BatchNorm1d } from "../src/layers/batch-norm.js";
import { LeakyReLU } from "../src/activations/modules-relu.js";
import { Swish } from "../src/activations/modules-trainable.js";
import { Dense } from "../src/layers/dense.js";
import { Dropout } from "../src/layers/dropout.js";
import { KAN } from "../src/layers/kan.js";
import { Sequential } from "../src/layers/sequential.js";
import { summary } from "../src/layers/summary.js";
import { generator } from "../src/tensor/random.js";

describe("summary", () => {
  it("lists a Sequential's layers with their configuration, output shapes and parameter counts", () => {
    const rng = generator(0);
    const model = new Sequential(
      new Dense(2, 64, { activation: "relu", rng }),
      new Dense(64, 64, { activation: new Swish({ numParameters: 64 }), rng }),
      new Dropout(0.1),
      new Dense(64, 3, { bias: false, rng }),
      new LeakyReLU({ negativeSlope: 0.2 }),
    );
    expect(summary(model, { inputShape: [2] })).toBe(
      [
        "layer  type                          output shape  parameters",
        `─────  ${"─".repeat(28)}  ────────────  ──────────`,
        "0      Dense(2 → 64, relu)           [1,64]               192",
        "1      Dense(64 → 64, swish)         [1,64]             4,224",
        "2      Dropout(p=0.1)                [1,64]                 0",
        "3      Dense(64 → 3, no bias)        [1,3]                192",
        "4      LeakyReLU(negativeSlope=0.2)  [1,3]                  0",
        "",
        "trainable parameters: 4,608",
        "other saved values (buffers, frozen parameters): 0",
      ].join("\n"),
    );
  });

  it("lists array children (a KAN's layers), its output shape, and counts buffers apart", () => {
    const text = summary(new KAN([2, 5, 1], { rng: generator(1) }), { inputShape: [2] });
    expect(text).toContain("layers.0  KANLinear(2 → 5, grid 5, order 3)");
    expect(text).toContain("layers.1  KANLinear(5 → 1, grid 5, order 3)");
    expect(text).toContain("output shape (batch of 1): [1,1]");
    expect(text).toContain("trainable parameters: 150");
    expect(text).toContain("other saved values (buffers, frozen parameters): 84");
    expect(new KAN([2, 5, 1]).children()).toHaveLength(2);
  });
});

describe("printing a module", () => {
  it("shows the tree of children, as PyTorch's print(model)", async () => {
    const { inspect } = await import("node:util");
    const model = new Sequential(new Dense(2, 8, { activation: "tanh" }), new Sequential(new Dense(8, 8), new Dropout(0.2)), new Dense(8, 1));
    const expected = ["Sequential(", "  (0): Dense(2 → 8, tanh)", "  (1): Sequential(", "    (0): Dense(8 → 8)", "    (1): Dropout(p=0.2)", "  )", "  (2): Dense(8 → 1)", ")"].join("\n");
    expect(String(model)).toBe(expected);
    expect(inspect(model)).toBe(expected);
    expect(String(new KAN([2, 5, 1]))).toBe("KAN(\n  (layers.0): KANLinear(2 → 5, grid 5, order 3)\n  (layers.1): KANLinear(5 → 1, grid 5, order 3)\n)");
  });
});

describe("summary with normalisation layers", () => {
  it("returns a string, runs in evaluation mode (BatchNorm on one sample, no running-statistics update) and restores the modes", () => {
    const bn = new BatchNorm1d(8);
    const model = new Sequential(new Dense(2, 8), bn, new Dense(8, 1));
    model.train();
    const text = summary(model, { inputShape: [2] });
    expect(typeof text).toBe("string");
    expect(text).toContain("BatchNorm1d(8, eps=");
    expect(text).toContain("[1,8]");
    expect(bn.num_batches_tracked!.data[0]).toBe(0);
    expect([model.training, bn.training]).toEqual([true, true]);
  });
});
