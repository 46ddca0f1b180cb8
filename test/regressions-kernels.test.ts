// Regression tests for defects a second independent review found in the performance paths
// (each failed before its fix); they state PyTorch's behaviour.
import { describe, expect, it } from "vitest";
import { crossEntropyLoss, logSoftmax, matmul, nllLoss, tensor, zeros } from "../src/index.js";

describe("fused cross-entropy for class labels (src/losses/cross-entropy-labels.ts)", () => {
  // BUG: the label entry of the gradient is rounded twice in float32:
  // `gx[label] = fround(g·p)` then `gx[label] -= g` (cross-entropy-labels.ts:71–72), so for a
  // confidently correct sample (p → 1) it becomes fround(g) − g ≠ 0, here +9.9e-9: positive,
  // i.e. it pushes the correct logit down. PyTorch (log_softmax + nll backward) and typegrad's
  // own composed ops give exactly 0 (softmax − one-hot, p = 1 in every precision).
  it("gives an exactly-zero label gradient when p = 1 (mean over 3 rows, float32)", () => {
    const rows = [[1e4, 0], [1e4, 0], [1e4, 0]];
    const x = tensor(rows, { requiresGrad: true });
    crossEntropyLoss(x, [0, 0, 0]).backward();
    const composed = tensor(rows, { requiresGrad: true });
    nllLoss(logSoftmax(composed, 1), [0, 0, 0]).backward();
    expect(Array.from(composed.grad!.data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(x.grad!.data)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  // Same bug at a finite margin: ∂ℓ/∂x₀ = (p₀ − 1)/3 = −3.12e-14 < 0, but the fused path returns
  // fround(p₀/3) − 1/3 = +9.9e-9 (wrong sign, 3·10⁵ times too large).
  it("keeps the sign of the label gradient for logits [30, 0]", () => {
    const x = tensor([[30, 0], [30, 0], [30, 0]], { requiresGrad: true });
    crossEntropyLoss(x, [0, 0, 0]).backward();
    const exact = -Math.exp(-30) / (1 + Math.exp(-30)) / 3;
    expect(x.grad!.data[0]).toBeLessThan(0);
    // 10 %: x − lse itself carries ~4 % error in double here (ulp(30) ≈ 3.6e-15 vs 9.4e-14).
    expect(Math.abs(x.grad!.data[0] - exact)).toBeLessThan(0.1 * Math.abs(exact));
  });
});

describe("TypeScript gemm (src/kernels/gemm.ts), used below the wasm crossover", () => {
  // BUG: gemmReference skips `aip === 0` in its non-transposed-B loop (gemm.ts:28), so
  // 0·NaN and 0·∞ contribute 0 instead of NaN. IEEE and PyTorch give NaN
  // (torch.zeros(2, 2) @ [[nan, 1], [inf, 1]] → [[nan, 0], [nan, 0]]). The wasm kernel, used
  // from 256 multiply-adds on, does give NaN, so the result depends on the problem size.
  it("propagates NaN from 0·NaN and 0·∞ like IEEE / PyTorch, at any size", () => {
    const small = matmul(zeros([2, 2]), tensor([[NaN, 1], [Infinity, 1]]));
    expect(Number.isNaN(small.data[0])).toBe(true);
    expect(Number.isNaN(small.data[2])).toBe(true);
    expect(small.data[1]).toBe(0);
  });
});
