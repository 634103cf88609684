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
        block = graph.nodes[ids[0]].block.title if ids else a.type_id
        if not ids:
            from nodes import resolve

            block = resolve(a.type_id).title if resolve(a.type_id) else a.type_id
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
        return
    input_types = {t for e in rule.feeds for t in e.inputs}
    own = {nid for nid, _ in feeds}
    fetch_nodes = {nid for nid, _ in fetches}
    seen: set[str] = set()
    reached: set[str] = set()  # feed blocks (not input blocks) the part starts from
    inputs: list[str] = []
    stack = list(dict.fromkeys(nid for nid, _ in fetches if nid not in own))
    reached.update(nid for nid, _ in fetches if nid in own)
    problems = parts.problems
    while stack:
        nid = stack.pop()
        if nid in seen:
            continue
        seen.add(nid)
        node = graph.nodes[nid]
        if node.block is not None and node.block.role == "input":
            if "*" not in input_types and node.type_id not in input_types | set(rule.inputs):
                problems.append(Problem(_wrong_input(graph, rule, nid, input_types, feeds), nid))
            inputs.append(nid)
            claimed[nid] = SHARED if claimed.get(nid, rule.name) != rule.name else rule.name
            continue
        if nid in boundaries and nid not in own and nid not in fetch_nodes:
            problems.append(Problem(f"the {rule.title} must not depend on the output of '{node.name}'", nid))
            continue
        if nid in claimed:
            problems.append(Problem(f"the {rule.title} reads '{node.name}', which belongs to the "
                                    f"{claimed[nid]}: it may start only from {_feeds_text(graph, rule, feeds)}", nid))
            continue
        claimed[nid] = rule.name
        for w in graph.inputs_of(nid):
            if w.src in own:
                reached.add(w.src)
                if (w.src, w.src_port) not in feeds:
                    problems.append(Problem(f"the {rule.title} must read '{graph.nodes[w.src].name}' output "
                                            f"'{_feed_port(feeds, w.src)}', not '{w.src_port}': rewire "
                                            f"'{node.name}'", nid))
            else:
                stack.append(w.src)
    for nid in own - reached:
        problems.append(Problem(f"the {rule.title} must start at '{graph.nodes[nid].name}': wire its output into the "
                                f"blocks that compute {_fetch_text(graph, rule, parts)}", nid))
    for nid in own:
        claimed.setdefault(nid, rule.name)  # a feed block no earlier part computed starts this one
    for e in rule.fetches:  # a block that reads only this part (a GAN's loss head) ends it
        anchor = parts.anchors.get(e.type_id) if e.into else None
        if anchor and anchor not in claimed and all(claimed.get(w.src) == rule.name for w in graph.inputs_of(anchor)):
            claimed[anchor] = rule.name
    if rule.required and not any(graph.nodes[i].type_id in rule.required for i in inputs):
        from nodes import resolve

        need = " or ".join(resolve(t).title if resolve(t) else t for t in rule.required)
        where = fetches[0][0] if fetches else None
        problems.append(Problem(f"the {rule.title} has no {need} input: start it from one", where))
    parts.feeds[rule.name] = feeds
    parts.fetches[rule.name] = fetches
    parts.inputs[rule.name] = sorted(inputs, key=list(graph.nodes).index)


def _wrong_input(graph: "Graph", rule: PartRule, nid: str, input_types: set[str],
                 feeds: list[tuple[str, str]]) -> str:
    from nodes import resolve

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
