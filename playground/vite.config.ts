import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

/**
 * Stand-ins for the Node built-ins that today's typegrad entry still imports (file I/O,
 * cli-progress): the page never calls them, but the browser must be able to load the
 * modules that import them. They go away when the package's browser entry reaches no
 * Node built-in.
 */
const SHIMS: Record<string, string> = {
  events: "module.exports = class EventEmitter { on() { return this; } off() { return this; } once() { return this; } emit() { return false; } removeAllListeners() { return this; } };",
  readline: "module.exports = {};",
  "node:fs": [
    'const unavailable = (name) => () => { throw new Error(`node:fs ${name} is not available in the browser`); };',
    'export const readFileSync = unavailable("readFileSync");',
    'export const writeFileSync = unavailable("writeFileSync");',
    "export const existsSync = () => false;",
    'export const openSync = unavailable("openSync");',
    'export const writeSync = unavailable("writeSync");',
    'export const fsyncSync = unavailable("fsyncSync");',
    'export const closeSync = unavailable("closeSync");',
    'export const renameSync = unavailable("renameSync");',
    'export const unlinkSync = unavailable("unlinkSync");',
    'export const rmSync = unavailable("rmSync");',
    'export const mkdirSync = unavailable("mkdirSync");',
    "export default {};",
  ].join("\n"),
  "node:crypto": [
    'export const createHash = () => { throw new Error("node:crypto createHash is not available in the browser"); };',
    'export const randomBytes = () => { throw new Error("node:crypto randomBytes is not available in the browser"); };',
    "export default {};",
  ].join("\n"),
  "node:path": [
    'export const basename = (p) => p.slice(p.lastIndexOf("/") + 1);',
    'export const dirname = (p) => p.slice(0, Math.max(0, p.lastIndexOf("/"))) || ".";',
    'export const join = (...parts) => parts.join("/");',
    "export default {};",
  ].join("\n"),
};

function nodeShims(): Plugin {
  const prefix = "\0playground-shim:";
  return {
    name: "playground-node-shims",
    enforce: "pre",
    resolveId(id) {
      return id in SHIMS ? prefix + id : null;
    },
    load(id) {
      return id.startsWith(prefix) ? SHIMS[id.slice(prefix.length)] : null;
    },
  };
}

export default defineConfig({
  root,
  base: "./",
  plugins: [nodeShims()],
  // The dev server pre-bundles CommonJS dependencies (cli-progress) apart from the plugins above.
  optimizeDeps: { rolldownOptions: { plugins: [nodeShims()] } },
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
  worker: { format: "es", plugins: () => [nodeShims()] },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 1500 },
});
