// Zeroing of arrays that live in WebAssembly memory (gradients before a step; reused
// blocks). One `memory.fill`: V8 runs `TypedArray.prototype.fill` on a shared buffer element
// by element (each a relaxed atomic store), 5–7× slower than on a plain one.

/** Sets `bytes` bytes at `p` to 0. */
export function zeroBytes(p: usize, bytes: usize): void {
  memory.fill(p, 0, bytes);
}
