import { allocate } from "../tensor/dtype.js";
import { formatShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { topologicalOrderOf } from "./engine.js";
import { gradOf, type GradOptions } from "./grad.js";
import { isGradEnabled } from "./grad-mode.js";
import { stack } from "./ops/shape.js";

/** A function of tensors returning a tensor, as the transforms take. */
export type TensorFn = (...args: Tensor[]) => Tensor;

/** Options of {@link grad}'s and {@link valueAndGrad}'s function form. */
export interface GradTransformOptions {
  /** Which positional arguments to differentiate: an index, or a list (then a list of gradients is returned). Default 0. */
  argnums?: number | readonly number[];
}

/**
 * The differentiable stand-in for an argument: the tensor itself when it already requires
 * grad (so a result keeps its graph to whatever produced it: nested transforms), else a
 * new leaf sharing its values.
 */
function differentiable(t: Tensor, op: string, k: number): Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${op}: argument ${k} is not a Tensor`);
  return t.requiresGrad ? t : new Tensor(t.data, t.shape, { requiresGrad: true });
}

/**
 * Whether results computed from `root` must carry a graph: when grad mode is on and
 * `root` depends on a tensor requiring grad other than the transform's own fresh leaves
 * (an outer transform's variable, a module's parameters). Otherwise the fast backward runs.
 */
function needsGraph(roots: readonly Tensor[], own: readonly Tensor[], originals: readonly Tensor[]): boolean {
  if (!isGradEnabled()) return false;
  if (originals.some((t) => t.requiresGrad)) return true;
  const fresh = new Set(own);
  for (const t of topologicalOrderOf(roots.filter((r) => r.requiresGrad))) {
    if (t.node === null && t.requiresGrad && !fresh.has(t)) return true;
  }
  return false;
}

function checkArgnums(op: string, argnums: number | readonly number[], count: number): number[] {
  const list = typeof argnums === "number" ? [argnums] : [...argnums];
  for (const a of list) {
    if (!Number.isInteger(a) || a < 0 || a >= count) {
      throw new Error(`${op}: argnums ${a} is out of range for a call with ${count} argument(s)`);
    }
  }
  return list;
}

function scalarOutput(op: string, y: unknown): Tensor {
  if (!(y instanceof Tensor)) throw new Error(`${op}: the function must return a Tensor, got ${typeof y}`);
  if (y.size !== 1) {
    throw new Error(`${op}: the function must return a one-element tensor, got shape ${formatShape(y.shape)}; reduce it (e.g. .sum())`);
  }
  return y;
}

function zerosLikeOf(t: Tensor): Tensor {
  return new Tensor(allocate(t.dtype, t.size), t.shape);
}

/** Runs `f` on differentiable stand-ins of the selected arguments; returns its value and their gradients. */
function valueAndGradients(op: string, f: TensorFn, args: readonly Tensor[], argnums: number[]): [Tensor, Tensor[]] {
  const inputs = args.slice();
  const own: Tensor[] = [];
  for (const a of argnums) {
    inputs[a] = differentiable(args[a], op, a);
    if (inputs[a] !== args[a]) own.push(inputs[a]);
  }
  const y = scalarOutput(op, f(...inputs));
  const xs = argnums.map((a) => inputs[a]);
  if (!y.requiresGrad) return [y, xs.map(zerosLikeOf)];
  const createGraph = needsGraph([y], own, argnums.map((a) => args[a]));
  const gs = gradOf(y, xs, { createGraph, allowUnused: true });
  return [y, gs.map((g, k) => g ?? zerosLikeOf(xs[k]))];
}

/**
 * JAX's `grad(f)`: a function returning the gradient of `f` (which must return a
 * one-element tensor) with respect to its argument(s) `argnums`. Also, with tensors as
 * arguments, PyTorch's `torch.autograd.grad(outputs, inputs, options)` — see {@link gradOf}.
 *
 * ```text
 * grad(f)(x) = ∇ₓ f(x),   of x's shape
 * ```
 *
 * Transforms nest: `grad(grad(f))` is the second derivative. The gradient keeps a graph
 * (is differentiable) when it depends on a tensor that requires grad other than the
 * argument itself — an outer transform's variable or a module's parameters (so a PINN
 * loss made of `grad(u)(x)` trains the parameters); inside `noGrad` it never does.
 *
 * @param argnums - which arguments to differentiate; default 0. With a list, returns a list.
 * @throws Error when `f` returns anything but a one-element tensor, or `argnums` is out of range
 *
 * @example
 * ```ts
 * const f = (x: Tensor) => x.pow(3).sum();
 * grad(f)(x);            // 3x²
 * grad((x: Tensor) => grad(f)(x).sum())(x);   // 6x
 * // PyTorch form: the gradients of given outputs w.r.t. given inputs
 * const [dx] = grad(y, [x], { createGraph: true });
 * ```
 */
export function grad(f: TensorFn, options?: GradTransformOptions & { argnums?: number }): (...args: Tensor[]) => Tensor;
export function grad(f: TensorFn, options: GradTransformOptions & { argnums: readonly number[] }): (...args: Tensor[]) => Tensor[];
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], options?: GradOptions): (Tensor | null)[];
export function grad(
  f: TensorFn | Tensor | readonly Tensor[],
  second?: GradTransformOptions | Tensor | readonly Tensor[],
  third?: GradOptions,
): ((...args: Tensor[]) => Tensor | Tensor[]) | (Tensor | null)[] {
  if (typeof f !== "function") return gradOf(f, second as Tensor | readonly Tensor[], third);
  const options = (second ?? {}) as GradTransformOptions;
  return (...args: Tensor[]) => {
    const argnums = checkArgnums("grad", options.argnums ?? 0, args.length);
    const [, gs] = valueAndGradients("grad", f, args, argnums);
    return typeof (options.argnums ?? 0) === "number" ? gs[0] : gs;
  };
}

/**
 * JAX's `value_and_grad(f)`: like {@link grad}, but the function returns `[f(x), ∇f(x)]`,
 * computing `f` once.
 *
 * @example
 * ```ts
 * const [loss, dw] = valueAndGrad((w: Tensor) => mseLoss(x.matmul(w), y))(w);
 * ```
 */
export function valueAndGrad(f: TensorFn, options?: GradTransformOptions & { argnums?: number }): (...args: Tensor[]) => [Tensor, Tensor];
export function valueAndGrad(
  f: TensorFn,
  options: GradTransformOptions & { argnums: readonly number[] },
): (...args: Tensor[]) => [Tensor, Tensor[]];
export function valueAndGrad(f: TensorFn, options: GradTransformOptions = {}): (...args: Tensor[]) => [Tensor, Tensor | Tensor[]] {
  if (typeof f !== "function") throw new Error("valueAndGrad: expected a function");
  return (...args: Tensor[]) => {
    const argnums = checkArgnums("valueAndGrad", options.argnums ?? 0, args.length);
    const [y, gs] = valueAndGradients("valueAndGrad", f, args, argnums);
    return [y, typeof (options.argnums ?? 0) === "number" ? gs[0] : gs];
  };
}

/**
 * JAX's `vjp(f, ...primals)`: evaluates `y = f(primals…)` and returns it with a pullback
 * that maps a cotangent `v` (of y's shape) to the vector-Jacobian products `vᵀ·∂y/∂primalₖ`,
 * one per primal, each of its primal's shape. The pullback may be called many times.
 *
 * @example
 * ```ts
 * const [y, pullback] = vjp((x: Tensor) => x.exp(), x);
 * const [dx] = pullback(ones(y.shape));   // eˣ
 * ```
 */
export function vjp(f: TensorFn, ...primals: Tensor[]): [Tensor, (cotangent: Tensor) => Tensor[]] {
  if (typeof f !== "function") throw new Error("vjp: expected a function");
  const xs = primals.map((p, k) => differentiable(p, "vjp", k));
  const own = xs.filter((x, k) => x !== primals[k]);
  const y = f(...xs);
  if (!(y instanceof Tensor)) throw new Error(`vjp: the function must return a Tensor, got ${typeof y}`);
  const pullback = (cotangent: Tensor): Tensor[] => {
    if (!y.requiresGrad) return xs.map(zerosLikeOf);
    const createGraph = needsGraph([y, cotangent], own, [...primals, cotangent]);
    const gs = gradOf(y, xs, { gradOutputs: cotangent, createGraph, retainGraph: true, allowUnused: true });
    return gs.map((g, k) => g ?? zerosLikeOf(xs[k]));
  };
  return [y, pullback];
}

/**
 * JAX's `jvp(f, primals, tangents)`: `[f(primals…), ∂f/∂primals · tangents]` — a forward-mode
 * directional derivative, computed by the double-vjp trick (the vjp is linear in its
 * cotangent u, so differentiating `uᵀJ·t` with respect to u gives `J·t`).
 *
 * @param tangents - one per primal, each of its primal's shape
 * @example
 * ```ts
 * const [y, dy] = jvp((x: Tensor) => x.pow(2), [x], [ones(x.shape)]);   // dy = 2x
 * ```
 */
export function jvp(f: TensorFn, primals: readonly Tensor[], tangents: readonly Tensor[]): [Tensor, Tensor] {
  if (primals.length !== tangents.length) {
    throw new Error(`jvp: got ${primals.length} primals but ${tangents.length} tangents`);
  }
  tangents.forEach((t, k) => {
    if (!(t instanceof Tensor) || t.shape.join() !== primals[k].shape.join() || t.ndim !== primals[k].ndim) {
      throw new Error(
        `jvp: tangent ${k} must be a Tensor of its primal's shape ${formatShape(primals[k].shape)}` +
          (t instanceof Tensor ? `, got ${formatShape(t.shape)}` : ""),
      );
    }
  });
  const xs = primals.map((p, k) => differentiable(p, "jvp", k));
  const own = xs.filter((x, k) => x !== primals[k]);
  const y = f(...xs);
  if (!(y instanceof Tensor)) throw new Error(`jvp: the function must return a Tensor, got ${typeof y}`);
  if (!y.requiresGrad) return [y, zerosLikeOf(y)];
  const u = new Tensor(allocate(y.dtype, y.size), y.shape, { requiresGrad: true });
  const vjps = gradOf(y, xs, { gradOutputs: u, createGraph: true, retainGraph: true, allowUnused: true });
  const used = vjps.map((g, k) => [g, tangents[k]] as const).filter(([g]) => g !== null && g.requiresGrad);
  if (used.length === 0) return [y, zerosLikeOf(y)];
  let s = used[0][0]!.mul(used[0][1]).sum();
  for (let k = 1; k < used.length; k++) s = s.add(used[k][0]!.mul(used[k][1]).sum());
  const createGraph = needsGraph([s], [...own, u], [...primals, ...tangents]);
  const [out] = gradOf(s, [u], { createGraph, allowUnused: true });
  return [y, out ?? zerosLikeOf(y)];
}

/**
 * Hessian-vector product of a scalar function, as PyTorch's
 * `torch.autograd.functional.hvp`: `[f(x), ∇²f(x) · v]`, without forming the Hessian
 * (two backward passes).
 *
 * ```text
 * hvp(f, x, v) = ∇ₓ (∇ₓ f(x) · v)
 * ```
 *
 * @param x - the point (a tensor, or a list of tensors for a function of several)
 * @param v - the vector(s), of x's shape(s)
 * @example
 * ```ts
 * const [fx, hv] = hvp((x: Tensor) => x.pow(3).sum(), x, v);   // hv = 6x ⊙ v
 * ```
 */
export function hvp(f: TensorFn, x: Tensor, v: Tensor): [Tensor, Tensor];
export function hvp(f: TensorFn, x: readonly Tensor[], v: readonly Tensor[]): [Tensor, Tensor[]];
export function hvp(f: TensorFn, x: Tensor | readonly Tensor[], v: Tensor | readonly Tensor[]): [Tensor, Tensor | Tensor[]] {
  const single = x instanceof Tensor;
  const xs = single ? [x] : [...x];
  const vs = v instanceof Tensor ? [v] : [...v];
  if (xs.length !== vs.length) throw new Error(`hvp: got ${xs.length} inputs but ${vs.length} vectors`);
  vs.forEach((t, k) => {
    if (!(t instanceof Tensor) || t.size !== xs[k].size || t.ndim !== xs[k].ndim) {
      throw new Error(`hvp: vector ${k} must have its input's shape ${formatShape(xs[k].shape)}`);
    }
  });
  const inputs = xs.map((t, k) => differentiable(t, "hvp", k));
  const own = inputs.filter((t, k) => t !== xs[k]);
  const y = scalarOutput("hvp", f(...inputs));
  if (!y.requiresGrad) return [y, single ? zerosLikeOf(xs[0]) : xs.map(zerosLikeOf)];
  const gs = gradOf(y, inputs, { createGraph: true, allowUnused: true });
  let s: Tensor | null = null;
  gs.forEach((g, k) => {
    if (g === null || !g.requiresGrad) return;
    const term = g.mul(vs[k]).sum();
    s = s === null ? term : s.add(term);
  });
  const sTensor = s as Tensor | null;
  let out: Tensor[];
  if (sTensor === null) out = inputs.map(zerosLikeOf);
  else {
    const createGraph = needsGraph([sTensor], own, [...xs, ...vs]);
    out = gradOf(sTensor, inputs, { createGraph, allowUnused: true }).map((g, k) => g ?? zerosLikeOf(inputs[k]));
  }
  return [y, single ? out[0] : out];
}

/**
 * JAX's `jacrev(f)` / PyTorch's `jacobian`, for small inputs: a function returning the
 * Jacobian of `f` with respect to its argument `argnums`, of shape
 * `[...y.shape, ...x.shape]` — one backward pass per output element.
 *
 * @example
 * ```ts
 * jacobian((x: Tensor) => x.softmax())(x);   // [n, n]: diag(s) − s sᵀ
 * ```
 */
export function jacobian(f: TensorFn, options: { argnums?: number } = {}): (...args: Tensor[]) => Tensor {
  if (typeof f !== "function") throw new Error("jacobian: expected a function");
  return (...args: Tensor[]) => {
    const [a] = checkArgnums("jacobian", options.argnums ?? 0, args.length);
    const inputs = args.slice();
    inputs[a] = differentiable(args[a], "jacobian", a);
    const x = inputs[a];
    const y = f(...inputs);
    if (!(y instanceof Tensor)) throw new Error(`jacobian: the function must return a Tensor, got ${typeof y}`);
    const shape = [...y.shape, ...x.shape];
    if (!y.requiresGrad || y.size === 0) return new Tensor(allocate(y.dtype, y.size * x.size), shape);
    const createGraph = needsGraph([y], x === args[a] ? [] : [x], [args[a]]);
    const rows: Tensor[] = [];
    for (let i = 0; i < y.size; i++) {
      const e = new Tensor(allocate(y.dtype, y.size), y.shape);
      e.data[i] = 1;
      const [g] = gradOf(y, [x], { gradOutputs: e, createGraph, retainGraph: true, allowUnused: true });
      rows.push((g ?? zerosLikeOf(x)).reshape([x.size]));
    }
    return stack(rows, 0).reshape(shape);
  };
}

/**
 * JAX's `hessian(f)` / PyTorch's `hessian`, for small inputs: a function returning the
 * Hessian of a scalar `f` with respect to its argument `argnums`, of shape
 * `[...x.shape, ...x.shape]` — the Jacobian of the gradient.
 *
 * @example
 * ```ts
 * hessian((x: Tensor) => x.pow(3).sum())(x);   // diag(6x)
 * ```
 */
export function hessian(f: TensorFn, options: { argnums?: number } = {}): (...args: Tensor[]) => Tensor {
  const a = options.argnums ?? 0;
  return jacobian((...args: Tensor[]) => grad(f, { argnums: a })(...args), { argnums: a });
}
