/**
 * The benchmark suite behind `npm run bench`: typegrad against TensorFlow.js (CPU and
 * WASM backends) in one process, alternating, after a warm-up, medians reported.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { enableWasmKernels, getNumThreads, kernelInfo, setNumThreads, type KernelInfo } from "../src/kernels/wasm.js";
import { gemmWasm } from "../src/kernels/wasm.js";
import { crossover, kernelContender, matmulThroughput, tfjsMatmul, type CrossoverRow, type Variant } from "./gemm.js";
import { measureAlternating, type Contender, type MeasureOptions } from "./harness.js";
import { initTfjs, tf, type TfBackend } from "./tfjs-setup.js";
import { DEFAULT_PYTHON, TorchPeer, type TorchInfo } from "./torch-peer.js";
import {
  DEEP_SIZES,
  MLP_SIZES,
  mlpSpec,
  spiralsSpec,
  tfjsContender,
  tfjsPredict,
  torchPredictSpec,
  torchTrainSpec,
  typegradContender,
  typegradModel,
  typegradPredict,
  xorSpec,
  type PredictSpec,
  type WorkloadSpec,
} from "./workloads.js";

/** Options of {@link runBenchmark}. */
export interface BenchOptions {
  /** Seconds instead of a minute or two: fewer rounds, smaller matmuls, no memory run. */
  quick: boolean;
  /** Where to write the JSON results; null for nowhere. */
  out: string | null;
  /** Receives progress lines. */
  log?: (line: string) => void;
  /** Run PyTorch as a peer when the interpreter can import torch. Default true. */
  torch?: boolean;
  /** The interpreter for the PyTorch peer. Default `/usr/bin/python3`. */
  python?: string;
  /** PyTorch thread counts. Default [1, 2]. */
  torchThreads?: readonly number[];
}

/** How a row's time per step is shown. */
export type BenchUnit = "ms/step" | "µs/step" | "GFLOP/s" | "ksamples/s";

/** One row of the table: medians per step (ms) and accuracies per contender. */
export interface WorkloadResult {
  /** What the row measures, in words. */
  description: string;
  unit: BenchUnit;
  msPerStep: Record<string, number>;
  /** The row's figure per contender in `unit`. */
  value: Record<string, number>;
  accuracy: Record<string, number>;
  gflops: Record<string, number>;
  /** typegrad's time per step divided by the faster tfjs backend's (lower is better); null without tfjs. */
  ratioToBestTfjs: number | null;
  bestTfjs: string;
  /** typegrad's time per step divided by each PyTorch thread count's, and by the faster one's ("best"). */
  ratioToTorch: Record<string, number>;
}

/** The PyTorch peer: which ran (and with which BLAS), or why it was skipped. */
export interface TorchPeerResult {
  available: boolean;
  /** Why it was skipped (null when it ran). */
  skipped: string | null;
  /** Per contender name (`torch-1t`, …): torch version, threads and BLAS. */
  peers: Record<string, TorchInfo>;
}

/** Everything `bench/results.json` holds. */
export interface BenchResults {
  date: string;
  mode: "quick" | "full";
  machine: { cpu: string; cores: number; memoryGiB: number; platform: string; arch: string };
  node: string;
  versions: Record<string, string>;
  kernels: KernelInfo;
  tfjsBackends: string[];
  torch: TorchPeerResult;
  workloads: Record<string, WorkloadResult>;
  /** GFLOP/s per variant and implementation, and typegrad-wasm ÷ tfjs-wasm (higher is better). */
  matmul: { size: number; gflops: Record<Variant, Record<string, number>>; ratioToTfjsWasm: Record<Variant, number> };
  crossover: CrossoverRow[];
  /** typegrad spirals training: peak heapUsed (MiB) up to step 1 000 and from 1 000 to 10 000. */
  memory: { peakHeapMiBTo1000: number; peakHeapMiB1000To10000: number; forcedGc: boolean } | null;
  /** Live tfjs tensors after all tfjs workloads were disposed (0 means no leak). */
  tfjsTensorsLeft: number;
}

function packageVersion(name: string): string {
  try {
    const path = new URL(`../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

type Measured = Contender & { dispose?(): void | Promise<void> };

/** typegrad's thread count by default (all cores); the `typegrad-1t` column runs on one. */
let defaultThreads = 1;

/** `c` run with `threads` threads (set before each of its rounds), named `name`. */
function withThreads<C extends Contender>(c: C, threads: number, name: string): C {
  return {
    ...c,
    name,
    async enter() {
      await c.enter?.();
      setNumThreads(threads);
    },
  };
}

/** Measures typegrad, tfjs and PyTorch on one row, and derives the row's figures and ratios. */
async function measureRow(
  description: string,
  unit: BenchUnit,
  work: { flopsPerStep: number; samplesPerStep?: number },
  contenders: readonly Measured[],
  options: MeasureOptions,
): Promise<WorkloadResult> {
  const ms = Object.fromEntries(await measureAlternating(contenders, options));
  for (const c of contenders) await c.dispose?.();
  const value: Record<string, number> = {};
  for (const [name, t] of Object.entries(ms)) {
    value[name] =
      unit === "ms/step" ? t : unit === "µs/step" ? t * 1000 : unit === "GFLOP/s" ? work.flopsPerStep / t / 1e6 : (work.samplesPerStep ?? 0) / t;
  }
  const gflops = Object.fromEntries(Object.entries(ms).map(([name, t]) => [name, work.flopsPerStep / t / 1e6]));
  const best = (prefix: string): string => {
    let b = "";
    for (const name of Object.keys(ms)) if (name.startsWith(prefix) && (b === "" || ms[name] < ms[b])) b = name;
    return b;
  };
  const bestTfjs = best("tfjs-");
  const ratioToTorch: Record<string, number> = {};
  for (const name of Object.keys(ms)) if (name.startsWith("torch-")) ratioToTorch[name] = ms.typegrad / ms[name];
  const bestTorch = best("torch-");
  if (bestTorch !== "") ratioToTorch.best = ms.typegrad / ms[bestTorch];
  return { description, unit, msPerStep: ms, value, accuracy: {}, gflops, ratioToBestTfjs: bestTfjs === "" ? null : ms.typegrad / ms[bestTfjs], bestTfjs, ratioToTorch };
}

/**
 * Above this many FLOP per step tfjs's CPU backend (~1 GFLOP/s) sits out: a step would take
 * seconds (in quick mode, a tenth of a second).
 */
const tfjsCpuMaxFlops = (quick: boolean): number => (quick ? 1e8 : 3e9);

async function runWorkload(
  spec: WorkloadSpec,
  backends: readonly TfBackend[],
  torch: readonly TorchPeer[],
  options: MeasureOptions,
  quick: boolean,
): Promise<WorkloadResult> {
  const model = typegradModel(spec);
  const usable = spec.dtype !== "float32" ? [] : backends.filter((b) => b !== "cpu" || spec.flopsPerStep <= tfjsCpuMaxFlops(quick));
  // tfjs starts from typegrad's initial weights, copied before typegrad trains.
  const tfjsSide = await Promise.all(usable.map((b) => tfjsContender(spec, b, model)));
  const torchSide = await Promise.all(torch.map((p) => p.contender(`torch-${p.info.threads}t`, torchTrainSpec(spec))));
  const typegrad = withThreads(typegradContender(spec, model), defaultThreads, "typegrad");
  // Steps that split work across threads get a one-thread typegrad column too.
  const oneThread = spec.name === "xor" || spec.name === "spirals" || defaultThreads < 2 ? [] : [withThreads(typegradContender(spec, typegradModel(spec)), 1, "typegrad-1t")];
  const rows = spec.batch(0).rows;
  const unit: BenchUnit = spec.flopsPerStep > 5e7 ? "ms/step" : "µs/step";
  const description = `${spec.sizes.join("-")} ${spec.hidden}, ${spec.optimizer === "adam" ? "Adam" : "SGD"}, batch ${rows}${spec.dtype === "float64" ? ", float64" : ""}`;
  const accuracy: Record<string, number> = {};
  const disposeLater = tfjsSide.map((c) => ({ ...c, dispose: () => {} }));
  const result = await measureRow(description, unit, spec, [typegrad, ...oneThread, ...disposeLater, ...torchSide], options);
  if (spec.all !== null) {
    for (const c of [typegrad, ...tfjsSide]) {
      await c.enter?.();
      accuracy[c.name] = c.accuracy();
    }
  }
  for (const c of tfjsSide) c.dispose();
  return { ...result, accuracy };
}

/**
 * Round sizes for a step of `flops`: about 0.4 s a round at 20 GFLOP/s, 1 to 100 steps
 * (0.2 s rounds of a few steps left the medians at the mercy of one slow step).
 */
function roundsFor(flops: number, quick: boolean): MeasureOptions {
  if (quick) return { warmupSteps: 1, stepsPerRound: 1, rounds: 2 };
  const steps = Math.max(1, Math.min(100, Math.round((0.4 * 20e9) / flops)));
  return steps === 100 ? { warmupSteps: 200, warmupMs: 1000, stepsPerRound: 100, rounds: 7 } : { warmupSteps: steps, stepsPerRound: steps, rounds: 5 };
}

/** Starts one PyTorch peer per thread count, or says why there is none. */
async function startTorch(options: BenchOptions, log: (line: string) => void): Promise<{ peers: TorchPeer[]; result: TorchPeerResult }> {
  if (options.torch === false) return { peers: [], result: { available: false, skipped: "disabled (--no-torch)", peers: {} } };
  const python = options.python ?? DEFAULT_PYTHON;
  const peers: TorchPeer[] = [];
  const result: TorchPeerResult = { available: false, skipped: null, peers: {} };
  for (const threads of options.torchThreads ?? [1, 2]) {
    const peer = await TorchPeer.start(threads, python);
    if (typeof peer === "string") {
      result.skipped = peer;
      for (const p of peers) p.close();
      log(`PyTorch peer skipped: ${peer}`);
      return { peers: [], result: { available: false, skipped: peer, peers: {} } };
    }
    peers.push(peer);
    result.peers[`torch-${peer.info.threads}t`] = peer.info;
    log(`PyTorch ${peer.info.torch}, ${peer.info.threads} thread(s), BLAS: ${peer.info.blas}`);
  }
  result.available = peers.length > 0;
  return { peers, result };
}

/** Trains typegrad on spirals for 10 000 steps, sampling the heap every 100 steps. */
export function memoryRun(): BenchResults["memory"] {
  const gc = (globalThis as { gc?: () => void }).gc;
  const spec = spiralsSpec();
  const trainer = typegradContender(spec);
  let early = 0;
  let late = 0;
  for (let t = 1; t <= 10_000; t++) {
    trainer.step();
    if (t % 100 === 0) {
      gc?.();
      const heap = process.memoryUsage().heapUsed / 2 ** 20;
      if (t <= 1000) early = Math.max(early, heap);
      else late = Math.max(late, heap);
    }
  }
  return { peakHeapMiBTo1000: early, peakHeapMiB1000To10000: late, forcedGc: gc !== undefined };
}

/** Runs every workload and returns (and optionally writes) the results. */
export async function runBenchmark(options: BenchOptions): Promise<BenchResults> {
  const log = options.log ?? (() => {});
  const quick = options.quick;
  const wasmOn = enableWasmKernels();
  defaultThreads = getNumThreads();
  log(`kernels: ${kernelInfo().active}${wasmOn ? "" : ` (${kernelInfo().wasmError ?? ""})`}, ${defaultThreads} thread(s)${kernelInfo().threadsError === null ? "" : ` (${kernelInfo().threadsError})`}`);
  const backends = await initTfjs();
  log(`tfjs backends: ${backends.join(", ")}`);

  const { peers, result: torchResult } = await startTorch(options, log);
  const workloads: Record<string, WorkloadResult> = {};
  try {
    const specs = quick
      ? [xorSpec(), spiralsSpec(), mlpSpec({ rows: 1, name: "mlp-b1" }), mlpSpec({ rows: 128, name: "mlp-b128" }), mlpSpec({ rows: 128, dtype: "float64", name: "mlp-f64-b128" })]
      : [
          xorSpec(),
          spiralsSpec(),
          ...[1, 8, 32, 128, 512].map((rows) => mlpSpec({ rows, name: `mlp-b${rows}` })),
          mlpSpec({ rows: 256, sizes: DEEP_SIZES, name: "deep-b256" }),
          mlpSpec({ rows: 128, dtype: "float64", name: "mlp-f64-b128" }),
        ];
    for (const spec of specs) {
      log(`workload ${spec.name} …`);
      const small = spec.name === "xor" || spec.name === "spirals";
      const opts: MeasureOptions = small
        ? quick ? { warmupSteps: 10, stepsPerRound: 10, rounds: 3 } : { warmupSteps: 200, warmupMs: 1000, stepsPerRound: 100, rounds: 7 }
        : roundsFor(spec.flopsPerStep, quick);
      workloads[spec.name] = await runWorkload(spec, backends, peers, opts, quick);
    }

    const pspec: PredictSpec = { sizes: MLP_SIZES, samples: quick ? 1000 : 20_000, batch: 1000 };
    log(`predict ${pspec.samples} samples …`);
    const pFlops = 2 * pspec.samples * (784 * 512 + 512 * 512 + 512 * 10);
    workloads.predict = await measureRow(
      `MLP ${MLP_SIZES.join("-")} inference, ${pspec.samples} samples in batches of ${pspec.batch}`,
      "ksamples/s",
      { flopsPerStep: pFlops, samplesPerStep: pspec.samples },
      [
        withThreads(typegradPredict(pspec), defaultThreads, "typegrad"),
        ...(defaultThreads < 2 ? [] : [withThreads(typegradPredict(pspec), 1, "typegrad-1t")]),
        ...(await Promise.all(backends.filter((b) => b !== "cpu" || pFlops <= tfjsCpuMaxFlops(quick)).map((b) => tfjsPredict(pspec, b)))),
        ...(await Promise.all(peers.map((p) => p.contender(`torch-${p.info.threads}t`, torchPredictSpec(pspec))))),
      ],
      quick ? { warmupSteps: 1, stepsPerRound: 1, rounds: 2 } : { warmupSteps: 1, stepsPerRound: 1, rounds: 5 },
    );

    for (const n of quick ? [64] : [256, 512, 1024, 2048]) {
      log(`matmul ${n}² NN …`);
      const flop = 2 * n ** 3;
      workloads[`matmul-${n}`] = await measureRow(
        `matmul ${n}×${n} · ${n}×${n}, float32`,
        "GFLOP/s",
        { flopsPerStep: flop },
        [
          withThreads(kernelContender("typegrad", gemmWasm, "NN", n, n, n), defaultThreads, "typegrad"),
          ...(defaultThreads < 2 ? [] : [withThreads(kernelContender("typegrad-1t", gemmWasm, "NN", n, n, n), 1, "typegrad-1t")]),
          ...backends.filter((b) => b === "wasm").map((b) => tfjsMatmul(b, "NN", n, n, n)),
          ...(await Promise.all(peers.map((p) => p.contender(`torch-${p.info.threads}t`, { kind: "matmul", size: n, variant: "NN" })))),
        ],
        roundsFor(flop, quick),
      );
    }
  } finally {
    for (const p of peers) p.close();
  }

  setNumThreads(defaultThreads);
  const size = quick ? 128 : 512;
  const gflops = {} as Record<Variant, Record<string, number>>;
  const ratio = {} as Record<Variant, number>;
  for (const variant of ["NN", "NT", "TN"] as const) {
    log(`matmul ${size}³ ${variant} …`);
    gflops[variant] = await matmulThroughput(variant, size, backends, quick ? { warmupSteps: 1, stepsPerRound: 1, rounds: 2 } : { warmupSteps: 3, stepsPerRound: 3, rounds: 5 });
    ratio[variant] = gflops[variant]["typegrad-wasm"] / gflops[variant]["tfjs-wasm"];
  }
  const shapes: [number, number, number][] = quick
    ? [[4, 4, 4], [8, 8, 8], [32, 64, 64]]
    : [[2, 2, 2], [4, 4, 4], [4, 8, 2], [6, 8, 4], [8, 8, 8], [16, 16, 16], [32, 3, 64], [32, 64, 2], [32, 64, 64], [64, 64, 64]];
  log("crossover …");
  const cross = await crossover(shapes, quick ? { warmupSteps: 20, stepsPerRound: 50, rounds: 3 } : { warmupSteps: 500, stepsPerRound: 500, rounds: 7 });
  if (!quick) log("memory: 10 000 spirals steps …");

  const results: BenchResults = {
    date: new Date().toISOString(),
    mode: quick ? "quick" : "full",
    machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, memoryGiB: totalmem() / 2 ** 30, platform: process.platform, arch: process.arch },
    node: process.version,
    versions: Object.fromEntries(
      ["@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-cpu", "@tensorflow/tfjs-backend-wasm", "assemblyscript"].map((p) => [p, packageVersion(p)]),
    ),
    kernels: kernelInfo(),
    tfjsBackends: backends,
    torch: torchResult,
    workloads,
    matmul: { size, gflops, ratioToTfjsWasm: ratio },
    crossover: cross,
    memory: quick ? null : memoryRun(),
    tfjsTensorsLeft: tf.memory().numTensors,
  };
  if (options.out !== null) writeFileSync(options.out, JSON.stringify(results, null, 2) + "\n");
  return results;
}
