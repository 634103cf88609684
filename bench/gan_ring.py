"""Mode coverage of the gan-ring example (the classroom 2-D GAN) over several seeds, in one run.

    python bench/gan_ring.py [--seeds 0,1,2] [--epochs E]

Data: gaussian-ring (8 Gaussians of std 0.02 on a circle of radius 2, the mode-collapse
benchmark of Metz et al., VEEGAN and PacGAN). Each seed trains the example with its own recipe
(NetCanvas's Trainer; ``--epochs`` overrides its epochs) and draws 2,500 samples from the
trained generator: a sample is high quality within 3 standard deviations of its nearest
mode, and a mode is covered with at least 20 high-quality samples
(runtime.quality.mode_coverage, as the papers count). Printed: each seed's modes covered and
high-quality share, the worst of each over the seeds, and the training time.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from projects.examples.build import gan_ring  # noqa: E402
from runtime.tasks import task_declaration  # noqa: E402
from runtime.tasks.gan.use import TrainedGAN  # noqa: E402
from runtime.trainer import Trainer, record_run  # noqa: E402


def train_seed(seed: int, epochs: int | None, samples: int) -> tuple[dict, float]:
    project = gan_ring()
    overrides = {"seed": seed, **({"epochs": epochs} if epochs else {})}
    t = time.perf_counter()
    result = Trainer(project, overrides).run()
    seconds = time.perf_counter() - t
    assert result.status == "finished", result.reason
    record_run(project, result)
    trained = TrainedGAN(project, task_declaration("gan"))
    return trained.point_quality(trained.data(), samples, seed=seed), seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--epochs", type=int, default=0, help="override the example's epochs (0: keep them)")
    ap.add_argument("--samples", type=int, default=2500)
    args = ap.parse_args()
    t0 = time.perf_counter()
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"# gan-ring, {torch.get_num_threads()} threads, seeds {seeds}, {args.samples} samples each", flush=True)
    results, times = [], []
    for seed in seeds:
        q, seconds = train_seed(seed, args.epochs or None, args.samples)
        results.append(q)
        times.append(seconds)
        print(f"# seed {seed}: trained in {seconds:.0f} s, high-quality samples per mode {q['per_mode']}", flush=True)
        print(f"bench: gan-ring seed {seed} modes covered = {q['modes_covered']} of {q['modes']}")
        print(f"bench: gan-ring seed {seed} high-quality samples = {q['high_quality']:.1%}")
    print(f"bench: gan-ring worst modes covered = {min(q['modes_covered'] for q in results)} of {results[0]['modes']}")
    print(f"bench: gan-ring worst high-quality samples = {min(q['high_quality'] for q in results):.1%}")
    print(f"bench: gan-ring median training time = {statistics.median(times):.1f} s")
    print(f"# wall time {time.perf_counter() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
