import { describe, expect, it } from "vitest";
import { add, mul } from "../src/autograd/ops/binary.js";
import { where } from "../src/autograd/ops/compare.js";
import { linear, matmul } from "../src/autograd/ops/matmul.js";
import { argmax, max, sum } from "../src/autograd/ops/reduce.js";
import { concat, indexSelect, permute, reshape, slice, stack, transpose, broadcastTo } from "../src/autograd/ops/shape.js";
import { softmax } from "../src/autograd/ops/softmax.js";
import { clamp, exp, log, pow, sqrt } from "../src/autograd/ops/unary.js";
import { ones, tensor, zeros } from "../src/tensor/creation.js";

const f64 = { dtype: "float64" as const };

describe("ops refuse bad input, naming the op and the values", () => {
  const cases: [string, () => unknown, string][] = [
    ["matmul inner dims", () => matmul(zeros([2, 3]), zeros([4, 5])), "matmul: cannot multiply [2,3] by [4,5]: inner dimensions 3 and 4 differ"],
    ["matmul rank", () => matmul(zeros([3]), zeros([3, 2])), "matmul: cannot multiply [3] by [3,2]: expected 2-D or 3-D (batched) tensors"],
    ["matmul batch", () => matmul(zeros([2, 3, 4]), zeros([3, 4, 5])), "matmul: cannot multiply [2,3,4] by [3,4,5]: batch sizes 2 and 3 differ"],
    ["matmul dtype mix", () => matmul(zeros([2, 2]), zeros([2, 2], f64)), 'matmul: dtype mismatch: float32 vs float64; convert one with .to("float32")'],
    ["broadcast", () => add(zeros([2, 3]), zeros([4])), "add: cannot broadcast [2,3] with [4]: dimension 1 is 3 vs 4"],
    ["binary dtype mix", () => mul(zeros([2]), zeros([2], f64)), 'mul: dtype mismatch: float32 vs float64; convert one with .to("float32")'],
    ["two numbers", () => add(1 as never, 2), "add: at least one operand must be a Tensor, got number and number"],
    ["linear input width", () => linear(zeros([4, 5]), zeros([2, 3])), "linear: input [4,5] does not match weight [2,3]: expected [batch, 3]"],
    ["linear bias", () => linear(zeros([4, 3]), zeros([2, 3]), zeros([3])), "linear: bias [3] does not match weight [2,3]: expected [2]"],
    ["sum axis", () => sum(zeros([2, 3]), 2), "sum: axis 2 is out of range for shape [2,3] (valid: -2..1)"],
    ["max empty", () => max(zeros([0])), "max: cannot reduce an empty tensor"],
    ["argmax axis", () => argmax(zeros([2]), -2), "argmax: axis -2 is out of range for shape [2] (valid: -1..0)"],
    ["softmax axis", () => softmax(zeros([2, 3]), 1.5), "softmax: axis 1.5 is out of range for shape [2,3] (valid: -2..1)"],
    ["reshape size", () => reshape(zeros([2, 3]), [4, 2]), "reshape: cannot reshape [2,3] (6 elements) into [4,2] (8 elements)"],
    ["reshape infer", () => reshape(zeros([2, 3]), [4, -1]), "reshape: cannot reshape [2,3] (6 elements) into [4,-1]"],
    ["permute", () => permute(zeros([2, 3]), [0, 0]), "permute: [0,0] is not a permutation of the 2 axes of [2,3]"],
    ["transpose 1-D", () => transpose(zeros([3])), "transpose: needs at least 2 axes, got shape [3]"],
    ["broadcastTo", () => broadcastTo(zeros([3]), [3, 2]), "broadcastTo: cannot broadcast [3] with [3,2]: dimension 1 is 3 vs 2"],
    ["indexSelect range", () => indexSelect(zeros([3, 2]), [0, 3]), "indexSelect: index 3 at position 1 is out of range for an axis of length 3"],
    ["slice bounds", () => slice(zeros([3]), 0, 0.5), "slice: start and end must be integers, got 0.5 and 3"],
    ["concat shapes", () => concat([zeros([2, 3]), zeros([3, 3])], 1), "concat: shapes [2,3] and [3,3] differ outside axis 1"],
    ["concat empty", () => concat([]), "concat: needs at least one tensor"],
    ["concat scalars", () => concat([zeros([]), zeros([])]), "concat: cannot concatenate scalars (shape []); use stack to make a new axis"],
    ["stack dtype mix", () => stack([zeros([2]), zeros([2], f64)]), 'stack: dtype mismatch: float32 vs float64; convert one with .to("float32")'],
    ["indexSelect 2-D indices", () => indexSelect(zeros([3, 2]), zeros([2, 2])), "indexSelect: indices must be 1-D, got a tensor of shape [2,2]"],
    ["stack shapes", () => stack([zeros([2]), zeros([3])]), "stack: all tensors must have one shape, got [2] and [3]"],
    ["pow exponent", () => pow(zeros([2]), NaN), "pow: exponent must be a finite number, got NaN"],
    ["clamp bounds", () => clamp(zeros([2]), 1, 0), "clamp: min (1) is greater than max (0)"],
    ["where dtype", () => where(zeros([2], f64), zeros([2]), zeros([2])), 'where: dtype mismatch: float64 vs float32; convert one with .to("float64")'],
  ];
  for (const [name, fn, message] of cases) it(name, () => expect(fn).toThrow(message));
});

describe("NaN and infinities propagate without crashing", () => {
  it("element-wise ops follow IEEE 754", () => {
    const x = tensor([NaN, Infinity, -Infinity, -0, 0], f64);
    expect(Array.from(exp(x).data)).toEqual([NaN, Infinity, 0, 1, 1]);
    expect(Array.from(log(x).data)).toEqual([NaN, Infinity, NaN, -Infinity, -Infinity]);
    expect(Array.from(sqrt(x).data)).toEqual([NaN, Infinity, NaN, -0, 0]);
    expect(Array.from(clamp(x, -1, 1).data)).toEqual([NaN, 1, -1, -0, 0]);
  });

  it("max over all elements shares the gradient between NaNs when the maximum is NaN, as PyTorch", () => {
    const x = tensor([1, NaN, 3, NaN], { ...f64, requiresGrad: true });
    max(x).backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 0.5, 0, 0.5]);
  });

  it("clamp passes no gradient at NaN, as PyTorch", () => {
    const x = tensor([NaN, 0.5, 2], { ...f64, requiresGrad: true });
    clamp(x, 0, 1).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 1, 0]);
  });

  it("reductions and softmax: a NaN makes its slice NaN; max picks it", () => {
    const x = tensor([[1, NaN, 3], [1, 2, 3]], f64);
    expect(Array.from(max(x, 1).data)).toEqual([NaN, 3]);
    expect(Array.from(argmax(x, 1).data)).toEqual([1, 2]);
    const s = softmax(x, 1).data;
    expect(Array.from(s.slice(0, 3)).every(Number.isNaN)).toBe(true);
    expect(s[5]).toBeCloseTo(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3)), 15);
  });

  it("softmax of ±1e4 logits stays finite", () => {
    const y = softmax(tensor([[1e4, -1e4, 0]], f64));
    expect(Array.from(y.data)).toEqual([1, 0, 0]);
    expect(Array.from(ones([2]).data)).toEqual([1, 1]);
  });
});
