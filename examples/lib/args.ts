import { parseArgs } from "node:util";
import { activationNames } from "../../src/index.js";
import { closest } from "../../src/util/options.js";

/** The command-line options every example understands. */
export interface ExampleArgs {
  /** A seconds-long run for smoke tests. */
  quick: boolean;
  /** Any integer, negative ones included (`--seed -1` or `--seed=-1`). Default 0. */
  seed: number;
  /** Undefined when not given: the example picks its default (smaller with --quick). */
  epochs: number | undefined;
  /** A registered element-wise activation; undefined when not given. */
  activation: string | undefined;
  /** Where pictures and reports go. Default `out/<example>`. */
  out: string;
}

/** What an example takes, for validation and `--help`. */
export interface ExampleSpec {
  /** The example's name, e.g. `"spirals"` (errors start with it; default out dir `out/<name>`). */
  name: string;
  /** One line on what it does, for `--help`. */
  description: string;
  /** Whether `--epochs N` applies, and its default for `--help` (e.g. `"300, 20 with --quick"`). */
  epochs?: string;
  /** Whether `--activation NAME` applies, and its default for `--help`. */
  activation?: string;
}

/** Thrown by {@link exampleArgs} for `--help`: `runCli` prints the message (the usage) and exits 0. */
export class HelpRequested extends Error {
  constructor(usage: string) {
    super(usage);
    this.name = "HelpRequested";
  }
}

/** Activations that normalise across features, so they cannot be a hidden layer's element-wise activation. */
const NOT_HIDDEN = new Set(["softmax", "logSoftmax"]);

/** The usage text of an example. */
export function usage(spec: ExampleSpec): string {
  const lines = [
    `${spec.name}: ${spec.description}`,
    "",
    `usage: npx tsx examples/${spec.name}.ts [options]`,
    "",
    "  --quick            a seconds-long run (smoke test)",
    "  --seed N           seed of every random choice, any integer (default 0)",
  ];
  if (spec.epochs !== undefined) lines.push(`  --epochs N         training epochs, an integer ≥ 1 (default ${spec.epochs})`);
  if (spec.activation !== undefined) {
    lines.push(`  --activation NAME  hidden activation (default ${spec.activation}); one of:`);
    lines.push(`                     ${hiddenActivations().join(", ")}`);
  }
  lines.push(`  --out DIR          where pictures and reports go (default out/${spec.name})`, "  --help, -h         this text");
  return lines.join("\n");
}

function hiddenActivations(): string[] {
  return activationNames().filter((n) => !NOT_HIDDEN.has(n));
}

/**
 * Parses and validates an example's command line: `--quick`, `--seed N` (any integer),
 * `--out DIR`, `--help`, and, where the example takes them, `--epochs N` (an integer ≥ 1)
 * and `--activation NAME` (a registered element-wise activation). Every example uses this
 * parser, so they accept and reject the same things with the same one-line messages.
 *
 * @throws HelpRequested for `--help` / `-h`
 * @throws Error starting with the example's name for an unknown option (with the closest
 *   known one), an option the example does not take, a missing or bad value, an unknown
 *   activation, or an activation that cannot be a hidden one (softmax)
 */
export function exampleArgs(spec: ExampleSpec | string, argv: readonly string[] = process.argv.slice(2)): ExampleArgs {
  const s: ExampleSpec = typeof spec === "string" ? { name: spec, description: "", epochs: "the example's", activation: "the example's" } : spec;
  const name = s.name;
  const known = ["quick", "seed", "out", "help", ...(s.epochs !== undefined ? ["epochs"] : []), ...(s.activation !== undefined ? ["activation"] : [])];
  // `--seed -1`: node's parser would read "-1" as an option; join a negative number to its flag.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (/^--\w+$/.test(argv[i]) && i + 1 < argv.length && /^-\d/.test(argv[i + 1])) args.push(`${argv[i]}=${argv[++i]}`);
    else args.push(argv[i]);
  }
  for (const a of args) {
    const m = /^--([^=]+)/.exec(a);
    if (m === null) continue;
    const key = m[1];
    if (!known.includes(key)) {
      const all = ["quick", "seed", "epochs", "activation", "out", "help"];
      const reason = all.includes(key)
        ? `--${key} does not apply to this example`
        : `unknown option --${key}${closest(key, known) === undefined ? "" : ` (did you mean --${closest(key, known)}?)`}`;
      throw new Error(`${name}: ${reason}; options: ${known.map((k) => `--${k}`).join(", ")}`);
    }
  }
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: {
        quick: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        seed: { type: "string" },
        epochs: { type: "string" },
        activation: { type: "string" },
        out: { type: "string" },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (e) {
    // node's messages name the option ("Option '--seed <value>' argument missing"); keep them, one line.
    throw new Error(`${name}: ${(e as Error).message.split("\n")[0]}`);
  }
  if (values.help === true) throw new HelpRequested(usage(s));
  if (positionals.length > 0) throw new Error(`${name}: unexpected argument "${positionals[0]}"; options: ${known.map((k) => `--${k}`).join(", ")}`);
  const seedText = values.seed as string | undefined;
  const seed = seedText === undefined ? 0 : Number(seedText);
  if (seedText !== undefined && (seedText.trim() === "" || !Number.isSafeInteger(seed))) {
    throw new Error(`${name}: --seed must be an integer, got "${seedText}"`);
  }
  const epochsText = values.epochs as string | undefined;
  const epochs = epochsText === undefined ? undefined : Number(epochsText);
  if (epochsText !== undefined && (epochsText.trim() === "" || !Number.isInteger(epochs) || epochs! < 1)) {
    throw new Error(`${name}: --epochs must be an integer ≥ 1, got "${epochsText}"`);
  }
  const activation = values.activation as string | undefined;
  if (activation !== undefined) {
    if (NOT_HIDDEN.has(activation)) {
      throw new Error(`${name}: --activation ${activation} normalises across features, so it cannot be a hidden activation; use it on the output (the losses take logits)`);
    }
    if (!activationNames().includes(activation)) {
      const hint = closest(activation, hiddenActivations());
      throw new Error(`${name}: unknown activation "${activation}"; known: ${hiddenActivations().join(", ")}${hint === undefined ? "" : ` (did you mean ${hint}?)`}`);
    }
  }
  return { quick: values.quick === true, seed: seedText === undefined ? 0 : seed, epochs, activation, out: (values.out as string | undefined) ?? `out/${name}` };
}
