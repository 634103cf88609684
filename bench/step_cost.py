"""CPU time per training step: NetCanvas' trainer against a hand-written PyTorch loop, side by side
in one process: ``python bench/step_cost.py [--repeats R]``.

Both train the same torch module (the graph compiled by NetCanvas, so that only the loops differ)
with Adam (lr 1e-3, constant), batch 128, on data already in memory, one CPU thread. The hand-written loop is
what people write: zero_grad, forward, cross-entropy, backward, step, nothing else. The trainer's
cost per step is the difference of two runs of different lengths divided by the difference of
their steps, so start-up (compiling, staging) is not counted; validation is off. Best of R.

  bench: step cost <model> app = T ms
  bench: step cost <model> hand-written = T ms
  bench: step cost ratio <model> = R x
  bench: step cost ratio <model> vs fused Adam = R x   (the same optimizer as the trainer's)
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from projects.examples.build import chain, lenet5  # noqa: E402
from projects.project import Project  # noqa: E402
from runtime.compiler import compile_graph  # noqa: E402
from runtime.data import Dataset, Split  # noqa: E402
from runtime.trainer import Trainer  # noqa: E402

BATCH = 128


def mlp_15k() -> Project:
    """784-19-10: 15,115 parameters."""
    return Project(graph=chain([("input.vector", "In", {"features": 784}),
                                ("core.dense", "Hidden", {"units": 19, "activation": "relu"}),
                                ("core.dense", "Out", {"units": 10}), ("head.classification", "Head", {})]))


def small_cnn() -> Project:
    return Project(graph=chain([("input.image", "In", {"channels": 1, "height": 28, "width": 28}),
                                ("conv.conv2d", "C", {"out_channels": 8, "kernel": 3, "activation": "relu"}),
                                ("pool.max2d", "P", {"kernel": 2}), ("core.flatten", "F", {}),
                                ("core.dense", "Out", {"units": 10}), ("head.classification", "Head", {})]))


MODELS = {"mlp-15k": (mlp_15k, (784,)), "small-cnn": (small_cnn, (1, 28, 28)), "lenet5": (lenet5, (1, 28, 28))}


def data(shape: tuple, steps: int) -> Dataset:
    g = torch.Generator().manual_seed(0)
    n = BATCH * steps
    x, y = torch.randn(n, *shape, generator=g), torch.randint(0, 10, (n,), generator=g)
    empty = Split(x[:0], y[:0])
    return Dataset("bench", "bench", "classification", shape, [str(i) for i in range(10)], Split(x, y), empty,
                   empty, None, "random tensors")


def app_seconds(make, shape, epochs: int, steps: int) -> float:
    project = make()
    project.training.update(epochs=epochs, batch_size=BATCH, log_every=20, threads=1, seed=0,
                            optimizer={"name": "adam", "lr": 1e-3}, schedule={"name": "none"},
                            early_stopping={"enabled": False}, dataset={"name": "bench", "val_fraction": 0.0})
    trainer = Trainer(project, {}, [])
    trainer.dataset = data(shape, steps)
    t = time.process_time()
    result = trainer.run()
    assert result.status == "finished", result.reason
    return time.process_time() - t


def hand_seconds(make, shape, epochs: int, steps: int, fused: bool = False) -> float:
    torch.manual_seed(0)
    module = compile_graph(make().graph).module
    opt = torch.optim.Adam(module.parameters(), lr=1e-3, **({"fused": True} if fused else {}))
    ds = data(shape, steps)
    x, y = ds.train.x, ds.train.y
    t = time.process_time()
    for _ in range(epochs):
        perm = torch.randperm(len(x))
        xs, ys = x[perm], y[perm]
        for i in range(0, len(x), BATCH):
            opt.zero_grad()
            loss = F.cross_entropy(module(xs[i:i + BATCH]), ys[i:i + BATCH])
            loss.backward()
            opt.step()
    return time.process_time() - t


def hand_fused_seconds(make, shape, epochs: int, steps: int) -> float:
    """The hand-written loop with torch's fused Adam (the trainer's optimizer): what is left of the
    difference is the trainer's own bookkeeping."""
    return hand_seconds(make, shape, epochs, steps, fused=True)


def per_step(fn, make, shape, steps: int = 50, short: int = 2, long: int = 8) -> float:
    """Seconds of CPU per step, start-up excluded (two run lengths)."""
    return (fn(make, shape, long, steps) - fn(make, shape, short, steps)) / ((long - short) * steps)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(1)
    for name, (make, shape) in MODELS.items():
        app, hand, fused = [], [], []
        for _ in range(args.repeats):  # interleaved, so that a noisy moment hits all three
            hand.append(per_step(hand_seconds, make, shape))
            fused.append(per_step(hand_fused_seconds, make, shape))
            app.append(per_step(app_seconds, make, shape))
        a, h, f = min(app), min(hand), min(fused)
        print(f"bench: step cost {name} app = {a * 1e3:.3f} ms")
        print(f"bench: step cost {name} hand-written = {h * 1e3:.3f} ms")
        print(f"bench: step cost {name} hand-written, fused Adam = {f * 1e3:.3f} ms")
        print(f"bench: step cost ratio {name} = {a / h:.3f} x")
        print(f"bench: step cost ratio {name} vs fused Adam = {a / f:.3f} x", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
