/**
 * The error function and its complement in float64, to about 1 ulp.
 *
 * Provenance: this is typegrad's own TypeScript implementation of the method of fdlibm's
 * `s_erf.c` (Sun Microsystems, 1993), using its published rational-approximation
 * coefficients. fdlibm's notice: "Copyright (C) 1993 by Sun Microsystems, Inc. All rights
 * reserved. Developed at SunPro, a Sun Microsystems, Inc. business. Permission to use,
 * copy, modify, and distribute this software is freely granted, provided that this notice
 * is preserved."
 *
 * Method, for a = |x|:
 * - a < 0.84375:   erf(x) = x + x·R(x²), R a rational function (fixed point of erf near 0.6174)
 * - a < 1.25:      erf(a) = c + P(a−1)/Q(a−1), c = 0.845062911510467529297 (erf(1) rounded to 24 bits)
 * - a < 28:        erfc(a) = exp(−a² − 0.5625 + R(1/a²)/S(1/a²)) / a, with a² split so that
 *                  exp(−a²) keeps full relative accuracy; two coefficient sets, split at 1/0.35
 * - a ≥ 28:        erfc(a) underflows to 0 (erfc(27) ≈ 5.2e−319 is still a subnormal)
 */

// erf on [0, 0.84375]: R = PP(z)/QQ(z), z = x².
const PP = [
  1.28379167095512558561e-1, -3.25042107247001499370e-1, -2.84817495755985104766e-2, -5.77027029648944159157e-3,
  -2.37630166566501626084e-5,
] as const;
const QQ = [
  3.97917223959155352819e-1, 6.50222499887672944485e-2, 5.08130628187576562776e-3, 1.32494738004321644526e-4,
  -3.96022827877536812320e-6,
] as const;
// erf on [0.84375, 1.25]: PA(s)/QA(s), s = |x| − 1.
const ERX = 8.45062911510467529297e-1;
const PA = [
  -2.36211856075265944077e-3, 4.14856118683748331666e-1, -3.72207876035701323847e-1, 3.18346619901161753674e-1,
  -1.10894694282396677476e-1, 3.54783043256182359371e-2, -2.16637559486879084300e-3,
] as const;
const QA = [
  1.06420880400844228286e-1, 5.40397917702171048937e-1, 7.18286544141962662868e-2, 1.26171219808761642112e-1,
  1.36370839120290507362e-2, 1.19844998467991074170e-2,
] as const;
// erfc on [1.25, 1/0.35]: RA(s)/SA(s), s = 1/x².
const RA = [
  -9.86494403484714822705e-3, -6.93858572707181764372e-1, -1.05586262253232909814e1, -6.23753324503260060396e1,
  -1.62396669462573470355e2, -1.84605092906711035994e2, -8.12874355063065934246e1, -9.81432934416914548592,
] as const;
const SA = [
  1.96512716674392571292e1, 1.37657754143519042600e2, 4.34565877475229228821e2, 6.45387271733267880336e2,
  4.29008140027567833386e2, 1.08635005541779435134e2, 6.57024977031928170135, -6.04244152148580987438e-2,
] as const;
// erfc on [1/0.35, 28]: RB(s)/SB(s), s = 1/x².
const RB = [
  -9.86494292470009928597e-3, -7.99283237680523006574e-1, -1.77579549177547519889e1, -1.60636384855821916062e2,
  -6.37566443368389627722e2, -1.02509513161107724954e3, -4.83519191608651397019e2,
] as const;
const SB = [
  3.03380607434824582924e1, 3.25792512996573918826e2, 1.53672958608443695994e3, 3.19985821950859553908e3,
  2.55305040643316442583e3, 4.74528541206955367215e2, -2.24409524465858183362e1,
] as const;
/** 2/√π − 1, for the tiny-argument branch. */
const EFX = 1.28379167095512586316e-1;

/** c0 + z·(c1 + z·(c2 + …)), Horner. */
function poly(c: readonly number[], z: number): number {
  let r = c[c.length - 1];
  for (let i = c.length - 2; i >= 0; i--) r = c[i] + z * r;
  return r;
}

/** 1 + z·(c0 + z·(c1 + …)). */
function poly1(c: readonly number[], z: number): number {
  return 1 + z * poly(c, z);
}

const view = new DataView(new ArrayBuffer(8));

/** `a` with the low 32 bits of its significand cleared, so `a·a` is exact in float64. */
function truncateLow(a: number): number {
  view.setFloat64(0, a);
  view.setUint32(4, 0);
  return view.getFloat64(0);
}

/** erfc(a) for 1.25 ≤ a < 28, with full relative accuracy (no cancellation). */
function erfcTail(a: number): number {
  const s = 1 / (a * a);
  const rs = a < 1 / 0.35 ? poly(RA, s) / poly1(SA, s) : poly(RB, s) / poly1(SB, s);
  const z = truncateLow(a);
  // exp(−a²) = exp(−z²) · exp((z − a)(z + a)): z² is exact, the second factor is near 1.
  return (Math.exp(-z * z - 0.5625) * Math.exp((z - a) * (z + a) + rs)) / a;
}

/**
 * The error function, float64, about 1 ulp (fdlibm's method).
 *
 * ```text
 * erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt
 * d/dx   = (2/√π) e^(−x²)
 * ```
 *
 * Special values: erf(±0) = ±0, erf(±∞) = ±1, erf(NaN) = NaN.
 *
 * @param x - any number
 * @returns erf(x) in [−1, 1]
 *
 * @example
 * ```ts
 * erf(1); // 0.8427007929497149
 * ```
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a < 0.84375) {
    if (a < 2 ** -28) return x + EFX * x;
    const z = x * x;
    return x + x * (poly(PP, z) / poly1(QQ, z));
  }
  if (a < 1.25) {
    const s = a - 1;
    const r = ERX + poly(PA, s) / poly1(QA, s);
    return x < 0 ? -r : r;
  }
  if (a >= 6) return x < 0 ? -1 : 1;
  const r = 1 - erfcTail(a);
  return x < 0 ? -r : r;
}

/**
 * The complementary error function, float64, about 1 ulp (fdlibm's method), with full
 * relative accuracy in the right tail: erfc(27) ≈ 5.24e−319 (subnormal), erfc(x) = 0 for
 * x ≥ 27.3 or so, where the true value is below the smallest subnormal.
 *
 * ```text
 * erfc(x) = 1 − erf(x) = (2/√π) ∫ₓ^∞ e^(−t²) dt
 * d/dx    = −(2/√π) e^(−x²)
 * ```
 *
 * Special values: erfc(±0) = 1, erfc(+∞) = 0, erfc(−∞) = 2, erfc(NaN) = NaN.
 *
 * @param x - any number
 * @returns erfc(x) in [0, 2]
 *
 * @example
 * ```ts
 * erfc(5); // 1.5374597944280349e-12
 * ```
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a < 0.84375) {
    if (a < 2 ** -56) return 1 - x;
    const z = x * x;
    const y = poly(PP, z) / poly1(QQ, z);
    if (x < 0.25) return 1 - (x + x * y);
    return 0.5 - (x * y + (x - 0.5));
  }
  if (a < 1.25) {
    const s = a - 1;
    const pq = poly(PA, s) / poly1(QA, s);
    return x >= 0 ? 1 - ERX - pq : 1 + (ERX + pq);
  }
  if (a < 28) {
    if (x < -6) return 2;
    const r = erfcTail(a);
    return x > 0 ? r : 2 - r;
  }
  return x > 0 ? 0 : 2;
}
