// The typegrad training script plus ONNX export (bench/bundle-size.ts): what ONNX export adds.
import { Adam, crossEntropyLoss, Dense, exportOnnx, fit, Sequential, spirals } from "typegrad";

const data = spirals({ seed: 0 });
const model = new Sequential(new Dense(2, 64, { activation: "relu" }), new Dense(64, 64, { activation: "relu" }), new Dense(64, 3));
fit(model, data, { loss: crossEntropyLoss, optimizer: new Adam(model.parameters(), { lr: 0.01 }), epochs: 50, verbose: 0 });
console.log(exportOnnx(model, { inputShape: [null, 2] }).length);
