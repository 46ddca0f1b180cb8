import { formatShape, stridesOf } from "../tensor/shape.js";
import { Generator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { backward } from "./engine.js";
import { gradOf } from "./grad.js";
import { noGrad } from "./grad-mode.js";

/** Options of {@link gradcheck}. Defaults are PyTorch's. */
export interface GradcheckOptions {
  /** Finite-difference step. Default 1e-6. */
  eps?: number;
  /** Absolute tolerance. Default 1e-5. */
  atol?: number;
  /** Relative tolerance (relative to the numeric gradient). Default 1e-3. */
  rtol?: number;
  /** Throw on a mismatch (default `true`); with `false`, return `false` instead. */
  raiseOnFailure?: boolean;
  /**
   * More leaf tensors to check that `fn` uses without taking them as arguments, such as
   * a module's parameters (`model.parameters()`). Default none.
   */
  params?: readonly Tensor[];
  /** Seed of the random output weights `w`. Default 0. */
  seed?: number;
}

function describe(kind: string, k: number, t: Tensor, i: number): string {
  const strides = stridesOf(t.shape);
  const index = strides.map((s, d) => Math.floor(i / s) % t.shape[d]);
  return `${kind} ${k} (shape ${formatShape(t.shape)}) element ${i} (index [${index.join(",")}])`;
}

/**
 * Checks `fn`'s analytic gradients against central finite differences, in float64.
 *
 * ```text
 * L = Σ w ⊙ fn(inputs…)   with fixed random weights w ~ N(0, 1)
 * numeric ∂L/∂xᵢ = (L(xᵢ + ε) − L(xᵢ − ε)) / 2ε
 * pass if |analytic − numeric| ≤ atol + rtol · |numeric| for every element
 * ```
 *
 * Random weights (rather than `Σ fn`) catch a backward that forgets to multiply by the
 * incoming gradient. Every element of every input and param is perturbed in place (and
 * restored), so keep them small and away from kinks. Their `grad` is restored afterwards.
 *
 * @param fn - the function to check; it must be deterministic
 * @param inputs - float64 leaf tensors passed to `fn`; each is checked
 * @returns `true` when every gradient agrees (or `false` with `raiseOnFailure: false`)
 * @throws Error naming the input (or param) and element whose gradient disagrees, or
 * when an input is not a float64 leaf
 *
 * @example
 * ```ts
 * gradcheck((x) => x.mul(x).sum(), [randn([3], { dtype: "float64" })]); // true
 * ```
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): boolean {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const raise = options.raiseOnFailure ?? true;
  const params = options.params ?? [];
  const checked = checkedLeaves("gradcheck", inputs, params);
  const saved = checked.map(([, , t]) => ({ requiresGrad: t.requiresGrad, grad: t.grad }));
  try {
    for (const [, , t] of checked) {
      t.requiresGrad = true;
      t.grad = null;
    }
    const out = fn(...inputs);
    if (!(out instanceof Tensor)) throw new Error("gradcheck: fn must return a Tensor");
    const rng = new Generator(options.seed ?? 0);
    const w = new Float64Array(out.size);
    for (let i = 0; i < w.length; i++) w[i] = rng.normal();
    if (out.requiresGrad) backward(out, new Tensor(w, out.shape));
    const objective = (): number =>
      noGrad(() => {
        const y = fn(...inputs).data;
        let s = 0;
        for (let i = 0; i < y.length; i++) s += w[i] * y[i];
        return s;
      });
    for (const [kind, k, t] of checked) {
      const analytic = t.grad?.data;
      const data = t.data;
      for (let i = 0; i < t.size; i++) {
        const v = data[i];
        data[i] = v + eps;
        const plus = objective();
        data[i] = v - eps;
        const minus = objective();
        data[i] = v;
        const numeric = (plus - minus) / (2 * eps);
        const a = analytic === undefined ? 0 : analytic[i];
        const ok = Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric);
        if (!ok) {
          if (!raise) return false;
          throw new Error(
            `gradcheck: ${describe(kind, k, t, i)}: analytic gradient ${a} but numeric ${numeric} ` +
              `(|diff| ${Math.abs(a - numeric)} > atol ${atol} + rtol ${rtol} · |numeric|)`,
          );
        }
      }
    }
    return true;
  } finally {
    checked.forEach(([, , t], j) => {
      t.requiresGrad = saved[j].requiresGrad;
      t.grad = saved[j].grad;
    });
  }
}

/** Options of {@link gradgradcheck}. Defaults are PyTorch's. */
export type GradgradcheckOptions = GradcheckOptions;

/**
 * Checks `fn`'s second derivatives — the gradient of its gradient, as recorded by
 * `createGraph` — against central finite differences of its first derivative, in float64
 * (PyTorch's `gradgradcheck`).
 *
 * ```text
 * g(x)  = ∇ₓ Σ w ⊙ fn(x)             first derivative, fixed random output weights w ~ N(0, 1)
 * S(x)  = Σₖ vₖ ⊙ gₖ(x)               with fixed random gradient weights vₖ ~ N(0, 1)
 * analytic ∂S/∂xᵢ: backward through the graph that createGraph recorded
 * numeric  ∂S/∂xᵢ = (S(xᵢ + ε) − S(xᵢ − ε)) / 2ε,  S from the fast first-order backward
 * pass if |analytic − numeric| ≤ atol + rtol · |numeric| for every element
 * ```
 *
 * It also checks that the differentiable first derivative equals the fast one (same
 * tolerances), so an op's graph backward and typed-array backward cannot drift apart.
 * Inputs and params are perturbed in place and restored, as by {@link gradcheck}.
 *
 * @param fn - the function to check; it must be deterministic
 * @param inputs - float64 leaf tensors passed to `fn`; each is checked
 * @returns `true` when every second derivative agrees (or `false` with `raiseOnFailure: false`)
 * @throws Error naming the input (or param) and element that disagrees; the error of an op
 * without a differentiable backward (naming it); or when an input is not a float64 leaf
 *
 * @example
 * ```ts
 * gradgradcheck((x) => x.pow(3).sum(), [randn([3], { dtype: "float64" })]); // true
 * ```
 */
export function gradgradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradgradcheckOptions = {},
): boolean {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const raise = options.raiseOnFailure ?? true;
  const params = options.params ?? [];
  const checked = checkedLeaves("gradgradcheck", inputs, params);
  const leaves = checked.map(([, , t]) => t);
  const saved = leaves.map((t) => ({ requiresGrad: t.requiresGrad, grad: t.grad }));
  const fail = (message: string): false => {
    if (raise) throw new Error(`gradgradcheck: ${message}`);
    return false;
  };
  try {
    for (const t of leaves) {
      t.requiresGrad = true;
      t.grad = null;
    }
    const rng = new Generator(options.seed ?? 0);
    const first = fn(...inputs);
    if (!(first instanceof Tensor)) throw new Error("gradgradcheck: fn must return a Tensor");
    const w = new Float64Array(first.size);
    for (let i = 0; i < w.length; i++) w[i] = rng.normal();
    const v = leaves.map((t) => {
      const d = new Float64Array(t.size);
      for (let i = 0; i < d.length; i++) d[i] = rng.normal();
      return d;
    });
    const wTensor = new Tensor(w, first.shape);
    /** The fast first derivative at the current values, as arrays (zeros where unused). */
    const fastGrad = (): Float64Array[] => {
      const out = fn(...inputs);
      if (!out.requiresGrad) return leaves.map((t) => new Float64Array(t.size));
      const gs = gradOf(out, leaves, { gradOutputs: wTensor, allowUnused: true });
      return gs.map((g, k) => (g === null ? new Float64Array(leaves[k].size) : Float64Array.from(g.data)));
    };
    const objective = (): number => {
      const gs = fastGrad();
      let s = 0;
      gs.forEach((g, k) => {
        for (let i = 0; i < g.length; i++) s += v[k][i] * g[i];
      });
      return s;
    };
    if (!first.requiresGrad) return true;
    const graphGrads = gradOf(first, leaves, { gradOutputs: wTensor, createGraph: true, allowUnused: true });
    const fast = fastGrad();
    for (let k = 0; k < leaves.length; k++) {
      const g = graphGrads[k];
      for (let i = 0; i < leaves[k].size; i++) {
        const a = g === null ? 0 : g.data[i];
        const b = fast[k][i];
        if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b))) {
          const [kind, kk, t] = checked[k];
          return fail(
            `${describe(kind, kk, t, i)}: the differentiable first derivative ${a} differs from the fast backward's ${b}`,
          );
        }
      }
    }
    let s: Tensor | null = null;
    graphGrads.forEach((g, k) => {
      if (g === null || !g.requiresGrad) return;
      const term = g.mul(new Tensor(v[k], g.shape)).sum();
      s = s === null ? term : s.add(term);
    });
    const sTensor = s as Tensor | null;
    const second =
      sTensor === null ? leaves.map(() => null) : gradOf(sTensor, leaves, { allowUnused: true });
    for (let k = 0; k < leaves.length; k++) {
      const [kind, kk, t] = checked[k];
      const analytic = second[k]?.data;
      const data = t.data;
      for (let i = 0; i < t.size; i++) {
        const x0 = data[i];
        data[i] = x0 + eps;
        const plus = objective();
        data[i] = x0 - eps;
        const minus = objective();
        data[i] = x0;
        const numeric = (plus - minus) / (2 * eps);
        const a = analytic === undefined ? 0 : analytic[i];
        if (!(Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric))) {
          return fail(
            `${describe(kind, kk, t, i)}: analytic second derivative ${a} but numeric ${numeric} ` +
              `(|diff| ${Math.abs(a - numeric)} > atol ${atol} + rtol ${rtol} · |numeric|)`,
          );
        }
      }
    }
    return true;
  } finally {
    leaves.forEach((t, j) => {
      t.requiresGrad = saved[j].requiresGrad;
      t.grad = saved[j].grad;
    });
  }
}

/**
 * The tensors a check differentiates, labelled `["input" | "param", index, tensor]`.
 *
 * @throws Error naming `op`, the input or param and its index when one is not a float64 leaf tensor
 */
function checkedLeaves(op: string, inputs: readonly Tensor[], params: readonly Tensor[]): [string, number, Tensor][] {
  const checked: [string, number, Tensor][] = [
    ...inputs.map((t, k): [string, number, Tensor] => ["input", k, t]),
    ...params.map((t, k): [string, number, Tensor] => ["param", k, t]),
  ];
  for (const [kind, k, t] of checked) {
    if (!(t instanceof Tensor)) throw new Error(`${op}: ${kind} ${k} is not a Tensor`);
    if (t.dtype !== "float64") {
      throw new Error(`${op}: ${kind} ${k} is ${t.dtype}; ${op} needs float64 (use .to("float64") on a leaf)`);
    }
    if (!t.isLeaf) throw new Error(`${op}: ${kind} ${k} is not a leaf tensor; pass tensors created by the user`);
  }
  return checked;
}
