import { Identity, LogSigmoid, LogSoftmax, Sigmoid, Softmax, Tanh } from "../activations/modules.js";
import { LEAF } from "../activations/modules-leaf.js";
import { ELU, LeakyReLU, ReLU, SELU } from "../activations/modules-relu.js";
import { GELU, Mish, SiLU, Softplus } from "../activations/modules-smooth.js";
import { PReLU, Swish } from "../activations/modules-trainable.js";
import { SELU_ALPHA, SELU_SCALE } from "../activations/relu-family.js";
import type { Module } from "../layers/module.js";
import type { Tensor } from "../tensor/tensor.js";
import type { OnnxGraphBuilder, OnnxValue } from "./onnx-graph.js";

/** First opset with a `Mish` operator. */
const MISH_OPSET = 18;
/** First opset with a `Gelu` operator (with the `approximate` attribute). */
const GELU_OPSET = 20;

/** 1/√2, for the erf form of GELU. */
const SQRT1_2 = Math.SQRT1_2;
/** 2·√(2/π): GELU's tanh form as x·σ(2u), u = √(2/π)·(x + κx³). */
const TWO_SQRT_2_OVER_PI = 2 * Math.sqrt(2 / Math.PI);
const GELU_KAPPA = 0.044715;

/** What an activation mapping receives: the graph, the input value, and where the module sits. */
export interface EmitContext {
  readonly g: OnnxGraphBuilder;
  /** The module's dotted path in the model (`""` for the root), for names and errors. */
  readonly path: string;
  /** How errors name the module, e.g. `1.activation (Swish)`. */
  readonly where: string;
}

type Emit<M> = (m: M, x: OnnxValue, ctx: EmitContext) => string;

/** One mapping: emits the nodes when `m` is an instance of its class, else returns null. */
type Rule = (m: Module, x: OnnxValue, ctx: EmitContext) => string | null;

/**
 * A mapping for instances of `type` whose `forward` is the class's own (a subclass that
 * overrides `forward` computes something else, so it is not matched).
 */
function rule<M extends Module>(type: abstract new (...args: never[]) => M, emit: Emit<M>): Rule {
  return (m, x, ctx) => (m instanceof type && m.forward === type.prototype.forward ? emit(m, x, ctx) : null);
}

/**
 * A per-feature (or shared) parameter as an initializer of shape `[n]`, which broadcasts
 * along the input's last axis as typegrad's does.
 *
 * @throws Error when its size is neither 1 nor the input's last axis
 */
function featureParam(t: Tensor, key: string, x: OnnxValue, ctx: EmitContext): string {
  const features = x.shape[x.shape.length - 1];
  if (t.size !== 1 && t.size !== features) {
    throw new Error(`exportOnnx: ${ctx.where}: ${key} has ${t.size} values, but the input's last axis has ${String(features)}`);
  }
  return ctx.g.initializer(ctx.path === "" ? key : `${ctx.path}.${key}`, t);
}

/**
 * softplus(z) = relu(z) + Softplus(−|z|): exact, and never overflows in an engine that
 * evaluates the `Softplus` operator naively as log(1 + eᶻ) (Softplus only sees z ≤ 0).
 */
function stableSoftplus(z: string, ctx: EmitContext): string {
  const { g, path } = ctx;
  const tail = g.node("Softplus", [g.node("Neg", [g.node("Abs", [z], path)], path)], path);
  return g.node("Add", [g.node("Relu", [z], path), tail], path);
}

/** x·σ(z): SiLU (z = x), Swish (z = βx) and GELU's tanh form (z = 2u). */
function xSigmoid(x: string, z: string, { g, path }: EmitContext): string {
  return g.node("Mul", [x, g.node("Sigmoid", [z], path)], path);
}

function checkAxis(axis: number, x: OnnxValue, ctx: EmitContext): number {
  const rank = x.shape.length;
  if (axis < -rank || axis >= rank) {
    throw new Error(`exportOnnx: ${ctx.where}: axis ${axis} is out of range for an input of rank ${rank}`);
  }
  return axis;
}

function softplusModule(m: Softplus, x: OnnxValue, ctx: EmitContext): string {
  const { g, path } = ctx;
  const bx = m.beta === 1 ? x.name : g.node("Mul", [x.name, g.scalar(m.beta)], path);
  let y = stableSoftplus(bx, ctx);
  if (m.beta !== 1) y = g.node("Div", [y, g.scalar(m.beta)], path);
  if (m.threshold === null) return y;
  // PyTorch's switch to the identity where βx > threshold (strict).
  return g.node("Where", [g.node("Greater", [bx, g.scalar(m.threshold)], path), x.name, y], path);
}

function geluModule(m: GELU, x: OnnxValue, ctx: EmitContext): string {
  const { g, path } = ctx;
  if (g.opset >= GELU_OPSET) return g.node("Gelu", [x.name], path, { approximate: { string: m.approximate } });
  if (m.approximate === "none") {
    // ½·x·(1 + erf(x/√2))
    const erf = g.node("Erf", [g.node("Mul", [x.name, g.scalar(SQRT1_2)], path)], path);
    const half = g.node("Mul", [x.name, g.scalar(0.5)], path);
    return g.node("Mul", [half, g.node("Add", [erf, g.scalar(1)], path)], path);
  }
  // x·σ(2u), 2u = 2√(2/π)·(x + κx³): equal to ½x(1 + tanh u), and saturates without overflow.
  const x3 = g.node("Mul", [g.node("Mul", [x.name, x.name], path), x.name], path);
  const inner = g.node("Add", [x.name, g.node("Mul", [x3, g.scalar(GELU_KAPPA)], path)], path);
  return xSigmoid(x.name, g.node("Mul", [inner, g.scalar(TWO_SQRT_2_OVER_PI)], path), ctx);
}

/**
 * The activation modules typegrad can export, each with the ONNX nodes computing it.
 * Matched by class, and only while the module's `forward` is the class's own. Built on first
 * use, so that a bundle which never exports ONNX leaves all of this out (no top-level call).
 */
let rules: readonly Rule[] | null = null;
const activationRules = (): readonly Rule[] => (rules ??= [
  rule(Identity, (_m, x) => x.name),
  rule(ReLU, (_m, x, { g, path }) => g.node("Relu", [x.name], path)),
  rule(LeakyReLU, (m, x, { g, path }) => g.node("LeakyRelu", [x.name], path, { alpha: { float: m.negativeSlope } })),
  rule(ELU, (m, x, { g, path }) => g.node("Elu", [x.name], path, { alpha: { float: m.alpha } })),
  rule(SELU, (_m, x, { g, path }) => g.node("Selu", [x.name], path, { alpha: { float: SELU_ALPHA }, gamma: { float: SELU_SCALE } })),
  rule(Sigmoid, (_m, x, { g, path }) => g.node("Sigmoid", [x.name], path)),
  rule(Tanh, (_m, x, { g, path }) => g.node("Tanh", [x.name], path)),
  rule(LogSigmoid, (_m, x, ctx) => {
    // log σ(x) = −softplus(−x)
    const { g, path } = ctx;
    return g.node("Neg", [stableSoftplus(g.node("Neg", [x.name], path), ctx)], path);
  }),
  rule(GELU, geluModule),
  rule(SiLU, (_m, x, ctx) => xSigmoid(x.name, x.name, ctx)),
  rule(Swish, (m, x, ctx) => xSigmoid(x.name, ctx.g.node("Mul", [x.name, featureParam(m.beta, "beta", x, ctx)], ctx.path), ctx)),
  rule(Mish, (_m, x, ctx) => {
    const { g, path } = ctx;
    if (g.opset >= MISH_OPSET) return g.node("Mish", [x.name], path);
    return g.node("Mul", [x.name, g.node("Tanh", [stableSoftplus(x.name, ctx)], path)], path);
  }),
  rule(Softplus, softplusModule),
  rule(PReLU, (m, x, ctx) => ctx.g.node("PRelu", [x.name, featureParam(m.weight, "weight", x, ctx)], ctx.path)),
  rule(LEAF, (m, x, ctx) => {
    const { g, path } = ctx;
    if (m.form === "article") return g.node("PRelu", [x.name, featureParam(m.alpha!, "alpha", x, ctx)], path);
    // (p1·x + p2)·σ(p3·x) + p4
    const [p1, p2, p3, p4] = (["p1", "p2", "p3", "p4"] as const).map((k) => featureParam(m[k]!, k, x, ctx));
    const affine = g.node("Add", [g.node("Mul", [x.name, p1], path), p2], path);
    const gate = g.node("Sigmoid", [g.node("Mul", [x.name, p3], path)], path);
    return g.node("Add", [g.node("Mul", [affine, gate], path), p4], path);
  }),
  rule(Softmax, (m, x, ctx) => ctx.g.node("Softmax", [x.name], ctx.path, { axis: { int: checkAxis(m.axis, x, ctx) } })),
  rule(LogSoftmax, (m, x, ctx) => ctx.g.node("LogSoftmax", [x.name], ctx.path, { axis: { int: checkAxis(m.axis, x, ctx) } })),
]);

/**
 * @internal Emits the nodes of an activation module and returns the output value's name,
 * or `null` when the module is not one typegrad maps (the caller reports it). The shape is
 * unchanged by every activation.
 */
export function emitActivation(m: Module, x: OnnxValue, ctx: EmitContext): string | null {
  for (const r of activationRules()) {
    const y = r(m, x, ctx);
    if (y !== null) return y;
  }
  return null;
}
