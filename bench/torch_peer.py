"""PyTorch as a peer of `npm run bench` (started by bench/torch-peer.ts, never by a test that needs it).

One process per thread count: the parent sets OMP_NUM_THREADS / OPENBLAS_NUM_THREADS /
MKL_NUM_THREADS before starting it, and this script also calls torch.set_num_threads.
Protocol: one JSON object per line on stdin, one JSON reply per line on stdout.

  first reply (unprompted):  {"ok": true, "torch": "1.13.1", "threads": 1, "blas": "..."}
                             or {"ok": false, "error": "..."} when torch cannot be imported
  {"op": "setup", "id": "w", "kind": "train", "sizes": [...], "hidden": "relu", "loss": "crossEntropy",
   "optimizer": "sgd", "lr": 0.01, "rows": 128, "dtype": "float32"}
  {"op": "setup", "id": "m", "kind": "matmul", "size": 1024, "variant": "NN"}
  {"op": "setup", "id": "p", "kind": "predict", "sizes": [...], "hidden": "relu", "samples": 10000, "batch": 1000}
  {"op": "run", "id": "w", "steps": 10}      -> {"ok": true, "ms": <mean milliseconds per step>}
  {"op": "drop", "id": "w"}                  -> {"ok": true}
"""
import json
import os
import sys
import time


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


try:
    import torch
    import torch.nn.functional as F
except Exception as e:  # noqa: BLE001 - any import failure means "no peer"
    reply({"ok": False, "error": f"{type(e).__name__}: {e}"})
    sys.exit(0)


def blas_in_use():
    """The BLAS library mapped into this process after a float32 product, and its config string."""
    a = torch.ones(64, 64)
    _ = a @ a
    paths = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                name = os.path.basename(path).lower()
                if ("blas" in name or "mkl_" in name or "blis" in name) and path not in paths:
                    paths.append(path)
    except OSError:
        pass
    detail = ""
    for path in paths:
        try:
            import ctypes

            lib = ctypes.CDLL(path)
            lib.openblas_get_config.restype = ctypes.c_char_p
            detail = lib.openblas_get_config().decode()
            break
        except Exception:  # noqa: BLE001 - not OpenBLAS: no config string
            continue
    resolved = [os.path.realpath(p) for p in paths]
    text = ", ".join(resolved) if resolved else "unknown (no BLAS library mapped)"
    return text + (f" ({detail})" if detail else "")


def mlp(sizes, hidden, dtype):
    layers = []
    for i in range(1, len(sizes)):
        layers.append(torch.nn.Linear(sizes[i - 1], sizes[i], dtype=dtype))
        if i < len(sizes) - 1:
            layers.append(torch.nn.ReLU() if hidden == "relu" else torch.nn.Tanh())
    return torch.nn.Sequential(*layers)


DTYPES = {"float32": torch.float32, "float64": torch.float64}


def setup_train(spec):
    dtype = DTYPES[spec.get("dtype", "float32")]
    gen = torch.Generator().manual_seed(2)
    torch.manual_seed(7)
    sizes = spec["sizes"]
    rows = spec["rows"]
    model = mlp(sizes, spec["hidden"], dtype)
    x = torch.rand(rows, sizes[0], generator=gen, dtype=dtype)
    if spec["loss"] == "bce":
        target = torch.randint(0, 2, (rows, sizes[-1]), generator=gen).to(dtype)
        loss_fn = lambda out: F.binary_cross_entropy_with_logits(out, target)  # noqa: E731
    else:
        labels = torch.randint(0, sizes[-1], (rows,), generator=gen)
        loss_fn = lambda out: F.cross_entropy(out, labels)  # noqa: E731
    if spec["optimizer"] == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=spec["lr"])
    else:
        opt = torch.optim.SGD(model.parameters(), lr=spec["lr"])

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x))
        loss.backward()
        opt.step()

    return step


def setup_matmul(spec):
    n = spec["size"]
    gen = torch.Generator().manual_seed(1)
    variant = spec.get("variant", "NN")
    a = torch.rand(n, n, generator=gen) * 2 - 1
    b = torch.rand(n, n, generator=gen) * 2 - 1
    c = torch.empty(n, n)
    a_op = a.t() if variant[0] == "T" else a
    b_op = b.t() if variant[1] == "T" else b

    def step():
        torch.matmul(a_op, b_op, out=c)

    return step


def setup_predict(spec):
    torch.manual_seed(7)
    model = mlp(spec["sizes"], spec["hidden"], torch.float32).eval()
    gen = torch.Generator().manual_seed(3)
    x = torch.rand(spec["samples"], spec["sizes"][0], generator=gen)
    batch = spec["batch"]

    def step():
        with torch.inference_mode():
            outs = [model(x[i : i + batch]) for i in range(0, x.shape[0], batch)]
            torch.cat(outs)

    return step


def main():
    threads = int(os.environ.get("TYPEGRAD_TORCH_THREADS", "1"))
    torch.set_num_threads(threads)
    reply({"ok": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_in_use()})
    steps = {}
    builders = {"train": setup_train, "matmul": setup_matmul, "predict": setup_predict}
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            msg = json.loads(line)
            op = msg["op"]
            if op == "setup":
                steps[msg["id"]] = builders[msg["kind"]](msg)
                reply({"ok": True})
            elif op == "run":
                step = steps[msg["id"]]
                n = int(msg["steps"])
                start = time.perf_counter()
                for _ in range(n):
                    step()
                reply({"ok": True, "ms": (time.perf_counter() - start) * 1000 / max(n, 1)})
            elif op == "drop":
                steps.pop(msg["id"], None)
                reply({"ok": True})
            else:
                reply({"ok": False, "error": f"unknown op {op!r}"})
        except Exception as e:  # noqa: BLE001 - report to the parent, keep serving
            reply({"ok": False, "error": f"{type(e).__name__}: {e}"})


if __name__ == "__main__":
    main()
