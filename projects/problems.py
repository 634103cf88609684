"""Validation problems as values: each names the block (and port or parameter) and says, in a
student's words, what is wrong and how to fix it."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .graph import Graph


@dataclass(frozen=True)
class Problem:
    message: str
    node: str | None = None  # node id; None for whole-graph problems
    port: str | None = None
    param: str | None = None
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        return self.message


def graph_problems(graph: "Graph") -> list[Problem]:
    """Problems of the whole graph: a loop, no input, no head. (How the graph splits into the parts a
    task trains is the task's to check: runtime.tasks.choice.)"""
    out = []
    cycle = graph.find_cycle() if not graph.is_acyclic() else []
    if cycle:
        names = [graph.nodes[i].name for i in cycle]
        loop = " -> ".join(f"'{n}'" for n in [*names, names[0]])
        out.append(Problem(f"The wires {loop} form a loop: data must flow one way, so remove one of these wires",
                           node=cycle[0]))
    roles = {n.block.role for n in graph.nodes.values() if n.block}
    if "input" not in roles:
        out.append(Problem("The model has no input block: add an Image input (or another input) from the palette "
                           "and wire it to the first layer"))
    if "head" not in roles:
        out.append(Problem("The model has no head, so training has nothing to minimise: end it with a "
                           "Classification head (or another head)"))
    return out


def machine_memory_bytes() -> int:
    """Physical memory of this machine (used to refuse blocks too large to allocate)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 16 * 2**30


def human_bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1024 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PB"
