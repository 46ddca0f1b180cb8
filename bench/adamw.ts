/**
 * AdamW `opt.step()` on the float32 MLP 784-512-512-10 (670 k parameters): the WebAssembly
 * kernel `adamGeneral` against the TypeScript loop it replaced (the kernel method stubbed to
 * decline, so the dispatcher falls back to `adamGeneralReference`, as before it), interleaved.
 * `tsx bench/adamw.ts` (not part of `npm run bench`; about 10 s).
 */
import { enableWasmKernels, kernelInfo } from "../src/kernels/wasm.js";
import { WasmKernelModule } from "../src/kernels/wasm-module.js";
import { Dense } from "../src/layers/dense.js";
import { Sequential } from "../src/layers/sequential.js";
import { crossEntropyLoss } from "../src/losses/cross-entropy.js";
import { AdamW } from "../src/optim/adam.js";
import { generator } from "../src/tensor/random.js";
import { Tensor } from "../src/tensor/tensor.js";

enableWasmKernels();
const proto = WasmKernelModule.prototype as unknown as Record<string, (...args: unknown[]) => boolean>;
const kernel = proto.adamGeneral;
const med = (a: number[]): number => [...a].sort((p, q) => p - q)[a.length >> 1];
for (const amsgrad of [false, true]) {
  const rng = generator(1);
  const model = new Sequential(
    new Dense(784, 512, { activation: "relu", rng }),
    new Dense(512, 512, { activation: "relu", rng }),
    new Dense(512, 10, { rng }),
  );
  const params = model.parameters();
  const opt = new AdamW(params, { lr: 1e-4, amsgrad });
  const x = new Tensor(Float32Array.from({ length: 128 * 784 }, () => rng.uniform()), [128, 784]);
  crossEntropyLoss(model.forward(x), Int32Array.from({ length: 128 }, (_, i) => i % 10)).backward();
  const times: Record<string, number[]> = { wasm: [], ts: [] };
  for (let round = 0; round < 7; round++) {
    for (const mode of ["wasm", "ts"] as const) {
      proto.adamGeneral = mode === "wasm" ? kernel : () => false;
      opt.step();
      const t0 = performance.now();
      for (let i = 0; i < 20; i++) opt.step();
      times[mode].push((performance.now() - t0) / 20);
    }
  }
  proto.adamGeneral = kernel;
  const n = params.reduce((s, p) => s + p.size, 0);
  console.log(
    `AdamW${amsgrad ? " amsgrad" : ""} float32, ${n} parameters (${params[0].data.buffer instanceof SharedArrayBuffer ? "resident" : "ordinary"} arrays): ` +
      `opt.step() TypeScript loop ${med(times.ts).toFixed(2)} ms → WebAssembly ${med(times.wasm).toFixed(2)} ms (${(med(times.ts) / med(times.wasm)).toFixed(1)}×, threads ${kernelInfo().threads})`,
  );
}
