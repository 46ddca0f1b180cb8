import { describe, expect, it } from "vitest";
import { add, mul } from "../src/autograd/ops/binary.js";
import { where } from "../src/autograd/ops/compare.js";
import { linear, matmul } from "../src/autograd/ops/matmul.js";
import { argmax, argmin, max, mean, min, std, sum, variance } from "../src/autograd/ops/reduce.js";
import { gather, scatterAdd } from "../src/autograd/ops/gather.js";
import { add_, copy_, fill_, mul_ } from "../src/autograd/ops/inplace.js";
import { flatten, squeeze, unsqueeze } from "../src/autograd/ops/shape.js";
import { oneHot } from "../src/tensor/one-hot.js";
import { noGrad } from "../src/autograd/grad-mode.js";
import { concat, indexSelect, permute, reshape, slice, stack, transpose, broadcastTo } from "../src/autograd/ops/shape.js";
import { softmax } from "../src/autograd/ops/softmax.js";
import { clamp, exp, log, pow, sqrt } from "../src/autograd/ops/unary.js";
import { ones, tensor, zeros } from "../src/tensor/creation.js";

const f64 = { dtype: "float64" as const };

describe("ops refuse bad input, naming the op and the values", () => {
  const cases: [string, () => unknown, string][] = [
    ["matmul inner dims", () => matmul(zeros([2, 3]), zeros([4, 5])), "matmul: cannot multiply [2,3] by [4,5]: inner dimensions 3 and 4 differ"],
    ["matmul rank", () => matmul(zeros([2, 2, 3, 4]), zeros([4, 2])), "matmul: cannot multiply [2,2,3,4] by [4,2]: expected 1-D, 2-D or 3-D (batched) tensors"],
    ["matmul scalar", () => matmul(zeros([]), zeros([3])), "matmul: cannot multiply [] by [3]: expected 1-D, 2-D or 3-D (batched) tensors"],
    ["matmul vector inner dims", () => matmul(zeros([3]), zeros([4])), "matmul: cannot multiply [3] by [4]: inner dimensions 3 and 4 differ"],
    ["matmul matrix-vector inner dims", () => matmul(zeros([2, 3]), zeros([4])), "matmul: cannot multiply [2,3] by [4]: inner dimensions 3 and 4 differ"],
    ["matmul vector-batched inner dims", () => matmul(zeros([3]), zeros([2, 4, 5])), "matmul: cannot multiply [3] by [2,4,5]: inner dimensions 3 and 4 differ"],
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
    ["keepdim (PyTorch spelling)", () => mean(zeros([2, 3]), 0, { keepdim: true } as never), "mean: unknown option keepdim; known: keepDims (did you mean keepDims?)"],
    ["options in the axis's place", () => sum(zeros([2]), { keepDims: true } as never), 'sum: axis must be an integer or an array of integers, got an object {"keepDims":true}; options come after the axis: x.sum(axis, { … }), or x.sum(undefined, { … }) over all axes'],
    ["axis as a string", () => max(zeros([2]), "0" as never), "max: axis must be an integer or an array of integers, got string 0"],
    ["keepDims not boolean", () => min(zeros([2]), 0, { keepDims: 1 } as never), "min: keepDims must be a boolean, got 1"],
    ["repeated axes", () => sum(zeros([2, 3]), [1, -1]), "sum: axis 1 appears twice in [1,-1] for shape [2,3]"],
    ["empty axes", () => mean(zeros([2, 3]), []), "mean: the list of axes is empty; omit the axis to reduce over all of them"],
    ["axes out of range", () => sum(zeros([2, 3]), [0, 2]), "sum: axis 2 is out of range for shape [2,3] (valid: -2..1)"],
    ["argmin several axes", () => argmin(zeros([2, 3]), [0, 1] as never), "argmin: takes one axis (or none), got [0,1]"],
    ["min empty", () => min(zeros([0])), "min: cannot reduce an empty tensor"],
    ["var correction", () => variance(zeros([2, 3]), 0, { correction: -1 }), "var: correction must be a finite number ≥ 0, got -1"],
    ["std correction and unbiased", () => std(zeros([3]), 0, { correction: 0, unbiased: true }), "std: give correction or unbiased, not both (got correction=0, unbiased=true)"],
    ["var unknown option", () => variance(zeros([3]), 0, { ddof: 0 } as never), "var: unknown option ddof; known: keepDims, correction, unbiased"],
    ["a number where a tensor goes", () => sum(3 as never), "sum: expected a Tensor, got number 3"],
    ["unsqueeze axis", () => unsqueeze(zeros([2, 3]), 3), "unsqueeze: axis 3 is out of range for shape [2,3,1] (valid: -3..2)"],
    ["squeeze axis", () => squeeze(zeros([2, 1]), 2), "squeeze: axis 2 is out of range for shape [2,1] (valid: -2..1)"],
    ["flatten order", () => flatten(zeros([2, 3, 4]), 2, 1), "flatten: startAxis 2 comes after endAxis 1 for shape [2,3,4]"],
    ["reshape varargs", () => reshape(zeros([6]), 2 as never), "reshape: target shape must be an array of integers, got 2"],
    ["gather index range", () => gather(zeros([2, 3]), 1, tensor([[0, 3]])), "gather: index 3 at [0,1] is out of range for axis 1 of length 3"],
    ["gather index not integer", () => gather(zeros([2, 3]), 1, tensor([[0.5]])), "gather: index 0.5 at [0,0] is out of range for axis 1 of length 3"],
    ["gather index rank", () => gather(zeros([2, 3]), 1, tensor([0, 1])), "gather: index must have as many axes as the input: [2] vs [2,3]"],
    ["gather index too large", () => gather(zeros([2, 3]), 1, zeros([3, 1])), "gather: index shape [3,1] exceeds input shape [2,3] at axis 0"],
    ["gather index not a tensor", () => gather(zeros([2, 3]), 1, [[0]] as never), "gather: index must be a Tensor, got object"],
    ["scatterAdd src shape", () => scatterAdd(zeros([2, 3]), 1, zeros([2, 1]), zeros([2, 2])), "scatterAdd: src shape [2,2] must equal index shape [2,1]"],
    ["scatterAdd dtype", () => scatterAdd(zeros([2, 3]), 1, zeros([2, 1]), zeros([2, 1], f64)), 'scatterAdd: dtype mismatch: float32 vs float64; convert one with .to("float32")'],
    ["oneHot range", () => oneHot([0, 3], 3), "oneHot: label 3 at flat position 1 is out of range [0, 3) for labels of shape [2]"],
    ["oneHot negative", () => oneHot([0, -1]), "oneHot: label -1 at flat position 1 is not a non-negative integer class index"],
    ["oneHot numClasses", () => oneHot([0], 0), "oneHot: numClasses must be an integer ≥ 1 (or −1 to infer it), got 0"],
    ["oneHot options", () => oneHot([0], 2, { dtype: "float64", dtyp: 1 } as never), "oneHot: unknown option dtyp; known: dtype (did you mean dtype?)"],
    ["add_ on a leaf that requires grad", () => add_(zeros([2], { requiresGrad: true }), 1), "add_: a leaf tensor that requires grad cannot be modified in place while gradients are recorded"],
    ["mul_ on a computed tensor", () => mul_(exp(zeros([2], { requiresGrad: true })), 2), "mul_: this tensor was computed by exp and requires grad; typegrad does not record in-place ops, use the out-of-place mul"],
    ["add_ of an operand that requires grad", () => add_(zeros([2]), zeros([2], { requiresGrad: true })), "add_: the operand requires grad; typegrad does not record in-place ops, use the out-of-place add"],
    ["add_ shape", () => add_(zeros([3]), zeros([2, 3])), "add_: the operand's shape [2,3] does not broadcast to this tensor's shape [3]"],
    ["add_ alpha", () => noGrad(() => add_(zeros([3]), 1, { alpah: 2 } as never)), "add_: unknown option alpah; known: alpha"],
    ["fill_ value", () => fill_(zeros([3]), "1" as never), "fill_: value must be a number, got string"],
    ["copy_ broadcast", () => copy_(zeros([3]), zeros([4])), "copy_: cannot broadcast [3] with [4]: dimension 0 is 3 vs 4"],
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
