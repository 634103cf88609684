"""The model graph: block instances (nodes) wired port to port, with live shape inference.

Every edit goes through a method of :class:`Graph`, which re-infers shapes downstream of the
change only and tells its listeners what changed (plain event records), so that an editor,
an undo stack and a file loader all see one model. No Qt, no torch.
"""
from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import networkx as nx

from nodes import Block, axes_text, resolve

from .inference import NodeState, infer_node
from .problems import Problem, graph_problems


class GraphEditError(ValueError):
    """An edit that cannot be made; the message says why in one sentence."""


@dataclass
class Node:
    id: str
    type_id: str
    name: str
    params: dict[str, Any]
    type_version: int = 1
    trainable: bool = True  # False: frozen, its weights keep their values while the rest trains
    # Keys a newer format version wrote on this node, kept as read and written back (never interpreted).
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def block(self) -> type[Block] | None:
        return resolve(self.type_id)


@dataclass(frozen=True)
class Wire:
    src: str
    src_port: str
    dst: str
    dst_port: str


@dataclass(frozen=True)
class GraphEvent:
    """What changed: kind is node_added, node_removed, wire_added, wire_removed, params_changed,
    renamed, trainable_changed or states_changed (``ids`` lists the nodes whose shapes/problems were re-inferred)."""

    kind: str
    node: str | None = None
    wire: Wire | None = None
    ids: tuple[str, ...] = ()


Listener = Callable[[GraphEvent], None]


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    wires: list[Wire] = field(default_factory=list)

    def __post_init__(self):
        self._g = nx.MultiDiGraph()
        self._into: dict[tuple[str, str], Wire] = {}
        self.states: dict[str, NodeState] = {}
        self.graph_problems: list[Problem] = []
        self._listeners: list[Listener] = []
        self._batch_depth = 0
        self._dirty: set[str] = set()
        self._names: dict[str, str] = {}  # name -> node id: name look-ups stay O(1), loading n blocks O(n)
        self._free_from: dict[str, int] = {}  # stem -> every "stem<i>" with i below it is taken
        for n in self.nodes.values():
            self._g.add_node(n.id)
            self._names[n.name] = n.id
        for w in self.wires:
            self._g.add_edge(w.src, w.dst, key=w)
            self._into[(w.dst, w.dst_port)] = w
        self.reinfer(self.nodes)

    def copy(self) -> "Graph":
        """An independent graph with the same blocks (ids, names, parameters, frozen or not) and wires,
        in the same order; its shapes are inferred anew, its listeners none."""
        nodes = {nid: Node(n.id, n.type_id, n.name, copy.deepcopy(n.params), n.type_version, n.trainable,
                           copy.deepcopy(n.extra)) for nid, n in self.nodes.items()}
        return Graph(nodes, list(self.wires))

    # ---- listeners ---------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _emit(self, event: GraphEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    # ---- queries -----------------------------------------------------------------------
    def node_by_name(self, name: str) -> Node | None:
        node = self.nodes.get(self._names.get(name, ""))
        return node if node is not None and node.name == name else None

    def _name_freed(self, name: str, node_id: str) -> None:
        if self._names.get(name) == node_id:
            del self._names[name]
        stem = name.rstrip("0123456789")
        if stem in self._free_from and 0 < len(name) - len(stem) < 19:
            self._free_from[stem] = min(self._free_from[stem], int(name[len(stem):]))

    def wire_into(self, node_id: str, port: str) -> Wire | None:
        return self._into.get((node_id, port))

    def wires_of(self, node_id: str) -> list[Wire]:
        return [w for w in self.wires if w.src == node_id or w.dst == node_id]

    def inputs_of(self, node_id: str) -> list[Wire]:
        return [w for (_, _, w) in self._g.in_edges(node_id, keys=True)]

    def outputs_of(self, node_id: str) -> list[Wire]:
        return [w for (_, _, w) in self._g.out_edges(node_id, keys=True)]

    def topological_order(self) -> list[str]:
        """Node ids so that every wire goes forward; raises GraphEditError on a cycle."""
        try:
            return list(nx.topological_sort(self._g))
        except nx.NetworkXUnfeasible:
            raise GraphEditError("the graph contains a loop") from None

    def is_acyclic(self) -> bool:
        return nx.is_directed_acyclic_graph(self._g)

    def find_cycle(self) -> list[str]:
        try:
            return [edge[0] for edge in nx.find_cycle(self._g)]  # (u, v, key) on a multigraph
        except nx.NetworkXNoCycle:
            return []

    def downstream(self, ids: Iterable[str]) -> set[str]:
        # one traversal from all the starting nodes (not one per node: loading n blocks stays O(n))
        out = set(ids)
        stack = [i for i in out if i in self._g]
        while stack:
            for j in self._g.successors(stack.pop()):
                if j not in out:
                    out.add(j)
                    stack.append(j)
        return out

    def upstream(self, node_id: str) -> set[str]:
        """``node_id`` and every node that feeds it, directly or not."""
        return {node_id} | nx.ancestors(self._g, node_id) if node_id in self._g else {node_id}

    def output_shape(self, node_id: str, port: str):
        state = self.states.get(node_id)
        if not state or state.outputs is None:
            return None
        block = self.nodes[node_id].block
        names = [p.name for p in block.outputs]
        return state.outputs[names.index(port)] if port in names else None

    def port_text(self, node_id: str, port: str) -> str:
        """The shape on an output port as wires show it, a sequence's axes named ("28 steps x 28");
        "" while unknown."""
        shape = self.output_shape(node_id, port)
        if shape is None:
            return ""
        node = self.nodes[node_id]
        return axes_text(shape, node.block.output_layout(node.params) if node.block else "")

    def outputs_text(self, node_id: str) -> str:
        """All output shapes of a block, axes named ("?" while unknown)."""
        block, state = self.nodes[node_id].block, self.states.get(node_id)
        if block is None or state is None or state.outputs is None:
            return "?"
        return ", ".join(self.port_text(node_id, p.name) for p in block.outputs)

    def inputs_text(self, node_id: str) -> str:
        """The shapes arriving at a block's inputs, axes named ("none" when nothing is wired)."""
        block = self.nodes[node_id].block
        wires = [self.wire_into(node_id, p.name) for p in (block.inputs if block else ())]
        return ", ".join(self.port_text(w.src, w.src_port) or "?" for w in wires if w is not None) or "none"

    def problems(self) -> list[Problem]:
        """Every validation problem: the graph's, then each node's in topological-ish order."""
        out = list(self.graph_problems)
        for nid in self.nodes:
            out.extend(self.states[nid].problems)
        return out

    def is_valid(self) -> bool:
        return not any(p.severity == "error" for p in self.problems())

    def unique_name(self, base: str) -> str:
        if base and self.node_by_name(base) is None:
            return base
        stem = base.rstrip("0123456789") or "Block"
        i = self._free_from.get(stem, 1)
        while self.node_by_name(f"{stem}{i}") is not None:
            i += 1
        self._free_from[stem] = i
        return f"{stem}{i}"

    # ---- edits -------------------------------------------------------------------------
    def add_node(self, type_id: str, name: str | None = None, params: dict | None = None,
                 node_id: str | None = None) -> Node:
        block = resolve(type_id)
        if block is None:
            raise GraphEditError(f"unknown block type {type_id!r}")
        if name is not None and self.node_by_name(name):
            raise GraphEditError(f"a block named '{name}' already exists: choose another name")
        node = Node(node_id or uuid.uuid4().hex, block.type_id,
                    name or self.unique_name(block.default_name or block.title),
                    block.complete(params), block.version)
        if node.id in self.nodes:
            raise GraphEditError(f"a block with id {node.id} already exists")
        self.nodes[node.id] = node
        self._names[node.name] = node.id
        self._g.add_node(node.id)
        self._emit(GraphEvent("node_added", node=node.id))
        self.reinfer([node.id])
        return node

    def remove_node(self, node_id: str) -> tuple[Node, list[Wire]]:
        """Remove a node and its wires; returns both so that an undo can put them back."""
        node = self.nodes[node_id]
        removed = self.wires_of(node_id)
        with self.batch():
            for w in removed:
                self.disconnect(w)
            del self.nodes[node_id]
            self._name_freed(node.name, node_id)
            self._g.remove_node(node_id)
            self.states.pop(node_id, None)
            self._dirty.discard(node_id)
            self._emit(GraphEvent("node_removed", node=node_id))
        return node, removed

    def restore_node(self, node: Node, wires: Iterable[Wire] = ()) -> None:
        """Put back a node removed earlier (undo), with the same id, name and parameters."""
        with self.batch():
            self.nodes[node.id] = node
            self._names[node.name] = node.id
            self._g.add_node(node.id)
            self._emit(GraphEvent("node_added", node=node.id))
            self._dirty.add(node.id)
            for w in wires:
                self.connect(w.src, w.src_port, w.dst, w.dst_port)

    def restore(self, nodes: Iterable[tuple[int, Node]], wires: Iterable[tuple[int, Wire]] = ()) -> None:
        """Put back nodes and wires removed earlier (undo) at their former places: each index is the
        node's place in the node order, or the wire's in the wire list, before the removal, so the
        graph reads, saves and compiles exactly as it did. The wires are not checked again."""
        nodes = sorted(nodes, key=lambda item: item[0])
        wires = sorted(wires, key=lambda item: item[0])
        with self.batch():
            order = list(self.nodes.values())
            for i, node in nodes:
                order.insert(i, node)
                self._names[node.name] = node.id
                self._dirty.add(node.id)
            self.nodes.clear()
            self.nodes.update((n.id, n) for n in order)
            for i, wire in wires:
                self.wires.insert(i, wire)
                self._into[(wire.dst, wire.dst_port)] = wire
                self._dirty.add(wire.dst)
            self._g.clear()  # rebuilt in document order: ties in topological order fall as after a load
            self._g.add_nodes_from(self.nodes)
            self._g.add_edges_from((w.src, w.dst, w, {}) for w in self.wires)
            for _, node in nodes:
                self._emit(GraphEvent("node_added", node=node.id))
            for _, wire in wires:
                self._emit(GraphEvent("wire_added", wire=wire))

    def connect_problem(self, src: str, src_port: str, dst: str, dst_port: str) -> str | None:
        """Why this wire cannot be drawn (one sentence), or None when it can."""
        a, b = self.nodes.get(src), self.nodes.get(dst)
        if a is None or b is None:
            return "both ends of a wire must be blocks on the canvas"
        if src == dst:
            return f"'{a.name}' cannot feed itself: wire it to another block"
        out_port = next((p for p in a.block.outputs if p.name == src_port), None)
        in_port = next((p for p in b.block.inputs if p.name == dst_port), None)
        if out_port is None:
            return f"'{a.name}' has no output named '{src_port}'"
        if in_port is None:
            return f"'{b.name}' has no input named '{dst_port}'"
        if out_port.dtype != in_port.dtype:
            kinds = {"float": "real-valued tensors", "index": "integer ids (tokens or labels)"}
            return (f"'{b.name}' input '{dst_port}' takes {kinds[in_port.dtype]} but '{a.name}' gives "
                    f"{kinds[out_port.dtype]}")
        if (dst, dst_port) in self._into:
            return f"'{b.name}' input '{dst_port}' is already wired: remove that wire first"
        if dst in self._g and nx.has_path(self._g, dst, src):
            return f"wiring '{a.name}' to '{b.name}' would make a loop: data must flow one way"
        return None

    def connect(self, src: str, src_port: str, dst: str, dst_port: str, check: bool = True) -> Wire:
        if check:
            reason = self.connect_problem(src, src_port, dst, dst_port)
            if reason:
                raise GraphEditError(reason)
        wire = Wire(src, src_port, dst, dst_port)
        self.wires.append(wire)
        self._g.add_edge(src, dst, key=wire)
        self._into[(dst, dst_port)] = wire
        self._emit(GraphEvent("wire_added", wire=wire))
        self.reinfer([dst])
        return wire

    def disconnect(self, wire: Wire) -> None:
        self.wires.remove(wire)
        self._g.remove_edge(wire.src, wire.dst, key=wire)
        self._into.pop((wire.dst, wire.dst_port), None)
        self._emit(GraphEvent("wire_removed", wire=wire))
        self.reinfer([wire.dst])

    def set_param(self, node_id: str, name: str, value: Any) -> Any:
        """Set one parameter (stored even when out of bounds: validation reports it); returns the old value."""
        node = self.nodes[node_id]
        param = node.block.param(name)
        old = node.params.get(name)
        node.params[name] = param.coerce(value)
        self._emit(GraphEvent("params_changed", node=node_id))
        self.reinfer([node_id])
        return old

    def set_trainable(self, node_id: str, trainable: bool) -> bool:
        """Freeze (False) or unfreeze a block's weights; returns the old setting."""
        node = self.nodes[node_id]
        old, node.trainable = node.trainable, bool(trainable)
        self._emit(GraphEvent("trainable_changed", node=node_id))
        return old

    def rename(self, node_id: str, name: str) -> str:
        name = name.strip()
        node = self.nodes[node_id]
        if not name:
            raise GraphEditError("a block needs a name: type at least one character")
        other = self.node_by_name(name)
        if other and other.id != node_id:
            raise GraphEditError(f"a block named '{name}' already exists: choose another name")
        old, node.name = node.name, name
        self._name_freed(old, node_id)
        self._names[name] = node_id
        self._emit(GraphEvent("renamed", node=node_id))
        self.reinfer([node_id])  # its own problems and those downstream quote the name
        return old

    # ---- inference ---------------------------------------------------------------------
    def batch(self) -> "_Batch":
        """Context manager: edits inside re-infer once, at the end (loading, pasting, layout)."""
        return _Batch(self)

    def reinfer(self, changed: Iterable[str]) -> None:
        """Re-infer the changed nodes and everything downstream of them."""
        self._dirty.update(i for i in changed if i in self.nodes)
        if self._batch_depth == 0:
            self._flush()

    def _flush(self) -> None:
        affected = self.downstream(self._dirty) | (self.nodes.keys() - self.states.keys())
        self._dirty.clear()
        self.graph_problems = graph_problems(self)
        cyclic = set().union(*(c for c in nx.strongly_connected_components(self._g) if len(c) > 1),
                             nx.nodes_with_selfloops(self._g)) if not self.is_acyclic() else set()
        order = self._order(affected - cyclic)
        for nid in order:
            self.states[nid] = infer_node(self, self.nodes[nid])
        for nid in affected & cyclic:
            self.states[nid] = NodeState.in_cycle(self.nodes[nid])
        if affected:
            self._emit(GraphEvent("states_changed", ids=tuple(order) + tuple(affected & cyclic)))

    def _order(self, ids: set[str]) -> list[str]:
        """``ids`` (loop-free among themselves) in topological order, generation by generation, ties in
        insertion order; walks the adjacency directly (a subgraph view costs more than the inference)."""
        members = [i for i in self._g if i in ids]
        waiting = dict.fromkeys(members, 0)
        for i in members:
            for j in self._g.successors(i):
                if j in waiting:
                    waiting[j] += 1
        layer, order = [i for i in members if waiting[i] == 0], []
        while layer:
            order.extend(layer)
            nxt = []
            for i in layer:
                for j in self._g.successors(i):
                    if j in waiting:
                        waiting[j] -= 1
                        if waiting[j] == 0:
                            nxt.append(j)
            layer = nxt
        return order


class _Batch:
    def __init__(self, graph: Graph):
        self.graph = graph

    def __enter__(self):
        self.graph._batch_depth += 1
        return self.graph

    def __exit__(self, *exc):
        self.graph._batch_depth -= 1
        if self.graph._batch_depth == 0:
            self.graph._flush()
        return False
