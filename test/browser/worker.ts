// Entry of the test Worker: runs the suite when asked and posts the report back.
import { runSuite } from "./suite.js";

const scope = globalThis as unknown as {
  onmessage: (() => void) | null;
  postMessage(message: unknown): void;
};
scope.onmessage = () => {
  try {
    scope.postMessage({ report: runSuite("worker") });
  } catch (e) {
    scope.postMessage({ error: (e as Error).stack ?? String(e) });
  }
};
