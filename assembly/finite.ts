// Whether every element of an array is finite: the pre-step gradient check of the
// optimisers (src/optim/grad-check.ts) for gradients that live in WebAssembly memory.
// An element is NaN or ±∞ exactly when its exponent bits are all ones.

/** 1 when all `n` f32 at `p` are finite, else 0. */
export function allFinite32(n: i32, p: usize): i32 {
  const mask = i32x4.splat(0x7f800000);
  let bad = i32x4.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const a = v128.load(p + <usize>i * 4);
    const b = v128.load(p + <usize>i * 4, 16);
    bad = v128.or(bad, v128.or(i32x4.eq(v128.and(a, mask), mask), i32x4.eq(v128.and(b, mask), mask)));
  }
  let any = v128.any_true(bad);
  for (; i < n; i++) any = any || (load<u32>(p + <usize>i * 4) & 0x7f800000) == 0x7f800000;
  return any ? 0 : 1;
}

/** 1 when all `n` f64 at `p` are finite, else 0. */
export function allFinite64(n: i32, p: usize): i32 {
  const mask = i64x2.splat(0x7ff0000000000000);
  let bad = i64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const a = v128.load(p + <usize>i * 8);
    const b = v128.load(p + <usize>i * 8, 16);
    bad = v128.or(bad, v128.or(i64x2.eq(v128.and(a, mask), mask), i64x2.eq(v128.and(b, mask), mask)));
  }
  let any = v128.any_true(bad);
  for (; i < n; i++) any = any || (load<u64>(p + <usize>i * 8) & 0x7ff0000000000000) == 0x7ff0000000000000;
  return any ? 0 : 1;
}
