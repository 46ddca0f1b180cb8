// The package.json that `npm pack` / `npm publish` put in the tarball, without the scripts,
// which only make sense in this repository (they run its sources, tests and examples). `prepare` compiles assembly/ and src/ (run by
// `npm ci` here); in a consumer's project the tarball already holds dist/, and npm would
// list a `prepare` script among the install scripts to approve (and warn). So:
//
//   prepack:  npm run build && node scripts/pack-manifest.mjs strip
//             builds dist/ (npm reads the manifest after prepack, so it would not run the
//             stripped `prepare`), saves package.json, writes it without "scripts"
//   postpack: node scripts/pack-manifest.mjs restore  puts the saved package.json back
//
// `strip` first restores a copy left behind by an interrupted pack, so the repository's
// package.json is never lost.

import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const manifest = join(root, "package.json");
const saved = join(root, "build", "package.json.before-pack");

const command = process.argv[2];
if (command === "strip") {
  if (existsSync(saved)) renameSync(saved, manifest);
  mkdirSync(dirname(saved), { recursive: true }); // npm runs prepack before prepare, which makes build/
  copyFileSync(manifest, saved);
  const text = readFileSync(manifest, "utf8");
  const pkg = JSON.parse(text);
  delete pkg.scripts;
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (command === "restore") {
  if (existsSync(saved)) renameSync(saved, manifest);
} else {
  console.error("usage: node scripts/pack-manifest.mjs strip|restore");
  process.exit(1);
}
