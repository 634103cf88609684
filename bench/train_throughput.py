"""Training throughput of NetCanvas against two reference loops, side by side in one run.

    python bench/train_throughput.py [--epochs-to-90 N] [--repeats R] [--skip-accuracy]

Model: the LeNet-5 (modern) example. Data: full Fashion-MNIST (Debian's dataset-fashion-mnist,
or NETCANVAS_FASHION_MNIST=folder), CPU unless CUDA is present. Each throughput is the
training samples per second of one warm epoch (the first epoch of each loop is a warm-up),
the median over R interleaved repeats. References:
  * hand-written: a plain PyTorch loop over pre-staged tensors (batch 256, Adam, loss.item()
    every step, as people usually write it);
  * tutorial: DataLoader over a TensorDataset (batch 64, shuffle), loss.item() every step.
NetCanvas trains with the same model, optimizer and batch size (256 against the hand-written
loop, 64 against the tutorial loop), without a validation split so that only training is timed.
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from projects.examples.build import lenet5  # noqa: E402
from runtime.data import Dataset, Split, load_dataset  # noqa: E402
from runtime.devices import pick_device  # noqa: E402
from runtime.events import JsonLogSink  # noqa: E402
from runtime.progress import ProgressPrinter  # noqa: E402
from runtime.trainer import Trainer  # noqa: E402


def reference_lenet() -> nn.Module:
    """The same LeNet-5 as the example, written by hand."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def hand_written(x, y, device, batch=256) -> float:
    model = reference_lenet().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    x, y = x.to(device), y.to(device)
    seconds = 0.0
    for epoch in range(2):
        t = time.perf_counter()
        perm = torch.randperm(len(x), device=device)
        total = 0.0
        for i in range(0, len(x) - batch + 1, batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item()
        seconds = time.perf_counter() - t
    return (len(x) // batch * batch) / seconds


def tutorial(x, y, device, batch=64) -> float:
    from torch.utils.data import DataLoader, TensorDataset

    model = reference_lenet().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch, shuffle=True, drop_last=True)
    seconds = 0.0
    for epoch in range(2):
        t = time.perf_counter()
        total = 0.0
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item()
        seconds = time.perf_counter() - t
    return (len(x) // batch * batch) / seconds


class _FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def netcanvas(data: Dataset, device, batch: int, events: bool) -> float:
    epochs = []
    sinks = [lambda e: epochs.append(e) if e["event"] == "epoch" else None]
    log = None
    if events:
        log = JsonLogSink(os.devnull)
        sinks += [ProgressPrinter(_FakeTerminal()), log]
    overrides = {"epochs": 2, "batch_size": batch, "device": device.type, "log_every": 20,
                 "early_stopping": {"enabled": False}}
    result = Trainer(lenet5(), overrides, sinks, dataset=data).run()
    if log:
        log.close()
    assert result.status == "finished", result.reason
    seconds = epochs[1]["elapsed_s"] - epochs[0]["elapsed_s"]
    return (len(data.train.x) // batch * batch) / seconds


def epochs_to_90(full: Dataset, device, max_epochs: int) -> None:
    """Train the LeNet-5 example until the test accuracy reaches 90%; report the wall time."""
    reached = {}
    state = {}

    def watch(e):
        if e["event"] == "epoch":
            task = state["trainer"].task
            acc = task.evaluate({"x": state["x_test"], "y": state["y_test"]}, 2048)["accuracy"]
            print(f"  epoch {e['epoch']}: test accuracy {acc:.2%} after {e['elapsed_s']:.1f} s", flush=True)
            if acc >= 0.90 and "epoch" not in reached:
                reached.update(epoch=e["epoch"], seconds=time.perf_counter() - state["t0"], acc=acc)
                state["trainer"].control.stop()
            state["last"] = (e["epoch"], e["elapsed_s"])

    x_test, y_test = full.test.x.to(device), full.test.y.to(device)
    state.update(x_test=x_test.contiguous(memory_format=torch.channels_last), y_test=y_test)
    trainer = Trainer(lenet5(), {"epochs": max_epochs, "device": device.type,
                                 "early_stopping": {"enabled": False}}, [watch], dataset=full)
    state["trainer"] = trainer
    state["t0"] = time.perf_counter()
    trainer.run()
    if reached:
        print(f"bench: lenet5 epochs to 90% test accuracy = {reached['epoch']} epochs")
        print(f"bench: lenet5 wall time to 90% test accuracy ({device.type}) = {reached['seconds']:.1f} s")
    else:
        print(f"bench: lenet5 wall time to 90% test accuracy ({device.type}) = not reached in {max_epochs} epochs")
    if device.type == "cuda" and max_epochs >= 10:
        pass


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--epochs-to-90", type=int, default=15)
    ap.add_argument("--skip-accuracy", action="store_true")
    ap.add_argument("--ten-epochs", action="store_true", help="also time 10 epochs (for GPU figures)")
    args = ap.parse_args()
    device = pick_device("auto")
    folder = os.environ.get("NETCANVAS_FASHION_MNIST")
    settings = {"name": "fashion-mnist", "val_fraction": 0.1, **({"path": folder} if folder else {})}
    full = load_dataset(settings, (1, 28, 28))
    train_all = Dataset(full.name, full.title, full.targets, full.input_shape, full.classes,
                        Split(torch.cat([full.train.x, full.val.x]), torch.cat([full.train.y, full.val.y])),
                        Split(full.val.x[:0], full.val.y[:0]), full.test, full.normalization, full.source)
    x, y = train_all.train.x, train_all.train.y
    print(f"# {len(x):,} Fashion-MNIST training images on {device}, {torch.get_num_threads()} threads", flush=True)
    runs: dict[str, list[float]] = {k: [] for k in ("hand", "tutorial", "nc256", "nc64", "nc256_events")}
    for r in range(args.repeats):
        runs["hand"].append(hand_written(x, y, device))
        runs["nc256"].append(netcanvas(train_all, device, 256, events=False))
        runs["nc256_events"].append(netcanvas(train_all, device, 256, events=True))
        runs["tutorial"].append(tutorial(x, y, device))
        runs["nc64"].append(netcanvas(train_all, device, 64, events=False))
        print("# repeat", r + 1, {k: round(v[-1]) for k, v in runs.items()}, flush=True)
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(f"bench: hand-written pre-staged loop (batch 256) = {med['hand']:.0f} samples/s")
    print(f"bench: tutorial DataLoader loop (batch 64) = {med['tutorial']:.0f} samples/s")
    print(f"bench: netcanvas (batch 256) = {med['nc256']:.0f} samples/s")
    print(f"bench: netcanvas (batch 64) = {med['nc64']:.0f} samples/s")
    print(f"bench: netcanvas / hand-written (batch 256) = {med['nc256'] / med['hand']:.2f} x")
    print(f"bench: netcanvas / tutorial (batch 64) = {med['nc64'] / med['tutorial']:.2f} x")
    print(f"bench: netcanvas (batch 256) / tutorial (batch 64) = {med['nc256'] / med['tutorial']:.2f} x")
    print(f"bench: netcanvas events on / events off = {med['nc256_events'] / med['nc256']:.3f} x")
    if not args.skip_accuracy:
        epochs_to_90(full, device, args.epochs_to_90)


if __name__ == "__main__":
    main()
