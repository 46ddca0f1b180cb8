import { describe, expect, it } from "vitest";
import { adamGroupReference } from "../src/kernels/adam.js";
import { setKernels, typescriptKernels } from "../src/kernels/index.js";
import { rmspropReference, sgdReference, type RmspropScalars, type SgdScalars } from "../src/kernels/optim.js";
import { adamGroupWasm, enableWasmKernels, kernelInfo, rmspropWasm, sgdWasm, WASM_OPTIM_MIN_SIZE, wasmKernels } from "../src/kernels/wasm.js";
import { Dense } from "../src/layers/dense.js";
import { Sequential } from "../src/layers/sequential.js";
import { crossEntropyLoss } from "../src/losses/cross-entropy.js";
import { Adam } from "../src/optim/adam.js";
import { RMSprop } from "../src/optim/rmsprop.js";
import { SGD } from "../src/optim/sgd.js";
import { generator } from "../src/tensor/random.js";
import { Tensor } from "../src/tensor/tensor.js";

const wasmOn = enableWasmKernels();
const SIZES = [1, 3, 17, 64, 513];

/** Random float32 values with the awkward ones mixed in: ±0, tiny, huge, subnormal. */
function values(n: number, seed: number, scale = 1): Float32Array {
  const rng = generator(seed);
  const a = new Float32Array(n);
  const special = [0, -0, 1e-30, -1e-30, 1e-40, 3e4, -3e4];
  for (let i = 0; i < n; i++) a[i] = i % 11 === 5 ? special[i % special.length] : (rng.uniform() * 2 - 1) * scale;
  return a;
}

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer.slice(0));

describe.skipIf(!wasmOn)("optimiser kernels: WebAssembly bit for bit the TypeScript reference", () => {
  const sgdCases: SgdScalars[] = [
    { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
    { lr: 0.01, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.05 },
    { lr: 0.03, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0 },
    { lr: 0.03, momentum: 0.9, dampening: 0.1, nesterov: false, weightDecay: 1e-3 },
    { lr: 0.03, momentum: 0.5, dampening: 0, nesterov: true, weightDecay: 1e-2 },
  ];
  for (const o of sgdCases) {
    it(`SGD ${JSON.stringify(o)} over a group of sizes ${SIZES.join(", ")}, 3 steps`, () => {
      const make = () => SIZES.map((n, j) => ({ theta: values(n, 10 + j), g: values(n, 20 + j, 0.5), b: o.momentum !== 0 ? new Float32Array(n) : null }));
      const ref = make();
      const wasm = make();
      expect(SIZES.reduce((a, b) => a + b)).toBeGreaterThanOrEqual(WASM_OPTIM_MIN_SIZE);
      for (let step = 0; step < 3; step++) {
        sgdReference(ref.map((s) => ({ ...s, first: step === 0 })), o);
        sgdWasm(wasm.map((s) => ({ ...s, first: step === 0 })), o);
      }
      for (let j = 0; j < SIZES.length; j++) {
        expect(bits(wasm[j].theta)).toEqual(bits(ref[j].theta));
        if (ref[j].b !== null) expect(bits(wasm[j].b as Float32Array)).toEqual(bits(ref[j].b as Float32Array));
      }
    });
  }

  const rmsCases: RmspropScalars[] = [
    { lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0, centered: false, weightDecay: 0 },
    { lr: 0.01, alpha: 0.9, eps: 1e-6, momentum: 0.9, centered: false, weightDecay: 1e-2 },
    { lr: 0.01, alpha: 0.3, eps: 1e-8, momentum: 0, centered: true, weightDecay: 0 },
    { lr: 0.02, alpha: 0.99, eps: 1e-8, momentum: 0.5, centered: true, weightDecay: 1e-3 },
  ];
  for (const o of rmsCases) {
    it(`RMSprop ${JSON.stringify(o)} over a group of sizes ${SIZES.join(", ")}, 3 steps`, () => {
      const make = () =>
        SIZES.map((n, j) => ({
          theta: values(n, 30 + j),
          g: values(n, 40 + j, 0.5),
          v: new Float32Array(n),
          gAvg: o.centered ? new Float32Array(n) : null,
          b: o.momentum > 0 ? new Float32Array(n) : null,
        }));
      const ref = make();
      const wasm = make();
      for (let step = 0; step < 3; step++) {
        rmspropReference(ref, o);
        rmspropWasm(wasm, o);
      }
      for (let j = 0; j < SIZES.length; j++) {
        for (const key of ["theta", "v", "gAvg", "b"] as const) {
          const r = ref[j][key];
          if (r !== null) expect(bits(wasm[j][key] as Float32Array), `${key} of parameter ${j}`).toEqual(bits(r));
        }
      }
    });
  }

  it(`Adam's plain update over a group of sizes ${SIZES.join(", ")}, 3 steps`, () => {
    const make = () => SIZES.map((n, j) => ({ theta: values(n, 50 + j), g: values(n, 60 + j, 0.5), m: new Float32Array(n), v: new Float32Array(n) }));
    const ref = make();
    const wasm = make();
    for (let t = 1; t <= 3; t++) {
      const args = [0.9, 0.999, 1e-3 / (1 - 0.9 ** t), Math.sqrt(1 - 0.999 ** t), 1e-8] as const;
      adamGroupReference(ref, ...args);
      adamGroupWasm(wasm, ...args);
    }
    for (let j = 0; j < SIZES.length; j++) {
      for (const key of ["theta", "m", "v"] as const) expect(bits(wasm[j][key]), `${key} of parameter ${j}`).toEqual(bits(ref[j][key]));
    }
  });

  /** Seeded training of a small MLP; returns every parameter's bits after `steps` steps. */
  function train(optimizer: "sgd" | "rmsprop" | "adam", steps: number): Uint32Array[] {
    const rng = generator(5);
    const model = new Sequential(new Dense(13, 33, { activation: "relu", rng }), new Dense(33, 5, { rng }));
    const params = model.parameters();
    const opt =
      optimizer === "sgd"
        ? new SGD(params, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })
        : optimizer === "adam"
          ? new Adam(params, { lr: 0.01 })
          : new RMSprop(params, { lr: 0.01, momentum: 0.5, centered: true, weightDecay: 1e-4 });
    const x = new Tensor(values(8 * 13, 6), [8, 13]);
    const labels = Int32Array.from({ length: 8 }, (_, i) => i % 5);
    for (let t = 0; t < steps; t++) {
      opt.zeroGrad();
      crossEntropyLoss(model.forward(x), labels).backward();
      opt.step();
    }
    return params.map((p) => bits(p.data as Float32Array));
  }

  for (const optimizer of ["sgd", "rmsprop", "adam"] as const) {
    it(`seeded ${optimizer} training is bit-identical with the WebAssembly and the TypeScript optimiser kernel`, () => {
      // Only the optimiser's kernel differs (the products run in WebAssembly both times).
      const previous = setKernels({ ...wasmKernels, sgd: typescriptKernels.sgd, rmsprop: typescriptKernels.rmsprop, adamGroup: typescriptKernels.adamGroup });
      let ts: Uint32Array[];
      try {
        ts = train(optimizer, 20);
      } finally {
        setKernels(previous);
      }
      setKernels(wasmKernels);
      expect(kernelInfo().active).toBe("wasm-simd");
      expect(train(optimizer, 20)).toEqual(ts);
    });
  }

  it("float64 parameters and small groups take the TypeScript loop with the same result", () => {
    const o: SgdScalars = { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0.01 };
    const theta = Float64Array.from([1, -2, 3]);
    const seg = { theta, g: Float64Array.from([0.5, 0.25, -1]), b: new Float64Array(3), first: true };
    sgdWasm([seg], o);
    // b = g + λθ; θ − lr·b
    expect(Array.from(theta)).toEqual([1 - 0.1 * (0.5 + 0.01 * 1), -2 - 0.1 * (0.25 + 0.01 * -2), 3 - 0.1 * (-1 + 0.01 * 3)]);
  });
});
