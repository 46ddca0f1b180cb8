import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consumerLock } from "./helpers/offline-lock.js";

// typegrad as a new user gets it: `npm pack` here, then a throw-away project with
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

beforeAll(() => {
  // The real `npm pack` (prepare builds dist/; prepack/postpack strip the scripts).
  const packed = execFileSync(npm, ["pack", "--json", "--pack-destination", dir], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  tarballName = (JSON.parse(packed) as { filename: string }[])[0].filename;
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
}, 300_000);

describe("a CommonJS project installing the packed tarball", () => {
  it("installs offline, with no install script of typegrad to approve", () => {
    expect(install.status, install.stderr).toBe(0);
    expect(install.stderr).not.toMatch(/typegrad@/);
    const pkg = JSON.parse(readFileSync(join(project, "node_modules", "typegrad", "package.json"), "utf8")) as { scripts?: object };
    expect(pkg.scripts).toBeUndefined();
    expect(readdirSync(join(project, "node_modules", "typegrad")).sort()).toEqual(["README.md", "dist", "package.json", "src"]);
  });

  it('require("typegrad") trains, on the WebAssembly kernels, with nothing on stderr', () => {
    writeFileSync(join(project, "train.js"), `const tg = require("typegrad");\n${TRAIN}`);
    const result = run(process.execPath, ["train.js"]);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual(EXPECTED);
  });

  it("npx tsx train.ts imports it and trains", () => {
    writeFileSync(join(project, "train.ts"), `import * as tg from "typegrad";\n${TRAIN}`);
    const result = run(npx, ["--offline", "tsx", "train.ts"]);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual(EXPECTED);
  });

  it("an ES module (.mjs) in the same project imports it and trains", () => {
    writeFileSync(join(project, "train.mjs"), `import * as tg from "typegrad";\n${TRAIN}`);
    const result = run(process.execPath, ["train.mjs"]);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual(EXPECTED);
  });

  it("a browser bundle of the installed package has no Node built-in and no Node-only package", async () => {
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
  });
});
