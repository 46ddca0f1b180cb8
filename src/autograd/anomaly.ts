import { formatShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { topologicalOrder } from "./engine.js";

/** Where a non-finite value first appeared in a recorded graph. */
export interface NonFiniteOrigin {
  /** The op's name, as recorded (e.g. `"log"`, `"linear+relu"`). */
  readonly op: string;
  /** The op's output. */
  readonly output: Tensor;
  /** Index of the first non-finite element of the output, and its value. */
  readonly index: number;
  readonly value: number;
  /** A one-line description for error messages. */
  readonly message: string;
}

function firstNonFinite(t: Tensor): number {
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return i;
  return -1;
}

/**
 * Finds the first op in `root`'s recorded graph (inputs before outputs) whose output holds
 * a NaN or ±∞ although all of its inputs are finite: the op where the trouble started.
 * Reads the graph as it is (call it before `backward()` frees it); costs nothing unless
 * called, so training pays nothing for it.
 *
 * @returns the origin, or `null` when no recorded op turned finite inputs into a
 * non-finite output (e.g. the non-finite value came in with the data, or there is no graph)
 *
 * @example
 * ```ts
 * const x = tensor([1, -1], { requiresGrad: true });
 * findNonFinite(x.log().sum())?.op; // "log"
 * ```
 */
export function findNonFinite(root: Tensor): NonFiniteOrigin | null {
  for (const t of topologicalOrder(root)) {
    const node = t.node;
    if (node === null) continue;
    const index = firstNonFinite(t);
    if (index < 0 || node.inputs.some((input) => firstNonFinite(input) >= 0)) continue;
    const value = t.data[index];
    const inputs = node.inputs.map((input) => formatShape(input.shape)).join(", ");
    return {
      op: node.op,
      output: t,
      index,
      value,
      message: `${node.op} turned finite inputs (${inputs}) into ${value} at element ${index} of its output ${formatShape(t.shape)}`,
    };
  }
  return null;
}
