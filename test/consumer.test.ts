import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumerLock } from "./helpers/offline-lock.js";

// typegrad as a new user gets it: `npm pack` of this checkout, then a throw-away project with
// `"type": "commonjs"` (what `npm init -y` writes) installs the tarball, without the
// registry (`npm ci --offline`, from the cache `npm ci` filled), and uses it from
// require(), from `npx tsx`, from an ES module, and through a browser bundler.

const root = join(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "typegrad-consumer-"));
const project = join(dir, "project");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const npx = process.platform === "win32" ? "npx.cmd" : "npx";
let install: SpawnSyncReturns<string>;
let tarballName: string;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(command: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    cwd: project,
    encoding: "utf8",
    env: { ...process.env, npm_config_offline: "true", npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" },
  });
}

const TRAIN = `
const data = tg.xor();
const model = new tg.Sequential(new tg.Dense(2, 8, { activation: "tanh", rng: tg.generator(0) }), new tg.Dense(8, 1, { rng: tg.generator(1) }));
const history = tg.fit(model, data, { loss: tg.bceWithLogitsLoss, optimizer: new tg.Adam(model.parameters(), { lr: 0.05 }), epochs: 150, batchSize: 4, seed: 0, verbose: 0 });
const accuracy = tg.evaluate(model, data, { loss: tg.bceWithLogitsLoss, metrics: ["binaryAccuracy"] }).binaryAccuracy;
const again = tg.deserializeModel(tg.serializeModel(model));
console.log(JSON.stringify({ kernels: tg.kernelInfo().active, accuracy, epochs: history.loss.length, layers: again.children().length }));
`;
const EXPECTED = { kernels: "wasm-simd", accuracy: 1, epochs: 150, layers: 2 };

/**
 * A copy of what `npm pack` reads (sources, scripts, manifests; node_modules linked), so the
 * real `npm pack` (prepare builds dist/, prepack/postpack strip the scripts) runs without
 * rewriting this checkout's dist/ or package.json while other tests read them.
 */
function checkoutCopy(): string {
  const copy = join(dir, "checkout");
  mkdirSync(copy);
  for (const name of ["package.json", "package-lock.json", ".gitignore", "README.md", "tsconfig.json", "tsconfig.build.json", "src", "assembly", "scripts"]) {
    cpSync(join(root, name), join(copy, name), { recursive: true });
  }
  symlinkSync(join(root, "node_modules"), join(copy, "node_modules"), "dir");
  return copy;
}

/** Why the project could not be set up: every test then fails with it, none is skipped. */
let setupError: Error | null = null;

function ready(): void {
  if (setupError !== null) throw setupError;
}

function setUp(): void {
  execFileSync(npm, ["pack", "--pack-destination", dir], { cwd: checkoutCopy(), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  tarballName = readdirSync(dir).filter((f) => /^typegrad-.*\.tgz$/.test(f))[0];
  mkdirSync(project);
  const tarball = readFileSync(join(dir, tarballName));
  writeFileSync(join(project, tarballName), tarball);
  const integrity = `sha512-${createHash("sha512").update(tarball).digest("base64")}`;
  const { lock, devDependencies } = consumerLock(root, tarballName, integrity, ["tsx"]);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", version: "1.0.0", type: "commonjs", dependencies: { typegrad: `file:${tarballName}` }, devDependencies }, null, 2),
  );
  writeFileSync(join(project, "package-lock.json"), JSON.stringify(lock, null, 2));
  install = run(npm, ["ci", "--offline"]);
}

beforeAll(() => {
  try {
    setUp();
  } catch (e) {
    setupError = e as Error;
  }
}, 300_000);

describe("a CommonJS project installing the packed tarball", () => {
  it("installs offline, with no install script of typegrad to approve", () => {
    ready();
    expect(install.status, install.stderr).toBe(0);
    expect(install.stderr).not.toMatch(/typegrad@/);
    const pkg = JSON.parse(readFileSync(join(project, "node_modules", "typegrad", "package.json"), "utf8")) as { scripts?: object };
    expect(pkg.scripts).toBeUndefined();
    expect(readdirSync(join(project, "node_modules", "typegrad")).sort()).toEqual(["README.md", "dist", "package.json", "src"]);
  });

  it('require("typegrad") trains, on the WebAssembly kernels, with nothing on stderr', () => {
    ready();
    writeFileSync(join(project, "train.js"), `const tg = require("typegrad");\n${TRAIN}`);
    const result = run(process.execPath, ["train.js"]);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual(EXPECTED);
  });

  it("npx tsx train.ts imports it and trains", () => {
    ready();
    writeFileSync(join(project, "train.ts"), `import * as tg from "typegrad";\n${TRAIN}`);
    const result = run(npx, ["--offline", "tsx", "train.ts"]);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual(EXPECTED);
  });

  it("an ES module (.mjs) in the same project imports it and trains", () => {
    ready();
    writeFileSync(join(project, "train.mjs"), `import * as tg from "typegrad";\n${TRAIN}`);
    const result = run(process.execPath, ["train.mjs"]);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual(EXPECTED);
  });

  it("npx tsx runs an ES-module TypeScript file (.mts) too", () => {
    ready();
    writeFileSync(join(project, "train.mts"), `import * as tg from "typegrad";\n${TRAIN}`);
    const result = run(npx, ["--offline", "tsx", "train.mts"]);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual(EXPECTED);
  });

  it('"typegrad/relaxed-simd" loads from require() and from an ES module: off without relaxed SIMD, on with it', () => {
    ready();
    const body = `
const on = enableRelaxedSimd();
const info = tg.kernelInfo();
console.log(JSON.stringify({ on, gemmKernel: info.gemmKernel, relaxed: info.relaxedSimdError === null, active: info.active }));
`;
    writeFileSync(join(project, "relaxed.js"), `const tg = require("typegrad");\nconst { enableRelaxedSimd } = require("typegrad/relaxed-simd");\n${body}`);
    writeFileSync(join(project, "relaxed.mjs"), `import * as tg from "typegrad";\nimport { enableRelaxedSimd } from "typegrad/relaxed-simd";\n${body}`);
    const plain = { on: false, gemmKernel: "f32x4 mul+add", relaxed: false, active: "wasm-simd" };
    const relaxed = { on: true, gemmKernel: "f32x4.relaxed_madd", relaxed: true, active: "wasm-simd" };
    for (const file of ["relaxed.js", "relaxed.mjs"]) {
      const without = run(process.execPath, [file]);
      expect(without.stderr, file).toBe("");
      // Node 20 has relaxed SIMD only behind the flag; a later Node may have it by default.
      expect([plain, relaxed], file).toContainEqual(JSON.parse(without.stdout));
      const withFlag = run(process.execPath, ["--experimental-wasm-relaxed-simd", file]);
      expect(withFlag.stderr, file).toBe("");
      expect(JSON.parse(withFlag.stdout), file).toEqual(relaxed);
    }
  });

  it("its types check in a browser app without @types/node and in a CommonJS Node app with them (skipLibCheck off)", () => {
    ready();
    const app = `import { Adam, crossEntropyLoss, Dense, deserializeModel, fit, kernelInfo, Sequential, serializeModel, spirals, type Module } from "typegrad";
import { enableRelaxedSimd } from "typegrad/relaxed-simd";
const model: Module = new Sequential(new Dense(2, 8, { activation: "relu" }), new Dense(8, 3));
const out: string[] = [];
fit(model, spirals({ seed: 0 }), { loss: crossEntropyLoss, optimizer: new Adam(model.parameters()), epochs: 1, progressStream: { write: (t: string) => out.push(t) } });
const bytes: Uint8Array = serializeModel(model);
export const again: Module = deserializeModel(bytes);
export const relaxed: boolean = enableRelaxedSimd() && kernelInfo().gemmKernel === "f32x4.relaxed_madd";
`;
    writeFileSync(join(project, "app.ts"), app);
    const common = { strict: true, noEmit: true, target: "es2022", skipLibCheck: false, types: [] as string[] };
    writeFileSync(
      join(project, "tsconfig.browser.json"),
      JSON.stringify({ compilerOptions: { ...common, lib: ["ES2022", "DOM"], module: "esnext", moduleResolution: "bundler" }, files: ["app.ts"] }),
    );
    writeFileSync(
      join(project, "tsconfig.node.json"),
      JSON.stringify({
        compilerOptions: { ...common, lib: ["ES2022"], module: "nodenext", moduleResolution: "nodenext", typeRoots: [join(root, "node_modules", "@types")], types: ["node"] },
        files: ["app.ts"],
      }),
    );
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    for (const config of ["tsconfig.browser.json", "tsconfig.node.json"]) {
      const result = run(process.execPath, [tsc, "-p", config]);
      expect(result.stdout + result.stderr, config).toBe("");
      expect(result.status, config).toBe(0);
    }
  });

  it("a browser bundle of the installed package has no Node built-in and no Node-only package", async () => {
    ready();
    writeFileSync(join(project, "page.js"), `import * as tg from "typegrad";\n${TRAIN}`);
    const result = await build({
      entryPoints: [join(project, "page.js")],
      absWorkingDir: project,
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((f) => f.startsWith("node_modules/typegrad/dist/"))).toBe(true);
    expect(inputs.filter((f) => f.startsWith("node:") || f.includes("cli-progress"))).toEqual([]);
    // The relaxed-SIMD kernels come only with "typegrad/relaxed-simd".
    expect(inputs.filter((f) => f.includes("relaxed"))).toEqual([]);
  });
});
