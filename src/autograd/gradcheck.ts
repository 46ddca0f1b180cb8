import { formatShape, stridesOf } from "../tensor/shape.js";
import { Generator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { backward } from "./engine.js";
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
  const checked: [string, number, Tensor][] = [
    ...inputs.map((t, k): [string, number, Tensor] => ["input", k, t]),
    ...params.map((t, k): [string, number, Tensor] => ["param", k, t]),
  ];
  for (const [kind, k, t] of checked) {
    if (!(t instanceof Tensor)) throw new Error(`gradcheck: ${kind} ${k} is not a Tensor`);
    if (t.dtype !== "float64") {
      throw new Error(`gradcheck: ${kind} ${k} is ${t.dtype}; gradcheck needs float64 (use .to("float64") on a leaf)`);
    }
    if (!t.isLeaf) throw new Error(`gradcheck: ${kind} ${k} is not a leaf tensor; pass tensors created by the user`);
  }
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
