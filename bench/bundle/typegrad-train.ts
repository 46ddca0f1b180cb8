// The small training script of the bundle-size comparison (bench/bundle-size.ts), typegrad side.
import { Adam, crossEntropyLoss, Dense, fit, Sequential, spirals } from "typegrad";

const data = spirals({ seed: 0 });
const model = new Sequential(new Dense(2, 64, { activation: "relu" }), new Dense(64, 64, { activation: "relu" }), new Dense(64, 3));
const history = fit(model, data, { loss: crossEntropyLoss, optimizer: new Adam(model.parameters(), { lr: 0.01 }), epochs: 50, metrics: ["accuracy"], verbose: 0 });
console.log(history.metrics.accuracy.at(-1));
