"""Shape inference after one edit: ``python bench/shape_inference.py``.

Figures (median of repeated runs, perf_counter):
  * lenet5: set_param on the first Conv2d ('C1' filters 6 <-> 8), everything downstream
    re-infers (target <= 5 ms);
  * a generated 1,000-block graph (projects.graphgen): set_param on the first Conv2d, right
    after the input, so every block but the input re-infers (target <= 50 ms).
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from projects.examples.build import lenet5  # noqa: E402
from projects.graphgen import generate_graph  # noqa: E402


def median_edit_ms(graph, node_id: str, name: str, values: tuple, repeats: int) -> float:
    """Median wall time of ``graph.set_param`` (edit + incremental re-inference), in ms."""
    times = []
    for i in range(repeats):
        value = values[i % len(values)]
        t0 = time.perf_counter()
        graph.set_param(node_id, name, value)
        times.append(time.perf_counter() - t0)
    assert graph.is_valid(), graph.problems()[0].message
    return statistics.median(times) * 1e3


def first_conv(graph):
    for nid in graph.topological_order():
        if graph.nodes[nid].type_id == "conv.conv2d":
            return nid
    raise LookupError("no Conv2d in the graph")


def main() -> None:
    small = lenet5().graph
    ms = median_edit_ms(small, first_conv(small), "out_channels", (8, 6), 201)
    print(f"bench: shape inference after one edit, lenet5 ({len(small.nodes)} blocks) = {ms:.3f} ms")

    big = generate_graph(1000, seed=0)
    conv = first_conv(big)
    downstream = len(big.downstream([conv]))
    ms = median_edit_ms(big, conv, "kernel", (1, 3), 31)
    print(f"bench: shape inference after one edit, generated graph (1000 blocks, {downstream} re-inferred) "
          f"= {ms:.1f} ms")


if __name__ == "__main__":
    main()
