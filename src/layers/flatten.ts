import { reshape } from "../autograd/ops/shape.js";
import { formatShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";
import { registerBuiltinModule, type ModuleSpec } from "./spec.js";

/**
 * Flattens every axis but the first: `[batch, d₁, d₂, …] → [batch, d₁·d₂·…]`.
 * The gradient is reshaped back.
 */
export class Flatten extends Module {
  /** @throws Error for a scalar input (there is no batch axis) */
  forward(x: Tensor): Tensor {
    if (x.shape.length === 0) throw new Error(`Flatten: expected an input with a batch axis, got ${formatShape(x.shape)}`);
    return x.shape.length === 2 ? x : reshape(x, [x.shape[0], -1]);
  }

  override spec(): ModuleSpec {
    return { type: "Flatten" };
  }
}

/** Registers Flatten for checkpoints; called once by the spec registry at its first lookup (`src/layers/builtins.ts`). */
export function registerFlatten(): void {
  registerBuiltinModule("Flatten", () => new Flatten(), { options: {} });
}
