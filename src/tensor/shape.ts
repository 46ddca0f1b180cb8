/** A tensor's dimensions, outermost first. `[]` is a scalar. */
export type Shape = readonly number[];

/** `[2,3]`, for error messages. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

/** The number of elements of a tensor of this shape (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides, in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Whether two shapes are equal element by element. */
export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The largest number of elements a tensor may have: 2³¹ − 1, what every JavaScript engine
 * allocates in one typed array (V8 allows more on 64-bit hosts, browsers may not).
 */
export const MAX_TENSOR_SIZE = 2 ** 31 - 1;

/** A shape for an error message, whatever the value is (`formatShape` needs an array of numbers). */
export function describeShape(shape: unknown): string {
  if (!Array.isArray(shape)) return typeof shape === "object" ? String(JSON.stringify(shape) ?? shape) : String(shape);
  if (shape.length > 16) return `[${shape.slice(0, 16).map(describeDim).join(",")},…] (${shape.length} dimensions)`;
  return `[${shape.map(describeDim).join(",")}]`;
}

function describeDim(d: unknown): string {
  return typeof d === "number" ? String(d) : typeof d === "string" ? JSON.stringify(d) : String(d);
}

/**
 * Checks that `shape` is an array of non-negative integers whose product is at most
 * {@link MAX_TENSOR_SIZE} (so a typed array of that size can exist).
 *
 * @throws Error naming `op` and the shape otherwise.
 */
export function checkShape(op: string, shape: Shape): Shape {
  if (!Array.isArray(shape)) throw new Error(`${op}: shape must be an array of non-negative integers, got ${describeShape(shape)}`);
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw new Error(`${op}: invalid shape ${describeShape(shape)}: dimensions must be non-negative integers (dimension ${i} is ${describeDim(d)})`);
    }
    size *= d;
  }
  if (size > MAX_TENSOR_SIZE) {
    throw new Error(`${op}: shape ${formatShape(shape)} has ${size} elements, more than the ${MAX_TENSOR_SIZE} a typed array can hold`);
  }
  return shape;
}

/**
 * The shape two shapes broadcast to, by NumPy rules: align on the right; each pair of
 * dimensions must be equal or one of them 1.
 *
 * @throws Error naming `op` and both shapes when they do not broadcast.
 */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `${op}: cannot broadcast ${formatShape(a)} with ${formatShape(b)}: dimension ${i} is ${da} vs ${db}`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Resolves a possibly negative axis against `ndim` dimensions (`-1` is the last).
 *
 * @throws Error naming `op`, the axis and the shape when it is out of range or not an integer.
 */
export function normalizeAxis(op: string, axis: number, shape: Shape): number {
  const ndim = shape.length;
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new Error(`${op}: axis ${axis} is out of range for shape ${formatShape(shape)} (valid: ${-ndim}..${ndim - 1})`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Splits `shape` around `axis` into `[outer, length, inner]` element counts. */
export function splitAtAxis(shape: Shape, axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[axis], inner];
}
