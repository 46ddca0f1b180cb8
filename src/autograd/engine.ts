import { allocateStorage, isResidentStorage } from "../kernels/wasm.js";
import { allocate, type TypedArray } from "../tensor/dtype.js";
import { formatShape, sameShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { backwardCreateGraph } from "./grad.js";
import type { AccumulatingBackwardFn, GradNode } from "./node.js";
import { inPlaceSeen, lastInPlaceOp, versionOf } from "./version.js";

/** Options of {@link backward}. */
export interface BackwardOptions {
  /** Keep the graph after this call, so `backward()` can run through it again. Default: `createGraph`. */
  retainGraph?: boolean;
  /**
   * Record the backward pass as differentiable tensor ops, so each `p.grad` has a graph and
   * can be differentiated again (second derivatives, gradient penalties). Default `false`
   * (the fast typed-array backward). Throws, naming the op, when an op on the path has no
   * differentiable backward.
   */
  createGraph?: boolean;
  /**
   * Diagnose NaN/±∞ gradients: after each op's backward, check that finite incoming
   * gradients gave finite input gradients, and throw an Error naming the first op that did
   * not (an extra pass over every gradient; `fit` uses it to explain a non-finite gradient).
   * Default `false`.
   */
  checkFinite?: boolean;
}

/**
 * Reverse-mode differentiation: accumulates dL/dp into `p.grad` for every leaf `p`
 * (a tensor with `requiresGrad` and no node) that `root` depends on.
 *
 * Gradients accumulate (`+=`) across calls, so call `zeroGrad()` between steps. Unless
 * `retainGraph` is set, each node is dropped as soon as it has been used, which frees
 * the buffers its backward captured; a later backward through it throws.
 * The traversal is iterative, so chains of any depth work.
 *
 * @param gradient - dL/d(root); may be omitted only for a one-element root (it is then 1)
 * @throws Error when `root` does not require grad, when a non-scalar root has no
 * gradient, when `gradient`'s shape differs from `root`'s, or when part of the graph
 * was freed by an earlier backward.
 */
export function backward(root: Tensor, gradient?: Tensor | null, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new Error(
      "backward: this tensor does not require grad and has no graph; " +
        "create its inputs with { requiresGrad: true } (and not inside noGrad)",
    );
  }
  checkNotFreed(root);
  if (options.createGraph === true) {
    backwardCreateGraph(root, gradient, options.retainGraph ?? true);
    return;
  }
  let seed: TypedArray;
  if (gradient === undefined || gradient === null) {
    if (root.size !== 1) {
      throw new Error(
        `backward: a gradient can be created implicitly only for a one-element output, got shape ${formatShape(root.shape)}; ` +
          "pass backward(gradient) with a tensor of that shape",
      );
    }
    seed = allocate(root.dtype, 1);
    seed[0] = 1;
  } else {
    if (!sameShape(gradient.shape, root.shape)) {
      throw new Error(
        `backward: gradient shape ${formatShape(gradient.shape)} does not match output shape ${formatShape(root.shape)}`,
      );
    }
    seed = gradient.dtype === root.dtype ? gradient.data : allocate(root.dtype, root.size);
    if (seed !== gradient.data) seed.set(gradient.data);
  }

  const leafUses = new Map<Tensor, number>();
  const order = topologicalOrder(root, leafUses);
  const retain = options.retainGraph === true;
  const grads = new Map<Tensor, TypedArray>([[root, seed]]);
  // Arrays the engine allocated itself may be accumulated into in place; arrays an op
  // returned may not (an op may hand the same array to two inputs).
  const owned = new Set<TypedArray>();
  for (let i = order.length - 1; i >= 0; i--) {
    const tensor = order[i];
    const grad = grads.get(tensor);
    grads.delete(tensor);
    const node = tensor.node;
    if (node === null) {
      if (grad !== undefined) accumulateLeaf(tensor, grad);
      continue;
    }
    if (grad !== undefined) {
      checkVersions(tensor, node);
      const inputs = node.inputs;
      const needs = inputs.map((t) => t.requiresGrad);
      const into = accumulationTargets(inputs, needs, leafUses, grad);
      const inputGrads = (node.backward as AccumulatingBackwardFn)(grad, needs, into);
      if (options.checkFinite === true) checkFiniteGradients(node.op, grad, inputs, inputGrads);
      for (let k = 0; k < inputs.length; k++) {
        const g = inputGrads[k];
        const input = inputs[k];
        if (g === null || g === undefined || !needs[k]) continue;
        // The op added this gradient into the leaf's buffer itself.
        if (into !== undefined && g === into[k]) continue;
        const previous = grads.get(input);
        if (previous === undefined) {
          grads.set(input, g);
        } else if (owned.has(previous)) {
          for (let j = 0; j < previous.length; j++) previous[j] += g[j];
        } else {
          const sum = allocate(input.dtype, previous.length);
          for (let j = 0; j < sum.length; j++) sum[j] = previous[j] + g[j];
          owned.add(sum);
          grads.set(input, sum);
        }
      }
    }
    if (!retain) {
      tensor.node = null;
      tensor.graphFreed = true;
    }
  }
}

/**
 * For each input that is a leaf used once in this graph and already has a gradient buffer
 * of its own size (and not `gradOutput`), that buffer (ops may accumulate into it
 * directly); undefined when none.
 */
function accumulationTargets(
  inputs: readonly Tensor[],
  needs: readonly boolean[],
  leafUses: Map<Tensor, number>,
  gradOutput: TypedArray,
): (TypedArray | null)[] | undefined {
  let into: (TypedArray | null)[] | undefined;
  for (let k = 0; k < inputs.length; k++) {
    const t = inputs[k];
    const g = t.grad;
    if (!needs[k] || t.node !== null || t.graphFreed || g === null || leafUses.get(t) !== 1) continue;
    // Never memory the op also reads (a user-supplied seed could be the buffer or a view of it).
    if (g.dtype !== t.dtype || g.data.length !== t.size || g.data.buffer === gradOutput.buffer) continue;
    if (into === undefined) into = new Array<TypedArray | null>(inputs.length).fill(null);
    into[k] = g.data;
  }
  return into;
}

/** @throws Error naming `op` when a finite `gradOutput` gave a non-finite input gradient */
function checkFiniteGradients(op: string, gradOutput: TypedArray, inputs: readonly Tensor[], inputGrads: readonly (TypedArray | null | undefined)[]): void {
  for (let i = 0; i < gradOutput.length; i++) if (!Number.isFinite(gradOutput[i])) return; // it came from further down
  for (let k = 0; k < inputGrads.length; k++) {
    const g = inputGrads[k];
    if (g === null || g === undefined) continue;
    for (let i = 0; i < g.length; i++) {
      if (!Number.isFinite(g[i])) {
        throw new Error(
          `backward: ${op} turned a finite gradient into ${g[i]} at element ${i} of the gradient of its input ${k} ${formatShape(inputs[k].shape)}`,
        );
      }
    }
  }
}

/** Resident leaves (parameters) that have been given a gradient. */
const gradsGiven = new WeakSet<Tensor>();

/**
 * Whether the gradient about to be made for `leaf` goes in the kernels' memory
 * (`allocateStorage`): only a resident leaf's (a parameter's), and only its first. A block
 * comes back only when the garbage collector's finalizers run, which a synchronous training
 * loop never lets them do: so a gradient made again after `zeroGrad(true)` / `p.grad = null`,
 * or one for a fresh input tensor every step, would take a new block every step.
 */
function residentGrad(leaf: Tensor): boolean {
  if (!isResidentStorage(leaf.data) || gradsGiven.has(leaf)) return false;
  gradsGiven.add(leaf);
  return true;
}

function accumulateLeaf(leaf: Tensor, grad: TypedArray): void {
  if (leaf.grad === null) {
    const data = residentGrad(leaf) ? allocateStorage(leaf.dtype, leaf.size) : allocate(leaf.dtype, leaf.size);
    data.set(grad);
    leaf.grad = new Tensor(data, leaf.shape);
  } else {
    const acc = leaf.grad.data;
    for (let j = 0; j < acc.length; j++) acc[j] += grad[j];
  }
}

/**
 * @throws Error naming the op and the in-place op when an input or the output of `node`
 *   was changed in place after the node was recorded (its backward would read the new values)
 */
export function checkVersions(output: Tensor, node: GradNode): void {
  if (!inPlaceSeen()) return;
  const saved = node.versions;
  const n = node.inputs.length;
  for (let k = 0; k <= n; k++) {
    const t = k < n ? node.inputs[k] : output;
    const now = versionOf(t.data);
    const expected = saved === undefined ? 0 : saved[k];
    if (now !== expected) {
      const which = k < n ? `input ${k}` : "output";
      throw new Error(
        `backward: ${node.op}'s ${which} (shape ${formatShape(t.shape)}) was modified in place by ${lastInPlaceOp(t.data) ?? "an in-place op"} ` +
          `after ${node.op} recorded it (version ${now}, expected ${expected}), so ${node.op}'s gradient cannot be computed; ` +
          "use the out-of-place op (add instead of add_, …), or make the change after backward()",
      );
    }
  }
}

/** @throws Error when `t`'s graph was freed by an earlier backward. */
export function checkNotFreed(t: Tensor): void {
  if (t.graphFreed) {
    throw new Error(
      "backward: the graph behind this tensor was freed by an earlier backward(); " +
        "call the first backward with { retainGraph: true } to backpropagate through it twice",
    );
  }
}

/**
 * Every tensor `root` depends on through recorded nodes, inputs before outputs.
 * Iterative depth-first search, so a chain of any length works. With `leafUses`, also
 * counts, per leaf, the graph edges into it.
 */
export function topologicalOrder(root: Tensor, leafUses?: Map<Tensor, number>): Tensor[] {
  return topologicalOrderOf([root], leafUses);
}

/** {@link topologicalOrder} of several roots at once: every tensor appears once. */
export function topologicalOrderOf(roots: readonly Tensor[], leafUses?: Map<Tensor, number>): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  for (const root of roots) {
    if (visited.has(root)) continue;
    visited.add(root);
    visitFrom(root, visited, order, leafUses);
  }
  return order;
}

function visitFrom(root: Tensor, visited: Set<Tensor>, order: Tensor[], leafUses?: Map<Tensor, number>): void {
  const stack: Tensor[] = [root];
  const nextInput: number[] = [0];
  while (stack.length > 0) {
    const top = stack.length - 1;
    const t = stack[top];
    const node = t.node;
    const k = nextInput[top];
    if (node !== null && k < node.inputs.length) {
      nextInput[top] = k + 1;
      const input = node.inputs[k];
      if (!input.requiresGrad) continue;
      if (leafUses !== undefined && input.node === null) leafUses.set(input, (leafUses.get(input) ?? 0) + 1);
      if (visited.has(input)) continue;
      checkNotFreed(input);
      visited.add(input);
      stack.push(input);
      nextInput.push(0);
    } else {
      stack.pop();
      nextInput.pop();
      order.push(t);
    }
  }
}

/** The number of recorded nodes reachable from `root` (0 once `backward()` has freed them). */
export function graphSize(root: Tensor): number {
  let n = 0;
  for (const t of topologicalOrder(root)) if (t.node !== null) n++;
  return n;
}
