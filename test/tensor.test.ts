import { describe, expect, it } from "vitest";
import { arange, full, ones, rand, randn, tensor, zeros, zerosLike } from "../src/tensor/creation.js";
import { generator, manualSeed } from "../src/tensor/random.js";
import { Tensor } from "../src/tensor/tensor.js";
import { broadcastTo, reshape } from "../src/autograd/ops/shape.js";

describe("creating tensors", () => {
  it("infers shape and dtype from nested arrays; float32 by default", () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe("float32");
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor(2.5).shape).toEqual([]);
    expect(tensor(2.5).item()).toBe(2.5);
    expect(tensor([]).shape).toEqual([0]);
  });

  it("takes a flat array or a typed array with a shape, keeping a typed array's dtype", () => {
    expect(tensor([1, 2, 3, 4], { shape: [2, 2] }).toArray()).toEqual([[1, 2], [3, 4]]);
    const f64 = tensor(new Float64Array([0.1, 0.2]));
    expect(f64.dtype).toBe("float64");
    expect(f64.data[0]).toBe(0.1);
    const f32 = tensor([0.1], { dtype: "float32" });
    expect(f32.data[0]).toBe(Math.fround(0.1));
  });

  it("copies its input", () => {
    const src = new Float32Array([1, 2]);
    const t = tensor(src);
    src[0] = 9;
    expect(t.data[0]).toBe(1);
  });

  it("zeros, ones, full, zerosLike, arange", () => {
    expect(zeros([2, 2]).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(ones([3], { dtype: "float64" }).dtype).toBe("float64");
    expect(full([2], 7).toArray()).toEqual([7, 7]);
    expect(zerosLike(ones([2, 3], { dtype: "float64" })).dtype).toBe("float64");
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
  });

  it("same seed gives identical random tensors, with an explicit generator or the global one", () => {
    expect(Array.from(randn([5], { rng: generator(42) }).data)).toEqual(Array.from(randn([5], { rng: generator(42) }).data));
    expect(Array.from(rand([5], { rng: generator(1) }).data)).not.toEqual(Array.from(rand([5], { rng: generator(2) }).data));
    manualSeed(7);
    const a = randn([4], { dtype: "float64" });
    manualSeed(7);
    const b = randn([4], { dtype: "float64" });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const u = rand([1000], { low: -2, high: 3, rng: generator(3) });
    expect(Math.min(...u.data)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u.data)).toBeLessThan(3);
  });

  it("converts between dtypes with .to(), differentiably", () => {
    const x = tensor([1.1, 2.2], { dtype: "float64", requiresGrad: true });
    const y = x.to("float32");
    expect(y.dtype).toBe("float32");
    expect(x.to("float64")).toBe(x);
    y.sum().backward();
    expect(x.grad!.dtype).toBe("float64");
    expect(Array.from(x.grad!.data)).toEqual([1, 1]);
    expect(x.astype("float32").dtype).toBe("float32");
  });
});

describe("bad input is refused with a clear message", () => {
  const cases: [string, () => unknown, string | RegExp][] = [
    ["ragged nested array", () => tensor([[1, 2], [3]]), "tensor: ragged nested array: expected length 2 at [1] (shape [2,2]), got length 1"],
    ["non-number element", () => tensor([[1, "a" as unknown as number]]), "tensor: expected a number at [0,1], got string"],
    ["values that do not fill the shape", () => tensor([1, 2, 3], { shape: [2, 2] }), "tensor: values of shape [3] (3 elements) do not fill shape [2,2]"],
    ["unknown dtype", () => zeros([2], { dtype: "int8" as "float32" }), 'zeros: unknown dtype "int8"; expected "float32" or "float64"'],
    ["bad shape", () => zeros([2, -1]), "zeros: invalid shape [2,-1]: dimensions must be non-negative integers (dimension 1 is -1)"],
    ["item of many", () => zeros([2]).item(), "item: only one-element tensors convert to a number, got shape [2]"],
    ["data/shape mismatch", () => new Tensor(new Float32Array(3), [2, 2]), "Tensor: data has 3 elements but shape [2,2] needs 4"],
    ["arange step 0", () => arange(0, 1, 0), "arange: start, stop and step must be finite and step non-zero, got 0, 1, 0"],
    ["randn negative std", () => randn([2], { std: -1 }), "randn: need a finite mean and a finite std ≥ 0, got mean=0, std=-1"],
    ["rand low > high", () => rand([2], { low: 2, high: 1 }), "rand: need finite low ≤ high, got low=2, high=1"],
    ["generator seed", () => generator(NaN), "generator: seed must be a finite number or a string, got NaN"],
    // Issue 11, defect 8: every constructor validates its shape and names the op.
    ["issue 11: Tensor with a fractional dimension", () => new Tensor(new Float32Array(6), [4, 1.5]), "Tensor: invalid shape [4,1.5]: dimensions must be non-negative integers (dimension 1 is 1.5)"],
    ["issue 11: Tensor with negative dimensions", () => new Tensor(new Float32Array(6), [-2, -3]), "Tensor: invalid shape [-2,-3]: dimensions must be non-negative integers (dimension 0 is -2)"],
    ["issue 11: Tensor with a null shape", () => new Tensor(new Float32Array(1), null as unknown as number[]), "Tensor: shape must be an array of non-negative integers, got null"],
    ["issue 11: Tensor with a string dimension", () => new Tensor(new Float32Array(2), ["2"] as unknown as number[]), 'Tensor: invalid shape ["2"]: dimensions must be non-negative integers (dimension 0 is "2")'],
    ["issue 11: broadcastTo a negative shape", () => broadcastTo(zeros([1]), [0, -1]), "broadcastTo: invalid shape [0,-1]: dimensions must be non-negative integers (dimension 1 is -1)"],
    ["issue 11: reshape to null", () => reshape(zeros([2]), null as unknown as number[]), "reshape: target shape must be an array of integers, got null"],
    ["issue 11: reshape to a fraction", () => reshape(zeros([2]), [0.5, 4]), "reshape: invalid target shape [0.5,4]"],
    ["issue 11: zeros beyond the typed-array limit", () => zeros([2 ** 40]), "zeros: shape [1099511627776] has 1099511627776 elements, more than the 2147483647 a typed array can hold"],
    ["issue 11: ones of NaN", () => ones([NaN]), "ones: invalid shape [NaN]: dimensions must be non-negative integers (dimension 0 is NaN)"],
    ["issue 11: full of Infinity", () => full([Infinity], 1), "full: invalid shape [Infinity]"],
    ["issue 11: randn of a huge product", () => randn([1e5, 1e5]), "randn: shape [100000,100000] has 10000000000 elements"],
    ["issue 11: tensor() with a bad shape option", () => tensor(new Float32Array(2), { shape: [2, -0.5] }), "tensor: invalid shape [2,-0.5]"],
    ["issue 11: arange beyond the limit", () => arange(0, 1e12), "arange: 0 to 1000000000000 by 1 makes 1000000000000 values"],
  ];
  for (const [name, fn, message] of cases) it(name, () => expect(fn).toThrow(message));
});

describe("printing", () => {
  it("console.log shows the values (eliding long axes), the shape, the dtype and the grad state", async () => {
    const { inspect } = await import("node:util");
    const x = tensor([[1, 2], [3, 4.5]], { requiresGrad: true });
    expect(inspect(x)).toBe("tensor([[1, 2],\n        [3, 4.5]], shape [2,2], float32, requiresGrad)");
    expect(inspect(x.mul(2))).toBe("tensor([[2, 4],\n        [6, 9]], shape [2,2], float32, grad: mul)");
    expect(inspect(arange(10))).toBe("tensor([0, 1, 2, …, 7, 8, 9], shape [10], float32)");
    expect(inspect(tensor(0.1, { dtype: "float64" }))).toBe("tensor(0.1, shape [], float64)");
    expect(inspect(tensor([NaN, -Infinity, 1e-7, 2500000.5], { dtype: "float64" }))).toBe("tensor([NaN, -Infinity, 1.0000e-7, 2.5000e+6], shape [4], float64)");
  });
});
