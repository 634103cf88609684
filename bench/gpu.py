"""The GPU path measured: the bundled examples trained by the trainer exactly as the editor and
``netcanvas train`` run them: ``python bench/gpu.py [--device cuda] [--data DIR] [--only NAME]``.

What the trainer does on a GPU (runtime/trainer.py): the whole dataset is staged on the device once,
batches are views cut on the device, convolutional models run channels_last, ``precision: auto``
autocasts to bf16 where the GPU supports it, metrics stay on the device and are read every
``log_every`` steps (the only host syncs), and ``compile: true`` wraps the model in torch.compile.
CUDA graphs are not used.

Runs, each in this process, one after the other:
  lenet5   LeNet-5 (modern), 10 epochs on full Fashion-MNIST (its one-cycle recipe stretched to 10
           epochs), test accuracy on the 10,000 test images; variants: default (bf16), fp32, compile
  dcgan    the DCGAN example as shipped (bundled Fashion-MNIST subset)
  vae      the VAE example as shipped, with its test -ELBO

  bench: gpu <run> <variant> wall = S s            (Trainer.run: staging, compiling, training, validation)
  bench: gpu <run> <variant> training = S s        (first step to last epoch)
  bench: gpu <run> <variant> samples/s = N samples/s
  bench: gpu <run> <variant> test accuracy = A %   (lenet5) / test -ELBO (vae)
  bench: gpu <run> <variant> host syncs per 1000 steps = K   (CUDA only: torch's sync debug mode)

The full Fashion-MNIST is looked for in --data, then in Debian's /usr/share/datasets/fashion-mnist.
A GPU machine that cannot reach the network gets it by copying the four .gz files into an ignored
folder of the working tree (e.g. .cache/fashion-mnist) and passing that folder with --data.
``--device cpu --smoke`` runs every path for a few hundred samples (a check that the script works).
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from projects.examples.build import dcgan_fashion, lenet5, vae_fashion  # noqa: E402
from runtime.data.remotes import DEBIAN_FASHION  # noqa: E402
from runtime.trainer import Trainer, record_run  # noqa: E402

VARIANTS = {"default": {}, "fp32": {"precision": "fp32"}, "compile": {"compile": True}}


def lenet_project(data_dir: Path, smoke: bool):
    project = lenet5()
    project.training["epochs"] = 1 if smoke else 10
    project.training["dataset"] = {"name": "fashion-mnist", "path": str(data_dir), "val_fraction": 0.0,
                                   **({"limit": 512} if smoke else {})}
    project.training["early_stopping"] = {"enabled": False}
    if smoke:
        project.training["log_every"] = 1
    return project


def shipped(make, smoke: bool):
    project = make()
    if smoke:
        project.training["epochs"] = 1
        project.training["dataset"] = {**project.training["dataset"], "limit": 512}
        project.training["log_every"] = 1
    return project


def train(project, device: str, overrides: dict) -> dict:
    """One run; its wall time, training time, samples/s and (on CUDA) host syncs per 1000 steps."""
    times: dict = {}

    def on_event(e):
        if e["event"] == "step" and "first" not in times:
            times["first"] = time.perf_counter()  # after the first log_every steps: warm-up excluded
            times["first_step"] = e["step"]
        if e["event"] == "epoch":
            times["last"], times["last_step"] = time.perf_counter(), e["step"]

    cuda = torch.device(device).type == "cuda"
    trainer = Trainer(project, {"device": device, **overrides}, [on_event])
    t = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if cuda:
            torch.cuda.synchronize()
            torch.cuda.set_sync_debug_mode("warn")
        try:
            result = trainer.run()
        finally:
            if cuda:
                torch.cuda.set_sync_debug_mode("default")
                torch.cuda.synchronize()
    wall = time.perf_counter() - t
    if result.status != "finished":
        raise SystemExit(f"bench/gpu.py: the run failed: {result.reason}")
    record_run(project, result)
    run = result.run
    steps = run["epochs"][-1]["step"]
    samples = run["data"]["sizes"]["train"] * len(run["epochs"])
    span = times["last"] - times["first"]
    timed_steps = max(1, times["last_step"] - times["first_step"])
    out = {"wall": wall, "training": span * steps / timed_steps,
           "samples/s": samples / steps * timed_steps / max(span, 1e-9)}
    if cuda:
        syncs = sum("synchroniz" in str(w.message) for w in caught)
        out["syncs"] = 1000 * syncs / max(1, steps)
    return out


def report(name: str, variant: str, figures: dict, project) -> None:
    print(f"bench: gpu {name} {variant} wall = {figures['wall']:.2f} s")
    print(f"bench: gpu {name} {variant} training = {figures['training']:.2f} s")
    print(f"bench: gpu {name} {variant} samples/s = {figures['samples/s']:,.0f} samples/s")
    if "syncs" in figures:
        print(f"bench: gpu {name} {variant} host syncs per 1000 steps = {figures['syncs']:.1f}")
    from runtime.use import evaluate_project

    if name == "lenet5":
        print(f"bench: gpu {name} {variant} test accuracy = {evaluate_project(project)['accuracy']:.2%}")
    elif name == "vae":
        print(f"bench: gpu {name} {variant} test -ELBO = {evaluate_project(project)['loss']:.2f} per image")
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--data", type=Path, default=None, help="folder with the full Fashion-MNIST .gz files")
    parser.add_argument("--only", choices=("lenet5", "dcgan", "vae"), action="append")
    parser.add_argument("--variants", default="default,fp32,compile")
    parser.add_argument("--smoke", action="store_true", help="a few hundred samples, one epoch (checks the script)")
    args = parser.parse_args()
    if torch.device(args.device).type == "cuda" and not torch.cuda.is_available():
        print("bench: gpu = not measured (this machine has no CUDA GPU; run it where one is, or "
              "--device cpu --smoke to check the script)")
        return 0
    data_dir = args.data or DEBIAN_FASHION
    if not (data_dir / "train-images-idx3-ubyte.gz").exists():
        raise SystemExit(f"bench/gpu.py: no full Fashion-MNIST in {data_dir}: pass --data with the folder of its "
                         "four .gz files")
    if torch.device(args.device).type == "cuda":
        print(f"bench: gpu device = {torch.cuda.get_device_name()}, torch {torch.__version__}")
    runs = {"lenet5": lambda: lenet_project(data_dir, args.smoke), "dcgan": lambda: shipped(dcgan_fashion, args.smoke),
            "vae": lambda: shipped(vae_fashion, args.smoke)}
    variants = args.variants.split(",")
    for name in args.only or runs:
        for variant in variants if name == "lenet5" else variants[:1]:
            project = runs[name]()
            report(name, variant, train(project, args.device, VARIANTS[variant]), project)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
