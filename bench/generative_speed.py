"""GAN and VAE training speed of NetCanvas's Trainer against hand-written PyTorch loops, side by side.

    python bench/generative_speed.py [--steps N] [--warmup W] [--repeats R] [--batch B]

Models: the dcgan-fashion example (DCGAN, base width 32, 32x32) and the vae-fashion example
(MLP VAE, latent 16). Data: full Fashion-MNIST (Debian's dataset-fashion-mnist, or
NETCANVAS_FASHION_MNIST=folder), on the CPU unless CUDA is present. Each figure is training
steps per second from step W to step W + N of one run (the first W steps warm up and are not
timed; no validation split, so only training steps run), the median over R interleaved
repeats. NetCanvas runs its real Trainer (metric buffer, weight keeper, step events every
``log_every`` steps); the hand-written loops are bench/generative_reference.py (the PyTorch
DCGAN and VAE examples' loops over tensors staged once, reading the losses every step).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from bench.generative_reference import HandGAN, HandVAE, load_fashion  # noqa: E402
from projects.examples.build import dcgan_fashion, vae_fashion  # noqa: E402
from runtime.data import Dataset, Split  # noqa: E402
from runtime.devices import pick_device  # noqa: E402
from runtime.trainer import Trainer  # noqa: E402


def first(data: Dataset, n: int) -> Dataset:
    """``data`` with its first ``n`` training images only (one epoch = n // batch steps)."""
    return Dataset(data.name, data.title, data.targets, data.input_shape, data.classes,
                   Split(data.train.x[:n], data.train.y[:n]), Split(data.val.x[:0], data.val.y[:0]),
                   data.test, data.normalization, data.source, dict(data.extras))


def rate(marks: list[tuple[int, float]], warmup: int) -> float:
    """Steps per second between the first mark at or after ``warmup`` and the last mark."""
    start = next((s, t) for s, t in marks if s >= warmup)
    end = marks[-1]
    return (end[0] - start[0]) / (end[1] - start[1])


def netcanvas(make, data: Dataset, device, batch: int, steps: int, warmup: int, log_every: int) -> float:
    """Steps/s of the real Trainer: one epoch of warmup + steps steps, timed from its step events."""
    marks: list[tuple[int, float]] = []

    def sink(e):
        if e["event"] == "step":
            marks.append((e["step"], e["elapsed_s"]))

    overrides = {"epochs": 1, "batch_size": batch, "device": device.type, "log_every": log_every,
                 "early_stopping": {"enabled": False}, "dataset": {"val_fraction": 0.0}}
    result = Trainer(make(), overrides, [sink], dataset=first(data, (warmup + steps) * batch)).run()
    assert result.status == "finished", result.reason
    return rate(marks, warmup)


def hand_gan(x, y, device, batch: int, steps: int, warmup: int) -> float:
    marks: list[tuple[int, float]] = []
    HandGAN(device=device).train(x, y, batch, warmup + steps, timer=marks)
    return rate(marks, warmup)


def hand_vae(x, device, batch: int, steps: int, warmup: int) -> float:
    marks: list[tuple[int, float]] = []
    HandVAE(device=device).train(x, batch, warmup + steps, timer=marks)
    return rate(marks, warmup)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=200, help="timed steps per run (GAN); the VAE runs twice as many")
    ap.add_argument("--warmup", type=int, default=20, help="untimed steps at the start of each run")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--log-every", type=int, default=20, help="the Trainer's log_every (its default: 20)")
    args = ap.parse_args()
    device = pick_device("auto")
    gan_data, vae_data = load_fashion((1, 32, 32)), load_fashion((1, 28, 28))
    gx = (gan_data.train.x * 2 - 1).to(device)  # what the GAN task trains on: [-1, 1] for a Tanh generator
    gy = gan_data.train.y.to(device)
    vx = vae_data.train.x.to(device)
    b, w, s = args.batch, args.warmup, args.steps
    print(f"# {len(gx):,} Fashion-MNIST images on {device}, {torch.get_num_threads()} threads, batch {b}, "
          f"{s} timed GAN steps and {2 * s} VAE steps after {w} warm-up steps", flush=True)
    runs: dict[str, list[float]] = {k: [] for k in ("gan_hand", "gan_nc", "vae_hand", "vae_nc")}
    t0 = time.perf_counter()
    for r in range(args.repeats):
        order = [("gan_hand", lambda: hand_gan(gx, gy, device, b, s, w)),
                 ("gan_nc", lambda: netcanvas(dcgan_fashion, gan_data, device, b, s, w, args.log_every)),
                 ("vae_hand", lambda: hand_vae(vx, device, b, 2 * s, w)),
                 ("vae_nc", lambda: netcanvas(vae_fashion, vae_data, device, b, 2 * s, w, args.log_every))]
        if r % 2:  # alternate who goes first
            order = [order[1], order[0], order[3], order[2]]
        for key, fn in order:
            runs[key].append(fn())
        print("# repeat", r + 1, {k: round(v[-1], 1) for k, v in runs.items()}, flush=True)
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(f"bench: GAN dcgan-fashion hand-written loop (batch {b}) = {med['gan_hand']:.1f} steps/s")
    print(f"bench: GAN dcgan-fashion netcanvas Trainer (batch {b}) = {med['gan_nc']:.1f} steps/s")
    print(f"bench: GAN netcanvas / hand-written = {med['gan_nc'] / med['gan_hand']:.3f} x")
    print(f"bench: VAE vae-fashion hand-written loop (batch {b}) = {med['vae_hand']:.1f} steps/s")
    print(f"bench: VAE vae-fashion netcanvas Trainer (batch {b}) = {med['vae_nc']:.1f} steps/s")
    print(f"bench: VAE netcanvas / hand-written = {med['vae_nc'] / med['vae_hand']:.3f} x")
    print(f"# wall time {time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
