"""The parts of a graph that train as sub-models, found by one rule that tasks configure (no torch,
no Qt).

A part is the blocks computed from its ``feeds`` up to its ``fetches`` (PartRule): a GAN's
generator runs from its Latent noise (and Class label) inputs to what is wired into the Real or
generated block's ``generated`` input, its discriminator from that block to the GAN loss head; a
VAE's encoder runs from the input to the latent's ``mu`` and ``logvar``, its decoder from the
latent's ``z`` to the loss head's ``recon``. A task declares its anchor blocks (exactly one of each),
the wires it requires and its parts in order; ``find_parts`` checks the wiring and says, on the
block concerned, what is wrong. The canvas colours blocks by part; the runtime builds one
sub-model per part from the same modules (the parameters stay shared).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nodes import resolve

from .problems import Problem

if TYPE_CHECKING:
    from .graph import Graph

SHARED = "shared"  # an input block read by more than one part (a conditional GAN's class label)


@dataclass(frozen=True)
class Anchor:
    """A block type that marks a graph as one task's (a GAN's Real or generated block): the task
    needs exactly one of it, and a graph holding one is refused by the other tasks."""

    type_id: str
    fix: str  # what to do when it is missing, e.g. "add one between the generator and the discriminator"


@dataclass(frozen=True)
class Ends:
    """Where a part starts or ends: the output ``port`` of the anchor block ``type_id`` (a VAE
    latent's ``z``), whatever is wired into the input ``into`` of that anchor (a GAN switch's
    ``generated``), or the input blocks of the types ``inputs`` ("*": any input block)."""

    type_id: str = ""
    port: str = ""
    into: str = ""
    inputs: tuple[str, ...] = ()


@dataclass(frozen=True)
class PartRule:
    """One trained sub-model: the blocks computed from ``feeds`` up to ``fetches``. ``inputs``: the
    input block types it may read besides its feeds; ``required``: input types at least one of
    which must feed it; ``title`` names it in messages, ``short`` on the canvas."""

    name: str
    title: str
    short: str
    feeds: tuple[Ends, ...]
    fetches: tuple[Ends, ...]
    inputs: tuple[str, ...] = ()
    required: tuple[str, ...] = ()


@dataclass(frozen=True)
class Wiring:
    """A wire a task requires: input ``into`` of the anchor ``type_id`` comes from output ``port`` of
    the anchor ``source``, or (``source`` "input") straight from an input block that feeds nothing
    else; ``fix`` ends the message when it does not."""

    type_id: str
    into: str
    source: str
    port: str = ""
    fix: str = ""


@dataclass
class ModelParts:
    """Which blocks form which part (``members``: node id -> part name, SHARED for an input several
    parts read), each part's feed and fetch ports ((node id, port), in order) and input blocks,
    the anchor blocks by type, and the wiring problems (empty when the parts are sound)."""

    members: dict[str, str] = field(default_factory=dict)
    feeds: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    fetches: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    inputs: dict[str, list[str]] = field(default_factory=dict)
    anchors: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.members) and not self.problems

    def inputs_of_type(self, part: str, type_id: str, graph: "Graph") -> list[str]:
        return [i for i in self.inputs.get(part, []) if graph.nodes[i].type_id == type_id]


def find_parts(graph: "Graph", title: str, anchors: tuple[Anchor, ...], wiring: tuple[Wiring, ...],
               rules: tuple[PartRule, ...]) -> ModelParts:
    """The parts ``rules`` make of ``graph`` for the task called ``title`` (see the module docstring)."""
    parts = ModelParts()
    _find_anchors(graph, title, anchors, parts)
    if parts.problems:
        return parts
    for rule in wiring:
        _check_wire(graph, rule, parts)
    if not graph.is_acyclic():
        return parts  # the loop is reported by the graph itself
    claimed: dict[str, str] = {}
    boundaries = {nid for rule in rules for e in rule.feeds if e.port for nid in [parts.anchors.get(e.type_id)] if nid}
    for rule in rules:
        _find_part(graph, rule, parts, claimed, boundaries)
    parts.members = claimed
    return parts


def _find_anchors(graph: "Graph", title: str, anchors: tuple[Anchor, ...], parts: ModelParts) -> None:
    found = {a.type_id: [n.id for n in graph.nodes.values() if n.type_id == a.type_id] for a in anchors}
    for a in anchors:
        ids = found[a.type_id]
        if len(ids) == 1:
            parts.anchors[a.type_id] = ids[0]
            continue
        block = graph.nodes[ids[0]].block.title if ids else (resolve(a.type_id).title if resolve(a.type_id)
                                                             else a.type_id)
        other = next((found[b.type_id][0] for b in anchors if found[b.type_id]), None)
        parts.problems.append(Problem(
            f"A {title} needs exactly one {block} block, but this graph has {len(ids)}: "
            f"{'remove the extra ones' if ids else a.fix}", ids[1] if len(ids) > 1 else other))
        return


def _check_wire(graph: "Graph", rule: Wiring, parts: ModelParts) -> None:
    dst = parts.anchors[rule.type_id]
    wire = graph.wire_into(dst, rule.into)
    if wire is None:
        return  # the block itself reports its unconnected input
    name, src = graph.nodes[dst].name, graph.nodes[wire.src]
    if rule.source == "input":
        if src.block is None or src.block.role != "input":
            parts.problems.append(Problem(f"'{name}' must receive its '{rule.into}' straight from an input block: "
                                          f"{rule.fix}", dst, port=rule.into))
            return
        others = [w for w in graph.outputs_of(src.id) if w.dst != dst]
        if others:
            parts.problems.append(Problem(f"the input '{src.name}' should feed only '{name}' (its '{rule.into}'): "
                                          f"{rule.fix}", src.id))
        return
    source = parts.anchors.get(rule.source)
    if source is not None and (wire.src, wire.src_port) != (source, rule.port):
        parts.problems.append(Problem(f"'{name}' must take its '{rule.into}' from '{graph.nodes[source].name}': "
                                      f"wire its '{rule.port}' output there", dst, port=rule.into))


def _ends(graph: "Graph", ends: tuple[Ends, ...], parts: ModelParts) -> list[tuple[str, str]] | None:
    """The (node, port) pairs ``ends`` name; None when one of them is not wired yet."""
    out: list[tuple[str, str]] = []
    for e in ends:
        if e.inputs:
            continue  # input blocks: found while walking the part
        anchor = parts.anchors[e.type_id]
        if e.port:
            out.append((anchor, e.port))
        else:
            wire = graph.wire_into(anchor, e.into)
            if wire is None:
                return None
            out.append((wire.src, wire.src_port))
    return out


def _find_part(graph: "Graph", rule: PartRule, parts: ModelParts, claimed: dict[str, str],
               boundaries: set[str]) -> None:
    fetches, feeds = _ends(graph, rule.fetches, parts), _ends(graph, rule.feeds, parts)
    if fetches is None or feeds is None:
        return  # an end is not wired yet: the block itself says so
    walk = _PartWalk(graph, rule, parts, claimed, boundaries, feeds, fetches)
    walk.run()
    walk.finish()
    parts.feeds[rule.name] = feeds
    parts.fetches[rule.name] = fetches
    parts.inputs[rule.name] = sorted(walk.inputs, key=list(graph.nodes).index)


class _PartWalk:
    """The walk up the wires from a part's fetches to its feeds, claiming the blocks it passes and
    noting every wire that breaks the part's rule."""

    def __init__(self, graph, rule: PartRule, parts: ModelParts, claimed: dict[str, str], boundaries: set[str],
                 feeds: list[tuple[str, str]], fetches: list[tuple[str, str]]):
        self.graph, self.rule, self.parts, self.claimed, self.boundaries = graph, rule, parts, claimed, boundaries
        self.feeds, self.fetches = feeds, fetches
        self.input_types = {t for e in rule.feeds for t in e.inputs}
        self.own = {nid for nid, _ in feeds}
        self.fetch_nodes = {nid for nid, _ in fetches}
        self.reached = {nid for nid in self.fetch_nodes if nid in self.own}  # feed blocks the part starts from
        self.inputs: list[str] = []

    def problem(self, text: str, nid: str | None) -> None:
        self.parts.problems.append(Problem(text, nid))

    def run(self) -> None:
        seen: set[str] = set()
        stack = list(dict.fromkeys(nid for nid in self.fetch_nodes if nid not in self.own))
        while stack:
            nid = stack.pop()
            if nid not in seen:
                seen.add(nid)
                stack.extend(self.visit(nid))

    def visit(self, nid: str) -> list[str]:
        """Claim block ``nid`` for the part; the blocks to walk to next."""
        node, rule = self.graph.nodes[nid], self.rule
        if node.block is not None and node.block.role == "input":
            self.visit_input(nid)
            return []
        if nid in self.boundaries and nid not in self.own and nid not in self.fetch_nodes:
            self.problem(f"the {rule.title} must not depend on the output of '{node.name}'", nid)
            return []
        if nid in self.claimed:
            self.problem(f"the {rule.title} reads '{node.name}', which belongs to the {self.claimed[nid]}: it may "
                         f"start only from {_feeds_text(self.graph, rule, self.feeds)}", nid)
            return []
        self.claimed[nid] = rule.name
        upstream = []
        for w in self.graph.inputs_of(nid):
            if w.src not in self.own:
                upstream.append(w.src)
                continue
            self.reached.add(w.src)
            if (w.src, w.src_port) not in self.feeds:
                self.problem(f"the {rule.title} must read '{self.graph.nodes[w.src].name}' output "
                             f"'{_feed_port(self.feeds, w.src)}', not '{w.src_port}': rewire '{node.name}'", nid)
        return upstream

    def visit_input(self, nid: str) -> None:
        allowed = self.input_types | set(self.rule.inputs)
        if "*" not in self.input_types and self.graph.nodes[nid].type_id not in allowed:
            self.problem(_wrong_input(self.graph, self.rule, nid, self.input_types, self.feeds), nid)
        self.inputs.append(nid)
        self.claimed[nid] = SHARED if self.claimed.get(nid, self.rule.name) != self.rule.name else self.rule.name

    def finish(self) -> None:
        """The part's own checks once walked: its feeds reached, its required inputs there; the feed
        blocks and a block that reads only this part (a GAN's loss head) join it."""
        graph, rule = self.graph, self.rule
        for nid in self.own - self.reached:
            self.problem(f"the {rule.title} must start at '{graph.nodes[nid].name}': wire its output into the blocks "
                         f"that compute {_fetch_text(graph, rule, self.parts)}", nid)
        for nid in self.own:
            self.claimed.setdefault(nid, rule.name)
        for e in rule.fetches:
            anchor = self.parts.anchors.get(e.type_id) if e.into else None
            if anchor and anchor not in self.claimed and \
                    all(self.claimed.get(w.src) == rule.name for w in graph.inputs_of(anchor)):
                self.claimed[anchor] = rule.name
        if rule.required and not any(graph.nodes[i].type_id in rule.required for i in self.inputs):
            need = " or ".join(resolve(t).title if resolve(t) else t for t in rule.required)
            self.problem(f"the {rule.title} has no {need} input: start it from one", self.fetches[0][0])


def _wrong_input(graph: "Graph", rule: PartRule, nid: str, input_types: set[str],
                 feeds: list[tuple[str, str]]) -> str:
    allowed = [f"'{graph.nodes[n].name}' (its '{p}')" for n, p in feeds]
    allowed += [f"{resolve(t).title} inputs" for t in sorted(input_types | set(rule.inputs)) if resolve(t)]
    return (f"the {rule.title} may read only {' and '.join(allowed) or 'its own blocks'}, not the input "
            f"'{graph.nodes[nid].name}': remove that wire")


def _feed_port(feeds: list[tuple[str, str]], nid: str) -> str:
    return next(port for node, port in feeds if node == nid)


def _feeds_text(graph: "Graph", rule: PartRule, feeds: list[tuple[str, str]]) -> str:
    named = [f"'{graph.nodes[n].name}'" for n, _ in feeds]
    return " and ".join(named) or "its inputs"


def _fetch_text(graph: "Graph", rule: PartRule, parts: ModelParts) -> str:
    texts = []
    for e in rule.fetches:
        anchor = parts.anchors.get(e.type_id)
        if anchor:
            texts.append(f"'{graph.nodes[anchor].name}' {'input' if e.into else 'output'} '{e.into or e.port}'")
    return " and ".join(texts) or "its outputs"


def value_range(graph: "Graph", source: tuple[str, str]) -> tuple[float, float] | None:
    """The interval the values on output port ``source`` lie in (following reshapes back to the
    block that bounds them), or None when they are unbounded or unknown."""
    nid = source[0]
    for _ in range(len(graph.nodes) + 1):
        node = graph.nodes[nid]
        found = node.block.value_range(node.params) if node.block else None
        if found != "input":
            return tuple(found) if found else None
        wire = next(iter(graph.inputs_of(nid)), None)
        if wire is None:
            return None
        nid = wire.src
    return None
