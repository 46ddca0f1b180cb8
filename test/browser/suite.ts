// The program the browser tests run in Chromium, in a page and in a Web Worker (and that
// bench/browser.ts times). It imports the package's entry point (src/index.ts, compiled to
// dist/index.js, the `browser` export); the test bundles it with esbuild for the browser.
// Everything is seeded, so every run gives the same numbers.
import {
  Adam,
  bceWithLogitsLoss,
  crossEntropyLoss,
  Dense,
  deserializeCheckpoint,
  deserializeModel,
  evaluate,
  fit,
  generator,
  gradcheck,
  kernelInfo,
  predict,
  randn,
  saveModel,
  Sequential,
  serializeModel,
  serializeOptimizer,
  spirals,
  Swish,
  tensor,
  xor,
  type KernelInfo,
} from "../../src/index.js";

/** What one run reports back to the test. */
export interface SuiteReport {
  where: string;
  kernels: KernelInfo;
  xorAccuracy: number;
  spiralsAccuracy: number;
  /** Mean wall time of one spirals training step (forward, backward, Adam), in ms. */
  spiralsStepMs: number;
  spiralsSteps: number;
  gradcheck: boolean;
  /** Predictions of the round-tripped model equal the trained model's, bit for bit. */
  roundTripIdentical: boolean;
  /** Training continues bit-identically from model + optimiser bytes. */
  resumeIdentical: boolean;
  /** The spirals model's checkpoint bytes, base64 (the test loads them in Node). */
  modelBase64: string;
  /** The model's float32 predictions on `probe()`, as the bits of each value. */
  probeBits: number[];
  /** What saveModel says where there is no file system. */
  saveModelError: string;
  /** Lines fit printed with its default progress output (the console here). */
  progressLines: number;
}

/** The points the page and Node both predict on. */
export function probe(): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < 16; i++) rows.push([Math.cos(i) * (i / 16), Math.sin(i) * (i / 16)]);
  return rows;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The spirals model of the test (and of bench/browser.ts). */
export function spiralsModel(): Sequential {
  return new Sequential(
    new Dense(2, 64, { activation: "relu", rng: generator(1) }),
    new Dense(64, 64, { activation: "relu", rng: generator(2) }),
    new Dense(64, 3, { rng: generator(3) }),
  );
}

/** Trains the spirals model; returns it with its accuracy and the mean step time. */
export function trainSpirals(epochs = 60): { model: Sequential; accuracy: number; stepMs: number; steps: number } {
  const data = spirals({ seed: 0 });
  const model = spiralsModel();
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  let steps = 0;
  const started = performance.now();
  fit(model, data, {
    loss: crossEntropyLoss, optimizer, epochs, batchSize: 32, seed: 0, verbose: 0,
    callbacks: [{ onBatchEnd: () => void steps++ }],
  });
  const stepMs = (performance.now() - started) / steps;
  const accuracy = evaluate(model, data, { loss: crossEntropyLoss, metrics: ["accuracy"] }).accuracy;
  return { model, accuracy, stepMs, steps };
}

export function runSuite(where: string): SuiteReport {
  const kernels = kernelInfo();

  // XOR: a 2-8-1 tanh network to 100 %, with fit's default progress output (verbose 1).
  const data = xor();
  const net = new Sequential(new Dense(2, 8, { activation: "tanh", rng: generator(0) }), new Dense(8, 1, { rng: generator(1) }));
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(" "));
  try {
    fit(net, data, { loss: bceWithLogitsLoss, optimizer: new Adam(net.parameters(), { lr: 0.05 }), epochs: 150, batchSize: 4, seed: 0 });
  } finally {
    console.log = log;
  }
  const xorAccuracy = evaluate(net, data, { loss: bceWithLogitsLoss, metrics: ["binaryAccuracy"] }).binaryAccuracy;

  const spiral = trainSpirals();

  // gradcheck through a Dense + Swish (trainable β) model in float64, parameters included.
  const checked = new Sequential(new Dense(3, 4, { rng: generator(4) }), new Swish({ trainable: true }), new Dense(4, 2, { rng: generator(5) })).to("float64");
  const ok = gradcheck((x) => checked.forward(x), [randn([5, 3], { dtype: "float64", rng: generator(6) })], { params: checked.parameters() });

  // Bytes round trip, and training resumed from model + optimiser bytes.
  const bytes = serializeModel(spiral.model);
  const again = deserializeModel(bytes, { source: where });
  const x = tensor(probe());
  const before = predict(spiral.model, x).data as Float32Array;
  const after = predict(again, x).data as Float32Array;
  const roundTripIdentical = before.length === after.length && before.every((v, i) => Object.is(v, after[i]));

  const small = spirals({ seed: 1, pointsPerClass: 30 });
  const a = spiralsModel();
  const optA = new Adam(a.parameters(), { lr: 0.01 });
  const opts = { loss: crossEntropyLoss, epochs: 2, batchSize: 16, seed: 2, verbose: 0 } as const;
  fit(a, small, { ...opts, optimizer: optA });
  const aBytes = serializeModel(a);
  const optBytes = serializeOptimizer(optA, aBytes);
  const b = spiralsModel();
  const optB = new Adam(b.parameters(), { lr: 0.5 });
  deserializeCheckpoint(b, aBytes, { optimizer: optB, optimizerBytes: optBytes });
  const lossA = fit(a, small, { ...opts, optimizer: optA }).loss;
  const lossB = fit(b, small, { ...opts, optimizer: optB }).loss;
  const resumeIdentical = lossA.every((v, i) => Object.is(v, lossB[i]));

  let saveModelError = "";
  try {
    saveModel(spiral.model, "model.safetensors");
  } catch (e) {
    saveModelError = (e as Error).message;
  }

  return {
    where,
    kernels,
    xorAccuracy,
    spiralsAccuracy: spiral.accuracy,
    spiralsStepMs: spiral.stepMs,
    spiralsSteps: spiral.steps,
    gradcheck: ok,
    roundTripIdentical,
    resumeIdentical,
    modelBase64: toBase64(bytes),
    probeBits: [...new Uint32Array(before.buffer, before.byteOffset, before.length)],
    saveModelError,
    progressLines: lines.length,
  };
}
