"""CPU time per training step: NetCanvas' trainer against a hand-written PyTorch loop, side by side
in one process: ``python bench/step_cost.py [--repeats R]``.

Both train the same torch module (the graph compiled by NetCanvas, so that only the loops differ)
with Adam (lr 1e-3, constant), batch 128, on data already in memory, one CPU thread. The hand-written loop is
what people write: zero_grad, forward, cross-entropy, backward, step, nothing else. Both are timed
in blocks of 20 steps (the trainer's metric reads come every 20 steps, so each of its blocks holds
one read and its record); start-up and the epochs' ends are not in any block. The figure is the
fastest block over R interleaved runs of each: on a shared machine whose speed swings by a third
from second to second, the fastest blocks are the ones measured at the same speed.

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
LOG_EVERY = 20  # the trainer's default: one metric read per 20 steps
EPOCHS = 3


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


# model: (project, sample shape, steps per epoch); at least a few blocks of LOG_EVERY per epoch
MODELS = {"mlp-15k": (mlp_15k, (784,), 200), "small-cnn": (small_cnn, (1, 28, 28), 60),
          "lenet5": (lenet5, (1, 28, 28), 60)}


def data(shape: tuple, steps: int) -> Dataset:
    g = torch.Generator().manual_seed(0)
    n = BATCH * steps
    x, y = torch.randn(n, *shape, generator=g), torch.randint(0, 10, (n,), generator=g)
    empty = Split(x[:0], y[:0])
    return Dataset("bench", "bench", "classes", shape, [str(i) for i in range(10)], Split(x, y), empty,
                   empty, None, "random tensors")


def app_blocks(make, shape, epochs: int, steps: int) -> list[float]:
    """CPU seconds per step of the trainer, one figure per block of LOG_EVERY steps: the time
    between two of its step records in one epoch, so each block holds the steps and one metric read
    with its record, and nothing of the start-up or the epoch's end (validation is off anyway)."""
    project = make()
    project.training.update(epochs=epochs, batch_size=BATCH, log_every=LOG_EVERY, threads=1, seed=0,
                            optimizer={"name": "adam", "lr": 1e-3}, schedule={"name": "none"},
                            early_stopping={"enabled": False}, dataset={"name": "bench", "val_fraction": 0.0})
    marks = []

    def on_event(event):
        if event["event"] == "step":
            marks.append((event["epoch"], event["step"], time.process_time()))

    trainer = Trainer(project, {}, [on_event])
    trainer.dataset = data(shape, steps)
    result = trainer.run()
    assert result.status == "finished", result.reason
    return [(t1 - t0) / (s1 - s0) for (e0, s0, t0), (e1, s1, t1) in zip(marks, marks[1:])
            if e0 == e1 and s1 - s0 == LOG_EVERY]


def hand_blocks(make, shape, epochs: int, steps: int, fused: bool = False) -> list[float]:
    """CPU seconds per step of the hand-written loop, one figure per block of LOG_EVERY steps."""
    torch.manual_seed(0)
    module = compile_graph(make().graph).module
    opt = torch.optim.Adam(module.parameters(), lr=1e-3, **({"fused": True} if fused else {}))
    ds = data(shape, steps)
    x, y = ds.train.x, ds.train.y
    blocks = []
    for _ in range(epochs):
        perm = torch.randperm(len(x))
        xs, ys = x[perm], y[perm]
        t = time.process_time()
        for k, i in enumerate(range(0, len(x), BATCH), 1):
            opt.zero_grad()
            loss = F.cross_entropy(module(xs[i:i + BATCH]), ys[i:i + BATCH])
            loss.backward()
            opt.step()
            if k % LOG_EVERY == 0:
                now = time.process_time()
                blocks.append((now - t) / LOG_EVERY)
                t = now
    return blocks


def hand_fused_blocks(make, shape, epochs: int, steps: int) -> list[float]:
    """The hand-written loop with torch's fused Adam (the trainer's optimizer): what is left of the
    difference is the trainer's own bookkeeping (the metric reads, the accuracy count, the
    non-finite guard)."""
    return hand_blocks(make, shape, epochs, steps, fused=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    for name, (make, shape, steps) in MODELS.items():
        app, hand, fused = [], [], []
        for _ in range(args.repeats):  # interleaved, so that a noisy moment hits all three
            hand += hand_blocks(make, shape, EPOCHS, steps)
            fused += hand_fused_blocks(make, shape, EPOCHS, steps)
            app += app_blocks(make, shape, EPOCHS, steps)
        a, h, f = min(app), min(hand), min(fused)
        print(f"bench: step cost {name} app = {a * 1e3:.3f} ms")
        print(f"bench: step cost {name} hand-written = {h * 1e3:.3f} ms")
        print(f"bench: step cost {name} hand-written, fused Adam = {f * 1e3:.3f} ms")
        print(f"bench: step cost ratio {name} = {a / h:.3f} x")
        print(f"bench: step cost ratio {name} vs fused Adam = {a / f:.3f} x", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
