import type { Tensor } from "../tensor/tensor.js";
import {
  OnnxAttributeType,
  OnnxDataType,
  type OnnxAttribute,
  type OnnxDataTypeValue,
  type OnnxNode,
  type OnnxTensor,
} from "./onnx-proto.js";

/** The element type of an exported graph. */
export type OnnxFloatType = "float32" | "float64";

/** A symbolic (`null`, the batch axis) or fixed dimension of a value in the graph. */
export type OnnxShape = readonly (number | null)[];

/** A value flowing through the graph being built: its name and its shape. */
export interface OnnxValue {
  readonly name: string;
  readonly shape: OnnxShape;
}

/** A node attribute: a float, an int, a string or a list of ints. */
export type OnnxAttrValue = { float: number } | { int: number } | { string: string } | { ints: readonly number[] };

function attribute(name: string, value: OnnxAttrValue): OnnxAttribute {
  if ("float" in value) return { name, type: OnnxAttributeType.FLOAT, f: value.float };
  if ("int" in value) return { name, type: OnnxAttributeType.INT, i: value.int };
  if ("string" in value) return { name, type: OnnxAttributeType.STRING, s: new TextEncoder().encode(value.string) };
  return { name, type: OnnxAttributeType.INTS, ints: [...value.ints] };
}

/** Little-endian IEEE 754 bytes of `values` in `dtype` (float32 values are rounded once). */
function rawBytes(values: ArrayLike<number>, dtype: OnnxFloatType): Uint8Array {
  const width = dtype === "float32" ? 4 : 8;
  const bytes = new Uint8Array(values.length * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    if (dtype === "float32") view.setFloat32(i * 4, values[i], true);
    else view.setFloat64(i * 8, values[i], true);
  }
  return bytes;
}

/**
 * @internal Accumulates the nodes and initializers of one ONNX graph: unique value names,
 * weights converted to the graph's element type, and scalar constants shared by value.
 */
export class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly dataType: OnnxDataTypeValue;
  readonly #names = new Set<string>();
  readonly #scalars = new Map<number, string>();

  /**
   * @param dtype - element type of every initializer and value
   * @param opset - the `ai.onnx` opset the graph targets (mappings read it)
   * @param reserved - names nothing else may take (the graph's input and output)
   */
  constructor(
    readonly dtype: OnnxFloatType,
    readonly opset: number,
    reserved: readonly string[],
  ) {
    this.dataType = dtype === "float32" ? OnnxDataType.FLOAT : OnnxDataType.DOUBLE;
    for (const name of reserved) this.#names.add(name);
  }

  /** `base`, or `base_1`, `base_2`, … : the first name not taken yet (and takes it). */
  uniqueName(base: string): string {
    let name = base;
    for (let k = 1; this.#names.has(name); k++) name = `${base}_${k}`;
    this.#names.add(name);
    return name;
  }

  /**
   * Appends one node and returns the name of its (single) output.
   *
   * @param opType - the ONNX operator, e.g. `"Gemm"`
   * @param inputs - input value names, in the operator's order
   * @param scope - the module path the node comes from, used to name the node and its output
   * @param attrs - attributes by name
   */
  node(opType: string, inputs: readonly string[], scope: string, attrs: Record<string, OnnxAttrValue> = {}): string {
    const base = scope === "" ? opType : `${scope}/${opType}`;
    const output = this.uniqueName(base);
    this.nodes.push({
      input: [...inputs],
      output: [output],
      name: output,
      opType,
      attribute: Object.entries(attrs).map(([name, value]) => attribute(name, value)),
    });
    return output;
  }

  /**
   * Adds a tensor's values as an initializer named `name` (made unique), in the graph's
   * element type, and returns its name.
   */
  initializer(name: string, tensor: Tensor): string {
    return this.#addInitializer(name, tensor.data, tensor.shape);
  }

  /** A scalar constant of the graph's element type, one initializer per distinct value. */
  scalar(value: number): string {
    const known = this.#scalars.get(value);
    if (known !== undefined) return known;
    const name = this.#addInitializer(`const_${String(value)}`, [value], []);
    this.#scalars.set(value, name);
    return name;
  }

  /** Renames the output `from` of the node that produces it to `to` (a reserved name). */
  renameOutput(from: string, to: string): boolean {
    const node = this.nodes.find((n) => n.output[0] === from);
    if (node === undefined) return false;
    node.output[0] = to;
    return true;
  }

  /** Appends `Identity(from) → to`, for a graph whose output is its input. */
  alias(from: string, to: string): void {
    this.nodes.push({ input: [from], output: [to], name: to, opType: "Identity", attribute: [] });
  }

  #addInitializer(name: string, values: ArrayLike<number>, dims: readonly number[]): string {
    const unique = this.uniqueName(name);
    this.initializers.push({ name: unique, dims: [...dims], dataType: this.dataType, rawData: rawBytes(values, this.dtype) });
    return unique;
  }
}
