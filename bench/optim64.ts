/**
 * float64 optimiser step: MLP 784-512-512-10 (float64), batch 128, `opt.step()` alone and the
 * whole training step, with the WebAssembly float64 kernels (`adamStep64`, `rmspropStep64`) and
 * with the TypeScript loops they replaced (the kernel methods stubbed to decline, so the
 * dispatcher falls back to the reference, as before them), interleaved.
 * `tsx bench/optim64.ts` (not part of `npm run bench`; about 20 s).
 */
import { enableWasmKernels, kernelInfo } from "../src/kernels/wasm.js";
import { WasmKernelModule } from "../src/kernels/wasm-module.js";
import { Dense } from "../src/layers/dense.js";
import { Sequential } from "../src/layers/sequential.js";
import { crossEntropyLoss } from "../src/losses/cross-entropy.js";
import { Adam } from "../src/optim/adam.js";
import { RMSprop } from "../src/optim/rmsprop.js";
import { generator } from "../src/tensor/random.js";
import { Tensor } from "../src/tensor/tensor.js";

enableWasmKernels();
const proto = WasmKernelModule.prototype as unknown as Record<string, (...args: unknown[]) => boolean>;
const kernelMethods = { adamGroup: proto.adamGroup, rmsprop: proto.rmsprop };
function useKernels(on: boolean): void {
  for (const [name, method] of Object.entries(kernelMethods)) proto[name] = on ? method : () => false;
}

const batch = 128;
const med = (a: number[]): number => [...a].sort((p, q) => p - q)[a.length >> 1];
for (const name of ["Adam", "RMSprop"] as const) {
  const rng = generator(1);
  const model = new Sequential(
    new Dense(784, 512, { activation: "relu", rng, dtype: "float64" }),
    new Dense(512, 512, { activation: "relu", rng, dtype: "float64" }),
    new Dense(512, 10, { rng, dtype: "float64" }),
  );
  const params = model.parameters();
  const opt = name === "Adam" ? new Adam(params, { lr: 1e-4 }) : new RMSprop(params, { lr: 1e-4 });
  const x = new Tensor(Float64Array.from({ length: batch * 784 }, () => rng.uniform()), [batch, 784]);
  const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
  const forwardBackward = (): void => {
    opt.zeroGrad();
    crossEntropyLoss(model.forward(x), labels).backward();
  };
  forwardBackward();
  const stepTimes: Record<string, number[]> = { wasm: [], ts: [] };
  const trainTimes: Record<string, number[]> = { wasm: [], ts: [] };
  for (let round = 0; round < 7; round++) {
    for (const mode of ["wasm", "ts"] as const) {
      useKernels(mode === "wasm");
      opt.step();
      let t0 = performance.now();
      for (let i = 0; i < 20; i++) opt.step();
      stepTimes[mode].push((performance.now() - t0) / 20);
      t0 = performance.now();
      for (let i = 0; i < 5; i++) {
        forwardBackward();
        opt.step();
      }
      trainTimes[mode].push((performance.now() - t0) / 5);
    }
  }
  useKernels(true);
  const n = params.reduce((s, p) => s + p.size, 0);
  console.log(
    `${name} float64, ${n} parameters: opt.step() TypeScript loop ${med(stepTimes.ts).toFixed(2)} ms → WebAssembly ${med(stepTimes.wasm).toFixed(2)} ms ` +
      `(${(med(stepTimes.ts) / med(stepTimes.wasm)).toFixed(1)}×); whole step batch ${batch}: ${med(trainTimes.ts).toFixed(1)} → ${med(trainTimes.wasm).toFixed(1)} ms ` +
      `(threads ${kernelInfo().threads})`,
  );
}
