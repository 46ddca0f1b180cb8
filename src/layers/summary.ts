import { noGrad } from "../autograd/grad-mode.js";
import { zeros } from "../tensor/creation.js";
import { formatShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Module } from "./module.js";
import { Sequential } from "./sequential.js";

/** Options of {@link summary}. */
export interface SummaryOptions {
  /**
   * Shape of one sample (without the batch axis), e.g. `[2]`. When given, a batch of one
   * zero sample is passed through (no graph recorded) and each layer's output shape shown.
   */
  inputShape?: readonly number[];
}

function describe(module: Module): string {
  const detail = module.describe();
  return detail === "" ? module.constructor.name : `${module.constructor.name}(${detail})`;
}

function countParams(module: Module): [trainable: number, frozen: number] {
  let trainable = 0;
  let frozen = 0;
  for (const [, p] of module.namedParameters()) {
    if (p.requiresGrad) trainable += p.size;
    else frozen += p.size;
  }
  for (const [, b] of module.namedBuffers()) frozen += b.size;
  return [trainable, frozen];
}

/**
 * A table of a model's layers, like Keras's `model.summary()`: each direct child with its
 * type, its parameter count and (with `inputShape`) its output shape, then the totals of
 * trainable parameters and of other saved tensors (buffers, frozen parameters).
 *
 * Returns the table as a string and prints nothing (Keras prints): pass it to
 * `console.log`. With `inputShape`, one sample of zeros goes through the model in evaluation
 * mode (so BatchNorm neither needs a batch nor updates its running statistics); every
 * module's training flag is restored afterwards.
 *
 * @returns the table, lines separated by `"\n"`
 * @example
 * ```ts
 * console.log(summary(new Sequential(new Dense(2, 8, { activation: "tanh" }), new Dense(8, 1)), { inputShape: [2] }));
 * ```
 * @throws the model's own error when `inputShape` does not fit its first layer
 */
export function summary(model: Module, options: SummaryOptions = {}): string {
  const children = model.namedChildren();
  const layers: [string, Module][] = children.length > 0 ? children : [["(model)", model]];
  // Per-layer output shapes are known for a Sequential; other models show their output only.
  const shapes = new Map<Module, string>();
  let output = "";
  if (options.inputShape !== undefined) {
    const modes: [Module, boolean][] = [model, ...model.namedModules().map(([, m]) => m)].map((m) => [m, m.training]);
    model.eval();
    try {
      noGrad(() => {
        let x: Tensor = zeros([1, ...options.inputShape!]);
        if (model instanceof Sequential) {
          for (const layer of model.layers) {
            x = layer.forward(x);
            shapes.set(layer, formatShape(x.shape));
          }
        } else output = formatShape(model.forward(x).shape);
      });
    } finally {
      for (const [m, training] of modes) m.training = training;
    }
  }
  const rows = layers.map(([path, m]) => {
    const [trainable, frozen] = countParams(m);
    return [path, describe(m), shapes.get(m) ?? "", (trainable + frozen).toLocaleString("en-US")];
  });
  const header = ["layer", "type", shapes.size > 0 ? "output shape" : "", "parameters"];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((v, c) => (c === 3 ? v.padStart(widths[c]) : v.padEnd(widths[c]))).filter((_, c) => widths[c] > 0).join("  ");
  const [trainable, frozen] = countParams(model);
  return [
    line(header),
    line(widths.map((w) => "─".repeat(w))),
    ...rows.map(line),
    "",
    ...(output === "" ? [] : [`output shape (batch of 1): ${output}`]),
    `trainable parameters: ${trainable.toLocaleString("en-US")}`,
    `other saved values (buffers, frozen parameters): ${frozen.toLocaleString("en-US")}`,
  ].join("\n");
}
