"""Qt-free helpers for editors and benchmarks: where a new block goes and generated test graphs."""
from __future__ import annotations

from .graph import Graph
from .layout import COLUMN_WIDTH, auto_layout
from .project import Project


def position_after(positions: dict[str, list[float]], node_id: str) -> list[float]:
    """Where a block appended after ``node_id`` is placed: one column to the right."""
    x, y = positions.get(node_id, [0.0, 0.0])
    return [x + COLUMN_WIDTH, y]


def insertion_moves(graph, positions: dict[str, list[float]], src: str, dst: str,
                    dropped: list[float]) -> tuple[list[float], dict[str, list[float]]]:
    """Where a block dropped on the wire ``src`` -> ``dst`` goes, and the moves that make room for it:
    it takes the column right of ``src``, and ``dst`` with every block it feeds shifts right by the
    room missing. A wire that runs backwards (to the next band of a wrapped layout) keeps the drop
    point and moves nothing."""
    sx, sy = positions.get(src, dropped)
    dx, _dy = positions.get(dst, dropped)
    if dx <= sx:
        return list(dropped), {}
    spot = [sx + COLUMN_WIDTH, sy]
    missing = spot[0] + COLUMN_WIDTH - dx
    if missing <= 0:
        return spot, {}
    fed: dict[str, list[str]] = {}
    for w in graph.wires:
        fed.setdefault(w.src, []).append(w.dst)
    reach, todo = {dst}, [dst]
    while todo:
        for nxt in fed.get(todo.pop(), ()):
            if nxt not in reach and nxt != src:
                reach.add(nxt)
                todo.append(nxt)
    moves = {nid: [positions[nid][0] + missing, positions[nid][1]] for nid in reach if nid in positions}
    return spot, moves


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
