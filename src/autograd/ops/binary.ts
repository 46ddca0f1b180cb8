import { defineBinaryOp } from "../define-op.js";

/**
 * Element-wise sum, broadcasting (NumPy rules).
 *
 * ```text
 * add(a, b) = a + b,   ∂/∂a = 1,   ∂/∂b = 1
 * ```
 */
export const add = defineBinaryOp({
  name: "add",
  forward(a, b, y) {
    for (let i = 0; i < y.length; i++) y[i] = a[i] + b[i];
  },
  backward(_a, _b, _y, gy, ga, gb) {
    ga.set(gy);
    gb.set(gy);
  },
  gradients(_a, _b, _y, gy) {
    return [gy, gy];
  },
});

/**
 * Element-wise difference, broadcasting.
 *
 * ```text
 * sub(a, b) = a − b,   ∂/∂a = 1,   ∂/∂b = −1
 * ```
 */
export const sub = defineBinaryOp({
  name: "sub",
  forward(a, b, y) {
    for (let i = 0; i < y.length; i++) y[i] = a[i] - b[i];
  },
  backward(_a, _b, _y, gy, ga, gb) {
    for (let i = 0; i < gy.length; i++) {
      ga[i] = gy[i];
      gb[i] = -gy[i];
    }
  },
  gradients(_a, _b, _y, gy, needs) {
    return [gy, needs[1] ? gy.neg() : null];
  },
});

/**
 * Element-wise product, broadcasting.
 *
 * ```text
 * mul(a, b) = a · b,   ∂/∂a = b,   ∂/∂b = a
 * ```
 */
export const mul = defineBinaryOp({
  name: "mul",
  forward(a, b, y) {
    for (let i = 0; i < y.length; i++) y[i] = a[i] * b[i];
  },
  backward(a, b, _y, gy, ga, gb) {
    for (let i = 0; i < gy.length; i++) {
      ga[i] = gy[i] * b[i];
      gb[i] = gy[i] * a[i];
    }
  },
  gradients(a, b, _y, gy, needs) {
    return [needs[0] ? gy.mul(b) : null, needs[1] ? gy.mul(a) : null];
  },
});

/**
 * Element-wise quotient, broadcasting. Division by zero gives ±∞ or NaN, as IEEE 754.
 *
 * ```text
 * div(a, b) = a / b,   ∂/∂a = 1/b,   ∂/∂b = −a/b²
 * ```
 */
export const div = defineBinaryOp({
  name: "div",
  forward(a, b, y) {
    for (let i = 0; i < y.length; i++) y[i] = a[i] / b[i];
  },
  backward(a, b, _y, gy, ga, gb) {
    for (let i = 0; i < gy.length; i++) {
      const q = gy[i] / b[i];
      ga[i] = q;
      gb[i] = (-q * a[i]) / b[i];
    }
  },
  gradients(a, b, _y, gy, needs) {
    const q = gy.div(b);
    return [q, needs[1] ? q.mul(a).div(b).neg() : null];
  },
});

/**
 * Element-wise maximum, broadcasting; NaN if either is NaN.
 *
 * ```text
 * maximum(a, b),   ∂/∂a = 1 if a > b, ½ if a = b, 0 otherwise (ties split, as PyTorch); ∂/∂b alike
 * ```
 */
export const maximum = defineBinaryOp({
  name: "maximum",
  forward(a, b, y) {
    for (let i = 0; i < y.length; i++) y[i] = Math.max(a[i], b[i]);
  },
  backward(a, b, _y, gy, ga, gb) {
    for (let i = 0; i < gy.length; i++) {
      const ai = a[i];
      const bi = b[i];
      if (ai > bi) {
        ga[i] = gy[i];
        gb[i] = 0;
      } else if (ai < bi) {
        ga[i] = 0;
        gb[i] = gy[i];
      } else {
        const half = ai === bi ? gy[i] / 2 : NaN;
        ga[i] = half;
        gb[i] = half;
      }
    }
  },
  gradients(a, b, _y, gy, needs) {
    // Constant masks, ties ½ each: gy · [a > b] + ½ gy · [a = b] (and alike for b).
    const tie = a.eq(b).mul(0.5);
    return [needs[0] ? gy.mul(a.gt(b).add(tie)) : null, needs[1] ? gy.mul(a.lt(b).add(tie)) : null];
  },
});

/**
 * Element-wise minimum, broadcasting; NaN if either is NaN.
 *
 * ```text
 * minimum(a, b),   ∂/∂a = 1 if a < b, ½ if a = b, 0 otherwise (ties split, as PyTorch); ∂/∂b alike
 * ```
 */
export const minimum = defineBinaryOp({
  name: "minimum",
  forward(a, b, y) {
    for (let i = 0; i < y.length; i++) y[i] = Math.min(a[i], b[i]);
  },
  backward(a, b, _y, gy, ga, gb) {
    for (let i = 0; i < gy.length; i++) {
      const ai = a[i];
      const bi = b[i];
      if (ai < bi) {
        ga[i] = gy[i];
        gb[i] = 0;
      } else if (ai > bi) {
        ga[i] = 0;
        gb[i] = gy[i];
      } else {
        const half = ai === bi ? gy[i] / 2 : NaN;
        ga[i] = half;
        gb[i] = half;
      }
    }
  },
  gradients(a, b, _y, gy, needs) {
    const tie = a.eq(b).mul(0.5);
    return [needs[0] ? gy.mul(a.lt(b).add(tie)) : null, needs[1] ? gy.mul(a.gt(b).add(tie)) : null];
  },
});
