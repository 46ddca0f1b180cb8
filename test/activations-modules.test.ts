// Activation modules: init hints, parameter names, Swish-1 = SiLU bit for bit, option and
// size validation, dtype conversion, and spec / state-dict round trips.
import { describe, expect, it } from "vitest";
import { Activation, initHintOf } from "../src/activations/activation.js";
import { LEAF } from "../src/activations/modules-leaf.js";
import { ELU, LeakyReLU, ReLU, SELU } from "../src/activations/modules-relu.js";
import { GELU, Mish, SiLU, Softplus } from "../src/activations/modules-smooth.js";
import { PReLU, Swish } from "../src/activations/modules-trainable.js";
import { Identity, LogSigmoid, LogSoftmax, Sigmoid, Softmax, Tanh } from "../src/activations/modules.js";
import { elu, leakyRelu } from "../src/activations/relu-family.js";
import { gelu } from "../src/activations/gelu.js";
import { softplus } from "../src/activations/smooth.js";
import { swish } from "../src/activations/swish.js";
import { prelu } from "../src/activations/prelu.js";
import { moduleFromSpec } from "../src/layers/spec.js";
import type { Module } from "../src/layers/module.js";
import { full, ones } from "../src/tensor/creation.js";
import { randomTensor, vec } from "./helpers/activations.js";

const ALL: [string, () => Module][] = [
  ["Identity", () => new Identity()],
  ["Sigmoid", () => new Sigmoid()],
  ["Tanh", () => new Tanh()],
  ["LogSigmoid", () => new LogSigmoid()],
  ["ReLU", () => new ReLU()],
  ["LeakyReLU", () => new LeakyReLU({ negativeSlope: 0.2 })],
  ["ELU", () => new ELU({ alpha: 0.5 })],
  ["SELU", () => new SELU()],
  ["GELU", () => new GELU()],
  ["GELU tanh", () => new GELU({ approximate: "tanh" })],
  ["SiLU", () => new SiLU()],
  ["Mish", () => new Mish()],
  ["Softplus", () => new Softplus({ beta: 2 })],
  ["Softplus threshold", () => new Softplus({ threshold: 20 })],
  ["Swish", () => new Swish({ beta: 1.5, numParameters: 3 })],
  ["Swish fixed", () => new Swish({ trainable: false })],
  ["PReLU", () => new PReLU({ numParameters: 3, init: 0.1 })],
  ["LEAF", () => new LEAF()],
  ["LEAF extended", () => new LEAF({ form: "extended", initAs: "tanh", numParameters: 3 })],
  ["Softmax", () => new Softmax({ axis: 0 })],
  ["LogSoftmax", () => new LogSoftmax()],
];

describe("activation modules", () => {
  it("init hints: he for the ReLU family and its smooth members, lecun for SELU, glorot otherwise", () => {
    const hints = Object.fromEntries(ALL.map(([name, make]) => [name, initHintOf(make())]));
    expect(hints).toEqual({
      Identity: "glorot", Sigmoid: "glorot", Tanh: "glorot", LogSigmoid: "glorot", ReLU: "he", LeakyReLU: "he",
      ELU: "he", SELU: "lecun", GELU: "he", "GELU tanh": "he", SiLU: "he", Mish: "he",
      Softplus: "glorot", "Softplus threshold": "glorot", Swish: "he", "Swish fixed": "he", PReLU: "he",
      LEAF: "he", "LEAF extended": "glorot", Softmax: "glorot", LogSoftmax: "glorot",
    });
    expect(initHintOf(new LEAF({ form: "extended" }))).toBe("he"); // the ReLU preset
    for (const [, make] of ALL) expect(make()).toBeInstanceOf(Activation);
  });

  it("parameter and buffer names (they become checkpoint names)", () => {
    const names = (m: Module) => [m.namedParameters().map(([n]) => n), m.namedBuffers().map(([n]) => n)];
    expect(names(new Swish())).toEqual([["beta"], []]);
    expect(names(new Swish({ trainable: false }))).toEqual([[], ["beta"]]);
    expect(names(new PReLU())).toEqual([["weight"], []]);
    expect(names(new LEAF())).toEqual([["alpha"], []]);
    expect(names(new LEAF({ form: "extended" }))).toEqual([["p1", "p2", "p3", "p4"], []]);
    expect(names(new ReLU())).toEqual([[], []]);
    expect(new PReLU({ numParameters: 5 }).weight.shape).toEqual([5]);
    expect(Array.from(new LEAF({ form: "extended", initAs: "relu" }).p3!.data)).toEqual([65536]);
    expect(Array.from(new LEAF().alpha!.data)).toEqual([0.25]);
  });

  it("Swish with β = 1 equals SiLU bit for bit (trainable or fixed, float32 and float64)", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const base = randomTensor([4, 3], 1, { low: -30, high: 30, dtype });
      const ref = new SiLU();
      for (const m of [new Swish().to(dtype), new Swish({ trainable: false }).to(dtype), new Swish({ numParameters: 3 }).to(dtype)]) {
        const [x1, x2] = [base.detach().requiresGrad_(), base.detach().requiresGrad_()];
        const y1 = ref.forward(x1);
        const y2 = m.forward(x2);
        expect(Array.from(y2.data)).toEqual(Array.from(y1.data));
        y1.backward(ones(y1.shape, { dtype }));
        y2.backward(ones(y2.shape, { dtype }));
        expect(Array.from(x2.grad!.data)).toEqual(Array.from(x1.grad!.data));
      }
      expect(Array.from(swish(base, 1).data)).toEqual(Array.from(ref.forward(base).data));
    }
  });

  it("each module applies its function with its options", () => {
    const x = randomTensor([2, 3], 2);
    const same = (m: Module, y: ArrayLike<number>) => expect(Array.from(m.to("float64").forward(x).data)).toEqual(Array.from(y));
    same(new LeakyReLU({ negativeSlope: 0.2 }), leakyRelu(x, 0.2).data);
    same(new ELU({ alpha: 0.5 }), elu(x, 0.5).data);
    same(new GELU({ approximate: "tanh" }), gelu(x, { approximate: "tanh" }).data);
    same(new Softplus({ beta: 2, threshold: 1 }), softplus(x, { beta: 2, threshold: 1 }).data);
    same(new PReLU({ numParameters: 3, init: 0.1 }), prelu(x, Math.fround(0.1)).data); // the parameter was created in float32
  });

  it("a per-feature parameter whose size differs from the last axis throws naming the activation and both sizes", () => {
    const x = randomTensor([2, 3], 3);
    expect(() => new Swish({ numParameters: 4 }).to("float64").forward(x)).toThrow(/swish: parameter "beta" has 4 values but the input's last axis has 3/);
    expect(() => new PReLU({ numParameters: 2 }).to("float64").forward(x)).toThrow(/prelu: .*"weight" has 2 values .*last axis has 3/);
    expect(() => new LEAF({ numParameters: 5 }).to("float64").forward(x)).toThrow(/leaf: .*"alpha" has 5 values .*last axis has 3/);
    expect(() => new LEAF({ form: "extended", numParameters: 2 }).to("float64").forward(x)).toThrow(/leafExtended: .*"p1" has 2 .*has 3/);
    expect(() => swish(x, full([2, 3], 1, { dtype: "float64" }))).toThrow(/swish: parameter "beta" must have shape \[1\] or \[features\], got \[2, ?3\]/);
  });

  it("a parameter of another dtype throws (convert the module with .to())", () => {
    expect(() => new Swish().forward(randomTensor([2, 3], 4))).toThrow(/swish: dtype mismatch/);
  });

  it("bad option values throw errors naming the activation and the value", () => {
    const x = vec([1, -1]);
    const cases: [() => unknown, RegExp][] = [
      [() => leakyRelu(x, NaN), /leakyRelu: negativeSlope must be a finite number, got NaN/],
      [() => new LeakyReLU({ negativeSlope: Infinity }), /LeakyReLU: negativeSlope .* got Infinity/],
      [() => elu(x, Infinity), /elu: alpha .* got Infinity/],
      [() => new ELU({ alpha: NaN }), /ELU: alpha .* got NaN/],
      [() => softplus(x, { beta: 0 }), /softplus: beta must be a finite number > 0, got 0/],
      [() => new Softplus({ beta: -1 }), /softplus: beta .* got -1/],
      [() => softplus(x, { threshold: NaN }), /softplus: threshold .* got NaN/],
      [() => gelu(x, { approximate: "fast" as never }), /gelu: approximate must be one of "none", "tanh", got "fast"/],
      [() => new GELU({ approximate: "x" as never }), /GELU: approximate/],
      [() => swish(x, NaN), /swish: beta .* got NaN/],
      [() => new Swish({ beta: Infinity }), /Swish: beta .* got Infinity/],
      [() => new Swish({ numParameters: 0 }), /Swish: numParameters must be an integer ≥ 1, got 0/],
      [() => new PReLU({ numParameters: 1.5 }), /PReLU: numParameters .* got 1.5/],
      [() => new PReLU({ init: NaN }), /PReLU: init .* got NaN/],
      [() => new LEAF({ form: "other" as never }), /LEAF: form must be one of "article", "extended", got "other"/],
      [() => new LEAF({ alpha: NaN }), /LEAF: alpha .* got NaN/],
      [() => new LEAF({ initAs: "tanh" }), /LEAF: initAs applies to form "extended" only/],
      [() => new LEAF({ form: "extended", alpha: 0.1 }), /LEAF: alpha applies to form "article" only/],
      [() => new LEAF({ form: "extended", initAs: "elu" as never }), /LEAF: initAs must be one of/],
      [() => new LeakyReLU({ slope: 0.1 } as never), /LeakyReLU: unknown option slope; known: negativeSlope/],
      [() => new Softmax({ axis: 0.5 }), /Softmax: axis must be an integer, got 0.5/],
      [() => new Activation("", (t) => t), /Activation: name must be a non-empty string/],
      [() => new Activation("a", (t) => t, { initHint: "xavier" as never }), /Activation "a": initHint must be one of he, lecun, glorot/],
    ];
    for (const [fn, re] of cases) expect(fn).toThrow(re);
  });

  it("to('float64') replaces the parameters and forward uses the new ones", () => {
    const m = new Swish({ beta: 2 });
    const before = m.beta;
    m.to("float64");
    expect(m.beta).not.toBe(before);
    expect(m.beta.dtype).toBe("float64");
    expect(m.parameters()).toEqual([m.beta]);
    const x = vec([1.5]);
    expect(m.forward(x).data[0]).toBe(swish(x, 2).data[0]);
  });

  it("every module's spec() rebuilds an equivalent module with moduleFromSpec", () => {
    const x = randomTensor([2, 3], 5, { dtype: "float32" });
    for (const [name, make] of ALL) {
      const m = make();
      const spec = m.spec();
      expect(JSON.parse(JSON.stringify(spec)), name).toEqual(spec);
      const rebuilt = moduleFromSpec(spec);
      expect(rebuilt.constructor, name).toBe(m.constructor);
      expect(rebuilt.spec(), name).toEqual(spec);
      expect(Array.from(rebuilt.forward(x).data), name).toEqual(Array.from(m.forward(x).data));
    }
  });

  it("a trained parameter survives spec + stateDict round trip", () => {
    const m = new LEAF({ form: "extended", initAs: "silu", numParameters: 3 });
    m.p3!.data.set([0.5, 1.5, 2]);
    const rebuilt = moduleFromSpec(m.spec());
    rebuilt.loadStateDict(m.stateDict());
    const x = randomTensor([2, 3], 6, { dtype: "float32" });
    expect(Array.from(rebuilt.forward(x).data)).toEqual(Array.from(m.forward(x).data));
    const s = new Swish({ trainable: false, beta: 3 });
    const s2 = moduleFromSpec(s.spec()) as Swish;
    expect(s2.parameters()).toEqual([]);
    expect(Array.from(s2.beta.data)).toEqual([3]);
  });
});
