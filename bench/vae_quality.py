"""VAE test negative ELBO of NetCanvas's Trainer against a hand-written PyTorch VAE loop, in one run.

    python bench/vae_quality.py [--epochs E] [--batch B] [--seed S]

Model: the vae-fashion example (784 -> Dense 400 ReLU -> mu, logvar (16) -> z -> Dense 400 ReLU
-> 784 Sigmoid, BCE reconstruction, beta 1), trained by NetCanvas's Trainer on the full
Fashion-MNIST (Debian's dataset-fashion-mnist, or NETCANVAS_FASHION_MNIST=folder; 60,000
training images in [0, 1], no validation split) for E epochs at batch B with Adam (lr 1e-3).
The reference is bench/generative_reference.py's HandVAE: the same architecture written as the
PyTorch VAE example, its loop and loss (summed over the batch), the same batch size, optimizer
and number of steps. Both are estimated the same way on the 10,000 test images: one sampled
z per image, BCE summed over the pixels plus the KL term, averaged over the images (nats per
image; lower is better).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from bench.generative_reference import HandVAE, load_fashion  # noqa: E402
from projects.examples.build import vae_fashion  # noqa: E402
from runtime.tasks import task_declaration  # noqa: E402
from runtime.tasks.vae.use import TrainedVAE  # noqa: E402
from runtime.devices import pick_device  # noqa: E402
from runtime.trainer import Trainer, record_run  # noqa: E402


def netcanvas(ds, device, epochs: int, batch: int, seed: int) -> tuple[float, float, float, float]:
    """(negative ELBO, reconstruction, KL per test image, training seconds)."""
    project = vae_fashion()
    overrides = {"epochs": epochs, "batch_size": batch, "seed": seed, "device": device.type,
                 "early_stopping": {"enabled": False}}
    t = time.perf_counter()
    result = Trainer(project, overrides, dataset=ds).run()
    seconds = time.perf_counter() - t
    assert result.status == "finished", result.reason
    record_run(project, result)
    trained = TrainedVAE(project, task_declaration("vae"))
    rec, kl = trained.parts.elbo_terms(ds.test.x, 500, torch.Generator().manual_seed(seed))
    return float((rec + kl).mean()), float(rec.mean()), float(kl.mean()), seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int, default=0, help="use only this many training (and test) images (smoke runs)")
    args = ap.parse_args()
    device = pick_device("auto")
    t0 = time.perf_counter()
    ds = load_fashion((1, 28, 28), args.limit or None)
    steps = args.epochs * (len(ds.train.x) // args.batch)
    print(f"# {len(ds.train.x):,} training and {len(ds.test.x):,} test images on {device}, "
          f"{torch.get_num_threads()} threads; {args.epochs} epochs = {steps} steps at batch {args.batch}", flush=True)
    nc, nc_rec, nc_kl, nc_s = netcanvas(ds, device, args.epochs, args.batch, args.seed)
    hand = HandVAE(latent=16, hidden=400, seed=args.seed, device=device)
    t = time.perf_counter()
    hand.train(ds.train.x.to(device), args.batch, steps, seed=args.seed)
    hand_s = time.perf_counter() - t
    hand.model.cpu()
    ref = hand.neg_elbo(ds.test.x, seed=args.seed)
    print(f"# netcanvas trained in {nc_s:.0f} s (test reconstruction {nc_rec:.1f} + KL {nc_kl:.1f}), "
          f"hand-written in {hand_s:.0f} s", flush=True)
    print(f"bench: vae-fashion netcanvas test negative ELBO ({args.epochs} epochs) = {nc:.2f} nats/image")
    print(f"bench: vae-fashion hand-written PyTorch test negative ELBO ({args.epochs} epochs) = {ref:.2f} nats/image")
    print(f"bench: vae-fashion netcanvas / hand-written negative ELBO = {nc / ref:.4f} x")
    print(f"# wall time {time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
