/**
 * PyTorch as a peer of the benchmark: `bench/torch_peer.py` runs in a child process (one per
 * thread count, started with OMP/OpenBLAS/MKL thread counts set), serving JSON requests line
 * by line. Its rounds are timed inside Python and interleaved with typegrad's and tfjs's by
 * {@link measureAlternating}, so load drift hits every contender alike. When `/usr/bin/python3`
 * (or `--python`) cannot import torch, the peer is skipped and the reason is reported.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { Contender } from "./harness.js";

/** The default interpreter: Debian's, where `python3-torch` installs. */
export const DEFAULT_PYTHON = "/usr/bin/python3";

/** What the child reports when it starts. */
export interface TorchInfo {
  torch: string;
  threads: number;
  /** The BLAS library torch loaded (path, and OpenBLAS's config string when it is OpenBLAS). */
  blas: string;
}

type Reply = { ok: true; ms?: number; torch?: string; threads?: number; blas?: string } | { ok: false; error: string };

/** One running PyTorch child at a fixed thread count. */
export class TorchPeer {
  private readonly pending: ((reply: Reply) => void)[] = [];
  private nextId = 0;
  private closed = false;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly info: TorchInfo,
  ) {}

  /**
   * Starts the peer with `threads` threads.
   *
   * @returns the peer, or the reason it is unavailable (no interpreter, no torch, timeout)
   */
  static start(threads: number, python = DEFAULT_PYTHON, timeoutMs = 120_000): Promise<TorchPeer | string> {
    const script = fileURLToPath(new URL("./torch_peer.py", import.meta.url));
    const n = String(threads);
    const env = { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n, TYPEGRAD_TORCH_THREADS: n };
    return new Promise((resolve) => {
      let child: ChildProcessWithoutNullStreams;
      try {
        child = spawn(python, [script], { env, stdio: ["pipe", "pipe", "pipe"] });
      } catch (e) {
        resolve(`${python}: ${(e as Error).message}`);
        return;
      }
      let settled = false;
      let peer: TorchPeer | null = null;
      const settle = (value: TorchPeer | string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (typeof value === "string") child.kill();
        resolve(value);
      };
      const timer = setTimeout(() => settle(`${python} did not answer within ${timeoutMs / 1000} s`), timeoutMs);
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
      child.on("error", (e) => settle(`${python}: ${e.message}`));
      child.on("exit", (code) => {
        if (peer !== null) peer.closed = true;
        for (const p of peer?.pending.splice(0) ?? []) p({ ok: false, error: `python exited (${code}): ${stderr.trim()}` });
        settle(`${python} exited with code ${code}${stderr.trim() === "" ? "" : `: ${stderr.trim().split("\n").pop()}`}`);
      });
      const lines = createInterface({ input: child.stdout });
      lines.on("line", (line) => {
        let reply: Reply;
        try {
          reply = JSON.parse(line) as Reply;
        } catch {
          return; // not a protocol line (a library printing to stdout)
        }
        if (peer === null) {
          if (!reply.ok) return settle(`torch is not importable: ${reply.error}`);
          peer = new TorchPeer(child, { torch: reply.torch ?? "?", threads: reply.threads ?? threads, blas: reply.blas ?? "?" });
          return settle(peer);
        }
        peer.pending.shift()?.(reply);
      });
    });
  }

  private request(message: Record<string, unknown>): Promise<Reply & { ok: true }> {
    if (this.closed) return Promise.reject(new Error("torch peer: the process has exited"));
    return new Promise((resolve, reject) => {
      this.pending.push((r) => (r.ok ? resolve(r) : reject(new Error(`torch peer: ${r.error}`))));
      this.child.stdin.write(JSON.stringify(message) + "\n");
    });
  }

  /**
   * Builds a workload in the child (see `torch_peer.py` for the kinds) and returns a
   * contender whose rounds run there. Call `dispose()` to free it in the child.
   */
  async contender(name: string, spec: Record<string, unknown>): Promise<Contender & { dispose(): Promise<void> }> {
    const id = `w${this.nextId++}`;
    await this.request({ op: "setup", id, ...spec });
    return {
      name,
      step: () => {
        throw new Error("torch peer: a round runs in Python (use runRound)");
      },
      runRound: async (steps: number) => (await this.request({ op: "run", id, steps })).ms ?? NaN,
      dispose: async () => {
        await this.request({ op: "drop", id });
      },
    };
  }

  /** Ends the child. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.child.stdin.end();
    this.child.kill();
  }
}
