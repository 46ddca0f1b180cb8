import { linearFused, type LinearEpilogue } from "../autograd/ops/linear-fused.js";
import { reshape } from "../autograd/ops/shape.js";
import { Activation } from "../activations/activation.js";
import { activation as activationByName } from "../activations/registry.js";
import { checkDType, getDefaultDtype, withDefaultDtype, type DType } from "../tensor/dtype.js";
import { checkOptionKeys } from "../util/options.js";
import { formatShape } from "../tensor/shape.js";
import type { Generator } from "../tensor/random.js";
import type { Tensor } from "../tensor/tensor.js";
import { glorotUniform, heNormal, initializer, lecunNormal, zerosInit, type Initializer, type InitName } from "./init.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";
import { moduleFromSpec, registerBuiltinModule, type ModuleSpec } from "./spec.js";
import { booleanRule, dtypeRule, integerRule, required } from "./spec-schema.js";

/** Options of {@link Dense}. */
export interface DenseOptions {
  /** Applied after the affine map: a module, or a registered activation name. Default none (linear). */
  activation?: Module | string | null;
  /** Whether to add a bias. Default `true`. */
  bias?: boolean;
  /**
   * Weight initialiser. Default from the activation: He normal for the ReLU family,
   * LeCun normal for SELU, Glorot uniform otherwise (and without an activation); the activation's `initHint` decides.
   */
  init?: InitName | Initializer;
  /** Generator for the initial weights. Default: the global one. */
  rng?: Generator;
  /**
   * dtype of the weights and of the activation's parameters (an activation given by name is
   * built in it; a module of another dtype is converted). Default {@link getDefaultDtype} (float32).
   */
  dtype?: DType;
}

/**
 * Converts a child module (an activation) to the layer's dtype where its parameters or
 * buffers have another one (`child.to(dtype)`; float32 → float64 is exact), so trainable
 * activation parameters follow the layer's dtype.
 */
export function adoptDtype(child: Module, dtype: DType): void {
  const tensors = [...child.parameters(), ...child.namedBuffers().map(([, t]) => t)];
  if (tensors.some((t) => t.dtype !== dtype)) child.to(dtype);
}

function checkFeatures(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`Dense: ${name} must be a positive integer, got ${String(value)}`);
  }
}

/**
 * The activation's fused kernel, which the forward pass applies inside the affine map's
 * node (same values and gradients, less work): only while its `forward` is `Activation`'s
 * own, so an override (in a subclass or on the instance) is always honoured.
 */
function epilogueOf(act: Module | null): LinearEpilogue<void> | null {
  return act instanceof Activation && act.forward === Activation.prototype.forward ? act.fused : null;
}

function defaultInit(act: Module | null): Initializer {
  const hint = act instanceof Activation ? act.initHint : "glorot";
  return hint === "he" ? heNormal : hint === "lecun" ? lecunNormal : glorotUniform;
}

/**
 * Fully connected layer with an optional activation.
 *
 * ```text
 * Dense(x) = act(x·Wᵀ + b)      x [batch, in] (or [..., in]), W [out, in], b [out]
 * ```
 *
 * The weight uses PyTorch's `[outFeatures, inFeatures]` layout, so a checkpoint maps one
 * to one onto `torch.nn.Linear`. The bias starts at zero. The product and bias add are one
 * fused op (`linear`); with a ReLU, tanh or sigmoid module the activation joins that node
 * too (identical values and gradients, one node and, for ReLU, one buffer fewer).
 *
 * @example
 * ```ts
 * const layer = new Dense(2, 8, { activation: "tanh", rng: generator(0) });
 * layer.forward(zeros([4, 2])).shape; // [4, 8]
 * ```
 */
export class Dense extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly activation: Module | null;

  /**
   * @throws Error for non-positive or non-integer sizes, an unknown activation name,
   * an unknown initialiser or dtype, or an unknown option. An activation module whose
   * parameters have another dtype is converted to the layer's (`.to(dtype)`).
   */
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: DenseOptions = {},
  ) {
    super();
    checkFeatures("inFeatures", inFeatures);
    checkFeatures("outFeatures", outFeatures);
    checkOptionKeys("Dense", options, ["activation", "bias", "init", "rng", "dtype"]);
    const dtype = options.dtype === undefined ? getDefaultDtype() : checkDType("Dense", options.dtype);
    const act = options.activation ?? null;
    if (act !== null && typeof act !== "string" && !(act instanceof Module)) {
      throw new Error(`Dense: activation must be a registered name or a Module, got ${typeof act === "function" ? "a function" : String(act)}`);
    }
    this.activation = typeof act === "string" ? withDefaultDtype(dtype, () => activationByName(act)) : act;
    if (this.activation !== null) adoptDtype(this.activation, dtype);
    const init = options.init === undefined ? defaultInit(this.activation) : initializer(options.init);
    const ctx = { fanIn: inFeatures, fanOut: outFeatures, dtype, ...(options.rng ? { rng: options.rng } : {}) };
    this.weight = new Parameter(init([outFeatures, inFeatures], ctx));
    this.bias = options.bias === false ? null : new Parameter(zerosInit([outFeatures], ctx));
  }

  /**
   * @throws Error naming the layer and both shapes when the input's last axis is not `inFeatures`
   */
  forward(x: Tensor): Tensor {
    const shape = x.shape;
    if (shape.length === 0 || shape[shape.length - 1] !== this.inFeatures) {
      throw new Error(
        `Dense(${this.inFeatures} → ${this.outFeatures}): expected input [batch, ${this.inFeatures}], got ${formatShape(shape)}`,
      );
    }
    const flat = shape.length === 2 ? x : reshape(x, [-1, this.inFeatures]);
    const epilogue = epilogueOf(this.activation);
    let y = linearFused(flat, this.weight, this.bias, epilogue);
    if (shape.length !== 2) y = reshape(y, [...shape.slice(0, -1), this.outFeatures]);
    return this.activation === null || epilogue !== null ? y : this.activation.forward(y);
  }

  /** `"in → out"`, then the activation's name and `"no bias"` where they apply. */
  override describe(): string {
    const act = this.activation === null ? [] : [this.activation instanceof Activation ? this.activation.name : this.activation.constructor.name];
    return [`${this.inFeatures} → ${this.outFeatures}`, ...act, ...(this.bias === null ? ["no bias"] : [])].join(", ");
  }

  override spec(): ModuleSpec {
    return {
      type: "Dense",
      options: { inFeatures: this.inFeatures, outFeatures: this.outFeatures, bias: this.bias !== null, dtype: this.weight.dtype },
      children: this.activation === null ? [] : [this.activation.spec()],
    };
  }
}

/** Registers Dense for checkpoints; called once by the spec registry at its first lookup (`src/layers/builtins.ts`). */
export function registerDense(): void {
  registerBuiltinModule(
    "Dense",
    (spec) => {
      const o = spec.options ?? {};
      const child = spec.children?.[0];
      const dtype = checkDType("Dense", o.dtype ?? getDefaultDtype());
      return new Dense(o.inFeatures as number, o.outFeatures as number, {
        bias: o.bias !== false,
        dtype,
        // Older checkpoints' activation specs carry no dtype: build them in the layer's.
        activation: child === undefined ? null : withDefaultDtype(dtype, () => moduleFromSpec(child)),
      });
    },
    {
      options: { inFeatures: required(integerRule(1)), outFeatures: required(integerRule(1)), bias: booleanRule, dtype: dtypeRule },
      children: [0, 1],
      tensors: (o) => {
        const dtype = (o.dtype ?? getDefaultDtype()) as DType;
        const [inF, outF] = [o.inFeatures as number, o.outFeatures as number];
        return [{ name: "weight", shape: [outF, inF], dtype }, ...(o.bias === false ? [] : [{ name: "bias", shape: [outF], dtype }])];
      },
      childName: () => "activation",
    },
  );
}
