"""Copy and paste of a selection of blocks as plain JSON (no Qt): the editor puts this on the
system clipboard under :data:`MIME_TYPE`, so blocks can be pasted into another window."""
from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable

from nodes import resolve

from .graph import Graph, Node, Wire

MIME_TYPE = "application/x-netcanvas-blocks+json"
FORMAT = "netcanvas.blocks"


def copy_selection(graph: Graph, positions: dict[str, list[float]], ids: Iterable[str]) -> dict[str, Any]:
    """The selected blocks (in graph order), their positions and the wires between them."""
    chosen = set(ids)
    order = [nid for nid in graph.nodes if nid in chosen]
    nodes = [{"id": nid, "type": graph.nodes[nid].type_id, "name": graph.nodes[nid].name,
              "params": copy.deepcopy(graph.nodes[nid].params), "trainable": graph.nodes[nid].trainable,
              "pos": list(positions.get(nid, [0.0, 0.0]))} for nid in order]
    wires = [{"from": [w.src, w.src_port], "to": [w.dst, w.dst_port]} for w in graph.wires
             if w.src in chosen and w.dst in chosen]
    return {"format": FORMAT, "version": 1, "nodes": nodes, "wires": wires}


@dataclass
class PastePlan:
    """New nodes (fresh ids, unique names), the wires between them and their positions."""

    nodes: list[Node] = field(default_factory=list)
    wires: list[Wire] = field(default_factory=list)
    positions: dict[str, list[float]] = field(default_factory=dict)


def paste_plan(graph: Graph, data: Any, offset: tuple[float, float] = (40.0, 40.0)) -> PastePlan:
    """What pasting ``data`` (from :func:`copy_selection`) into ``graph`` adds. Unknown block types
    and malformed entries are skipped; nothing in ``graph`` is changed."""
    plan = PastePlan()
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("nodes"), list):
        return plan
    taken = {n.name for n in graph.nodes.values()}
    new_ids: dict[str, str] = {}
    for raw in data["nodes"]:
        if not isinstance(raw, dict):
            continue
        block = resolve(str(raw.get("type", "")))
        if block is None:
            continue
        name = _unique(str(raw.get("name") or block.default_name or block.title), taken)
        taken.add(name)
        params = raw.get("params") if isinstance(raw.get("params"), dict) else {}
        node = Node(uuid.uuid4().hex, block.type_id, name, block.complete(params), block.version,
                    trainable=raw.get("trainable") is not False)
        new_ids[str(raw.get("id"))] = node.id
        plan.nodes.append(node)
        pos = raw.get("pos") if isinstance(raw.get("pos"), list) and len(raw.get("pos")) == 2 else [0.0, 0.0]
        plan.positions[node.id] = [float(pos[0]) + offset[0], float(pos[1]) + offset[1]]
    for raw in data.get("wires") or []:
        try:
            (src, sp), (dst, dp) = raw["from"], raw["to"]
        except (TypeError, KeyError, ValueError):
            continue
        if src in new_ids and dst in new_ids:
            plan.wires.append(Wire(new_ids[src], str(sp), new_ids[dst], str(dp)))
    return plan


def _unique(base: str, taken: set[str]) -> str:
    if base and base not in taken:
        return base
    stem = base.rstrip("0123456789") or "Block"
    i = 1
    while f"{stem}{i}" in taken:
        i += 1
    return f"{stem}{i}"
