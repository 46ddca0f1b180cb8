import { Dense } from "../../src/layers/dense.js";
import { Sequential } from "../../src/layers/sequential.js";
import { mseLoss } from "../../src/losses/mse.js";
import { Adam } from "../../src/optim/adam.js";
import { randn } from "../../src/tensor/creation.js";
import { Generator } from "../../src/tensor/random.js";

/**
 * The model, optimiser and batch of the crash test (test/io-crash.test.ts): big enough
 * (≈ 50 000 parameters, ≈ 200 kB per file) that a save takes a while and a SIGKILL lands
 * inside one; every step is deterministic, so step s has exactly one correct state.
 */
export function crashSetup(): { model: Sequential; optimizer: Adam; step: () => void } {
  const rng = new Generator("crash");
  const model = new Sequential(new Dense(32, 512, { activation: "tanh", rng }), new Dense(512, 64, { rng }));
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const x = randn([16, 32], { rng: new Generator(1) });
  const y = randn([16, 64], { rng: new Generator(2) });
  const step = (): void => {
    optimizer.zeroGrad();
    mseLoss(model.forward(x), y).backward();
    optimizer.step();
  };
  return { model, optimizer, step };
}
