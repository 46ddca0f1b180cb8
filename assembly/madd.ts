// The float32 multiply-add of the gemm micro-kernels, in one place so the same source builds
// both kernel binaries (scripts/build-wasm.mjs):
// - the default build (`--enable simd`): `c + a·b` as f32x4.mul then f32x4.add, two roundings,
//   the same bits on every machine;
// - the relaxed build (`--enable simd --enable relaxed-simd`, opt-in through
//   "typegrad/relaxed-simd"): f32x4.relaxed_madd, which the engine may compute fused (one
//   rounding, an FMA instruction) or as mul then add, depending on the CPU. Its bits are then
//   the same run to run on one machine, but may differ between machines.
// ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so each build holds one branch only.

/** `a·b + c` on four float32 lanes (relaxed_madd's operand order: a·b + c). */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  else return f32x4.add(c, f32x4.mul(a, b));
}

/** 1 in the relaxed-simd build, 0 in the default one: the host reports which kernel runs (kernelInfo().gemmKernel). */
export function relaxedSimd(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}
