// Node ESM resolve hook for tfjs-core's `dist/` ES modules, which use extension-less
// relative imports (written for bundlers): "./ops/add" → "./ops/add.js", and a directory
// import with a same-named file ("./gradients") → the file. Only specifiers imported from
// inside @tensorflow/tfjs-core/dist are touched. Registered by bench/tfjs-setup.ts, to
// load `register_all_gradients.js`, which tfjs-core's Node bundle does not include (the
// @tensorflow/tfjs umbrella package normally imports it).
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL ?? "";
  if (parent.includes("/@tensorflow/tfjs-core/dist/") && specifier.startsWith(".") && !specifier.endsWith(".js")) {
    const asFile = new URL(`${specifier}.js`, parent);
    if (existsSync(fileURLToPath(asFile))) return nextResolve(asFile.href, context);
    const asDir = new URL(`${specifier}/index.js`, parent);
    if (existsSync(fileURLToPath(asDir)) && statSync(fileURLToPath(asDir)).isFile()) return nextResolve(asDir.href, context);
  }
  return nextResolve(specifier, context);
}
