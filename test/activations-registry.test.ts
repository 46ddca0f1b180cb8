// The extension API: registry by name (level 3), defineActivation (level 2), custom
// activations round-tripping through spec()/moduleFromSpec.
import { describe, expect, it } from "vitest";
import { Activation } from "../src/activations/activation.js";
import { tanh } from "../src/activations/basic.js";
import { defineActivation } from "../src/activations/define.js";
import { LEAF } from "../src/activations/modules-leaf.js";
import { ELU, LeakyReLU, ReLU, SELU } from "../src/activations/modules-relu.js";
import { GELU, Mish, SiLU, Softplus } from "../src/activations/modules-smooth.js";
import { PReLU, Swish } from "../src/activations/modules-trainable.js";
import { Identity, LogSigmoid, LogSoftmax, Sigmoid, Softmax, Tanh } from "../src/activations/modules.js";
import { activation, activationNames, registerActivation } from "../src/activations/registry.js";
import { gradcheck } from "../src/autograd/gradcheck.js";
import { moduleFromSpec } from "../src/layers/spec.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { randomTensor, TrainableELU, vec } from "./helpers/activations.js";

const BUILT_INS: [string, new (...args: never[]) => unknown][] = [
  ["identity", Identity], ["linear", Identity], ["sigmoid", Sigmoid], ["tanh", Tanh], ["relu", ReLU],
  ["leakyRelu", LeakyReLU], ["elu", ELU], ["selu", SELU], ["gelu", GELU], ["geluTanh", GELU], ["silu", SiLU],
  ["swish", Swish], ["mish", Mish], ["softplus", Softplus], ["prelu", PReLU], ["leaf", LEAF], ["softmax", Softmax],
  ["logSoftmax", LogSoftmax], ["logSigmoid", LogSigmoid],
];

describe("activation registry", () => {
  it("builds every built-in by name", () => {
    for (const [name, cls] of BUILT_INS) expect(activation(name), name).toBeInstanceOf(cls);
    expect((activation("geluTanh") as GELU).approximate).toBe("tanh");
    expect((activation("gelu") as GELU).approximate).toBe("none");
    expect(activationNames()).toEqual(expect.arrayContaining(BUILT_INS.map(([n]) => n)));
  });

  it("passes options through", () => {
    expect((activation("leakyRelu", { negativeSlope: 0.2 }) as LeakyReLU).negativeSlope).toBe(0.2);
    expect((activation("leaf", { form: "extended", initAs: "sigmoid" }) as LEAF).p2!.data[0]).toBe(1);
    expect((activation("swish", { numParameters: 3 }) as Swish).beta.shape).toEqual([3]);
    expect(() => activation("relu", { negativeSlope: 0.1 })).toThrow(/relu: unknown option negativeSlope; known: \(none\)/);
  });

  it("an unknown name throws listing the known names", () => {
    expect(() => activation("mihs")).toThrow(/activation: unknown activation "mihs"; known: .*elu, .*mish, .*relu/);
  });

  it("registering a taken name throws (built-ins and custom)", () => {
    expect(() => registerActivation("relu", () => new ReLU())).toThrow(/activation "relu" is already registered/);
    registerActivation("testOnce", () => new Identity());
    expect(() => registerActivation("testOnce", () => new Identity())).toThrow(/already registered/);
    expect(() => registerActivation("", () => new Identity())).toThrow(/non-empty/);
  });

  it("a custom activation (level 1 + 3) is usable by name and round-trips through spec()", () => {
    const scaledTanh = (scale: number) => (x: Tensor) => tanh(x).mul(scale);
    registerActivation("scaledTanhTest", (options) => {
      const scale = (options?.scale as number | undefined) ?? 1;
      return new Activation("scaledTanhTest", scaledTanh(scale), { config: { scale } });
    });
    const m = activation("scaledTanhTest", { scale: 3 });
    expect(m.spec()).toEqual({ type: "Activation", options: { name: "scaledTanhTest", scale: 3 } });
    const rebuilt = moduleFromSpec(JSON.parse(JSON.stringify(m.spec())));
    expect(rebuilt).toBeInstanceOf(Activation);
    const x = vec([0.5, -2]);
    expect(Array.from(rebuilt.forward(x).data)).toEqual(Array.from(m.forward(x).data));
    expect(rebuilt.forward(x).data[0]).toBe(Math.tanh(0.5) * 3);
    expect(() => moduleFromSpec({ type: "Activation", options: { name: "nope" } })).toThrow(/unknown activation "nope"/);
  });
});

describe("defineActivation (level 2)", () => {
  it("makes a module class with Parameter fields named after the parameters", () => {
    const m = new TrainableELU({ numParameters: 3, init: { alpha: 0.5 } });
    expect(m.namedParameters().map(([n]) => n)).toEqual(["alpha"]);
    expect(Array.from(m.alpha.data)).toEqual([0.5, 0.5, 0.5]);
    expect(m.initHint).toBe("he");
    expect(new TrainableELU({ trainable: false }).parameters()).toEqual([]);
    expect(m.name).toBe("trainableElu");
  });

  it("its derivative passes gradcheck for the input and the parameter (the documented check)", () => {
    const m = new TrainableELU({ numParameters: 4, init: { alpha: 0.7 } }).to("float64");
    expect(gradcheck((x) => m.forward(x), [randomTensor([3, 4], 11, { minAbs: 0.05 })], { params: m.parameters() })).toBe(true);
  });

  it("gradcheck catches a wrong hand-written derivative", () => {
    const Broken = defineActivation({
      name: "brokenSquare",
      forward(x, y) {
        for (let i = 0; i < x.length; i++) y[i] = x[i] * x[i];
      },
      backward(x, _y, _gy, gx) {
        if (gx !== null) for (let i = 0; i < x.length; i++) gx[i] = 2 * x[i]; // forgot · gy[i]
      },
    });
    const m = new Broken();
    expect(() => gradcheck((x) => m.forward(x), [randomTensor([4], 12)])).toThrow(/gradcheck: input 0/);
  });

  it("registered by name, it round-trips through spec() and the state dict", () => {
    // Registered under the definition's name, which its spec() records.
    registerActivation("trainableElu", (options) => new TrainableELU(options as never));
    const m = activation("trainableElu", { numParameters: 2, init: { alpha: 0.5 } }) as InstanceType<typeof TrainableELU>;
    m.alpha.data.set([0.3, 0.9]);
    const spec = JSON.parse(JSON.stringify(m.spec()));
    expect(spec.type).toBe("Activation");
    const rebuilt = moduleFromSpec(spec);
    rebuilt.loadStateDict(m.stateDict());
    const x = randomTensor([2, 2], 13, { dtype: "float32" });
    expect(Array.from(rebuilt.forward(x).data)).toEqual(Array.from(m.forward(x).data));
  });

  it("rejects bad definitions and options", () => {
    const ok = { forward: () => undefined, backward: () => undefined };
    expect(() => defineActivation({ name: "", ...ok })).toThrow(/defineActivation: name must be a non-empty string/);
    expect(() => defineActivation({ name: "d", parameters: { a: NaN }, ...ok })).toThrow(/d: default of parameter "a" must be a finite number, got NaN/);
    expect(() => new TrainableELU({ init: { beta: 1 } as never })).toThrow(/trainableElu init: unknown option beta; known: alpha/);
    expect(() => new TrainableELU({ numParameters: -1 })).toThrow(/trainableElu: numParameters must be an integer ≥ 1, got -1/);
  });
});
