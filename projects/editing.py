"""Qt-free helpers for editors and benchmarks: where a new block goes and generated test graphs."""
from __future__ import annotations

from .graph import Graph
from .layout import COLUMN_WIDTH, auto_layout
from .project import Project


def position_after(positions: dict[str, list[float]], node_id: str) -> list[float]:
    """Where a block appended after ``node_id`` is placed: one column to the right."""
    x, y = positions.get(node_id, [0.0, 0.0])
    return [x + COLUMN_WIDTH, y]


def generated_project(blocks: int = 500, fan_out: int = 20) -> Project:
    """A large valid graph for benchmarks: an input feeding ``fan_out`` dense branches (so the input
    has ``fan_out`` wires) and one long dense chain making up the rest of ``blocks``."""
    graph = Graph()
    with graph.batch():
        inp = graph.add_node("input.vector", "Input", {"features": 32})
        for i in range(fan_out):
            node = graph.add_node("core.dense", f"Branch{i + 1}", {"units": 16})
            graph.connect(inp.id, "out", node.id, "in")
        prev = inp
        for i in range(max(blocks - fan_out - 1, 0)):
            node = graph.add_node("core.dense", f"Dense{i + 1}", {"units": 32, "activation": "relu"})
            graph.connect(prev.id, "out", node.id, "in")
            prev = node
    project = Project(graph=graph, meta={"title": f"Generated graph ({blocks} blocks)"})
    project.view["positions"] = auto_layout(graph, wrap=24)
    return project
