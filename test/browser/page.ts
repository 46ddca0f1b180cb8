// Entry of the test page: exposes the suite to the test, in the page and in a module Worker.
import { runSuite, type SuiteReport } from "./suite.js";

interface WorkerLike {
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { message: string }) => void) | null;
  postMessage(message: unknown): void;
}
declare const Worker: new (url: string, options: { type: "module" }) => WorkerLike;

(globalThis as { typegradTests?: object }).typegradTests = {
  page: (): SuiteReport => runSuite("page"),
  worker: (): Promise<SuiteReport> =>
    new Promise((resolve, reject) => {
      const worker = new Worker("./worker.js", { type: "module" });
      worker.onmessage = (event) => {
        const data = event.data as { report?: SuiteReport; error?: string };
        if (data.error !== undefined) reject(new Error(`in the worker: ${data.error}`));
        else resolve(data.report as SuiteReport);
      };
      worker.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
      worker.postMessage("run");
    }),
};
