"""The two-layer XOR example on 20 seeds: ``python bench/xor_seeds.py [first_seed] [count]``.

Trains the shipped projects/examples/xor-perceptron.dlproj as ``netcanvas train FILE --seed S``
does (the same Trainer with the override {"seed": S}) for S = 0..19, then evaluates it: a seed
converged when the trained network gives every one of XOR's four inputs its target's sign
(`evaluate`'s sign accuracy is 100%). Also prints the median epoch at which all four signs
first became right (measured after each epoch) and the total training time."""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    import torch

    from projects.dlproj import read_project
    from runtime.data.synthetic import truth_table
    from runtime.use import evaluate_project
    from runtime.trainer import Trainer, record_run

    torch.set_num_threads(1)  # four samples: more threads only add overhead
    first = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    x, d = truth_table("xor")
    converged, epochs, failed = 0, [], []
    t0 = time.perf_counter()
    for seed in range(first, first + count):
        project, _ = read_project(ROOT / "projects" / "examples" / "xor-perceptron.dlproj")
        trainer = Trainer(project, {"seed": seed})
        solved: list[int] = []

        def after_epoch(e, trainer=trainer, solved=solved):
            if e["event"] == "epoch" and not solved:
                with torch.no_grad():
                    out = trainer.compiled.module(x.to(trainer.device)).reshape(-1).cpu()
                if bool(((out > 0) == (d > 0)).all()):
                    solved.append(e["epoch"])

        trainer.sinks = [after_epoch]
        result = trainer.run()
        record_run(project, result)
        sign = evaluate_project(project)["sign_accuracy"]
        if result.status == "finished" and sign == 1.0:
            converged += 1
            epochs.append(solved[0] if solved else project.training["epochs"])
        else:
            failed.append(f"{seed} ({sign:.0%})")
    print(f"bench: xor seeds converged = {converged}/{count} seeds")
    if epochs:
        print(f"bench: xor median epochs until every sign is right = {statistics.median(epochs):g} epochs")
    print(f"bench: xor training time for {count} seeds = {time.perf_counter() - t0:.1f} s")
    if failed:
        print("seeds stuck (sign accuracy): " + ", ".join(failed))


if __name__ == "__main__":
    main()
