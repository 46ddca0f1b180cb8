import { describe, expect, it } from "vitest";
import { checkOptionKeys, closest } from "../src/util/options.js";

describe("checkOptionKeys", () => {
  it("names the unknown key, the known ones and the closest", () => {
    expect(() => checkOptionKeys("mean", { keepdim: true }, ["keepDims"])).toThrow(
      "mean: unknown option keepdim; known: keepDims (did you mean keepDims?)",
    );
  });
  it("suggests nothing for a word far from every known key", () => {
    expect(() => checkOptionKeys("Dropout", { zzz: 1 }, ["p"])).toThrow(/unknown option zzz; known: p$/);
  });
  it("rejects a non-object", () => {
    expect(() => checkOptionKeys("Dropout", 0.5, ["p"])).toThrow("Dropout: options must be an object, got 0.5");
  });
  it("closest is case-insensitive and bounded", () => {
    expect(closest("negativeslope", ["negativeSlope", "alpha"])).toBe("negativeSlope");
    expect(closest("lrr", ["lr", "momentum"])).toBe("lr");
    expect(closest("qqqqqq", ["lr", "momentum"])).toBeUndefined();
  });
});
