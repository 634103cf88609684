"""GAN sample quality of NetCanvas's Trainer against a hand-written PyTorch DCGAN loop, in one run.

    python bench/gan_quality.py [--epochs E] [--batch B] [--models dcgan-fashion,cgan-fashion] [--init default|dcgan]

Models: the dcgan-fashion and cgan-fashion examples (DCGAN Generator/Discriminator composites,
base width 32, 32x32; the cGAN feeds a Class label into both), trained by NetCanvas's Trainer
on the full Fashion-MNIST (Debian's dataset-fashion-mnist, or NETCANVAS_FASHION_MNIST=folder;
60,000 training images padded to 32x32, no validation split) for E epochs at batch B with the
examples' optimizers (Adam, lr 2e-4, betas (0.5, 0.999) for both parts). The reference is
bench/generative_reference.py's HandGAN: the same architecture as plain modules, the PyTorch
DCGAN example's loop, with the same batch size, optimizers and number of steps
(``--init dcgan`` gives it the example's N(0, 0.02) weights_init; default: PyTorch's init,
as NetCanvas builds its layers).

Figures: the Frechet distance between the 10,000 test images and 10,000 generated ones in the
feature space of runtime.quality's feature classifier (trained once on the training images and
cached; the same classifier for every figure, so they compare with each other but not with
published Inception FIDs), for the untrained generator, NetCanvas's and the hand-written one,
the ratio NetCanvas / hand-written (below 1: NetCanvas is better), and for the cGAN the class
agreement (share of samples the classifier puts in the class they were generated for; chance
is 10%).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from bench.generative_reference import HandGAN, load_fashion  # noqa: E402
from projects.examples.build import EXAMPLES  # noqa: E402
from runtime.tasks import task_declaration  # noqa: E402
from runtime.tasks.gan.use import TrainedGAN  # noqa: E402
from runtime import quality  # noqa: E402
from runtime.devices import pick_device  # noqa: E402
from runtime.trainer import Trainer, record_run  # noqa: E402


def classifier(ds):
    model, info = quality.cached_feature_classifier(quality.classifier_key(ds), ds.train.x, ds.train.y, len(ds.classes),
                                                    ds.test.x, ds.test.y)
    return model, info


def netcanvas(name: str, ds, device, epochs: int, batch: int, n: int, seed: int) -> tuple[dict, dict, float]:
    """(untrained figures, trained figures, training seconds) of example ``name``."""
    project = EXAMPLES[name]()
    torch.manual_seed(seed)  # the Trainer seeds the same way before compiling
    gan = task_declaration("gan")
    untrained = TrainedGAN(project, gan, allow_untrained=True).frechet_quality(ds, ds.test.x, n, seed)
    overrides = {"epochs": epochs, "batch_size": batch, "seed": seed, "device": device.type,
                 "early_stopping": {"enabled": False}}
    t = time.perf_counter()
    result = Trainer(project, overrides, dataset=ds).run()
    seconds = time.perf_counter() - t
    assert result.status == "finished", result.reason
    record_run(project, result)
    return untrained, TrainedGAN(project, gan).frechet_quality(ds, ds.test.x, n, seed), seconds


def hand_written(classes: int, ds, device, steps: int, batch: int, n: int, seed: int, init: str, model):
    """(figures, training seconds) of the hand-written loop."""
    gan = HandGAN(classes=classes, seed=seed, init=init, device=device)
    x, y = (ds.train.x * 2 - 1).to(device), ds.train.y.to(device)
    t = time.perf_counter()
    gan.train(x, y, batch, steps, seed=seed)
    seconds = time.perf_counter() - t
    gan.G.cpu()
    labels = torch.randint(0, classes, (n,), generator=torch.Generator().manual_seed(seed)) if classes else None
    fake = gan.generate(n, labels, seed + 1)
    out = {"frechet_distance": quality.frechet_distance_images(ds.test.x, fake, model)}
    if classes:
        out["class_agreement"] = quality.class_agreement(fake, labels, model)
    return out, seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--models", default="dcgan-fashion,cgan-fashion")
    ap.add_argument("--init", choices=("default", "dcgan"), default="default",
                    help="the hand-written loop's weight init")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int, default=0, help="use only this many training (and test) images (smoke runs)")
    args = ap.parse_args()
    device = pick_device("auto")
    t0 = time.perf_counter()
    ds = load_fashion((1, 32, 32), args.limit or None)
    n = len(ds.test.x)
    model, info = classifier(ds)
    steps = args.epochs * (len(ds.train.x) // args.batch)
    print(f"# {len(ds.train.x):,} training and {n:,} test images on {device}, {torch.get_num_threads()} threads; "
          f"{args.epochs} epochs = {steps} steps at batch {args.batch}; feature classifier test accuracy "
          f"{info['test_accuracy']:.3f} ({'cached' if info['cached'] else 'trained now'})", flush=True)
    for name in args.models.split(","):
        untrained, trained, nc_s = netcanvas(name, ds, device, args.epochs, args.batch, n, args.seed)
        classes = 10 if "class_agreement" in trained else 0
        hand, hand_s = hand_written(classes, ds, device, steps, args.batch, n, args.seed, args.init, model)
        print(f"# {name}: netcanvas trained in {nc_s:.0f} s, hand-written in {hand_s:.0f} s", flush=True)
        fd_nc, fd_hand = trained["frechet_distance"], hand["frechet_distance"]
        print(f"bench: {name} untrained generator Frechet distance = {untrained['frechet_distance']:.2f}")
        print(f"bench: {name} netcanvas Frechet distance ({args.epochs} epochs) = {fd_nc:.2f}")
        print(f"bench: {name} hand-written PyTorch Frechet distance ({args.epochs} epochs) = {fd_hand:.2f}")
        print(f"bench: {name} netcanvas / hand-written Frechet distance = {fd_nc / fd_hand:.3f} x")
        if classes:
            print(f"bench: {name} untrained class agreement = {untrained['class_agreement']:.1%}")
            print(f"bench: {name} netcanvas class agreement = {trained['class_agreement']:.1%}")
            print(f"bench: {name} hand-written PyTorch class agreement = {hand['class_agreement']:.1%}")
    print(f"# wall time {time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
