import { describe, expect, it } from "vitest";
import { tensor } from "../src/index.js";

// This file runs in its own worker: the in-place op below is the first of the process, made
// after the graph was recorded, when record() saved no versions (all were 0). backward()
// must still see it (a regression test for the version counters' fast path).
describe("version counters before any in-place op", () => {
  it("an in-place change made after recording, the process's first, is still caught at backward", () => {
    const p = tensor([1, 2], { requiresGrad: true });
    const w = tensor([3, 4]);
    const y = p.mul(w).sum(); // mul saves w for p's gradient
    w.add_(1);
    expect(() => y.backward()).toThrow(
      "backward: mul's input 1 (shape [2]) was modified in place by add_ after mul recorded it (version 1, expected 0)",
    );
    expect(p.grad).toBeNull();
  });
});
