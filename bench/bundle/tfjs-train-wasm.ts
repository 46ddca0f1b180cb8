// The same training script as a TensorFlow.js user writes it (bench/bundle-size.ts): core +
// layers + the WebAssembly backend (its .wasm file is served next to the bundle).
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { layers, sequential } from "@tensorflow/tfjs-layers";

const n = 300;
const x = tf.randomNormal([n, 2]);
const y = tf.oneHot(tf.randomUniform([n], 0, 3, "int32"), 3);
const model = sequential({
  layers: [layers.dense({ inputShape: [2], units: 64, activation: "relu" }), layers.dense({ units: 64, activation: "relu" }), layers.dense({ units: 3 })],
});
model.compile({ optimizer: tf.train.adam(0.01), loss: tf.losses.softmaxCrossEntropy, metrics: ["accuracy"] });
setWasmPaths("./");
await tf.setBackend("wasm");
const history = await model.fit(x, y, { epochs: 50, batchSize: 32, verbose: 0 });
console.log(history.history.acc?.at(-1));
