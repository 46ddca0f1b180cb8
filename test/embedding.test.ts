import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { Embedding, generator, gradcheck, gradgradcheck, moduleFromSpec, noGrad, Sequential, tensor } from "../src/index.js";

const f64 = { dtype: "float64" as const };
const PYTHON = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", "import torch"], { stdio: "ignore" }).status === 0);

describe("Embedding", () => {
  it("looks rows up: [...indices.shape, embeddingDim], from int or float indices", () => {
    const emb = new Embedding(5, 3, { rng: generator(1), ...f64 });
    const w = emb.weight.toArray() as number[][];
    const y = emb.forward(tensor([[1, 4], [1, 0]]));
    expect(y.shape).toEqual([2, 2, 3]);
    expect(y.toArray()).toEqual([[w[1], w[4]], [w[1], w[0]]]);
    expect(emb.forward(new Int32Array([2])).toArray()).toEqual([w[2]]);
    expect(emb.forward([3, 3]).shape).toEqual([2, 3]);
  });

  it("initialises N(0, 1) as PyTorch, the padding row to zeros; seeded", () => {
    const emb = new Embedding(2000, 8, { rng: generator(3), paddingIdx: -1 });
    const d = Array.from(emb.weight.data.subarray(0, 1999 * 8));
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const variance = d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
    expect(emb.paddingIdx).toBe(1999);
    expect(Array.from(emb.weight.data.subarray(1999 * 8))).toEqual(new Array(8).fill(0));
    expect(Array.from(new Embedding(4, 2, { rng: generator(3) }).weight.data)).toEqual(Array.from(new Embedding(4, 2, { rng: generator(3) }).weight.data));
  });

  it("float64 gradcheck and gradgradcheck w.r.t. the weight, repeated indices", () => {
    const emb = new Embedding(4, 3, { rng: generator(2), ...f64 });
    const idx = tensor([[0, 2, 2], [3, 0, 1]]);
    const fn = () => emb.forward(idx).square().sum();
    expect(gradcheck(() => emb.forward(idx).mul(emb.forward(idx)), [], { params: emb.parameters() })).toBe(true);
    expect(gradgradcheck(() => emb.forward(idx).square(), [], { params: emb.parameters() })).toBe(true);
    fn().backward();
    expect(emb.weight.grad).not.toBeNull();
  });

  it("the padding row gets no gradient, as PyTorch", () => {
    const emb = new Embedding(3, 2, { paddingIdx: 0, rng: generator(4), ...f64 });
    noGrad(() => emb.weight.fill_(1));
    emb.forward([0, 1, 0, 2, 1]).sum().backward();
    expect(Array.from(emb.weight.grad!.data)).toEqual([0, 0, 2, 2, 1, 1]);
    expect(emb.forward([0]).toArray()).toEqual([[1, 1]]); // the row itself is still looked up
  });

  it("parameter names, spec and state-dict round trip", () => {
    const model = new Sequential(new Embedding(6, 4, { paddingIdx: 2, rng: generator(5) }));
    expect(model.namedParameters().map(([n]) => n)).toEqual(["0.weight"]);
    const rebuilt = moduleFromSpec(JSON.parse(JSON.stringify(model.spec())));
    rebuilt.loadStateDict(model.stateDict());
    expect(rebuilt.forward(tensor([2, 5])).toArray()).toEqual(model.forward(tensor([2, 5])).toArray());
  });

  it("errors name the argument and value", () => {
    expect(() => new Embedding(0, 3)).toThrow("Embedding: numEmbeddings must be an integer ≥ 1, got 0");
    expect(() => new Embedding(3, 2.5)).toThrow("Embedding: embeddingDim must be an integer ≥ 1, got 2.5");
    expect(() => new Embedding(3, 2, { paddingIdx: 3 })).toThrow("Embedding: paddingIdx must be an integer in [-3, 3), got 3");
    expect(() => new Embedding(3, 2, { padding_idx: 0 } as never)).toThrow("Embedding: unknown option padding_idx; known: paddingIdx, rng, dtype (did you mean paddingIdx?)");
    expect(() => new Embedding({ numEmbeddings: 3 } as never, 2)).toThrow("Embedding: numEmbeddings must be an integer ≥ 1, got an object");
    const emb = new Embedding(3, 2);
    expect(() => emb.forward(tensor([0, 3]))).toThrow("Embedding: index 3 at flat position 1 (indices of shape [2]) is not an integer in [0, 3)");
    expect(() => emb.forward(tensor([0.5]))).toThrow("Embedding: index 0.5 at flat position 0 (indices of shape [1]) is not an integer in [0, 3)");
    expect(() => emb.forward("1" as never)).toThrow("Embedding: indices must be a Tensor, a number[] or an Int32Array, got string");
  });

  it.skipIf(PYTHON === undefined)("torch.nn.Embedding loads the state dict with strict=True and gives the same rows (skipped without torch)", () => {
    const emb = new Embedding(5, 3, { paddingIdx: 1, rng: generator(6) });
    const sd = emb.stateDict();
    const script = `
import json, sys, torch
w = torch.tensor(json.loads(sys.argv[1]), dtype=torch.float32)
m = torch.nn.Embedding(5, 3, padding_idx=1)
m.load_state_dict({"weight": w}, strict=True)
print(json.dumps(m(torch.tensor([[4, 1], [0, 4]])).detach().reshape(-1).tolist()))
`;
    const keys = Object.keys(sd);
    expect(keys).toEqual(["weight"]);
    const result = spawnSync(PYTHON!, ["-c", script, JSON.stringify(sd.weight.toArray())], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual(Array.from(emb.forward(tensor([[4, 1], [0, 4]])).data));
  });
});
