"""Learning-rate schedules compared on the bundled examples, the measurement behind the "auto"
schedule: ``python bench/schedules.py [--seeds 0,1] [--only NAME]`` (about 10 minutes on 2 cores).

Each run is an example's shipped recipe with only the schedule changed (and, where named, early
stopping off so the run trains to its end), evaluated on its test split; the figure is the mean
over the seeds. constant = ``none``; cosine = cosine to zero after a warm-up of a tenth of the run
(at most one epoch); wsd = the same warm-up, the rate set, a linear fall to zero over the last
fifth; auto = what the default resolves to for the example's task.

  bench: schedule <example> <variant> test <metric> = V
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from projects.dlproj import read_project  # noqa: E402
from runtime.use import evaluate_project  # noqa: E402
from runtime.trainer import Trainer, record_run  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[1] / "projects" / "examples"
NO_STOP = {"early_stopping": {"enabled": False}}
RUNS = {  # label: (example, overrides besides the schedule)
    "mlp-20-epochs-to-the-end": ("mlp", NO_STOP),
    "mlp-as-shipped": ("mlp", {}),
    "lenet5-classic": ("lenet5-classic", {}),
    "vae-fashion": ("vae-fashion", {}),
    "vae-2d": ("vae-2d", {}),
}


def variant(name: str, epochs: int) -> dict:
    warmup = min(1.0, epochs / 10)
    return {"constant": {"name": "none"}, "cosine": {"name": "cosine", "warmup_epochs": warmup},
            "wsd": {"name": "wsd", "warmup_epochs": warmup}, "auto": {"name": "auto"}}[name]


def test_metric(example: str, overrides: dict, seed: int) -> tuple[str, float]:
    project, _ = read_project(EXAMPLES / f"{example}.dlproj")
    result = Trainer(project, {"seed": seed, **overrides}).run()
    record_run(project, result)
    report = evaluate_project(project)
    key = "accuracy" if "accuracy" in report else "loss"
    return key, report[key]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--only", choices=list(RUNS), action="append")
    parser.add_argument("--variants", default="constant,cosine,wsd,auto")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    for label in args.only or RUNS:
        example, extra = RUNS[label]
        epochs = read_project(EXAMPLES / f"{example}.dlproj")[0].training["epochs"]
        for name in args.variants.split(","):
            values = [test_metric(example, {**extra, "schedule": variant(name, epochs)}, seed) for seed in seeds]
            key = values[0][0]
            mean = statistics.mean(v for _, v in values)
            shown = f"{mean:.2%}" if key == "accuracy" else f"{mean:.2f} (-ELBO or loss)"
            print(f"bench: schedule {label} {name} test {key} = {shown}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
