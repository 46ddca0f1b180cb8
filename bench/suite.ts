/**
 * The benchmark suite behind `npm run bench`: typegrad against TensorFlow.js (CPU and
 * WASM backends) in one process, alternating, after a warm-up, medians reported.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { enableWasmKernels, kernelInfo, type KernelInfo } from "../src/kernels/wasm.js";
import { crossover, matmulThroughput, type CrossoverRow, type Variant } from "./gemm.js";
import { measureAlternating, type MeasureOptions } from "./harness.js";
import { initTfjs, tf } from "./tfjs-setup.js";
import { mlpSpec, spiralsSpec, tfjsContender, typegradContender, typegradModel, xorSpec, type WorkloadSpec } from "./workloads.js";

/** Options of {@link runBenchmark}. */
export interface BenchOptions {
  /** Seconds instead of a minute or two: fewer rounds, smaller matmuls, no memory run. */
  quick: boolean;
  /** Where to write the JSON results; null for nowhere. */
  out: string | null;
  /** Receives progress lines. */
  log?: (line: string) => void;
}

/** One training workload's result: medians per step (ms) and accuracies per contender. */
export interface WorkloadResult {
  msPerStep: Record<string, number>;
  accuracy: Record<string, number>;
  gflops: Record<string, number>;
  /** typegrad's time per step divided by the faster tfjs backend's (lower is better). */
  ratioToBestTfjs: number;
  bestTfjs: string;
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

async function runWorkload(spec: WorkloadSpec, backends: readonly ("cpu" | "wasm")[], options: MeasureOptions): Promise<WorkloadResult> {
  const model = typegradModel(spec);
  // tfjs starts from typegrad's initial weights, copied before typegrad trains.
  const tfjsSide = await Promise.all(backends.map((b) => tfjsContender(spec, b, model)));
  const contenders = [typegradContender(spec, model), ...tfjsSide];
  const ms = Object.fromEntries(await measureAlternating(contenders, options));
  const accuracy: Record<string, number> = {};
  if (spec.all !== null) {
    for (const c of contenders) {
      await c.enter?.();
      accuracy[c.name] = c.accuracy();
    }
  }
  for (const c of tfjsSide) c.dispose();
  const gflops = Object.fromEntries(Object.entries(ms).map(([name, t]) => [name, spec.flopsPerStep / t / 1e6]));
  let bestTfjs = "";
  for (const c of tfjsSide) if (bestTfjs === "" || ms[c.name] < ms[bestTfjs]) bestTfjs = c.name;
  return { msPerStep: ms, accuracy, gflops, ratioToBestTfjs: ms.typegrad / ms[bestTfjs], bestTfjs };
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
  log(`kernels: ${kernelInfo().active}${wasmOn ? "" : ` (${kernelInfo().wasmError ?? ""})`}`);
  const backends = await initTfjs();
  log(`tfjs backends: ${backends.join(", ")}`);

  const small: MeasureOptions = quick ? { warmupSteps: 10, stepsPerRound: 10, rounds: 3 } : { warmupSteps: 200, warmupMs: 1000, stepsPerRound: 100, rounds: 7 };
  const big: MeasureOptions = quick ? { warmupSteps: 1, stepsPerRound: 1, rounds: 2 } : { warmupSteps: 3, stepsPerRound: 3, rounds: 5 };
  const workloads: Record<string, WorkloadResult> = {};
  for (const spec of [xorSpec(), spiralsSpec(), mlpSpec()]) {
    log(`workload ${spec.name} …`);
    workloads[spec.name] = await runWorkload(spec, backends, spec.name === "mlp" ? big : small);
  }

  const size = quick ? 128 : 512;
  const gflops = {} as Record<Variant, Record<string, number>>;
  const ratio = {} as Record<Variant, number>;
  for (const variant of ["NN", "NT", "TN"] as const) {
    log(`matmul ${size}³ ${variant} …`);
    gflops[variant] = await matmulThroughput(variant, size, backends, big);
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
    workloads,
    matmul: { size, gflops, ratioToTfjsWasm: ratio },
    crossover: cross,
    memory: quick ? null : memoryRun(),
    tfjsTensorsLeft: tf.memory().numTensors,
  };
  if (options.out !== null) writeFileSync(options.out, JSON.stringify(results, null, 2) + "\n");
  return results;
}
