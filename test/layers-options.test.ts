import { describe, expect, it } from "vitest";
import { Dense } from "../src/layers/dense.js";
import { Dropout } from "../src/layers/dropout.js";
import { Module } from "../src/layers/module.js";
import { Parameter } from "../src/layers/parameter.js";
import { moduleFromSpec } from "../src/layers/spec.js";
import { ones, tensor } from "../src/tensor/creation.js";
import { generator } from "../src/tensor/random.js";
import type { Tensor } from "../src/tensor/tensor.js";

describe("Dropout takes PyTorch's positional p or an options object", () => {
  it("new Dropout(0.3), new Dropout({ p: 0.3 }), new Dropout(0.3, { rng }) and new Dropout({ p, rng }) agree", () => {
    const x = ones([4, 50]);
    const a = new Dropout(0.3, { rng: generator(5) }).forward(x);
    const b = new Dropout({ p: 0.3, rng: generator(5) }).forward(x);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(new Dropout({ p: 0.3 }).p).toBe(0.3);
    expect(new Dropout().p).toBe(0.5);
    expect(new Dropout({}).p).toBe(0.5);
    expect(moduleFromSpec(new Dropout({ p: 0.2 }).spec())).toMatchObject({ p: 0.2 });
  });

  it("bad values and keys are Errors naming them", () => {
    expect(() => new Dropout(1.5)).toThrow("Dropout: p must be in [0, 1], got 1.5");
    expect(() => new Dropout("0.5" as never)).toThrow('Dropout: p must be in [0, 1], got "0.5"');
    expect(() => new Dropout({ rate: 0.5 } as never)).toThrow("Dropout: unknown option rate; known: p, rng");
    expect(() => new Dropout(0.5, { p: 0.2 })).toThrow("Dropout: unknown option p; known: rng");
  });

  it("Dense rejects unknown options and a non-module activation", () => {
    expect(() => new Dense(2, 3, { activaton: "relu" } as never)).toThrow(
      "Dense: unknown option activaton; known: activation, bias, init, rng, dtype (did you mean activation?)",
    );
    expect(() => new Dense(2, 3, { activation: (x: Tensor) => x } as never)).toThrow("Dense: activation must be a registered name or a Module, got a function");
  });
});

describe("Module.forward may take several inputs", () => {
  class Bilinear extends Module {
    weight = new Parameter(tensor([[1, 2], [3, 4]]));
    forward(a: Tensor, b: Tensor): Tensor {
      return a.matmul(this.weight).mul(b).sum();
    }
  }
  it("a module of two inputs works and trains", () => {
    const m: Module = new Bilinear();
    const y = m.forward(tensor([[1, 0]]), tensor([[1, 1]]));
    expect(y.item()).toBe(3);
    y.backward();
    expect(Array.from((m as Bilinear).weight.grad!.data)).toEqual([1, 1, 0, 0]);
  });
});
