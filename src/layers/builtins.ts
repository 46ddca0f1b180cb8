import { registerBatchNorm1d } from "./batch-norm.js";
import { registerDense } from "./dense.js";
import { registerDropout } from "./dropout.js";
import { registerEmbedding } from "./embedding.js";
import { registerFlatten } from "./flatten.js";
import { registerKAN } from "./kan.js";
import { registerKANLinear } from "./kan-linear.js";
import { registerLayerNorm } from "./layer-norm.js";
import { registerSequential } from "./sequential.js";

let registered = false;

/**
 * Registers typegrad's layer types (`BUILTIN_LAYER_TYPES` in `spec.ts`) with the spec
 * registry, once. The registry calls it at its first lookup, never at load time: so a
 * browser bundle that trains but never rebuilds a model from a spec leaves out the layers
 * it does not use (KAN, Embedding, the normalisation layers) and the schemas.
 */
export function registerBuiltinLayers(): void {
  if (registered) return;
  registered = true;
  registerSequential();
  registerDense();
  registerDropout();
  registerFlatten();
  registerKANLinear();
  registerKAN();
  registerEmbedding();
  registerLayerNorm();
  registerBatchNorm1d();
}
