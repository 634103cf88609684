"""projects.graphgen: large random graphs that are valid, deterministic and of the size asked for."""
from __future__ import annotations

import pytest

from nodes import resolve
from projects.dlproj import dumps_project, graph_to_json, loads_project
from projects.graphgen import generate_graph
from projects.project import Project


@pytest.mark.parametrize("n", [4, 5, 9, 37, 400])
def test_exact_size_and_valid(n):
    for seed in range(3):
        g = generate_graph(n, seed=seed)
        assert len(g.nodes) == n
        assert g.is_valid(), g.problems()[0].message


def test_same_seed_same_graph():
    a, b = generate_graph(200, seed=7), generate_graph(200, seed=7)
    strip = lambda g: [(n.name, n.type_id, n.params) for n in g.nodes.values()]  # noqa: E731
    assert strip(a) == strip(b)
    assert strip(a) != strip(generate_graph(200, seed=8))


def test_first_block_after_the_input_feeds_everything():
    g = generate_graph(300, seed=3)
    order = g.topological_order()
    first = g.nodes[order[1]]
    assert first.type_id == "conv.conv2d"
    assert len(g.downstream([first.id])) == len(g.nodes) - 1


def test_branches_are_merged_when_merge_blocks_exist():
    g = generate_graph(300, seed=1)
    merges = [n for n in g.nodes.values() if n.type_id.startswith("merge.")]
    if resolve("merge.add") is None:
        assert merges == [] and len(g.wires) == len(g.nodes) - 1
    else:
        assert merges and len(g.wires) == len(g.nodes) - 1 + len(merges)


def test_large_graph_survives_a_file_round_trip():
    g = generate_graph(1000, seed=0)
    again, errors = loads_project(dumps_project(Project(graph=g)))
    assert errors == [] and graph_to_json(again.graph) == graph_to_json(g) and again.graph.is_valid()


def test_too_small():
    with pytest.raises(ValueError, match="at least 4 blocks"):
        generate_graph(3)


def test_reinference_runs_in_topological_order():
    g = generate_graph(500, seed=2)
    events = []
    g.subscribe(events.append)
    first = g.nodes[g.topological_order()[1]]
    g.set_param(first.id, "kernel", 1 if first.params["kernel"] == 3 else 3)
    (changed,) = [e for e in events if e.kind == "states_changed"]
    position = {nid: i for i, nid in enumerate(changed.ids)}
    assert set(position) == set(g.nodes) - {g.topological_order()[0]}
    assert all(position[w.src] < position[w.dst] for w in g.wires if w.src in position)
    assert g.is_valid()
