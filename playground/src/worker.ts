// The training worker: owns the Trainer, trains while playing, and posts a snapshot to the
// page at a steady rate (SNAPSHOT_MS) however many steps run in between.
import { kernelInfo } from "typegrad";
import type { FromWorker, Snapshot, ToWorker } from "./protocol.js";
import { importCheckpoint, Trainer } from "./trainer.js";

/** Time between snapshots while playing. */
const SNAPSHOT_MS = 40;
/** Longest stretch of training between two looks at the message queue. */
const SLICE_MS = 12;

const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};

let trainer: Trainer | null = null;
let generation = 0;
let playing = false;
let lastSnapshot = 0;
let scheduled = false;
const channel = new MessageChannel();

function kernels(): { active: string; note: string } {
  const info = kernelInfo();
  return { active: info.active, note: info.wasmError ?? "" };
}

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

function sendSnapshot(): void {
  if (trainer === null) return;
  const snapshot: Snapshot = trainer.snapshot(generation, playing, kernels());
  const transfer: Transferable[] = [snapshot.output.buffer as ArrayBuffer];
  for (const layer of snapshot.neurons) for (const map of layer) transfer.push(map.buffer as ArrayBuffer);
  post(snapshot, transfer);
  lastSnapshot = performance.now();
}

/** One slice of training, then yield (through a MessageChannel, which has no timer clamp). */
function loop(): void {
  scheduled = false;
  if (!playing || trainer === null) return;
  const start = performance.now();
  try {
    do trainer.trainStep();
    while (performance.now() - start < SLICE_MS);
  } catch (error) {
    playing = false;
    post({ type: "error", message: (error as Error).message });
  }
  if (performance.now() - lastSnapshot >= SNAPSHOT_MS || !playing) sendSnapshot();
  schedule();
}

function schedule(): void {
  if (scheduled || !playing) return;
  scheduled = true;
  channel.port2.postMessage(null);
}
channel.port1.onmessage = loop;

function reply(id: number, run: () => Omit<Extract<FromWorker, { type: "reply"; ok: true }>, "type" | "id" | "ok">): void {
  try {
    const value = run();
    const transfer = value.bytes ? [value.bytes.buffer as ArrayBuffer] : [];
    post({ type: "reply", id, ok: true, ...value }, transfer);
  } catch (error) {
    post({ type: "reply", id, ok: false, error: (error as Error).message });
  }
}

function need(): Trainer {
  if (trainer === null) throw new Error("the network is not built yet");
  return trainer;
}

scope.onmessage = (event) => {
  const msg = event.data;
  switch (msg.type) {
    case "reset":
      try {
        trainer = new Trainer(msg.state);
        generation = msg.generation;
        sendSnapshot();
      } catch (error) {
        playing = false;
        post({ type: "error", message: (error as Error).message });
      }
      return;
    case "update":
      trainer?.update(msg.state);
      return;
    case "play":
      playing = true;
      schedule();
      return;
    case "pause":
      playing = false;
      sendSnapshot();
      return;
    case "step":
      reply(msg.id, () => {
        const t = need();
        if (msg.steps !== undefined) t.runSteps(msg.steps);
        if (msg.epochs !== undefined) t.runEpochs(msg.epochs);
        sendSnapshot();
        return { value: { step: t.step, epoch: t.epoch, ...t.losses() } };
      });
      return;
    case "setWeight":
      reply(msg.id, () => {
        need().setWeight(msg.layer, msg.unit, msg.input, msg.value);
        sendSnapshot();
        return {};
      });
      return;
    case "kanGridUpdate":
      reply(msg.id, () => {
        need().kanGridUpdate();
        sendSnapshot();
        return {};
      });
      return;
    case "export":
      reply(msg.id, () => {
        const t = need();
        return { bytes: msg.format === "onnx" ? t.exportOnnx() : t.exportSafetensors() };
      });
      return;
    case "import":
      reply(msg.id, () => {
        const next = importCheckpoint(msg.bytes, "the loaded file", need().state);
        trainer = next;
        playing = false;
        generation = msg.generation;
        sendSnapshot();
        return { state: next.state };
      });
      return;
    case "predict":
      reply(msg.id, () => ({ value: Array.from(need().predict(msg.xs, msg.ys)) }));
      return;
  }
};
