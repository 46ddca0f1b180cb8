import { afterEach, describe, expect, it } from "vitest";
import { Swish, PReLU } from "../src/activations/modules-trainable.js";
import { LEAF } from "../src/activations/modules-leaf.js";
import { SiLU } from "../src/activations/modules-smooth.js";
import { Tanh } from "../src/activations/modules.js";
import { gradcheck } from "../src/autograd/gradcheck.js";
import { Dense } from "../src/layers/dense.js";
import { KAN } from "../src/layers/kan.js";
import { KANLinear } from "../src/layers/kan-linear.js";
import { Sequential } from "../src/layers/sequential.js";
import { moduleFromSpec } from "../src/layers/spec.js";
import { randn, tensor, zeros } from "../src/tensor/creation.js";
import { getDefaultDtype, setDefaultDtype } from "../src/tensor/dtype.js";
import { generator } from "../src/tensor/random.js";

afterEach(() => setDefaultDtype("float32"));

describe("a layer's dtype reaches its activation's parameters", () => {
  it('new Dense(2, 4, { activation: "swish", dtype: "float64" }) runs on float64 input and its β is float64', () => {
    const layer = new Dense(2, 4, { activation: "swish", dtype: "float64", rng: generator(0) });
    expect(layer.parameters().map((p) => p.dtype)).toEqual(["float64", "float64", "float64"]);
    const x = randn([3, 2], { dtype: "float64", rng: generator(1) });
    expect(layer.forward(x).dtype).toBe("float64");
    gradcheck((t) => layer.forward(t), [x], { params: layer.parameters() });
  });

  for (const name of ["prelu", "leaf"]) {
    it(`Dense with ${name} by name in float64`, () => {
      const layer = new Dense(2, 3, { activation: name, dtype: "float64", rng: generator(0) });
      expect(new Set(layer.parameters().map((p) => p.dtype))).toEqual(new Set(["float64"]));
    });
  }

  it("Swish, PReLU and LEAF take dtype; their specs keep it", () => {
    const mods = [
      new Swish({ beta: 0.6, dtype: "float64" }),
      new PReLU({ init: 0.6, dtype: "float64" }),
      new LEAF({ alpha: 0.6, dtype: "float64" }),
      new LEAF({ form: "extended", initAs: "silu", dtype: "float64" }),
    ];
    for (const m of mods) {
      const p = m.parameters()[0];
      expect(p.dtype).toBe("float64");
      expect(moduleFromSpec(m.spec()).parameters()[0].dtype).toBe("float64");
    }
    expect(mods[1].parameters()[0].data[0]).toBe(0.6);
    expect(() => new Swish({ dtype: "float16" as never })).toThrow('Swish: unknown dtype "float16"; expected "float32" or "float64"');
  });

  it("an activation instance of another dtype is converted to the layer's", () => {
    const layer = new Dense(2, 4, { activation: new Swish({ beta: 1.5 }), dtype: "float64" });
    const beta = (layer.activation as Swish).beta;
    expect([beta.dtype, beta.data[0]]).toEqual(["float64", 1.5]);
    expect(layer.forward(randn([2, 2], { dtype: "float64", rng: generator(0) })).dtype).toBe("float64");
  });
});

describe("setDefaultDtype / getDefaultDtype (torch.set_default_dtype)", () => {
  it("creation functions, layers and activations follow the default", () => {
    expect(getDefaultDtype()).toBe("float32");
    setDefaultDtype("float64");
    expect(getDefaultDtype()).toBe("float64");
    expect([zeros([2]).dtype, tensor([1, 2]).dtype, randn([2], { rng: generator(0) }).dtype]).toEqual(["float64", "float64", "float64"]);
    expect(tensor(new Float32Array([1])).dtype).toBe("float32"); // a typed array keeps its dtype
    const model = new Sequential(new Dense(2, 4, { activation: "swish" }), new Dense(4, 1));
    expect(new Set(model.parameters().map((p) => p.dtype))).toEqual(new Set(["float64"]));
    expect(new PReLU().weight.dtype).toBe("float64");
    expect(new KAN([2, 3, 1], { rng: generator(0) }).parameters().every((p) => p.dtype === "float64")).toBe(true);
    setDefaultDtype("float32");
    expect(zeros([1]).dtype).toBe("float32");
  });

  it("an explicit dtype wins over the default", () => {
    setDefaultDtype("float64");
    expect(zeros([1], { dtype: "float32" }).dtype).toBe("float32");
    expect(new Dense(1, 1, { dtype: "float32" }).weight.dtype).toBe("float32");
  });

  it("rejects an unknown dtype and leaves the default", () => {
    expect(() => setDefaultDtype("float16" as never)).toThrow('setDefaultDtype: unknown dtype "float16"');
    expect(getDefaultDtype()).toBe("float32");
  });

  it('.to("float64") after building in float32 keeps the float32-rounded initial values, as PyTorch; dtype or setDefaultDtype store them exactly', () => {
    // PyTorch: torch.nn.PReLU(init=0.6).double().weight → 0.6000000238418579
    expect(new PReLU({ init: 0.6 }).to("float64").weight.data[0]).toBe(Math.fround(0.6));
    expect(new PReLU({ init: 0.6, dtype: "float64" }).weight.data[0]).toBe(0.6);
    setDefaultDtype("float64");
    expect(new PReLU({ init: 0.6 }).weight.data[0]).toBe(0.6);
  });
});

describe("KAN / KANLinear baseActivation: a name, an instance, a factory or a class", () => {
  const forms: [string, unknown][] = [
    ["a name", "tanh"],
    ["an instance", new Tanh()],
    ["a factory", () => new Tanh()],
    ["a class", Tanh],
  ];
  for (const [what, value] of forms) {
    it(`${what}`, () => {
      const layer = new KANLinear(2, 3, { baseActivation: value as never, rng: generator(0) });
      expect(layer.baseActivation).toBeInstanceOf(Tanh);
      const kan = new KAN([2, 3, 1], { baseActivation: value as never, rng: generator(0) });
      expect(kan.layers.map((l) => l.baseActivation.constructor.name)).toEqual(["Tanh", "Tanh"]);
      expect(kan.forward(zeros([4, 2])).shape).toEqual([4, 1]);
    });
  }

  it("a trainable activation gets its own parameters in every layer, in the layers' dtype", () => {
    const kan = new KAN([2, 3, 1], { baseActivation: "swish", dtype: "float64", rng: generator(0) });
    const betas = kan.layers.map((l) => (l.baseActivation as Swish).beta);
    expect(betas[0]).not.toBe(betas[1]);
    expect(betas.map((b) => b.dtype)).toEqual(["float64", "float64"]);
    const shared = new Swish({ beta: 1.5 });
    const k2 = new KAN([2, 3, 1], { baseActivation: shared, rng: generator(0) });
    expect((k2.layers[1].baseActivation as Swish).beta).not.toBe(shared.beta);
    expect((k2.layers[1].baseActivation as Swish).beta.data[0]).toBe(1.5);
  });

  it("anything else is an Error naming the accepted forms, never a raw TypeError later", () => {
    expect(() => new KANLinear(2, 3, { baseActivation: 3 as never })).toThrow(
      'KANLinear: baseActivation must be an activation name ("silu"), a Module instance, a factory () => Module or a Module class; got number 3',
    );
    expect(() => new KAN([2, 1], { baseActivation: (() => 42) as never })).toThrow("KANLinear: baseActivation factory made number 42, not a Module");
    expect(() => new KAN([2, 1], { baseActivation: "nosuch" })).toThrow('activation: unknown activation "nosuch"');
    expect(() => new KAN([2, 1], { gridsize: 3 } as never)).toThrow("KAN: unknown option gridsize; known: gridSize");
    expect((new KANLinear(2, 1, { baseActivation: new Swish(), dtype: "float64" }).baseActivation as Swish).beta.dtype).toBe("float64");
    expect(new KANLinear(2, 1).baseActivation).toBeInstanceOf(SiLU);
  });
});
