// Web Worker entry of the thread check.
import { runThreads } from "./threads.js";

const scope = globalThis as unknown as { onmessage: (() => void) | null; postMessage(message: unknown): void };
scope.onmessage = () => {
  runThreads().then(
    (report) => scope.postMessage({ report }),
    (e: unknown) => scope.postMessage({ error: (e as Error).stack ?? String(e) }),
  );
};
