import type { Tensor } from "../tensor/tensor.js";
import { sigmoid } from "./basic.js";
import { defineParamOp } from "./param-op.js";
import { mul0, sigmoidScalar } from "./scalar.js";

/** The four parameters of the extended LEAF, as tensors (`[1]` or `[features]`) or constants. */
export interface LeafParams {
  readonly p1: Tensor | number;
  readonly p2: Tensor | number;
  readonly p3: Tensor | number;
  readonly p4: Tensor | number;
}

/** Presets of the extended LEAF (`init_as` in the authors' code). */
export type LeafPreset = "relu" | "silu" | "tanh" | "sigmoid";

/**
 * Initial (p1, p2, p3, p4) for each preset, from the authors' code (`adaptive_afs/cont/leaf.py`,
 * github.com/s-kostyuk/leaf-aaf): ReLU ≈ x·σ(2¹⁶x) (derivative ½ at 0), SiLU = x·σ(x),
 * Tanh = 2σ(2x) − 1 = tanh x, Sigmoid = σ(x), the last three exactly.
 */
export const LEAF_PRESETS: { readonly [P in LeafPreset]: readonly [number, number, number, number] } = {
  relu: [1, 0, 65536, 0],
  silu: [1, 0, 1, 0],
  tanh: [0, 2, 2, -1],
  sigmoid: [0, 1, 1, 0],
};

const leafExtendedOp = defineParamOp({
  name: "leafExtended",
  params: ["p1", "p2", "p3", "p4"],
  forward(x, y, { p1, p2, p3, p4 }) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (Number.isNaN(v)) {
        y[i] = NaN;
        continue;
      }
      // mul0: an exact-zero factor (p1 = 0 in the Tanh/Sigmoid presets, σ = 0 at −∞) gives 0, not ∞·0 = NaN.
      const a = mul0(p1[i], v) + p2[i];
      y[i] = mul0(a, sigmoidScalar(mul0(p3[i], v))) + p4[i];
    }
  },
  backward(x, _y, gy, gx, { p1, p2, p3 }, gp) {
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      const g = gy[i];
      const nan = Number.isNaN(v);
      const a = mul0(p1[i], v) + p2[i];
      const z = mul0(p3[i], v);
      const s = sigmoidScalar(z);
      const ass = mul0(a, s * sigmoidScalar(-z)); // (p1x + p2)·σ(p3x)·σ(−p3x)
      if (gx !== null) gx[i] = nan ? NaN : g * (mul0(p1[i], s) + mul0(ass, p3[i]));
      if (gp.p1 !== null) gp.p1[i] = nan ? NaN : g * mul0(v, s);
      if (gp.p2 !== null) gp.p2[i] = nan ? NaN : g * s;
      if (gp.p3 !== null) gp.p3[i] = nan ? NaN : g * mul0(ass, v);
      if (gp.p4 !== null) gp.p4[i] = g;
    }
  },
  partials(x, _y, { p1, p2, p3 }) {
    // a = p₁x + p₂, z = p₃x, s = σ(z), s′ = σ(z)σ(−z):
    // ∂x = p₁s + a·s′·p₃, ∂p₁ = x·s, ∂p₂ = s, ∂p₃ = a·s′·x, ∂p₄ = 1
    const a = x.mul(p1).add(p2);
    const z = x.mul(p3);
    const s = sigmoid(z);
    const ass = a.mul(s.mul(sigmoid(z.neg())));
    return { x: s.mul(p1).add(ass.mul(p3)), p1: x.mul(s), p2: s, p3: ass.mul(x), p4: 1 };
  },
});

/**
 * The Learnable Extended Activation Function of Bodyanskiy & Kostiuk (2023), element-wise:
 * four trainable parameters that can start as ReLU, SiLU, Tanh or Sigmoid
 * ({@link LEAF_PRESETS}) and adapt the shape during training.
 * Yevgeniy Bodyanskiy, Serhii Kostiuk, "Learnable Extended Activation Function for Deep
 * Neural Networks", International Journal of Computing 22(3):311–318, 2023.
 *
 * ```text
 * leafExtended(x) = (p1·x + p2)·σ(p3·x) + p4
 * ∂/∂x  = p1·σ(p3x) + (p1x + p2)·σ(p3x)·σ(−p3x)·p3
 * ∂/∂p1 = x·σ(p3x)
 * ∂/∂p2 = σ(p3x)
 * ∂/∂p3 = (p1x + p2)·σ(p3x)·σ(−p3x)·x
 * ∂/∂p4 = 1
 * ```
 *
 * Smooth (no kink). σ is evaluated in its stable form, so p3 = 65536 (the ReLU preset)
 * never overflows; ±∞ inputs give the limits (e.g. ±1 for the Tanh preset).
 *
 * @param x - input of any shape
 * @param params - p1..p4, each of shape `[1]` or `[features]` (last axis), or a constant
 * @returns a tensor shaped like `x`
 * @throws Error when a parameter is missing, has a size other than 1 or `x`'s last axis
 * (both sizes are given), or its dtype differs from `x`'s
 *
 * @example
 * ```ts
 * // The Tanh preset is tanh (as 2σ(2x) − 1; tanh(0.5) = 0.46211715726000974):
 * leafExtended(tensor([0.5], { dtype: "float64" }), { p1: 0, p2: 2, p3: 2, p4: -1 }).toArray(); // [0.4621171572600098]
 * ```
 */
export function leafExtended(x: Tensor, params: LeafParams): Tensor {
  return leafExtendedOp(x, params);
}
