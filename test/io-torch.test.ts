import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ReLU } from "../src/activations/modules-relu.js";
import { Tanh } from "../src/activations/modules.js";
import { saveModel } from "../src/io/checkpoint-file.js";
import { BatchNorm1d } from "../src/layers/batch-norm.js";
import { Dense } from "../src/layers/dense.js";
import { LayerNorm } from "../src/layers/layer-norm.js";
import { Sequential } from "../src/layers/sequential.js";
import { randn } from "../src/tensor/creation.js";
import { generator } from "../src/tensor/random.js";
import { predict } from "../src/train/predict.js";

// Debian's python3-torch lives under /usr/bin/python3; other pythons rarely have torch.
const PYTHON = ["/usr/bin/python3", "python3"].find(
  (p) => spawnSync(p, ["-c", "import torch"], { stdio: "ignore" }).status === 0,
);

describe("PyTorch interoperability", () => {
  it.skipIf(PYTHON === undefined)(
    "torch.nn.Sequential loads a saved model with load_state_dict(strict=True) and computes the same outputs (skipped without torch)",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "typegrad-torch-"));
      const path = join(dir, "model.safetensors");
      const model = new Sequential(
        new Dense(2, 16, { rng: generator(1) }),
        new ReLU(),
        new Dense(16, 8, { rng: generator(2) }),
        new Tanh(),
        new Dense(8, 3, { rng: generator(3) }),
      );
      const x = randn([5, 2], { rng: generator(4) });
      saveModel(model, path);
      const expected = Array.from(predict(model, x).data);
      // A reader written from the safetensors layout (the safetensors package is not needed).
      const script = `
import json, struct, sys, torch
b = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8 + n]); h.pop('__metadata__', None)
data = bytearray(b[8 + n:])
sd = {k: torch.frombuffer(data[v['data_offsets'][0]:v['data_offsets'][1]], dtype={'F32': torch.float32, 'F64': torch.float64}[v['dtype']]).reshape(v['shape']).clone() for k, v in h.items()}
net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
net.load_state_dict(sd, strict=True)
x = torch.tensor(json.loads(sys.argv[2]), dtype=torch.float32)
print(json.dumps(net(x).detach().reshape(-1).tolist()))
`;
      const result = spawnSync(PYTHON!, ["-c", script, path, JSON.stringify(x.toArray())], { encoding: "utf8" });
      expect(result.stderr).toBe("");
      const actual = JSON.parse(result.stdout) as number[];
      expect(actual).toHaveLength(expected.length);
      actual.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(1e-5));
    },
  );

  it.skipIf(PYTHON === undefined)(
    "LayerNorm and BatchNorm1d load into torch with strict=True: same outputs in eval and in train mode, same running statistics after a training forward (skipped without torch)",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "typegrad-torch-"));
      const path = join(dir, "model.safetensors");
      const model = new Sequential(
        new Dense(3, 8, { rng: generator(1) }),
        new BatchNorm1d(8),
        new ReLU(),
        new Dense(8, 6, { rng: generator(2) }),
        new LayerNorm(6, { eps: 1e-4 }),
        new Tanh(),
        new Dense(6, 2, { rng: generator(3) }),
        new BatchNorm1d(2, { momentum: null }),
      );
      // Non-trivial running statistics and affine parameters.
      for (let k = 0; k < 3; k++) model.forward(randn([7, 3], { rng: generator(10 + k) }));
      for (const p of model.parameters()) for (let i = 0; i < p.size; i++) p.data[i] += 0.05 * Math.sin(i + p.size);
      saveModel(model, path);
      const x = randn([5, 3], { rng: generator(4) });
      const evalOut = Array.from(predict(model, x).data);
      model.train();
      const trainOut = Array.from(model.forward(x).data);
      const stats = model.namedBuffers().flatMap(([, t]) => Array.from(t.data));
      const script = `
import json, struct, sys, torch
b = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8 + n]); h.pop('__metadata__', None)
data = bytearray(b[8 + n:])
sd = {k: torch.frombuffer(data[v['data_offsets'][0]:v['data_offsets'][1]], dtype={'F32': torch.float32, 'F64': torch.float64}[v['dtype']]).reshape(v['shape']).clone() for k, v in h.items()}
nn = torch.nn
net = nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 6), nn.LayerNorm(6, eps=1e-4), nn.Tanh(), nn.Linear(6, 2), nn.BatchNorm1d(2, momentum=None))
net.load_state_dict(sd, strict=True)
x = torch.tensor(json.loads(sys.argv[2]), dtype=torch.float32)
net.eval()
with torch.no_grad():
    e = net(x).reshape(-1).tolist()
    net.train()
    t = net(x).reshape(-1).tolist()
stats = [v for k, b in net.named_buffers() for v in b.reshape(-1).tolist()]
print(json.dumps([e, t, stats]))
`;
      const result = spawnSync(PYTHON!, ["-c", script, path, JSON.stringify(x.toArray())], { encoding: "utf8" });
      expect(result.stderr).toBe("");
      const [e, t, s] = JSON.parse(result.stdout) as number[][];
      const near = (a: number[], b: number[], tol: number): void => {
        expect(a).toHaveLength(b.length);
        a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(tol * (1 + Math.abs(b[i]))));
      };
      near(e, evalOut, 1e-5);
      near(t, trainOut, 1e-5);
      near(s, stats, 1e-5);
    },
  );
});
