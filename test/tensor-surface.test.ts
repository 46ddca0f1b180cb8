import { describe, expect, it } from "vitest";
import { noGrad, oneHot, tensor, Tensor, zeros } from "../src/index.js";

const f64 = { dtype: "float64" as const };

describe("the tensor surface a PyTorch user types in the first hour", () => {
  const x = () => tensor([[1, 2, 3], [4, 5, 7]], { ...f64, requiresGrad: true });

  it("numel, tolist, float/double, T", () => {
    const t = x();
    expect(t.numel()).toBe(6);
    expect(t.tolist()).toEqual([[1, 2, 3], [4, 5, 7]]);
    expect(t.float().dtype).toBe("float32");
    expect(t.double()).toBe(t);
    expect(t.T.tolist()).toEqual([[1, 4], [2, 5], [3, 7]]);
    expect(tensor([1, 2]).T.shape).toEqual([2]);
    expect(zeros([2, 3, 4]).T.shape).toEqual([4, 3, 2]); // all axes reversed, as PyTorch
  });

  it("min, argmin and reductions over several axes (values from PyTorch 1.13)", () => {
    const t = x();
    expect(t.min().item()).toBe(1);
    expect(t.min(1).tolist()).toEqual([1, 4]);
    expect(t.argmin(0).tolist()).toEqual([0, 0, 0]);
    expect(t.sum([0, 1]).item()).toBe(22);
    expect(t.sum([0, 1], { keepDims: true }).shape).toEqual([1, 1]);
    expect(t.max([-1, 0]).item()).toBe(7);
    const u = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], f64);
    expect(u.sum([0, 2]).tolist()).toEqual([14, 22]); // torch.tensor(...).sum([0, 2])
    expect(u.mean([0, 2], { keepDims: true }).shape).toEqual([1, 2, 1]);
    expect(u.min([0, 2]).tolist()).toEqual([1, 3]);
  });

  it("var and std are unbiased by default (correction 1, as PyTorch)", () => {
    const t = x();
    // torch.tensor([[1.,2,3],[4,5,7]], dtype=torch.float64).var() → 4.666666666666667
    expect(t.var().item()).toBeCloseTo(14 / 3, 14);
    expect(t.var(undefined, { correction: 0 }).item()).toBeCloseTo(35 / 9, 14);
    expect(t.var(undefined, { unbiased: false }).item()).toBeCloseTo(35 / 9, 14);
    const s = t.std(1).tolist() as number[]; // PyTorch 1.13: [1.0, 1.5275252316519468]
    expect(s[0]).toBe(1);
    expect(s[1]).toBeCloseTo(1.5275252316519468, 15);
    expect(t.var([0, 1]).item()).toBeCloseTo(14 / 3, 14);
    expect(Number.isNaN(tensor([3], f64).var().item())).toBe(true); // one element, divisor 0, as PyTorch
    // A large common offset does not cancel the result (two passes).
    expect(tensor([1e9 + 1, 1e9 + 2, 1e9 + 3], f64).var().item()).toBe(1);
  });

  it("std passes a zero gradient where all elements are equal, as PyTorch", () => {
    const c = tensor([2, 2, 2], { ...f64, requiresGrad: true });
    c.std().backward();
    expect(Array.from(c.grad!.data)).toEqual([0, 0, 0]);
  });

  it("element-wise methods", () => {
    const t = tensor([-1, 0, 2], f64);
    expect(t.relu().tolist()).toEqual([0, 0, 2]);
    expect(t.square().tolist()).toEqual([1, 0, 4]);
    expect(t.sigmoid().data[1]).toBe(0.5);
    expect(t.tanh().data[1]).toBe(0);
    expect(t.sin().tolist()).toEqual([Math.sin(-1), 0, Math.sin(2)]);
    expect(t.cos().tolist()).toEqual([Math.cos(-1), 1, Math.cos(2)]);
    expect(tensor([1e-20], f64).log1p().item()).toBe(1e-20);
    expect(tensor([1e-20], f64).expm1().item()).toBe(1e-20);
  });

  it("shape methods", () => {
    const t = x();
    expect(t.unsqueeze(0).shape).toEqual([1, 2, 3]);
    expect(t.unsqueeze(-1).shape).toEqual([2, 3, 1]);
    expect(zeros([1, 2, 1]).squeeze().shape).toEqual([2]);
    expect(zeros([1, 2, 1]).squeeze(0).shape).toEqual([2, 1]);
    expect(zeros([1, 2, 1]).squeeze(1).shape).toEqual([1, 2, 1]); // not of length 1: kept, as PyTorch
    expect(zeros([2, 3, 4]).flatten().shape).toEqual([24]);
    expect(zeros([2, 3, 4]).flatten(1).shape).toEqual([2, 12]);
    expect(zeros([]).flatten().shape).toEqual([1]);
    expect(t.view([3, 2]).tolist()).toEqual([[1, 2], [3, 4], [5, 7]]);
    const c = t.clone();
    expect(c.data).not.toBe(t.data);
    expect(c.node?.op).toBe("clone");
  });

  it("matmul with 1-D operands, as torch.matmul", () => {
    const m = tensor([[1, 2], [3, 4], [5, 6]], f64);
    const v = tensor([1, -1], f64);
    const w = tensor([1, 0, 2], f64);
    expect(v.matmul(v).shape).toEqual([]);
    expect(v.matmul(v).item()).toBe(2);
    expect(m.matmul(v).tolist()).toEqual([-1, -1, -1]);
    expect(w.matmul(m).tolist()).toEqual([11, 14]);
    const b = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], f64);
    expect(b.matmul(v).tolist()).toEqual([[-1, -1], [-1, -1]]);
    expect(v.matmul(b).tolist()).toEqual([[-2, -2], [-2, -2]]);
  });

  it("gather, scatterAdd and oneHot", () => {
    const t = tensor([[1, 2], [3, 4]], f64);
    expect(t.gather(1, tensor([[0, 0], [1, 0]])).tolist()).toEqual([[1, 1], [4, 3]]);
    expect(zeros([3], f64).scatterAdd(0, tensor([0, 1, 0, 2]), tensor([1, 2, 3, 4], f64)).tolist()).toEqual([4, 2, 4]);
    expect(oneHot([2, 0], 3).tolist()).toEqual([[0, 0, 1], [1, 0, 0]]);
    expect(oneHot(tensor([[1], [0]])).shape).toEqual([2, 1, 2]);
    expect(oneHot([1], 2, f64).dtype).toBe("float64");
  });
});

describe("in-place ops follow PyTorch's rules", () => {
  it("change the data, return the tensor, broadcast the operand", () => {
    const t = tensor([[1, 2], [3, 4]], f64);
    expect(t.add_(tensor([10, 20], f64))).toBe(t);
    expect(t.tolist()).toEqual([[11, 22], [13, 24]]);
    t.mul_(2).sub_(1, { alpha: 2 }).div_(2);
    expect(t.tolist()).toEqual([[10, 21], [12, 23]]);
    t.add_(tensor([1, 1], f64), { alpha: -1 });
    expect(t.tolist()).toEqual([[9, 20], [11, 22]]);
    t.copy_(tensor([5, 6]));
    expect(t.tolist()).toEqual([[5, 6], [5, 6]]);
    t.fill_(3);
    expect(t.tolist()).toEqual([[3, 3], [3, 3]]);
    t.zero_();
    expect(t.tolist()).toEqual([[0, 0], [0, 0]]);
  });

  it("a leaf that requires grad is changed in place only inside noGrad; the error changes nothing", () => {
    const p = tensor([1, 2], { ...f64, requiresGrad: true });
    expect(() => p.mul_(2)).toThrow("mul_: a leaf tensor that requires grad cannot be modified in place");
    expect(p.tolist()).toEqual([1, 2]);
    noGrad(() => p.mul_(2));
    expect(p.tolist()).toEqual([2, 4]);
    expect(p.requiresGrad).toBe(true);
  });

  it("a tensor a recorded op needs, changed in place before backward, is an Error naming both ops", () => {
    const p = tensor([1, 2], { ...f64, requiresGrad: true });
    const w = tensor([3, 4], f64);
    const y = p.mul(w).sum();
    w.add_(1);
    expect(() => y.backward()).toThrow(
      "backward: mul's input 1 (shape [2]) was modified in place by add_ after mul recorded it (version 1, expected 0)",
    );
    expect(p.grad).toBeNull();
  });

  it("an op's output changed in place (inside noGrad) is detected too", () => {
    const p = tensor([1, 2], { ...f64, requiresGrad: true });
    const e = p.exp();
    noGrad(() => e.zero_());
    expect(() => e.sum().backward()).toThrow("backward: exp's output (shape [2]) was modified in place by zero_");
  });

  it("a parameter updated in place between forward and backward is detected (the version is shared by detach())", () => {
    const p = tensor([1, 2], { ...f64, requiresGrad: true });
    const loss = p.mul(p).sum();
    p.detach().add_(1);
    expect(() => loss.backward()).toThrow("backward: mul's input 0 (shape [2]) was modified in place by add_");
  });

  it("changes after backward are fine, and a fresh forward records the new version", () => {
    const p = tensor([1, 2], { ...f64, requiresGrad: true });
    p.mul(p).sum().backward();
    noGrad(() => p.sub_(p.grad!, { alpha: 0.5 }));
    expect(p.tolist()).toEqual([0, 0]);
    p.grad!.zero_();
    p.add(1).square().sum().backward();
    expect(Array.from(p.grad!.data)).toEqual([2, 2]);
  });

  it("the in-place methods are typed to return the same tensor", () => {
    const t: Tensor = zeros([2]);
    const same: Tensor = t.fill_(1).add_(1).mul_(3);
    expect(same.tolist()).toEqual([6, 6]);
  });
});
