import { describe, expect, it } from "vitest";
import { linear } from "../src/autograd/ops/matmul.js";
import { sum } from "../src/autograd/ops/reduce.js";
import { Parameter } from "../src/layers/parameter.js";
import { mseLoss } from "../src/losses/mse.js";
import { Adam, AdamW } from "../src/optim/adam.js";
import type { Optimizer, OptimizerState } from "../src/optim/optimizer.js";
import { RMSprop } from "../src/optim/rmsprop.js";
import { SGD } from "../src/optim/sgd.js";
import { randn, tensor } from "../src/tensor/creation.js";
import type { DType } from "../src/tensor/dtype.js";
import { generator } from "../src/tensor/random.js";
import { Tensor } from "../src/tensor/tensor.js";

const param = (values: number[], dtype: DType = "float64"): Parameter => new Parameter(tensor(values, { dtype }));
const EPS = 1e-8;

/** Sets p.grad to `values` (as backward would leave it). */
function setGrad(p: Parameter, values: number[]): void {
  p.grad = tensor(values, { dtype: p.dtype });
}

/** One step of loss = ½·Σθ² (so g = θ) through the real backward. */
function quadraticStep(opt: Optimizer, p: Parameter): void {
  opt.zeroGrad();
  sum(p.mul(p)).mul(0.5).backward();
  opt.step();
}

/** One step of loss = Σθ (so g = 1). */
function linearStep(opt: Optimizer, p: Parameter): void {
  opt.zeroGrad();
  sum(p).backward();
  opt.step();
}

function close(actual: number, expected: number, rtol = 1e-15): void {
  if (!(Math.abs(actual - expected) <= rtol * Math.abs(expected) + 1e-300)) {
    throw new Error(`got ${actual}, expected ${expected}`);
  }
}

describe("SGD takes PyTorch's steps", () => {
  it("plain: θ ← θ − γ·g", () => {
    const p = param([1, -2]);
    const opt = new SGD([p], { lr: 0.1 });
    quadraticStep(opt, p);
    expect(Array.from(p.data)).toEqual([1 - 0.1 * 1, -2 - 0.1 * -2]);
  });

  it("momentum 0.9, lr 0.1, θ₀ = 1, loss = θ: 0.9 then 0.71", () => {
    const p = param([1]);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
    linearStep(opt, p);
    close(p.data[0], 0.9); // b = 1
    linearStep(opt, p);
    close(p.data[0], 0.71); // b = 0.9·1 + 1 = 1.9; 0.9 − 0.19
  });

  it("dampening applies from the second step: 0.9 then 0.76", () => {
    const p = param([1]);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.5 });
    linearStep(opt, p);
    close(p.data[0], 0.9); // b = g on the first step
    linearStep(opt, p);
    close(p.data[0], 0.76); // b = 0.9 + 0.5·1 = 1.4
  });

  it("nesterov: 0.81 then 0.539", () => {
    const p = param([1]);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true });
    linearStep(opt, p);
    close(p.data[0], 0.81); // b = 1; g + μb = 1.9
    linearStep(opt, p);
    close(p.data[0], 0.539); // b = 1.9; g + μb = 2.71
  });

  it("weight decay adds λθ to the gradient: 2 → 1.78 → 1.5842", () => {
    const p = param([2]);
    const opt = new SGD([p], { lr: 0.1, weightDecay: 0.1 });
    quadraticStep(opt, p);
    close(p.data[0], 1.78); // g = 2 + 0.2
    quadraticStep(opt, p);
    close(p.data[0], 1.5842); // g = 1.78 + 0.178
  });
});

describe("Adam and AdamW take PyTorch's steps", () => {
  it("Adam's first step moves each weight by γ·g/(|g| + ε)", () => {
    const g = [0.5, -2, 1e-3, 0, 300];
    const p = param([1, 1, 1, 1, 1]);
    const opt = new Adam([p], { lr: 0.01 });
    setGrad(p, g);
    opt.step();
    g.forEach((gi, i) => close(p.data[i], 1 - (0.01 * gi) / (Math.abs(gi) + EPS), 1e-15));
  });

  it("Adam's first two steps on ½θ² match the hand computation", () => {
    const p = param([1]);
    const opt = new Adam([p], { lr: 0.1 });
    quadraticStep(opt, p);
    const t1 = 1 - (0.1 * 1) / (1 + EPS); // m̂ = g = 1, v̂ = g² = 1
    close(p.data[0], t1);
    quadraticStep(opt, p);
    const m = 0.9 * 0.1 + 0.1 * t1;
    const v = 0.999 * 0.001 + 0.001 * t1 * t1;
    close(p.data[0], t1 - ((0.1 / (1 - 0.9 ** 2)) * m) / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** 2) + EPS), 1e-14);
  });

  it("Adam's weight decay is an L2 term in the gradient", () => {
    const p = param([1]);
    const opt = new Adam([p], { lr: 0.1, weightDecay: 0.01 });
    quadraticStep(opt, p);
    close(p.data[0], 1 - (0.1 * 1.01) / (1.01 + EPS));
  });

  it("AdamW decays the weight first (θ·(1 − γλ)), then takes Adam's step; default λ = 0.01", () => {
    const p = param([1]);
    const opt = new AdamW([p], { lr: 0.1 });
    expect(opt.paramGroups[0].options.weightDecay).toBe(0.01);
    quadraticStep(opt, p);
    close(p.data[0], 1 * (1 - 0.1 * 0.01) - (0.1 * 1) / (1 + EPS));
  });

  it("amsgrad divides by the running maximum of v", () => {
    const run = (amsgrad: boolean): number => {
      const p = param([0]);
      const opt = new Adam([p], { lr: 0.1, betas: [0.9, 0.5], amsgrad });
      setGrad(p, [1]);
      opt.step();
      setGrad(p, [0.1]);
      opt.step();
      return p.data[0];
    };
    const t1 = -(0.1 * 1) / (1 + EPS);
    const m2 = 0.9 * 0.1 + 0.1 * 0.1;
    const v1 = 0.5; // v2 = 0.25 + 0.005 = 0.255 < v1
    close(run(true), t1 - ((0.1 / (1 - 0.81)) * m2) / (Math.sqrt(v1) / Math.sqrt(1 - 0.25) + EPS), 1e-14);
    close(run(false), t1 - ((0.1 / (1 - 0.81)) * m2) / (Math.sqrt(0.255) / Math.sqrt(1 - 0.25) + EPS), 1e-14);
  });
});

describe("RMSprop takes PyTorch's steps", () => {
  const twoSteps = (options: ConstructorParameters<typeof RMSprop>[1]): number => {
    const p = param([0]);
    const opt = new RMSprop([p], options);
    setGrad(p, [2]);
    opt.step();
    setGrad(p, [1]);
    opt.step();
    return p.data[0];
  };

  it("plain: v ← αv + (1 − α)g², θ ← θ − γg/(√v + ε)", () => {
    const v1 = 0.01 * 4;
    const v2 = 0.99 * v1 + 0.01 * 1;
    close(twoSteps({}), -(0.01 * 2) / (Math.sqrt(v1) + EPS) - (0.01 * 1) / (Math.sqrt(v2) + EPS), 1e-14);
  });

  it("centered: divides by √(v − ḡ²) + ε", () => {
    const v1 = 0.04;
    const g1 = 0.02;
    const v2 = 0.99 * v1 + 0.01;
    const g2 = 0.99 * g1 + 0.01 * 1;
    const expected = -(0.01 * 2) / (Math.sqrt(v1 - g1 * g1) + EPS) - (0.01 * 1) / (Math.sqrt(v2 - g2 * g2) + EPS);
    close(twoSteps({ centered: true }), expected, 1e-14);
  });

  it("momentum: b ← μb + g/(√v + ε), θ ← θ − γb", () => {
    const b1 = 2 / (Math.sqrt(0.04) + EPS);
    const b2 = 0.9 * b1 + 1 / (Math.sqrt(0.99 * 0.04 + 0.01) + EPS);
    close(twoSteps({ momentum: 0.9 }), -0.01 * b1 - 0.01 * b2, 1e-14);
  });

  it("weight decay adds λθ to the gradient", () => {
    const p = param([1]);
    const opt = new RMSprop([p], { lr: 0.01, weightDecay: 0.5 });
    setGrad(p, [1]);
    opt.step();
    close(p.data[0], 1 - (0.01 * 1.5) / (Math.sqrt(0.01 * 1.5 * 1.5) + EPS));
  });
});

describe("parameter groups and skipping", () => {
  it("groups keep their own options; the lr setter sets every group", () => {
    const a = param([1]);
    const b = param([1]);
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.01 }], { lr: 0.1 });
    setGrad(a, [1]);
    setGrad(b, [1]);
    opt.step();
    expect([a.data[0], b.data[0]]).toEqual([0.9, 0.99]);
    expect(opt.lr).toBe(0.1);
    opt.lr = 0.5;
    expect(opt.paramGroups.map((g) => g.options.lr)).toEqual([0.5, 0.5]);
  });

  it("a group can switch weight decay off (e.g. a trainable Swish β)", () => {
    const w = param([1]);
    const beta = param([1]);
    const opt = new AdamW([{ params: [w] }, { params: [beta], lr: 1e-3, weightDecay: 0 }], { lr: 0.1 });
    setGrad(w, [1]);
    setGrad(beta, [1]);
    opt.step();
    close(w.data[0], 0.999 - 0.1 / (1 + EPS));
    close(beta.data[0], 1 - 1e-3 / (1 + EPS));
  });

  it("parameters whose grad is null are skipped and get no state", () => {
    const used = param([1]);
    const unused = param([5]);
    const opt = new Adam([used, unused], { lr: 0.1 });
    sum(used).backward();
    opt.step();
    expect(unused.data[0]).toBe(5);
    expect(Object.keys(opt.stateDict().tensors).sort()).toEqual(["0.m", "0.step", "0.v"]);
  });

  it("zeroGrad keeps the gradient buffer by default and drops it with setToNone", () => {
    const p = param([1, 2]);
    const opt = new SGD([p], { lr: 0.1 });
    sum(p).backward();
    const buffer = p.grad;
    opt.zeroGrad();
    expect(p.grad).toBe(buffer);
    expect(Array.from(p.grad?.data ?? [])).toEqual([0, 0]);
    opt.zeroGrad(true);
    expect(p.grad).toBeNull();
  });
});

/** A tiny regression model: y = x·Wᵀ + b with fixed seeded data. */
function makeProblem(dtype: DType): { params: Parameter[]; step: (opt: Optimizer) => void } {
  const rng = generator(42);
  const W = new Parameter(randn([3, 4], { rng, dtype }));
  const b = new Parameter(randn([3], { rng, dtype }));
  const x = randn([8, 4], { rng, dtype });
  const y = randn([8, 3], { rng, dtype });
  return {
    params: [W, b],
    step: (opt) => {
      opt.zeroGrad();
      mseLoss(linear(x, opt.paramGroups[0].params[0], opt.paramGroups[0].params[1]), y).backward();
      opt.step();
    },
  };
}

const copyParams = (ps: readonly Parameter[]): Parameter[] => ps.map((p) => new Parameter(p));

describe("state dicts resume training bit for bit", () => {
  const cases: [string, (ps: Parameter[]) => Optimizer][] = [
    ["SGD with Nesterov momentum and weight decay", (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
    ["Adam with amsgrad", (ps) => new Adam(ps, { lr: 0.01, amsgrad: true })],
    ["AdamW", (ps) => new AdamW(ps, { lr: 0.01 })],
    ["RMSprop centered with momentum", (ps) => new RMSprop(ps, { lr: 0.01, centered: true, momentum: 0.5, weightDecay: 0.01 })],
  ];
  for (const [name, make] of cases) {
    it(`${name}: k steps, save, n more == restore into a fresh optimiser, n more`, () => {
      for (const dtype of ["float32", "float64"] as DType[]) {
        const { params, step } = makeProblem(dtype);
        const opt = make(params);
        for (let i = 0; i < 3; i++) step(opt);
        const saved = opt.stateDict();
        // Through JSON for the options, as a checkpoint would store them.
        const restoredState: OptimizerState = { ...saved, groups: JSON.parse(JSON.stringify(saved.groups)) };
        const copies = copyParams(params);
        for (let i = 0; i < 5; i++) step(opt);

        const fresh = make(copies);
        fresh.loadStateDict(restoredState);
        expect(fresh.stepCount).toBe(3);
        for (let i = 0; i < 5; i++) step(fresh);
        params.forEach((p, k) => expect(Array.from(copies[k].data)).toEqual(Array.from(p.data)));
        expect(fresh.stateDict().step).toBe(8);
      }
    });
  }

  it("stateDict holds copies, JSON options with parameter indices, and keyed tensors", () => {
    const p = param([1, 2]);
    const q = param([3]);
    const opt = new Adam([{ params: [p] }, { params: [q], lr: 0.5 }], { lr: 0.1 });
    setGrad(p, [1, 1]);
    setGrad(q, [1]);
    opt.step();
    const s = opt.stateDict();
    expect(s.type).toBe("Adam");
    expect(s.step).toBe(1);
    expect(s.groups).toEqual([
      { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, params: [0] },
      { lr: 0.5, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, params: [1] },
    ]);
    expect(Object.keys(s.tensors).sort()).toEqual(["0.m", "0.step", "0.v", "1.m", "1.step", "1.v"]);
    expect(s.tensors["0.step"].item()).toBe(1);
    const m = s.tensors["0.m"].data[0];
    opt.step();
    expect(s.tensors["0.m"].data[0]).toBe(m);
  });

  it("loadStateDict validates everything before changing anything", () => {
    const make = (): [Adam, Parameter] => {
      const p = param([1, 2]);
      const opt = new Adam([p], { lr: 0.1 });
      setGrad(p, [1, 1]);
      opt.step();
      return [opt, p];
    };
    const [src] = make();
    const good = src.stateDict();
    const [dst] = make();
    const before = JSON.stringify(dst.stateDict().groups);
    const beforeM = Array.from(dst.stateDict().tensors["0.m"].data);
    const bad: [OptimizerState, string][] = [
      [{ ...good, type: "SGD" }, "Adam.loadStateDict: state is for SGD, not Adam"],
      [{ ...good, groups: [] }, "Adam.loadStateDict: state has 0 parameter groups, optimiser has 1"],
      [{ ...good, groups: [{ lr: 0.2, params: [0, 1] }] }, "Adam.loadStateDict: group 0 holds 2 parameters in the state, 1 in the optimiser"],
      [{ ...good, groups: [{ lr: -1, params: [0] }] }, "Adam: invalid learning rate (lr): -1"],
      [{ ...good, groups: [{ lr: 0.2, momentum: 0.9, params: [0] }] }, "Adam.loadStateDict: group 0 has unknown options momentum"],
      [{ ...good, tensors: { ...good.tensors, "0.m": tensor([1, 2, 3]) } }, 'Adam.loadStateDict: "0.m" has shape [3] but parameter 0 has shape [2]'],
      [{ ...good, tensors: { ...good.tensors, "1.m": tensor([1, 2]) } }, 'Adam.loadStateDict: unexpected state tensor "1.m" (1 parameters'],
      [{ ...good, tensors: { ...good.tensors, "0.mu": tensor([1, 2]) } }, 'Adam.loadStateDict: unexpected state tensor "0.mu"'],
      [{ ...good, tensors: { "0.m": good.tensors["0.m"], "0.step": good.tensors["0.step"] } }, "Adam.loadStateDict: parameter 0 state lacks v"],
      [{ ...good, step: 1.5 }, "Adam.loadStateDict: invalid step: 1.5"],
    ];
    for (const [state, message] of bad) {
      expect(() => dst.loadStateDict(state)).toThrow(message);
      expect(JSON.stringify(dst.stateDict().groups)).toBe(before);
      expect(Array.from(dst.stateDict().tensors["0.m"].data)).toEqual(beforeM);
      expect(dst.stepCount).toBe(1);
    }
  });
});

describe("updates never touch the graph", () => {
  it("after 50 Adam steps every parameter is a leaf with no node, and grads carry no graph", () => {
    const { params, step } = makeProblem("float32");
    const opt = new Adam(params, { lr: 0.01 });
    const datas = params.map((p) => p.data);
    for (let i = 0; i < 50; i++) step(opt);
    for (const [k, p] of params.entries()) {
      expect(p.node).toBeNull();
      expect(p.isLeaf).toBe(true);
      expect(p.data).toBe(datas[k]);
      expect(p.grad).toBeInstanceOf(Tensor);
      expect(p.grad?.node).toBeNull();
      expect(p.grad?.requiresGrad).toBe(false);
    }
  });
});

describe("invalid hyperparameters throw at construction, naming the optimiser and value", () => {
  const p = (): Parameter => param([1]);
  const cases: [string, () => unknown, string][] = [
    ["negative lr", () => new SGD([p()], { lr: -0.1 }), "SGD: invalid learning rate (lr): -0.1"],
    ["non-finite lr", () => new Adam([p()], { lr: Infinity }), "Adam: invalid learning rate (lr): Infinity"],
    ["NaN lr", () => new RMSprop([p()], { lr: NaN }), "RMSprop: invalid learning rate (lr): NaN"],
    ["beta of 1", () => new Adam([p()], { betas: [1, 0.999] }), "Adam: invalid betas (each must be in [0, 1)): [1,0.999]"],
    ["negative beta", () => new AdamW([p()], { betas: [0.9, -0.1] }), "AdamW: invalid betas (each must be in [0, 1)): [0.9,-0.1]"],
    ["negative eps", () => new Adam([p()], { eps: -1 }), "Adam: invalid eps: -1"],
    ["negative momentum", () => new SGD([p()], { lr: 0.1, momentum: -0.5 }), "SGD: invalid momentum: -0.5"],
    ["negative RMSprop momentum", () => new RMSprop([p()], { momentum: -1 }), "RMSprop: invalid momentum: -1"],
    ["alpha above 1", () => new RMSprop([p()], { alpha: 1.5 }), "RMSprop: invalid alpha (must be in [0, 1]): 1.5"],
    ["negative weight decay", () => new AdamW([p()], { weightDecay: -0.01 }), "AdamW: invalid weightDecay: -0.01"],
    ["nesterov without momentum", () => new SGD([p()], { lr: 0.1, nesterov: true }), "SGD: nesterov momentum requires momentum > 0 and dampening 0, got momentum 0, dampening 0"],
    ["empty params", () => new Adam([]), "Adam: got an empty parameter list; pass model.parameters()"],
    ["empty group", () => new Adam([{ params: [] }]), "Adam: parameter group 0 has no parameters"],
    ["unknown option", () => new SGD([p()], { lr: 0.1, momentun: 0.9 } as never), "SGD: unknown option momentun; known: lr, momentum, dampening, nesterov, weightDecay (did you mean momentum?)"],
    ["options not an object", () => new Adam([p()], 0.01 as never), "Adam: options must be an object, got 0.01"],
    ["duplicate param", () => { const q = p(); return new SGD([{ params: [q] }, { params: [q] }], { lr: 0.1 }); }, "SGD: parameter 1 [1] appears more than once"],
    ["unknown group option", () => new Adam([{ params: [p()], learningRate: 0.1 } as never]), 'Adam: parameter group 0 has unknown option "learningRate"'],
    ["bad group lr", () => new Adam([{ params: [p()] }, { params: [p()], lr: -2 }]), "Adam: invalid learning rate (lr): -2"],
  ];
  for (const [name, make, message] of cases) {
    it(name, () => expect(make).toThrow(message));
  }

  it("the lr setter rejects a negative rate", () => {
    const opt = new SGD([param([1])], { lr: 0.1 });
    expect(() => {
      opt.lr = -1;
    }).toThrow("SGD: invalid learning rate: -1");
    expect(opt.lr).toBe(0.1);
  });
});
