// typegrad/relaxed-simd: the opt-in entry point for the relaxed-SIMD build of the kernels
// (package.json "exports"). Kept out of src/index.ts so the main bundle does not carry a
// second binary: only an application that imports this module ships the relaxed bytes.
import { enableWasmKernels, kernelInfo, replaceKernelModule, setRelaxedSimdError } from "./kernels/wasm.js";
import { bytesFromHex } from "./kernels/hex.js";
import { KERNELS_RELAXED_WASM_HEX } from "./kernels/wasm-bytes-relaxed.generated.js";

/**
 * The smallest module using a relaxed-SIMD instruction: `WebAssembly.validate` accepts it
 * only where the engine supports relaxed SIMD (Chromium 114+; Node 20 only with
 * `--experimental-wasm-relaxed-simd`).
 *
 * ```text
 * 00 61 73 6d  01 00 00 00       "\0asm", version 1
 * 01 06 01 60 01 7b 01 7b        type section: 1 type, (func (param v128) (result v128))
 * 03 02 01 00                    function section: 1 function of type 0
 * 0a 0d 01 0b 00                 code section: 1 body of 11 bytes, no locals
 *    20 00 20 00 20 00           local.get 0 ×3
 *    fd 85 02                    f32x4.relaxed_madd (prefix 0xfd, opcode 0x105 as LEB128)
 *    0b                          end
 * ```
 */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x06, 0x01, 0x60, 0x01, 0x7b, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x0d, 0x01, 0x0b, 0x00,
  0x20, 0x00, 0x20, 0x00, 0x20, 0x00,
  0xfd, 0x85, 0x02,
  0x0b,
]);

/**
 * Whether this runtime's WebAssembly supports relaxed SIMD, detected (never assumed) by
 * validating a module that uses `f32x4.relaxed_madd`.
 */
export function relaxedSimdSupported(): boolean {
  const wasm = (globalThis as { WebAssembly?: { validate?: (bytes: Uint8Array) => boolean } | null }).WebAssembly;
  if (typeof wasm !== "object" || wasm === null || typeof wasm.validate !== "function") return false;
  try {
    return wasm.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * Switches the WebAssembly kernels to their relaxed-SIMD build, whose float32 matrix-product
 * micro-kernels use `f32x4.relaxed_madd` (`c + a·b` rounded once, fused, where the CPU has an
 * FMA, else rounded after the multiply and after the add as the default kernels do), when
 * this runtime supports relaxed SIMD. Off by default: nothing changes until this is called.
 *
 * Support is detected, never assumed. When it is missing (Node 20 without
 * `--experimental-wasm-relaxed-simd`, older browsers), when the relaxed build was not compiled,
 * or when it cannot be loaded, the kernels in use stay as they are, and
 * `kernelInfo().relaxedSimdError` says why; `kernelInfo().gemmKernel` says which kernel runs.
 *
 * Results: the relaxed kernels give the same bits run after run on one machine (seeded
 * training is reproducible there), but `relaxed_madd` may round once (FMA) or twice
 * depending on the CPU and engine, so bits may differ between machines, and from the default
 * kernels by float32 rounding. Measured on an AMD EPYC (see CONTRIBUTING "Relaxed SIMD"), it
 * is not faster than the default kernels; measure on your target before opting in.
 *
 * Call it before creating models and optimisers: arrays already living in the default
 * kernels' memory stay valid (results are unchanged) but are then copied in and out on every
 * call instead of being used in place. Calling it again once active does nothing.
 *
 * @returns whether the relaxed-SIMD kernels are now active
 */
export function enableRelaxedSimd(): boolean {
  if (kernelInfo().gemmKernel === "f32x4.relaxed_madd" && enableWasmKernels()) return true;
  if (!relaxedSimdSupported()) {
    setRelaxedSimdError(
      "this runtime's WebAssembly has no relaxed SIMD (Chromium 114+ has it; Node 20 needs --experimental-wasm-relaxed-simd)",
    );
    return false;
  }
  if (KERNELS_RELAXED_WASM_HEX === null) {
    setRelaxedSimdError('the relaxed-SIMD kernels were not built (run "node scripts/build-wasm.mjs" to compile assembly/)');
    return false;
  }
  const error = replaceKernelModule(bytesFromHex(KERNELS_RELAXED_WASM_HEX));
  if (error !== null) {
    setRelaxedSimdError(`the relaxed-SIMD kernels could not be loaded: ${error}`);
    return false;
  }
  return true;
}
