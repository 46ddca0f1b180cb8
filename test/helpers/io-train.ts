import { linear } from "../../src/autograd/ops/matmul.js";
import { maximum } from "../../src/autograd/ops/binary.js";
import { Module } from "../../src/layers/module.js";
import { Parameter } from "../../src/layers/parameter.js";
import { Sequential } from "../../src/layers/sequential.js";
import { registerModule, type ModuleSpec } from "../../src/layers/spec.js";
import { randn, zeros } from "../../src/tensor/creation.js";
import type { DType } from "../../src/tensor/dtype.js";
import { Generator } from "../../src/tensor/random.js";
import type { Tensor } from "../../src/tensor/tensor.js";

/** A minimal stand-in for Dense (weight [out, in], bias [out]), serialisable, for io/train tests. */
export class TestLinear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: Generator = new Generator(0),
    readonly dtype: DType = "float32",
  ) {
    super();
    this.weight = new Parameter(randn([outFeatures, inFeatures], { rng, std: Math.sqrt(2 / inFeatures), dtype }));
    this.bias = new Parameter(zeros([outFeatures], { dtype }));
  }
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
  override spec(): ModuleSpec {
    return { type: "TestLinear", options: { inFeatures: this.inFeatures, outFeatures: this.outFeatures, dtype: this.dtype } };
  }
}

/** A stateless ReLU stand-in. */
export class TestReLU extends Module {
  forward(x: Tensor): Tensor {
    return maximum(x, 0);
  }
  override spec(): ModuleSpec {
    return { type: "TestReLU" };
  }
}

/** A module that cannot be serialised (no spec()). */
export class Unserialisable extends Module {
  readonly w = new Parameter(zeros([1]));
  forward(x: Tensor): Tensor {
    return x.mul(this.w);
  }
}

registerModule("TestLinear", (spec) => {
  const o = spec.options as { inFeatures: number; outFeatures: number; dtype: DType };
  return new TestLinear(o.inFeatures, o.outFeatures, new Generator(12345), o.dtype);
});
registerModule("TestReLU", () => new TestReLU());

/** Sequential(TestLinear(in, hidden), TestReLU, TestLinear(hidden, out)). */
export function mlp(sizes: [number, number, number], seed: number, dtype: DType = "float32"): Sequential {
  const rng = new Generator(seed);
  return new Sequential(new TestLinear(sizes[0], sizes[1], rng, dtype), new TestReLU(), new TestLinear(sizes[1], sizes[2], rng, dtype));
}

/** Every parameter's values, flattened, for bit-for-bit comparisons. */
export function weightsOf(model: Module): number[][] {
  return model.parameters().map((p) => Array.from(p.data));
}
