"""The RNN / LSTM / GRU comparison at its default budget on the standard long-dependency task
(remember the first of 64 steps): ``python bench/recurrent_compare.py [epochs]``.

Prints each cell's final validation accuracy, the median gradient norm reaching the recurrent
block over the run, and the seconds it trained."""
from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from runtime.compare_recurrent import compare_recurrent, verdict

    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else None
    results = compare_recurrent(None, epochs)
    for r in results:
        print(f"bench: {r.cell} accuracy = {100 * (r.final or 0):.1f} %")
        if r.grad_norms:
            print(f"bench: {r.cell} median gradient norm at {r.grad_block} = {statistics.median(r.grad_norms):.3g}")
        print(f"bench: {r.cell} training time = {r.seconds:.1f} s")
    print(verdict(results))


if __name__ == "__main__":
    main()
