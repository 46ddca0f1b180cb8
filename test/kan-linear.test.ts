import { describe, expect, it } from "vitest";
import { gradcheck } from "../src/autograd/gradcheck.js";
import { noGrad } from "../src/autograd/grad-mode.js";
import { KAN } from "../src/layers/kan.js";
import { KANLinear } from "../src/layers/kan-linear.js";
import { Module } from "../src/layers/module.js";
import { Parameter } from "../src/layers/parameter.js";
import { moduleFromSpec } from "../src/layers/spec.js";
import { tensor, zeros } from "../src/tensor/creation.js";
import { Generator } from "../src/tensor/random.js";
import type { Tensor } from "../src/tensor/tensor.js";
import { assertAllClose, randomTensor } from "./helpers/index.js";
import { exact, kanReference } from "./helpers/kan.js";

const ex = kanReference.kanlinear_example;

function exampleLayer(): KANLinear {
  const layer = new KANLinear(2, 1, { dtype: "float64", rng: new Generator(0) });
  layer.baseWeight.data.set(ex.base_weight.flat());
  layer.splineWeight.data.set(ex.spline_weight.flat(2));
  layer.splineScaler!.data.set(ex.spline_scaler.flat());
  return layer;
}

describe("KANLinear: the worked example of kan_reference.json", () => {
  it("forward gives y = 0.40985851739231977943 and backward the reference gradients", () => {
    const layer = exampleLayer();
    expect(ex.grid.grid_size).toBe(layer.gridSize);
    assertAllClose(layer.grid.data, [...ex.grid.knots.map(exact), ...ex.grid.knots.map(exact)], { atol: 1e-15, rtol: 0 });
    const x = tensor([ex.x], { dtype: "float64", requiresGrad: true });
    const y = layer.forward(x);
    expect(y.shape).toEqual([1, 1]);
    assertAllClose(y.data, [exact(ex.y)], { atol: 1e-14, rtol: 0 });
    y.backward();
    assertAllClose(x.grad!.data, ex.dy_dx.map(exact), { atol: 1e-14, rtol: 0 });
    assertAllClose(layer.baseWeight.grad!.data, ex.dy_dbase_weight.flat().map(exact), { atol: 1e-14, rtol: 0 });
    assertAllClose(layer.splineWeight.grad!.data, ex.dy_dspline_weight.flat(2).map(exact), { atol: 1e-14, rtol: 0 });
    assertAllClose(layer.splineScaler!.grad!.data, ex.dy_dspline_scaler.flat().map(exact), { atol: 1e-14, rtol: 0 });
  });

  it("float32 layers agree with the float64 result to float32 precision", () => {
    const layer = exampleLayer().to("float32");
    const y = layer.forward(tensor([ex.x]));
    expect(y.dtype).toBe("float32");
    assertAllClose(y.data, [exact(ex.y)], { atol: 1e-6, rtol: 1e-6 });
  });
});

describe("KANLinear: gradients (float64 gradcheck)", () => {
  const cases: [string, Parameters<typeof makeLayer>[0]][] = [
    ["default (cubic, standalone scaler)", {}],
    ["no standalone scaler, quadratic, G=4", { enableStandaloneScaleSpline: false, splineOrder: 2, gridSize: 4 }],
    ["linear splines on [0, 2]", { splineOrder: 1, gridRange: [0, 2] }],
  ];
  function makeLayer(o: { enableStandaloneScaleSpline?: boolean; splineOrder?: number; gridSize?: number; gridRange?: [number, number] }): KANLinear {
    const layer = new KANLinear(3, 2, { ...o, dtype: "float64", rng: new Generator(11) });
    // Spline coefficients of order 1 so the spline part is not negligible in the check.
    const rng = new Generator(12);
    for (let q = 0; q < layer.splineWeight.size; q++) layer.splineWeight.data[q] = rng.normal();
    return layer;
  }
  for (const [name, o] of cases) {
    it(`w.r.t. input, baseWeight, splineWeight and splineScaler: ${name}`, () => {
      const layer = makeLayer(o);
      const x = randomTensor([4, 3], 13, { low: -1.3, high: 1.3 });
      expect(gradcheck((v) => layer.forward(v), [x], { params: layer.parameters() })).toBe(true);
    });
  }

  it("regularizationLoss is differentiable (gradcheck w.r.t. splineWeight)", () => {
    const layer = makeLayer({});
    expect(gradcheck(() => layer.regularizationLoss(0.7, 1.3), [], { params: [layer.splineWeight] })).toBe(true);
  });

  it("regularizationLoss = a·Σ mean|C| − e·Σ p log p, computed by hand", () => {
    const layer = exampleLayer();
    const l1 = [0.45, 0.175]; // mean |C| of the two edges
    const total = l1[0] + l1[1];
    const entropy = -l1.reduce((s, v) => s + (v / total) * Math.log(v / total), 0);
    assertAllClose([layer.regularizationLoss(2, 3).item()], [2 * total + 3 * entropy], { atol: 1e-14, rtol: 1e-14 });
    layer.splineWeight.data.fill(0, 0, 8); // one edge all zero: p·log p counts as 0
    assertAllClose([layer.regularizationLoss().item()], [0.175], { atol: 1e-14, rtol: 0 });
  });
});

describe("KANLinear: structure, state and specs", () => {
  it("names parameters after efficient-kan's state dict in camelCase; the grid is a buffer", () => {
    const layer = new KANLinear(3, 2, { rng: new Generator(0) });
    expect(layer.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ["baseWeight", [2, 3]],
      ["splineWeight", [2, 3, 8]],
      ["splineScaler", [2, 3]],
    ]);
    expect(layer.namedBuffers().map(([n, t]) => [n, t.shape])).toEqual([["grid", [3, 12]]]);
    expect(Object.keys(layer.stateDict())).toEqual(["baseWeight", "splineWeight", "splineScaler", "grid"]);
    expect(new KANLinear(3, 2, { enableStandaloneScaleSpline: false }).parameters().length).toBe(2);
  });

  it("initialises deterministically from rng: base weights in U(±1/√in), spline ≈ 0", () => {
    const a = new KANLinear(4, 3, { rng: new Generator(5) });
    const b = new KANLinear(4, 3, { rng: new Generator(5) });
    assertAllClose(a.splineWeight.data, b.splineWeight.data, { atol: 0, rtol: 0 });
    assertAllClose(a.baseWeight.data, b.baseWeight.data, { atol: 0, rtol: 0 });
    expect(Array.from(a.baseWeight.data).every((w) => Math.abs(w) <= 0.5)).toBe(true);
    // The initial spline reproduces noise of size ≤ scaleNoise/(2G) = 0.01 at the interior knots.
    const x = tensor([[-1, -0.6, 0.2, 1]], { dtype: "float32" });
    const spline = noGrad(() => a.forward(x).sub(new KANLinear(4, 3, { rng: new Generator(5), scaleNoise: 0 }).forward(x)));
    expect(Math.max(...Array.from(spline.data, Math.abs))).toBeLessThan(4 * 0.01 * 0.5 + 1e-6);
  });

  it("KAN names its layers' parameters layers.0.baseWeight …", () => {
    const model = new KAN([2, 5, 1], { rng: new Generator(0) });
    expect(model.namedParameters().map(([n]) => n)).toEqual([
      "layers.0.baseWeight",
      "layers.0.splineWeight",
      "layers.0.splineScaler",
      "layers.1.baseWeight",
      "layers.1.splineWeight",
      "layers.1.splineScaler",
    ]);
    expect(model.namedBuffers().map(([n]) => n)).toEqual(["layers.0.grid", "layers.1.grid"]);
    expect(model.forward(tensor([[0.1, 0.2], [0.3, -0.4]])).shape).toEqual([2, 1]);
  });

  it("state-dict round trip reproduces the outputs, grid included", () => {
    const src = new KAN([2, 3, 1], { rng: new Generator(1) });
    const x = randomTensor([16, 2], 2, { dtype: "float32", requiresGrad: false });
    src.updateGrid(x);
    const dst = new KAN([2, 3, 1], { rng: new Generator(99) });
    dst.loadStateDict(src.stateDict());
    assertAllClose(dst.layers[0].grid.data, src.layers[0].grid.data, { atol: 0, rtol: 0 });
    assertAllClose(dst.forward(x).data, src.forward(x).data, { atol: 0, rtol: 0 });
  });

  it("strict load rejects missing/unexpected keys and wrong shapes, leaving the layer unchanged", () => {
    const layer = new KANLinear(2, 2, { rng: new Generator(1) });
    const before = layer.stateDict();
    const bad = new KANLinear(2, 2, { rng: new Generator(2) }).stateDict();
    delete bad.grid;
    bad.extra = bad.baseWeight;
    expect(() => layer.loadStateDict(bad)).toThrow("loadStateDict: missing [grid], unexpected [extra]");
    const wrong = new KANLinear(2, 2, { rng: new Generator(2), gridSize: 4 }).stateDict();
    expect(() => layer.loadStateDict(wrong)).toThrow("splineWeight: shape [2,2,7] in the state dict, [2,2,8] in the model");
    for (const [k, t] of Object.entries(layer.stateDict())) assertAllClose(t.data, before[k].data, { atol: 0, rtol: 0 });
  });

  it("spec round trip through moduleFromSpec rebuilds KANLinear and KAN (refined layers included)", () => {
    const layer = new KANLinear(2, 3, { gridSize: 4, splineOrder: 2, gridRange: [-2, 3], gridEps: 0.5, dtype: "float64" });
    const rebuilt = moduleFromSpec(JSON.parse(JSON.stringify(layer.spec())) as ReturnType<KANLinear["spec"]>);
    expect(rebuilt).toBeInstanceOf(KANLinear);
    expect(rebuilt.spec()).toEqual(layer.spec());
    rebuilt.loadStateDict(layer.stateDict());
    const x = randomTensor([5, 2], 3, { requiresGrad: false });
    assertAllClose(rebuilt.forward(x).data, layer.forward(x).data, { atol: 0, rtol: 0 });

    const model = new KAN([1, 2, 1], { gridSize: 3, rng: new Generator(4) });
    const refined = model.refine(7);
    const again = moduleFromSpec(refined.spec()) as KAN;
    expect(again.layers.map((l) => l.gridSize)).toEqual([7, 7]);
    again.loadStateDict(refined.stateDict());
    const z = tensor([[0.3], [-0.8]]);
    assertAllClose(again.forward(z).data, refined.forward(z).data, { atol: 0, rtol: 0 });
  });

  it("accepts any Module as the base activation and carries it in the spec", () => {
    class Doubler extends Module {
      forward(x: Tensor): Tensor {
        return x.mul(2);
      }
    }
    const layer = new KANLinear(1, 1, { baseActivation: new Doubler(), dtype: "float64" });
    layer.splineWeight.data.fill(0);
    layer.baseWeight.data[0] = 1.5;
    assertAllClose(layer.forward(tensor([[0.25]], { dtype: "float64" })).data, [0.75], { atol: 1e-15, rtol: 0 });
    expect(() => layer.spec()).toThrow("Doubler: this module cannot be serialised");
  });
});

describe("KAN base activations and documented examples", () => {
  class Scaled extends Module {
    readonly alpha = new Parameter(tensor([1.5], { dtype: "float64" }));
    forward(x: Tensor): Tensor {
      return x.mul(this.alpha);
    }
  }

  it("a factory gives each layer its own activation, whose parameters train with the layer", () => {
    const model = new KAN([2, 3, 1], { baseActivation: () => new Scaled(), dtype: "float64", rng: new Generator(2) });
    expect(model.namedParameters().map(([n]) => n).filter((n) => n.includes("alpha"))).toEqual([
      "layers.0.baseActivation.alpha",
      "layers.1.baseActivation.alpha",
    ]);
    const x = randomTensor([3, 2], 4, { low: -0.9, high: 0.9 });
    expect(gradcheck((v) => model.forward(v), [x], { params: model.parameters() })).toBe(true);
  });

  it("the TSDoc examples hold", () => {
    expect(new KANLinear(2, 3, { rng: new Generator(0) }).forward(zeros([4, 2])).shape).toEqual([4, 3]);
    expect(new KAN([2, 5, 1], { rng: new Generator(0) }).forward(zeros([8, 2])).shape).toEqual([8, 1]);
  });
});

describe("KANLinear and KAN: errors name the layer and the values", () => {
  const layer = new KANLinear(2, 3, { rng: new Generator(0) });
  const cases: [string, () => unknown, string][] = [
    ["wrong input width", () => layer.forward(tensor([[1, 2, 3]])), "KANLinear(2 → 3).forward: input [1,3] does not match the layer: expected [batch, 2]"],
    ["non-2-D input", () => layer.forward(tensor([1, 2])), "KANLinear(2 → 3).forward: input [2] does not match the layer: expected [batch, 2]"],
    ["gridSize < 1", () => new KANLinear(2, 3, { gridSize: 0 }), "KANLinear: gridSize must be an integer ≥ 1, got 0"],
    ["negative splineOrder", () => new KANLinear(2, 3, { splineOrder: -1 }), "KANLinear: splineOrder must be an integer ≥ 0, got -1"],
    ["non-integer splineOrder", () => new KANLinear(2, 3, { splineOrder: 2.5 }), "KANLinear: splineOrder must be an integer ≥ 0, got 2.5"],
    ["decreasing gridRange", () => new KANLinear(2, 3, { gridRange: [1, -1] }), "KANLinear: gridRange must be two finite numbers [lo, hi] with lo < hi, got [1,-1]"],
    ["infinite gridRange", () => new KANLinear(2, 3, { gridRange: [0, Infinity] }), "KANLinear: gridRange must be two finite numbers [lo, hi] with lo < hi, got [0,null]"],
    ["zero width", () => new KANLinear(0, 3), "KANLinear: inFeatures must be a positive integer, got 0"],
    ["gridEps out of range", () => new KANLinear(2, 3, { gridEps: 2 }), "KANLinear: gridEps must be in [0, 1], got 2"],
    ["updateGrid with NaN", () => layer.updateGrid(tensor([[0, 1], [Number.NaN, 0]])), "KANLinear(2 → 3).updateGrid: input has a non-finite value NaN at [1, 0]"],
    ["updateGrid with a negative margin", () => layer.updateGrid(tensor([[0, 1]]), -1), "KANLinear.updateGrid: margin must be a finite number ≥ 0, got -1"],
    ["refine to gridSize 0", () => layer.refine(0), "KANLinear.refine: newGridSize must be an integer ≥ 1, got 0"],
    ["KAN with one width", () => new KAN([3]), "KAN: layersHidden must list at least two widths [in, …, out], got [3]"],
    ["KAN input width", () => new KAN([2, 1]).forward(tensor([[1]])), "KANLinear(2 → 1).forward: input [1,1] does not match the layer: expected [batch, 2]"],
    ["KAN updateGrid input width", () => new KAN([2, 1]).updateGrid(tensor([[1]])), "KAN(2, 1).updateGrid: input [1,1] does not match: expected [batch, 2]"],
  ];
  for (const [name, fn, message] of cases) {
    it(`${name}`, () => {
      expect(fn).toThrow(message);
    });
  }

  it("a failed updateGrid changes nothing", () => {
    const before = layer.stateDict();
    expect(() => layer.updateGrid(tensor([[0.5, 0.5], [0.5, 0.5]]), 0)).toThrow(
      "KANLinear.updateGrid: input 0: the grid collapses to a point (all samples equal 0.5; margin 0, gridEps 0.02)",
    );
    for (const [k, t] of Object.entries(layer.stateDict())) assertAllClose(t.data, before[k].data, { atol: 0, rtol: 0 });
  });
});
