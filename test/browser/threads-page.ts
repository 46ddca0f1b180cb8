// Page entry of the thread check: runs it on the page's main thread, or in a module Web Worker.
import { runThreads, type ThreadsReport } from "./threads.js";

interface WorkerLike {
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { message: string }) => void) | null;
  postMessage(message: unknown): void;
}
declare const Worker: new (url: string, options: { type: "module" }) => WorkerLike;

(globalThis as { typegradThreads?: object }).typegradThreads = {
  page: (): Promise<ThreadsReport> => runThreads(),
  worker: (): Promise<ThreadsReport> =>
    new Promise((resolve, reject) => {
      const worker = new Worker("./threads-worker.js", { type: "module" });
      worker.onmessage = (event) => {
        const data = event.data as { report?: ThreadsReport; error?: string };
        if (data.error !== undefined) reject(new Error(`in the worker: ${data.error}`));
        else resolve(data.report as ThreadsReport);
      };
      worker.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
      worker.postMessage("run");
    }),
};
