// Entry point of build/kernels.wasm: everything exported here is callable from
// src/kernels/wasm.ts. Memory is imported (created, shared where possible, and grown by the host); the kernels never
// allocate, they only read and write the regions whose addresses the host passes.

export { gemm, workspaceBytes } from "./gemm";
export { linearForward, linearBackward } from "./linear";
export { adamStep, adamGeneral } from "./adam";
export { sgdStep, rmspropStep, sgdStep64 } from "./optim";
export { gemm64, gemm64Block, workspaceBytes64 } from "./gemm64";
export { linearForward64, linearForward64Block, linearBackward64, linearGradZ64, linearGradBias64 } from "./linear64";

/** First byte the host may use: everything below belongs to the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}
export { runChunk, setThreadWorkspace } from "./jobs";
export { linearGradZ, linearGradBias } from "./linear";
export { allFinite32, allFinite64 } from "./finite";
export { relaxedSimd } from "./madd";
export { zeroBytes } from "./fill";
export { adamStep64, rmspropStep64 } from "./optim64";
