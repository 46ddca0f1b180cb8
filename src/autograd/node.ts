import type { DType, TypedArray } from "../tensor/dtype.js";
import type { Shape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { isGradEnabled } from "./grad-mode.js";
import { inPlaceSeen, versionOf } from "./version.js";

/**
 * Given dL/d(output), returns dL/d(input) for each input, in order, each with the
 * input's size and dtype. `null` means "no gradient flows to this input".
 * `needsGrad[k]` says whether input `k` wants a gradient, so an op may skip work.
 * The engine never mutates the arrays returned, so an op may return one array twice.
 */
export type BackwardFn = (gradOutput: TypedArray, needsGrad: readonly boolean[]) => readonly (TypedArray | null)[];

/**
 * Internal extension of {@link BackwardFn}: the engine may pass a third argument,
 * `accumulateInto[k]`, the gradient buffer of leaf input `k` when that leaf is used once in
 * the graph (else null). An op may add its gradient for input `k` into that buffer itself
 * (`+=`, exactly as the engine would: one add per element, rounded to the dtype) and return
 * the same array to say so; the engine then skips the accumulation. Ops that ignore the
 * argument are unaffected.
 */
export type AccumulatingBackwardFn = (
  gradOutput: TypedArray,
  needsGrad: readonly boolean[],
  accumulateInto?: readonly (TypedArray | null)[],
) => readonly (TypedArray | null)[];

/**
 * The same gradient as a {@link BackwardFn}, written with tensor ops so that it is itself
 * recorded and can be differentiated again (used only by `backward({ createGraph: true })`
 * and `grad(…, { createGraph: true })`). Given dL/d(output) as a tensor of the output's
 * shape and the output tensor itself (for derivatives cheaper from it), returns dL/d(input)
 * per input, each of that input's shape, or `null` for no gradient.
 */
export type GraphBackwardFn = (gradOutput: Tensor, output: Tensor, needsGrad: readonly boolean[]) => readonly (Tensor | null)[];

/** The record an operation leaves on its output so that `backward()` can reach its inputs. */
export interface GradNode {
  /** Operation name, for error messages and graph dumps only; never dispatched on. */
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly backward: BackwardFn;
  /**
   * Storage versions (see `version.ts`) of each input, then of the output, when the node was
   * recorded (undefined: all 0, no in-place op had run yet); `backward()` refuses to run
   * this node if one changed since.
   */
  readonly versions?: readonly number[];
  /**
   * The differentiable form of `backward`, or undefined when the op has none; then
   * `createGraph` through this node throws (see `missingGraphBackward`), naming `op`.
   */
  readonly graphBackward?: GraphBackwardFn;
  /** Said by the error when `graphBackward` is missing: what to add to make this op twice differentiable. */
  readonly graphHint?: string;
}

/**
 * The one place graph nodes are created. Wraps `data` in a tensor and, when grad mode
 * is on and any input requires grad, attaches a node so `backward()` can reach the inputs.
 *
 * @param data - the op's result, freshly allocated (never an input's array)
 * @param graphBackward - the same backward written with tensor ops, for higher-order
 * gradients; omit only when the op cannot be differentiated twice (then `graphHint` says
 * what is missing)
 */
export function record(
  data: TypedArray,
  shape: Shape,
  inputs: readonly Tensor[],
  op: string,
  backward: BackwardFn,
  graphBackward?: GraphBackwardFn,
  graphHint?: string,
): Tensor {
  let requiresGrad = false;
  if (isGradEnabled()) {
    for (const t of inputs) {
      if (t.requiresGrad) {
        requiresGrad = true;
        break;
      }
    }
  }
  if (!requiresGrad) return new Tensor(data, shape);
  let versions: number[] | undefined;
  if (inPlaceSeen()) {
    versions = new Array<number>(inputs.length + 1);
    for (let k = 0; k < inputs.length; k++) versions[k] = versionOf(inputs[k].data);
    versions[inputs.length] = versionOf(data);
  }
  return new Tensor(data, shape, { requiresGrad, node: { op, inputs, backward, graphBackward, graphHint, versions } });
}

/**
 * Checks that all tensors share one dtype.
 *
 * @throws Error naming `op` and the dtypes when they differ.
 */
export function commonDType(op: string, tensors: readonly Tensor[]): DType {
  const dtype = tensors[0].dtype;
  for (const t of tensors) {
    if (t.dtype !== dtype) {
      throw new Error(
        `${op}: dtype mismatch: ${tensors.map((x) => x.dtype).join(" vs ")}; convert one with .to("${dtype}")`,
      );
    }
  }
  return dtype;
}
