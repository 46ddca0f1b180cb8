/**
 * Thread threshold tuning: MLP 784-512-512-10 SGD steps at several batch sizes, 1 thread vs
 * the default, interleaved. `tsx bench/tune-threads.ts` (not part of `npm run bench`).
 */
import { enableWasmKernels, setNumThreads, kernelInfo } from "../src/kernels/wasm.js";

enableWasmKernels();
import { Dense } from "../src/layers/dense.js";
import { Sequential } from "../src/layers/sequential.js";
import { crossEntropyLoss } from "../src/losses/cross-entropy.js";
import { SGD } from "../src/optim/sgd.js";
import { generator } from "../src/tensor/random.js";
import { Tensor } from "../src/tensor/tensor.js";

const batches = (process.argv[2] ?? "1,8,16,32,64,128").split(",").map(Number);
const threads = [1, 2];
for (const batch of batches) {
  const rng = generator(1);
  const model = new Sequential(new Dense(784, 512, { activation: "relu", rng }), new Dense(512, 512, { activation: "relu", rng }), new Dense(512, 10, { rng }));
  const opt = new SGD(model.parameters(), { lr: 0.01 });
  const x = new Tensor(Float32Array.from({ length: batch * 784 }, () => rng.uniform()), [batch, 784]);
  const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
  const step = (): void => {
    opt.zeroGrad();
    crossEntropyLoss(model.forward(x), labels).backward();
    opt.step();
  };
  const reps = Math.max(5, Math.round(400 / batch));
  const times: Record<number, number[]> = { 1: [], 2: [] };
  for (let round = 0; round < 7; round++) {
    for (const t of threads) {
      setNumThreads(t);
      step();
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) step();
      times[t].push((performance.now() - t0) / reps);
    }
  }
  const med = (a: number[]): number => a.sort((p, q) => p - q)[a.length >> 1];
  console.log(`batch ${batch}: 1t ${med(times[1]).toFixed(3)} ms, 2t ${med(times[2]).toFixed(3)} ms, speed-up ${(med(times[1]) / med(times[2])).toFixed(2)} (min work ${kernelInfo().threadMinWork})`);
}
