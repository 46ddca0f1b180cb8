/**
 * Tensors whose `.grad` was set to `null` after holding one (`optimizer.zeroGrad(true)`,
 * `p.grad = null`). Their next gradient gets ordinary storage rather than a block of the
 * WebAssembly kernels' memory: a new gradient every step would otherwise take a new block
 * every step, and a block comes back only when the garbage collector's finalizers run,
 * which a synchronous training loop never lets them do.
 */
export const droppedGrads = new WeakSet<object>();
