import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

/**
 * The playground imports typegrad by its package name (the repository's own package, through
 * package.json "exports", whose "browser" condition Vite picks), exactly as a user's app does.
 * `base: "./"` makes every URL in the built site relative, so any static server can host it.
 */
export default defineConfig({
  root,
  base: "./",
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
  worker: { format: "es" },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
});
