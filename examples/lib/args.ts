import { parseArgs } from "node:util";

/** The command-line options every example understands. */
export interface ExampleArgs {
  /** A seconds-long run for smoke tests. */
  quick: boolean;
  seed: number;
  /** Undefined when not given: the example picks its default (smaller with --quick). */
  epochs: number | undefined;
  activation: string | undefined;
  /** Where pictures and reports go. Default `out/<example>`. */
  out: string;
}

/**
 * Parses `--quick`, `--seed N`, `--epochs N`, `--activation NAME`, `--out DIR`.
 *
 * @throws Error naming the option for a value that is not a number, or an unknown option
 */
export function exampleArgs(name: string, argv: readonly string[] = process.argv.slice(2)): ExampleArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: "boolean", default: false },
      seed: { type: "string" },
      epochs: { type: "string" },
      activation: { type: "string" },
      out: { type: "string" },
    },
    strict: true,
  });
  const int = (key: "seed" | "epochs", v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name}: --${key} must be a non-negative integer, got "${v}"`);
    return n;
  };
  return {
    quick: values.quick ?? false,
    seed: int("seed", values.seed) ?? 0,
    epochs: int("epochs", values.epochs),
    activation: values.activation,
    out: values.out ?? `out/${name}`,
  };
}
