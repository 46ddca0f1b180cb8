import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as nodeFs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { AtomicWriteFs } from "../src/io/atomic-write.js";
import { parseSafetensors, serializeSafetensors } from "../src/io/safetensors.js";
import { readSafetensors, writeSafetensors } from "../src/io/safetensors-file.js";
import { tensor } from "../src/tensor/creation.js";
import { Generator } from "../src/tensor/random.js";
import type { DType } from "../src/tensor/dtype.js";
import { Tensor } from "../src/tensor/tensor.js";

const dir = mkdtempSync(join(tmpdir(), "typegrad-io-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function randomValues(shape: number[], seed: number, dtype: DType): Tensor {
  const rng = new Generator(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(
    Array.from({ length: n }, () => rng.normal()),
    { shape, dtype },
  );
}

/** A file from a header object (or raw header text) and a data buffer, for corruption cases. */
function craft(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json =
    header instanceof Uint8Array ? header : new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe("safetensors layout", () => {
  it("writes the byte-exact layout of a small known case", () => {
    const bytes = serializeSafetensors({ a: tensor([1, -2]) }, { k: "v" });
    // The header is 79 characters, padded with one space to 80 so that 8 + 80 is a multiple of 8.
    const header = '{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} ';
    const expected = [
      0x50, 0, 0, 0, 0, 0, 0, 0, // N = 80, u64 little-endian
      ...Array.from(header, (c) => c.charCodeAt(0)),
      0x00, 0x00, 0x80, 0x3f, // 1.0f little-endian
      0x00, 0x00, 0x00, 0xc0, // -2.0f little-endian
    ];
    expect(header.length).toBe(80);
    expect(Array.from(bytes)).toEqual(expected);
  });

  it("omits __metadata__ when none is given and stores float64 as F64", () => {
    const bytes = serializeSafetensors({ x: tensor([0.1], { dtype: "float64" }) });
    const header = '{"x":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}';
    expect(header.length).toBe(54); // padded to 56
    expect(bytes.length).toBe(8 + 56 + 8);
    expect(new DataView(bytes.buffer).getBigUint64(0, true)).toBe(56n);
    expect(new TextDecoder().decode(bytes.subarray(8, 64))).toBe(`${header}  `);
    expect(new DataView(bytes.buffer).getFloat64(64, true)).toBe(0.1);
  });

  it("places float64 tensors first so every tensor is aligned to its element size", () => {
    const bytes = serializeSafetensors({ a: tensor([1, 2, 3]), b: tensor([4], { dtype: "float64" }), c: tensor([5]) });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { data_offsets: number[] }>;
    expect(header.b.data_offsets).toEqual([0, 8]);
    expect(header.a.data_offsets).toEqual([8, 20]);
    expect(header.c.data_offsets).toEqual([20, 24]);
    expect((8 + n) % 8).toBe(0);
  });
});

describe("safetensors round trip", () => {
  const shapes: number[][] = [[], [0], [3], [2, 3, 4]];
  for (const dtype of ["float32", "float64"] as const) {
    for (const shape of shapes) {
      it(`keeps ${dtype} ${JSON.stringify(shape)} bit for bit`, () => {
        const t = randomValues(shape, shape.length + 7, dtype);
        const back = parseSafetensors(serializeSafetensors({ t }, { note: "ü ✓" }));
        expect(back.metadata).toEqual({ note: "ü ✓" });
        expect(back.tensors.t.dtype).toBe(dtype);
        expect(back.tensors.t.shape).toEqual(shape);
        expect(Array.from(back.tensors.t.data)).toEqual(Array.from(t.data));
      });
    }
  }

  it("keeps NaN, ±Infinity and -0 (the format does not check values)", () => {
    const t = tensor([NaN, Infinity, -Infinity, -0], { dtype: "float64" });
    const back = parseSafetensors(serializeSafetensors({ t })).tensors.t.data;
    expect(Number.isNaN(back[0])).toBe(true);
    expect([back[1], back[2]]).toEqual([Infinity, -Infinity]);
    expect(Object.is(back[3], -0)).toBe(true);
  });

  it("writes and reads a file, including names that look like integers", () => {
    const path = join(dir, "roundtrip.safetensors");
    const tensors = { "0.weight": randomValues([2, 3], 1, "float32"), "10": tensor([7]), "0.bias": tensor([1, 2]) };
    writeSafetensors(path, tensors, { format: "pt" });
    const back = readSafetensors(path);
    expect(Object.keys(back.tensors).sort()).toEqual(["0.bias", "0.weight", "10"]);
    expect(Array.from(back.tensors["0.weight"].data)).toEqual(Array.from(tensors["0.weight"].data));
    expect(back.metadata).toEqual({ format: "pt" });
  });

  it("reads F16 and BF16 by widening to float32 exactly", () => {
    const data = new Uint8Array(12);
    const v = new DataView(data.buffer);
    [0x3c00, 0xc000, 0x0001].forEach((h, i) => v.setUint16(2 * i, h, true)); // 1, -2, 2^-24 (subnormal)
    [0x3f80, 0x4049, 0xff80].forEach((h, i) => v.setUint16(6 + 2 * i, h, true)); // 1, 3.140625, -Infinity
    const file = craft(
      {
        h: { dtype: "F16", shape: [3], data_offsets: [0, 6] },
        b: { dtype: "BF16", shape: [3], data_offsets: [6, 12] },
      },
      data,
    );
    const { tensors } = parseSafetensors(file);
    expect(tensors.h.dtype).toBe("float32");
    expect(Array.from(tensors.h.data)).toEqual([1, -2, 2 ** -24]);
    expect(Array.from(tensors.b.data)).toEqual([1, 3.140625, -Infinity]);
  });

  it("accepts header entries in any order and trailing-space padding", () => {
    const data = new Uint8Array(8);
    new DataView(data.buffer).setFloat32(4, 2.5, true);
    const file = craft(
      '{"second":{"dtype":"F32","shape":[],"data_offsets":[4,8]},"first":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}   ',
      data,
    );
    const { tensors } = parseSafetensors(file);
    expect(Object.keys(tensors)).toEqual(["first", "second"]);
    expect(tensors.second.item()).toBe(2.5);
  });

  it("rejects invalid input to the writer before writing anything", () => {
    const path = join(dir, "never.safetensors");
    expect(() => writeSafetensors(path, { __metadata__: tensor([1]) })).toThrow(/reserved/);
    expect(() => writeSafetensors(path, { a: [1, 2] as unknown as Tensor })).toThrow(/"a" is not a Tensor/);
    expect(() => writeSafetensors(path, { a: tensor([1]) }, { v: 3 as unknown as string })).toThrow(/metadata\["v"\] must be a string/);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith("never"))).toEqual([]);
  });
});

const f32 = (n: number): Uint8Array => new Uint8Array(4 * n);
const corruptions: [string, () => Uint8Array, RegExp][] = [
  ["an empty file", () => new Uint8Array(0), /file is 0 bytes, shorter than the 8-byte header length/],
  ["a 5-byte file", () => new Uint8Array(5), /file is 5 bytes/],
  [
    "a header length beyond the file",
    () => {
      const b = craft({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, f32(1));
      new DataView(b.buffer).setBigUint64(0, 1000n, true);
      return b;
    },
    /header length 1000 exceeds the \d+ bytes that follow/,
  ],
  [
    "an absurd header length",
    () => {
      const b = new Uint8Array(16);
      new DataView(b.buffer).setBigUint64(0, 2n ** 63n, true);
      return b;
    },
    /header length 9223372036854775808 exceeds the limit/,
  ],
  ["a header not starting with {", () => craft(' {"a":1}'), /must begin with "\{"/],
  ["malformed JSON", () => craft('{"a": {"dtype": "F32",'), /header is not valid JSON/],
  ["invalid UTF-8", () => craft(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), /header is not valid UTF-8/],
  ["a header that is an array", () => craft("[1,2]"), /must begin with "\{"/],
  ["a duplicate tensor name", () => craft('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', f32(1)), /key "a" twice/],
  ["an entry that is not an object", () => craft({ a: 3 }), /tensor "a": expected \{ dtype, shape, data_offsets \}, got 3/],
  ["an unknown dtype", () => craft({ a: { dtype: "F33", shape: [1], data_offsets: [0, 4] } }, f32(1)), /tensor "a": unknown dtype "F33"; typegrad reads F64, F32, F16, BF16/],
  ["an unsupported dtype", () => craft({ a: { dtype: "I64", shape: [1], data_offsets: [0, 8] } }, f32(2)), /tensor "a": dtype I64 is not supported/],
  ["a negative dimension", () => craft({ a: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, f32(1)), /tensor "a": shape must be an array of non-negative integers, got \[-1\]/],
  ["a fractional dimension", () => craft({ a: { dtype: "F32", shape: [1.5], data_offsets: [0, 4] } }, f32(1)), /shape must be an array of non-negative integers, got \[1.5\]/],
  ["a shape that is not an array", () => craft({ a: { dtype: "F32", shape: "2", data_offsets: [0, 8] } }, f32(2)), /shape must be an array/],
  ["data_offsets with one number", () => craft({ a: { dtype: "F32", shape: [1], data_offsets: [4] } }, f32(1)), /data_offsets must be \[begin, end\]/],
  ["reversed data_offsets", () => craft({ a: { dtype: "F32", shape: [], data_offsets: [4, 0] } }, f32(1)), /data_offsets \[4,0\] are reversed/],
  ["data_offsets beyond the buffer", () => craft({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, f32(1)), /tensor "a": data_offsets \[0,8\] extend beyond the 4-byte data buffer/],
  ["a size that disagrees with the shape", () => craft({ a: { dtype: "F32", shape: [2, 3], data_offsets: [0, 20] } }, f32(5)), /tensor "a": shape \[2,3\] of F32 \(4 bytes each\) needs 24 bytes, but data_offsets \[0,20\] hold 20/],
  [
    "overlapping tensors",
    () => craft({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }, f32(3)),
    /tensor "b" data_offsets \[4,12\] overlap tensor "a" \[0,8\]/,
  ],
  [
    "a gap between tensors",
    () => craft({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] }, b: { dtype: "F32", shape: [1], data_offsets: [8, 12] } }, f32(3)),
    /gap in the data buffer: bytes \[4,8\) before tensor "b"/,
  ],
  ["a gap at the start", () => craft({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, f32(2)), /bytes \[0,4\) before tensor "a"/],
  ["trailing bytes no tensor covers", () => craft({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, f32(2)), /data buffer has 8 bytes but the tensors cover only \[0,4\)/],
  ["metadata that is not an object", () => craft({ __metadata__: ["x"] }), /__metadata__ must be an object of strings/],
  ["a metadata value that is not a string", () => craft({ __metadata__: { epoch: 3 } }), /__metadata__\["epoch"\] must be a string, got 3/],
];

describe("safetensors validation", () => {
  for (const [name, make, message] of corruptions) {
    it(`rejects ${name}`, () => {
      expect(() => parseSafetensors(make(), "bad.safetensors")).toThrow(message);
      expect(() => parseSafetensors(make(), "bad.safetensors")).toThrow(/^safetensors: bad\.safetensors: /);
    });
  }

  it("names the file in errors from readSafetensors", () => {
    const path = join(dir, "truncated.safetensors");
    const good = serializeSafetensors({ a: tensor([1, 2, 3]) });
    writeFileSync(path, good.subarray(0, good.length - 2));
    expect(() => readSafetensors(path)).toThrow(`safetensors: ${path}: tensor "a": data_offsets [0,12] extend beyond the 10-byte data buffer`);
  });
});

/** node:fs with a writeSync that fails once `failAfter` bytes have been written. */
function failingFs(failAfter: number): AtomicWriteFs & { written: number } {
  const fs = {
    written: 0,
    openSync: (p: string, flags: string, mode?: number) => nodeFs.openSync(p, flags, mode),
    writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number {
      const allowed = Math.min(length, failAfter - fs.written);
      if (allowed <= 0) throw new Error("ENOSPC: simulated disk full");
      const n = nodeFs.writeSync(fd, buffer, offset, allowed, position);
      fs.written += n;
      return n;
    },
    fsyncSync: (fd: number) => nodeFs.fsyncSync(fd),
    closeSync: (fd: number) => nodeFs.closeSync(fd),
    renameSync: (a: string, b: string) => nodeFs.renameSync(a, b),
    unlinkSync: (p: string) => nodeFs.unlinkSync(p),
  };
  return fs;
}

describe("atomic writes", () => {
  it("a write that fails midway leaves the old file intact and no temporary file", () => {
    const sub = mkdtempSync(join(dir, "atomic-"));
    const path = join(sub, "model.safetensors");
    writeSafetensors(path, { w: tensor([1, 2, 3]) }, { version: "old" });
    const before = readFileSync(path);
    const fs = failingFs(40);
    expect(() => writeSafetensors(path, { w: randomValues([64], 3, "float32") }, { version: "new" }, { fs })).toThrow(/simulated disk full/);
    expect(fs.written).toBe(40); // the crash really happened midway
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readSafetensors(path).metadata).toEqual({ version: "old" });
    expect(readdirSync(sub)).toEqual(["model.safetensors"]);
  });

  it("a failing rename leaves the old file intact and no temporary file", () => {
    const sub = mkdtempSync(join(dir, "atomic-"));
    const path = join(sub, "model.safetensors");
    writeSafetensors(path, { w: tensor([1]) });
    const fs = { ...failingFs(Infinity), renameSync: () => { throw new Error("EXDEV: simulated rename failure"); } };
    expect(() => writeSafetensors(path, { w: tensor([2]) }, undefined, { fs })).toThrow(/EXDEV/);
    expect(readSafetensors(path).tensors.w.item()).toBe(1);
    expect(readdirSync(sub)).toEqual(["model.safetensors"]);
  });

  it("names the missing directory instead of a raw ENOENT on the temporary file", () => {
    const path = join(dir, "no-such-dir", "model.safetensors");
    expect(() => writeSafetensors(path, { w: tensor([1]) })).toThrow(
      `cannot write ${path}: the directory ${join(dir, "no-such-dir")} does not exist`,
    );
  });

  it("replaces the file when the write succeeds", () => {
    const path = join(dir, "replace.safetensors");
    writeSafetensors(path, { w: tensor([1]) });
    writeSafetensors(path, { w: tensor([2]) });
    expect(readSafetensors(path).tensors.w.item()).toBe(2);
  });
});

const hasNumpy = spawnSync("python3", ["-c", "import numpy"], { stdio: "ignore" }).status === 0;

describe("an independent reader", () => {
  it.skipIf(!hasNumpy)("NumPy reads our files with the format's own rules (skipped without python3 + numpy)", () => {
    const path = join(dir, "numpy.safetensors");
    const tensors = { "0.weight": randomValues([3, 2], 5, "float32"), "0.bias": randomValues([3], 6, "float64"), s: tensor(2.5) };
    writeSafetensors(path, tensors, { who: "typegrad" });
    // Reads the layout straight from the spec: u64 LE length, JSON header, offsets into the buffer.
    const script = [
      "import json, struct, sys, numpy as np",
      "b = open(sys.argv[1], 'rb').read()",
      "n = struct.unpack('<Q', b[:8])[0]",
      "assert n % 8 == 0 and b[8:9] == b'{'",
      "h = json.loads(b[8:8 + n])",
      "meta = h.pop('__metadata__')",
      "data = b[8 + n:]",
      "out = {k: np.frombuffer(data[v['data_offsets'][0]:v['data_offsets'][1]], dtype={'F32': '<f4', 'F64': '<f8'}[v['dtype']]).reshape(v['shape']).ravel().tolist() for k, v in h.items()}",
      "print(json.dumps({'meta': meta, 'tensors': out}))",
    ].join("\n");
    const result = spawnSync("python3", ["-c", script, path], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    const parsed = JSON.parse(result.stdout) as { meta: Record<string, string>; tensors: Record<string, number[]> };
    expect(parsed.meta).toEqual({ who: "typegrad" });
    for (const [name, t] of Object.entries(tensors)) expect(parsed.tensors[name]).toEqual(Array.from(t.data));
  });
});
