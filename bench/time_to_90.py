"""Wall time to 90% test accuracy: the LeNet-5 (modern) example trained by NetCanvas with its own
recipe, against the PyTorch tutorial recipe (DataLoader, shuffle, Adam 1e-3, batch 64) on the same
model, side by side in one run: ``python bench/time_to_90.py [--max-epochs N]``.

Data: full Fashion-MNIST (60,000 training and 10,000 test images; Debian's dataset-fashion-mnist).
After each epoch both are measured on the whole test set; that evaluation is not counted in the
times. NetCanvas runs the example as shipped (its epochs and schedule); the tutorial loop runs up to
--max-epochs. NetCanvas trains on all 60,000 images (no validation split, so both see the same data).

  bench: time to 90% netcanvas = S s (E epochs)
  bench: time to 90% tutorial = S s (E epochs)
  bench: time to 90% ratio = R x      (the issue's aim: <= 0.5)
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from projects.examples.build import lenet5  # noqa: E402
from runtime.compiler import compile_graph  # noqa: E402
from runtime.data import load_dataset  # noqa: E402
from runtime.data.remotes import DEBIAN_FASHION  # noqa: E402
from runtime.trainer import Trainer  # noqa: E402

TARGET = 0.90


@torch.no_grad()
def test_accuracy(module, x, y) -> float:
    module.eval()
    right = sum(int((module(x[i:i + 2000]).argmax(1) == y[i:i + 2000]).sum()) for i in range(0, len(x), 2000))
    module.train()
    return right / len(x)


def netcanvas():
    """The example exactly as shipped (its epochs and learning-rate schedule), on the full data."""
    project = lenet5()
    project.training["dataset"] = {"name": "fashion-mnist", "path": str(DEBIAN_FASHION), "val_fraction": 0.0}
    project.training["early_stopping"] = {"enabled": False}
    trainer = Trainer(project, {}, [])
    image_input = next(n for n in project.graph.nodes.values() if n.type_id == "input.image")
    data = load_dataset(project.training["dataset"], tuple(project.graph.states[image_input.id].outputs[0]))
    state = {"paused_s": 0.0, "epochs": None, "t0": None}

    def on_event(e):
        if e["event"] == "run_started":
            state["t0"] = time.perf_counter()
        if e["event"] == "epoch" and state["epochs"] is None:
            t = time.perf_counter()
            acc = test_accuracy(trainer.compiled.module, data.test.x, data.test.y)
            state["paused_s"] += time.perf_counter() - t
            print(f"  netcanvas epoch {e['epoch']}: test accuracy {acc:.2%}", flush=True)
            if acc >= TARGET:
                state["epochs"] = e["epoch"]
                state["seconds"] = time.perf_counter() - state["t0"] - state["paused_s"]
                trainer.control.stop()

    trainer.sinks = [on_event]
    trainer.dataset = data
    trainer.run()
    return state.get("seconds"), state["epochs"], data


def tutorial(data, max_epochs: int):
    """The PyTorch tutorial's loop: a DataLoader over the training set, batch 64, Adam 1e-3."""
    torch.manual_seed(0)
    module = compile_graph(lenet5().graph).module
    opt = torch.optim.Adam(module.parameters(), lr=1e-3)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(data.train.x, data.train.y),
                                         batch_size=64, shuffle=True)
    spent = 0.0
    for epoch in range(1, max_epochs + 1):
        t = time.perf_counter()
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.cross_entropy(module(xb), yb)
            loss.backward()
            opt.step()
        spent += time.perf_counter() - t
        acc = test_accuracy(module, data.test.x, data.test.y)
        print(f"  tutorial epoch {epoch}: test accuracy {acc:.2%}", flush=True)
        if acc >= TARGET:
            return spent, epoch
    return None, None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-epochs", type=int, default=15)
    args = parser.parse_args()
    ours, our_epochs, data = netcanvas()
    theirs, their_epochs = tutorial(data, args.max_epochs)
    for name, s, e in (("netcanvas", ours, our_epochs), ("tutorial", theirs, their_epochs)):
        print(f"bench: time to 90% {name} = {s:.1f} s ({e} epochs)" if s else
              f"bench: time to 90% {name} = not reached")
    if ours and theirs:
        print(f"bench: time to 90% ratio = {ours / theirs:.2f} x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
