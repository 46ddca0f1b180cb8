// Work split across threads. The host writes a job descriptor (i32 words, below) into
// shared memory; every thread, the host's included, claims chunk indices and calls
// `runChunk` for each. A chunk is a range of C's rows or columns, computed exactly as the
// whole product computes it (see `gemmBlock`), so the result does not depend on how many
// threads there are or which one ran which chunk.

import { gemmAddBlock, gemmBlock } from "./gemm";
import { gemm64AddBlock, gemm64Block } from "./gemm64";
import { linearForwardBlock } from "./linear";
import { linearForward64Block } from "./linear64";

/** Job kinds. */
const KIND_GEMM: i32 = 0;
const KIND_LINEAR_FORWARD: i32 = 1;
const KIND_GEMM_ACCUMULATE: i32 = 2;
/** The same three in f64 (`gemm64Block`, `linearForward64Block`; `workspaceBytes64` ≤ `workspaceBytes`). */
const KIND_GEMM64: i32 = 3;
const KIND_LINEAR_FORWARD64: i32 = 4;
const KIND_GEMM64_ACCUMULATE: i32 = 5;

// Word offsets in a job descriptor.
const KIND = 0;
const TRANS_A = 1;
const TRANS_B = 2;
const M = 3;
const N = 4;
const K = 5;
const A = 6;
const B = 7;
const C = 8;
const SPLIT_COLUMNS = 9;
const CHUNK = 10;
const BIAS = 11;
const ACT = 12;
const TEMP = 13;

/** This instance's workspace (`workspaceBytes()` bytes); each thread has its own. */
let threadWork: usize = 0;

/** Sets the workspace `runChunk` uses in this instance. */
export function setThreadWorkspace(work: usize): void {
  threadWork = work;
}

// @ts-ignore: decorator
@inline
function word(job: usize, at: i32): i32 {
  return load<i32>(job + <usize>at * 4);
}

/**
 * Runs chunk `index` of the job at `job`:
 *   KIND_GEMM             C[block] = op(A)·op(B)[block]                  (as `gemm`)
 *   KIND_LINEAR_FORWARD   y[block] = act(x·Wᵀ + b)[block]                (as `linearForward`; A = x, B = W, C = y)
 *   KIND_GEMM_ACCUMULATE  C[block] += op(A)·op(B)[block]                 (as `gemmAddBlock`, TEMP its scratch)
 *   KIND_GEMM64, KIND_LINEAR_FORWARD64   the first two on f64 arrays (`gemm64Block`, `linearForward64Block`)
 *   KIND_GEMM64_ACCUMULATE  the third on f64 arrays (`gemm64AddBlock`)
 * where block is rows (or, with SPLIT_COLUMNS, columns) `index·CHUNK` up to `(index+1)·CHUNK`.
 */
export function runChunk(job: usize, index: i32): void {
  const m = word(job, M);
  const n = word(job, N);
  const k = word(job, K);
  const chunk = word(job, CHUNK);
  const columns = word(job, SPLIT_COLUMNS) != 0;
  const lo = index * chunk;
  const hi = min(lo + chunk, columns ? n : m);
  const i0 = columns ? 0 : lo;
  const i1 = columns ? m : hi;
  const j0 = columns ? lo : 0;
  const j1 = columns ? hi : n;
  const transA = word(job, TRANS_A) != 0;
  const transB = word(job, TRANS_B) != 0;
  const a = <usize>word(job, A);
  const b = <usize>word(job, B);
  const c = <usize>word(job, C);
  const kind = word(job, KIND);
  if (kind == KIND_GEMM) {
    gemmBlock(transA, transB, m, n, k, a, b, c, threadWork, i0, i1, j0, j1);
  } else if (kind == KIND_LINEAR_FORWARD) {
    linearForwardBlock(m, n, k, a, b, <usize>word(job, BIAS), word(job, ACT), c, threadWork, i0, i1, j0, j1);
  } else if (kind == KIND_GEMM_ACCUMULATE) {
    gemmAddBlock(transA, transB, m, n, k, a, b, c, <usize>word(job, TEMP), threadWork, i0, i1, j0, j1);
  } else if (kind == KIND_GEMM64) {
    gemm64Block(transA, transB, m, n, k, a, b, c, threadWork, i0, i1, j0, j1);
  } else if (kind == KIND_LINEAR_FORWARD64) {
    linearForward64Block(m, n, k, a, b, <usize>word(job, BIAS), word(job, ACT), c, threadWork, i0, i1, j0, j1);
  } else if (kind == KIND_GEMM64_ACCUMULATE) {
    gemm64AddBlock(transA, transB, m, n, k, a, b, c, <usize>word(job, TEMP), threadWork, i0, i1, j0, j1);
  }
}
