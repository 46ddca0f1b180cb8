import { loadModel, predict, saveModel, type Module, type Tensor } from "../../src/index.js";

/**
 * Saves `model` to `path`, loads it back with `loadModel`, and measures the largest
 * difference between the two models' predictions on `x` (0 when the round trip is exact).
 */
export function checkpointRoundTrip(model: Module, path: string, x: Tensor): { reloaded: Module; maxDiff: number } {
  saveModel(model, path);
  const reloaded = loadModel(path);
  const before = predict(model, x).data;
  const after = predict(reloaded, x).data;
  let maxDiff = 0;
  for (let i = 0; i < before.length; i++) maxDiff = Math.max(maxDiff, Math.abs(before[i] - after[i]));
  return { reloaded, maxDiff };
}
