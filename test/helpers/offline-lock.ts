// A package-lock.json for a throw-away consumer project, so `npm ci --offline` installs it
// from the npm cache alone (no registry): every dependency entry is copied, with its version
// and integrity, from this repository's lockfile, whose tarballs `npm ci` put in the cache.
import { readFileSync } from "node:fs";
import { join } from "node:path";

interface LockEntry {
  version?: string;
  integrity?: string;
  resolved?: string;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  peer?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** The location npm resolves `name` to from the package at `from` (nested node_modules first, then up the tree). */
function locate(packages: Record<string, LockEntry>, from: string, name: string): string | null {
  let base = from;
  for (;;) {
    const candidate = base === "" ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (base === "") return null;
    const cut = base.lastIndexOf("/node_modules/");
    base = cut < 0 ? "" : base.slice(0, cut);
  }
}

/** Every lockfile location reachable from `start` (dependencies and installed optional dependencies). */
function closure(packages: Record<string, LockEntry>, start: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...start];
  while (queue.length > 0) {
    const at = queue.pop() as string;
    if (seen.has(at)) continue;
    seen.add(at);
    const entry = packages[at];
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      const found = locate(packages, at, name);
      if (found !== null) queue.push(found);
      else if (entry.dependencies?.[name] !== undefined) throw new Error(`offline-lock: ${name} (needed by ${at || "the root"}) is not in package-lock.json`);
    }
  }
  return seen;
}

/**
 * The lockfile of a consumer whose `dependencies` are `typegrad` from `tarball` (a path
 * relative to the consumer, with its sha512 `integrity`) and whose `devDependencies` are
 * `devPackages` at this repository's versions.
 */
export function consumerLock(root: string, tarball: string, integrity: string, devPackages: string[]): { lock: object; devDependencies: Record<string, string> } {
  const repo = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string; dependencies: Record<string, string>; license: string; engines: object };
  const packages = repo.packages;
  const prodRoots = Object.keys(manifest.dependencies).map((name) => `node_modules/${name}`);
  const devRoots = devPackages.map((name) => `node_modules/${name}`);
  const prod = closure(packages, prodRoots);
  const dev = closure(packages, devRoots);
  const devDependencies = Object.fromEntries(devPackages.map((name) => [name, packages[`node_modules/${name}`].version as string]));
  const out: Record<string, LockEntry> = {
    "": { name: "consumer", version: "1.0.0", dependencies: { typegrad: `file:${tarball}` }, devDependencies },
    "node_modules/typegrad": {
      version: manifest.version,
      resolved: `file:${tarball}`,
      integrity,
      license: manifest.license,
      dependencies: manifest.dependencies,
      engines: manifest.engines,
    },
  };
  for (const location of [...prod, ...dev].sort()) {
    const { dev: _d, devOptional: _o, peer: _p, ...entry } = packages[location];
    out[location] = prod.has(location) ? entry : { ...entry, dev: true };
  }
  return { lock: { name: "consumer", version: "1.0.0", lockfileVersion: 3, requires: true, packages: out }, devDependencies };
}
