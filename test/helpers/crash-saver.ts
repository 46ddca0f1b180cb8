// The child process of test/io-crash.test.ts: resumes the pair at argv[2] (if any), then
// trains one step and saves model + optimiser, forever, until it is SIGKILLed. It prints
// "ready <step>" after its first save.
import { existsSync } from "node:fs";
import { loadCheckpoint, saveModel } from "../../src/io/checkpoint-file.js";
import { crashSetup } from "./crash-model.js";

const path = process.argv[2];
const { model, optimizer, step } = crashSetup();
if (existsSync(path)) loadCheckpoint(model, path, { optimizer });
for (let first = true; ; first = false) {
  step();
  saveModel(model, path, { optimizer });
  if (first) process.stdout.write(`ready ${optimizer.stepCount}\n`);
}
