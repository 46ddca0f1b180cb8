import { isReadable, READABLE_DTYPES, SAFETENSORS_DTYPES, type ReadableDType } from "./safetensors-dtypes.js";

/** The largest header accepted, in bytes: the reference implementation's limit (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor's entry in a safetensors header, validated. Offsets are relative to the data buffer. */
export interface HeaderEntry {
  readonly name: string;
  readonly dtype: ReadableDType;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/** A validated safetensors header: entries sorted by offset, metadata, where the data starts. */
export interface ParsedHeader {
  readonly entries: readonly HeaderEntry[];
  readonly metadata: Record<string, string>;
  /** Byte offset of the data buffer in the file: 8 + header length. */
  readonly dataStart: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function fail(source: string, message: string): never {
  throw new Error(`safetensors: ${source}: ${message}`);
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * The first key that appears twice in one object of `text`, or `null`. `text` must already be
 * valid JSON (`JSON.parse` silently keeps the last duplicate; the format forbids duplicates).
 */
function findDuplicateKey(text: string): string | null {
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const keys = stack[stack.length - 1];
      if (expectKey && keys) {
        const raw = text.slice(i + 1, j);
        const key = raw.includes("\\") ? (JSON.parse(text.slice(i, j + 1)) as string) : raw;
        if (keys.has(key)) return key;
        keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === "{") {
      stack.push(new Set());
      expectKey = true;
    } else if (c === "[") {
      stack.push(null);
      expectKey = false;
    } else if (c === "}" || c === "]") {
      stack.pop();
      expectKey = false;
    } else if (c === ",") {
      expectKey = stack[stack.length - 1] !== null;
    } else if (c === ":") {
      expectKey = false;
    }
  }
  return null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/**
 * An empty object without a prototype: keys read from a file (`__proto__`, `constructor`)
 * are stored as its own properties and never reach `Object.prototype`.
 */
export function ownKeysRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

function parseMetadata(source: string, value: unknown): Record<string, string> {
  if (value === null) return ownKeysRecord();
  if (!isPlainObject(value)) fail(source, `__metadata__ must be an object of strings, got ${show(value)}`);
  const out = ownKeysRecord<string>();
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== "string") fail(source, `__metadata__["${key}"] must be a string, got ${show(v)}`);
    out[key] = v;
  }
  return out;
}

function parseEntry(source: string, name: string, value: unknown, dataLength: number): HeaderEntry {
  const where = `tensor "${name}"`;
  if (!isPlainObject(value)) fail(source, `${where}: expected { dtype, shape, data_offsets }, got ${show(value)}`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== "string") fail(source, `${where}: dtype must be a string, got ${show(dtype)}`);
  if (!isReadable(dtype)) {
    const readable = Object.keys(READABLE_DTYPES).join(", ");
    if (SAFETENSORS_DTYPES.includes(dtype)) fail(source, `${where}: dtype ${dtype} is not supported; typegrad reads ${readable}`);
    fail(source, `${where}: unknown dtype ${show(dtype)}; typegrad reads ${readable}`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    fail(source, `${where}: shape must be an array of non-negative integers, got ${show(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    fail(source, `${where}: data_offsets must be [begin, end] with non-negative integers, got ${show(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(source, `${where}: data_offsets [${begin},${end}] are reversed (begin > end)`);
  if (end > dataLength) {
    fail(source, `${where}: data_offsets [${begin},${end}] extend beyond the ${dataLength}-byte data buffer`);
  }
  const itemBytes = READABLE_DTYPES[dtype].bytes;
  let bytes = itemBytes;
  for (const d of shape as number[]) {
    bytes *= d;
    if (!Number.isSafeInteger(bytes)) fail(source, `${where}: shape ${show(shape)} is too large`);
  }
  if (bytes !== end - begin) {
    fail(
      source,
      `${where}: shape ${show(shape)} of ${dtype} (${itemBytes} bytes each) needs ${bytes} bytes, ` +
        `but data_offsets [${begin},${end}] hold ${end - begin}`,
    );
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Checks that the entries tile `[0, dataLength)` exactly: no overlap, no gap, nothing left over. */
function checkCoverage(source: string, sorted: readonly HeaderEntry[], dataLength: number): void {
  let expected = 0;
  let previous: HeaderEntry | null = null;
  for (const e of sorted) {
    if (e.begin < expected && previous !== null) {
      fail(
        source,
        `tensor "${e.name}" data_offsets [${e.begin},${e.end}] overlap tensor "${previous.name}" [${previous.begin},${previous.end}]`,
      );
    }
    if (e.begin > expected) {
      fail(source, `gap in the data buffer: bytes [${expected},${e.begin}) before tensor "${e.name}" belong to no tensor`);
    }
    expected = e.end;
    previous = e;
  }
  if (expected !== dataLength) {
    fail(source, `the data buffer has ${dataLength} bytes but the tensors cover only [0,${expected}); the rest belongs to no tensor`);
  }
}

/**
 * Reads and validates a safetensors header without touching the tensor data: the length
 * field, UTF-8, JSON syntax, duplicate keys, every entry (dtype, shape, offsets, byte size),
 * metadata (string → string) and that the entries tile the data buffer exactly. Every key of
 * the file is an own key of the result (`metadata` has no prototype): a tensor or metadata
 * key `__proto__` or `constructor` is kept as data.
 *
 * @param bytes - the whole file
 * @param source - the file name, for error messages
 * @param maxHeaderBytes - the largest header accepted. Default {@link MAX_HEADER_BYTES}.
 * @throws Error naming `source`, the tensor and the offending values on the first problem found
 */
export function parseHeader(bytes: Uint8Array, source: string, maxHeaderBytes = MAX_HEADER_BYTES): ParsedHeader {
  if (bytes.length < 8) fail(source, `file is ${bytes.length} bytes, shorter than the 8-byte header length field`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(maxHeaderBytes)) {
    fail(source, `header length ${declared} exceeds the limit of ${maxHeaderBytes} bytes (maxHeaderBytes; not a safetensors file?)`);
  }
  const headerLength = Number(declared);
  if (8 + headerLength > bytes.length) {
    fail(source, `header length ${headerLength} exceeds the ${bytes.length - 8} bytes that follow the length field`);
  }
  if (headerLength === 0 || bytes[8] !== 0x7b) fail(source, `header must begin with "{" (0x7B)`);
  let text: string;
  try {
    text = utf8.decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail(source, "header is not valid UTF-8");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(source, `header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(json)) fail(source, `header must be a JSON object, got ${show(json)}`);
  const duplicate = findDuplicateKey(text);
  if (duplicate !== null) fail(source, `header has the key "${duplicate}" twice`);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  let metadata = ownKeysRecord<string>();
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === "__metadata__") metadata = parseMetadata(source, value);
    else entries.push(parseEntry(source, name, value, dataLength));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  checkCoverage(source, entries, dataLength);
  return { entries, metadata, dataStart };
}
