// Run by test/kernels-relaxed.test.ts in a child Node process (with or without
// --experimental-wasm-relaxed-simd): prints the relaxed kernels' report as JSON.
import { relaxedChecks } from "./relaxed-checks.js";

console.log(JSON.stringify(relaxedChecks()));
