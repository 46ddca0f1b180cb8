import { allocate, type TypedArray } from "../tensor/dtype.js";
import { formatShape, sameShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { checkNotFreed, checkVersions, topologicalOrderOf } from "./engine.js";
import { enableGrad, noGrad } from "./grad-mode.js";
import type { GradNode, GraphBackwardFn } from "./node.js";
import { add } from "./ops/binary.js";

/** Options of {@link gradOf} (the tensor form of `grad`). Defaults are PyTorch's. */
export interface GradOptions {
  /**
   * dL/d(output) for each output (the "vector" of a vector-Jacobian product), each of its
   * output's shape; `null` (or omitted) only for a one-element output, which then gets 1.
   * A tensor that requires grad is used as is, so the result can be differentiated with
   * respect to it (the double-vjp trick behind `jvp`).
   */
  gradOutputs?: Tensor | null | readonly (Tensor | null)[];
  /**
   * Record the backward pass itself as tensor ops, so the returned gradients have a graph
   * and can be differentiated again. Default `false`.
   */
  createGraph?: boolean;
  /** Keep the graph of `outputs` after this call. Default: the value of `createGraph`. */
  retainGraph?: boolean;
  /** Return `null` for an input the outputs do not depend on, instead of throwing. Default `false`. */
  allowUnused?: boolean;
}

/**
 * The gradients of `outputs` with respect to `inputs` — PyTorch's `torch.autograd.grad`.
 * Nothing is accumulated into any `.grad`.
 *
 * ```text
 * result[k] = Σⱼ (∂ outputsⱼ / ∂ inputsₖ)ᵀ · gradOutputsⱼ
 * ```
 *
 * `inputs` may be leaves or intermediate tensors of the graph. With `createGraph`, the
 * backward pass is recorded as differentiable tensor ops (each op's `graphBackward`), so a
 * result can be differentiated again — second derivatives, Hessian-vector products, PDE
 * residuals, gradient penalties. Without it, the fast typed-array backward runs.
 *
 * @returns one gradient per input, in order, each of its input's shape and dtype (`null`
 * only for an unused input with `allowUnused`)
 * @throws Error when an output or input does not require grad, when a non-scalar output
 * has no gradOutput or a gradOutput's shape differs, when an input is unused (without
 * `allowUnused`), when the graph was freed by an earlier backward, or — under
 * `createGraph` — when an op on the path has no differentiable backward (the error names it).
 *
 * @example
 * ```ts
 * const x = tensor([1, 2, 3], { dtype: "float64", requiresGrad: true });
 * const y = x.pow(3).sum();
 * const [dy] = gradOf(y, [x], { createGraph: true });   // 3x²  = [3, 12, 27]
 * const [d2y] = gradOf(dy.sum(), [x]);                    // 6x   = [6, 12, 18]
 * ```
 */
export function gradOf(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradOptions = {},
): (Tensor | null)[] {
  const outs = outputs instanceof Tensor ? [outputs] : [...outputs];
  const ins = inputs instanceof Tensor ? [inputs] : [...inputs];
  if (outs.length === 0) throw new Error("grad: needs at least one output");
  outs.forEach((t, k) => {
    if (!(t instanceof Tensor)) throw new Error(`grad: output ${k} is not a Tensor`);
    if (!t.requiresGrad) {
      throw new Error(`grad: output ${k} does not require grad and has no graph; create the inputs with { requiresGrad: true }`);
    }
    checkNotFreed(t);
  });
  ins.forEach((t, k) => {
    if (!(t instanceof Tensor)) throw new Error(`grad: input ${k} is not a Tensor`);
    if (!t.requiresGrad) {
      throw new Error(`grad: input ${k} (shape ${formatShape(t.shape)}) does not require grad; create it with { requiresGrad: true }`);
    }
  });
  const seeds = seedsFor(outs, options.gradOutputs);
  const createGraph = options.createGraph === true;
  const grads = runBackward(outs, seeds, new Set(ins), createGraph, options.retainGraph ?? createGraph, false);
  return ins.map((t, k) => {
    const g = grads.get(t);
    if (g !== undefined) return detachedCopyUnlessGraph(g, createGraph);
    if (options.allowUnused === true) return null;
    throw new Error(
      `grad: input ${k} (shape ${formatShape(t.shape)}) is not used to compute the outputs; ` +
        "pass { allowUnused: true } to get null for it",
    );
  });
}

/**
 * `backward({ createGraph: true })`: accumulates dL/dp into `p.grad` for every leaf, as
 * differentiable tensors (each `p.grad` has a graph of its own).
 */
export function backwardCreateGraph(root: Tensor, gradient: Tensor | null | undefined, retainGraph: boolean): void {
  const seeds = seedsFor([root], gradient === undefined ? null : gradient, "backward");
  runBackward([root], seeds, null, true, retainGraph, true);
}

function seedsFor(outs: readonly Tensor[], given: GradOptions["gradOutputs"], op = "grad"): Tensor[] {
  const list = given === undefined || given === null ? [] : given instanceof Tensor ? [given] : [...given];
  if (list.length > 0 && list.length !== outs.length) {
    throw new Error(`${op}: got ${list.length} gradOutputs for ${outs.length} outputs`);
  }
  return outs.map((out, k) => {
    const g = list[k] ?? null;
    if (g === null) {
      if (out.size !== 1) {
        throw new Error(
          `${op}: a gradient can be created implicitly only for a one-element output, got shape ${formatShape(out.shape)} ` +
            `(output ${k}); pass gradOutputs with a tensor of that shape`,
        );
      }
      const data = allocate(out.dtype, 1);
      data[0] = 1;
      return new Tensor(data, out.shape);
    }
    if (!(g instanceof Tensor)) throw new Error(`${op}: gradOutputs[${k}] is not a Tensor`);
    if (!sameShape(g.shape, out.shape)) {
      throw new Error(
        `${op}: gradient shape ${formatShape(g.shape)} does not match output shape ${formatShape(out.shape)} (output ${k})`,
      );
    }
    return g.dtype === out.dtype ? g : g.to(out.dtype);
  });
}

/** The error for `createGraph` through an op that has no differentiable backward. */
export function missingGraphBackward(node: GradNode): Error {
  return new Error(
    `${node.op}: this op has no differentiable backward, so createGraph (higher-order gradients) cannot go through it; ` +
      (node.graphHint ?? "give its record() call a graphBackward: the same backward written with tensor ops"),
  );
}

/**
 * The one engine behind `grad(outputs, inputs)` and `backward({ createGraph })`. Gradients
 * are tensors; under `createGraph` each node's `graphBackward` runs with recording on, else
 * its typed-array `backward` runs and the arrays are wrapped. With `targets`, only nodes
 * on a path to a target run and the targets' gradients are returned; without, every leaf's
 * gradient is accumulated into its `.grad` (`accumulate`).
 */
function runBackward(
  roots: readonly Tensor[],
  seeds: readonly Tensor[],
  targets: Set<Tensor> | null,
  createGraph: boolean,
  retain: boolean,
  accumulate: boolean,
): Map<Tensor, Tensor> {
  const order = topologicalOrderOf(roots);
  let needed: Set<Tensor> | null = null;
  if (targets !== null) {
    needed = new Set<Tensor>();
    for (const t of order) {
      if (targets.has(t) || (t.node !== null && t.node.inputs.some((i) => needed!.has(i)))) needed.add(t);
    }
  }
  const grads = new Map<Tensor, Tensor>();
  const sum = createGraph
    ? (a: Tensor, b: Tensor): Tensor => enableGrad(() => add(a, b))
    : (a: Tensor, b: Tensor): Tensor => noGrad(() => add(a, b));
  roots.forEach((r, k) => {
    const prev = grads.get(r);
    grads.set(r, prev === undefined ? seeds[k] : sum(prev, seeds[k]));
  });
  const results = new Map<Tensor, Tensor>();
  for (let i = order.length - 1; i >= 0; i--) {
    const tensor = order[i];
    if (needed !== null && !needed.has(tensor)) continue;
    const grad = grads.get(tensor);
    grads.delete(tensor);
    if (targets !== null && targets.has(tensor) && grad !== undefined) results.set(tensor, grad);
    const node = tensor.node;
    if (node === null) {
      if (accumulate && grad !== undefined) {
        tensor.grad = tensor.grad === null ? detachedCopyUnlessGraph(grad, createGraph) : sum(tensor.grad, grad);
      }
      continue;
    }
    if (grad !== undefined) {
      checkVersions(tensor, node);
      const inputs = node.inputs;
      const needs = inputs.map((t) => t.requiresGrad && (needed === null || needed.has(t)));
      let inputGrads: readonly (Tensor | null)[];
      if (createGraph) {
        const graphBackward = node.graphBackward;
        if (graphBackward === undefined) throw missingGraphBackward(node);
        inputGrads = enableGrad(() => graphBackward(grad, tensor, needs));
      } else {
        const arrays = node.backward(grad.data, needs);
        inputGrads = arrays.map((a: TypedArray | null, k) => (a === null || a === undefined ? null : new Tensor(a, inputs[k].shape)));
      }
      for (let k = 0; k < inputs.length; k++) {
        const g = inputGrads[k];
        if (g === null || g === undefined || !needs[k]) continue;
        const input = inputs[k];
        const previous = grads.get(input);
        grads.set(input, previous === undefined ? g : sum(previous, g));
      }
    }
    if (!retain) {
      tensor.node = null;
      tensor.graphFreed = true;
    }
  }
  return results;
}

/**
 * A gradient about to become a leaf's `.grad`: without a graph it is copied (an op may
 * return an array it shares with another input, or the user's seed).
 */
function detachedCopyUnlessGraph(g: Tensor, createGraph: boolean): Tensor {
  if (createGraph && g.requiresGrad) return g;
  const data = allocate(g.dtype, g.size);
  data.set(g.data);
  return new Tensor(data, g.shape);
}

/**
 * The graph backward of a fused op that has no differentiable backward of its own: runs
 * `compose` — the same function built from differentiable ops, giving the same values —
 * and differentiates it with `createGraph`. So higher-order gradients through a fused
 * kernel are those of its composed form.
 *
 * @param inputs - the fused op's inputs, in its record() order
 * @param compose - recomputes the op's output from `inputs` with differentiable ops
 */
export function composedGraphBackward(inputs: readonly Tensor[], compose: () => Tensor): GraphBackwardFn {
  return (gy, _out, needs) => {
    const want = inputs.filter((_, k) => needs[k]);
    if (want.length === 0) return inputs.map(() => null);
    const y = compose();
    const gs = gradOf(y, want, { gradOutputs: gy, createGraph: true, allowUnused: true });
    let j = 0;
    return inputs.map((_, k) => (needs[k] ? gs[j++] : null));
  };
}
