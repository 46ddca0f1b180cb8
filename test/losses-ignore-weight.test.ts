import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { crossEntropyLoss, gradcheck, logSoftmax, nllLoss, tensor, type Reduction } from "../src/index.js";

interface Case {
  name: string;
  fn: "cross_entropy" | "nll_loss";
  labels: number[];
  options: { reduction: Reduction; weight?: number[]; ignore_index?: number; label_smoothing?: number };
  value: number | number[];
  grad: number[][];
}
// PyTorch 1.13, float64 (scripts/fixtures/torch_label_losses.py).
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "torch_label_losses.json"), "utf8")) as { x: number[][]; cases: Case[] };
const f64 = { dtype: "float64" as const };

function options(c: Case) {
  return {
    reduction: c.options.reduction,
    ...(c.options.weight ? { weight: tensor(c.options.weight, f64) } : {}),
    ...(c.options.ignore_index !== undefined ? { ignoreIndex: c.options.ignore_index } : {}),
    ...(c.options.label_smoothing !== undefined ? { labelSmoothing: c.options.label_smoothing } : {}),
  };
}

const close = (got: number[], want: number[]) => got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 13));

describe("cross-entropy ignoreIndex and NLL class weights match PyTorch", () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const x = tensor(fixture.x, { ...f64, requiresGrad: true });
      const out = c.fn === "cross_entropy" ? crossEntropyLoss(x, c.labels, options(c)) : nllLoss(x, c.labels, options(c));
      close(Array.from(out.data), Array.isArray(c.value) ? c.value : [c.value]);
      out.sum().backward();
      close(Array.from(x.grad!.data), c.grad.flat());
    });
  }

  it("gradcheck: weighted NLL with ignored samples, every reduction", () => {
    const w = tensor([0.5, 2, 1, 3], f64);
    for (const reduction of ["mean", "sum", "none"] as const) {
      expect(gradcheck((x) => nllLoss(logSoftmax(x), [2, -100, 0, 3], { weight: w, reduction }).sum(), [tensor(fixture.x.slice(0, 4), { ...f64, requiresGrad: true })])).toBe(true);
      expect(gradcheck((x) => crossEntropyLoss(x, [2, 1, 0, 1], { ignoreIndex: 1, weight: w, labelSmoothing: 0.2, reduction }).sum(), [tensor(fixture.x.slice(0, 4), { ...f64, requiresGrad: true })])).toBe(true);
    }
  });

  it("all samples ignored: the mean is NaN, as PyTorch; the gradient is 0", () => {
    const x = tensor([[1, 2]], { ...f64, requiresGrad: true });
    expect(Number.isNaN(crossEntropyLoss(x, [-100]).item())).toBe(true);
    expect(Number.isNaN(nllLoss(x, [-100]).item())).toBe(true);
    crossEntropyLoss(x, [-100], { reduction: "sum" }).backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 0]);
  });

  it("errors name the option", () => {
    const x = tensor([[1, 2]], f64);
    expect(() => crossEntropyLoss(x, [0], { ignore_index: 1 } as never)).toThrow("crossEntropyLoss: unknown option ignore_index; known: reduction, labelSmoothing, weight, ignoreIndex (did you mean ignoreIndex?)");
    expect(() => crossEntropyLoss(x, [0], { ignoreIndex: 0.5 })).toThrow("crossEntropyLoss: ignoreIndex must be an integer, got 0.5");
    expect(() => nllLoss(x, [0], { weight: tensor([1, 2, 3], f64) })).toThrow("nllLoss: weight must have shape [C] = [2], got [3]");
    expect(() => nllLoss(x, [0], { weight: tensor([1, 2]) })).toThrow("nllLoss: weight is float32 but the input is float64");
    expect(() => nllLoss(x, [0], { weights: 1 } as never)).toThrow("nllLoss: unknown option weights; known: reduction, weight, ignoreIndex (did you mean weight?)");
    expect(() => nllLoss(x, [-1])).toThrow("nllLoss: label -1 at position 0 is out of range [0, 2)");
  });
});
