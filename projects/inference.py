"""Shape inference of one node from its inputs' shapes, with validation problems as values."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nodes import Shape, ShapeError, shape_text
from nodes.spec import RANK_LAYOUT

from .problems import Problem, human_bytes, machine_memory_bytes

if TYPE_CHECKING:
    from .graph import Graph, Node

# float32 weights + gradients + two optimizer moments (Adam), before anything is allocated
BYTES_PER_PARAM_TRAINING = 16
_MEMORY = machine_memory_bytes()


@dataclass
class NodeState:
    """What inference knows about one node: its input and output shapes, counts and problems."""

    inputs: list[Shape | None] = field(default_factory=list)
    outputs: list[Shape] | None = None
    params: int = 0
    connections: int = 0
    macs: int = 0
    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def in_cycle(cls, node: "Node") -> "NodeState":
        return cls(problems=[Problem(f"{_who(node)} is part of a loop: remove one of the loop's wires", node.id)])

    @property
    def ok(self) -> bool:
        return self.outputs is not None and not self.problems


def _who(node: "Node") -> str:
    block = node.block
    return f"{block.title if block else node.type_id} '{node.name}'"


def _named(message: str, node: "Node") -> str:
    """Put the block's name after its type at the start of a rule's message."""
    title = node.block.title
    if message.startswith(title + "'s "):
        return f"{title} '{node.name}': its {message[len(title) + 3:]}"
    if message.startswith(title):
        return f"{title} '{node.name}'{message[len(title):]}"
    return f"{_who(node)}: {message}"


def _rank_hint(want: tuple[int, ...], got: int, source) -> str:
    if min(want) > got:
        if source is not None and source.type_id == "core.flatten":
            return f": remove the Flatten '{source.name}' or add a Reshape"
        return ": add a Reshape before it"
    return ": add a Flatten before it" if got > max(want) else ""


def _whole(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _id_range_problem(graph: "Graph", node: "Node", port: str, src: "Node") -> Problem | None:
    """A block that looks ids up (an Embedding's table) must have a row for every id it can receive:
    otherwise training and export fail on the first id out of range."""
    capacity = node.block.id_capacity(node.params, port)
    count = src.block.id_count(src.params) if src.block is not None else None
    if capacity is None or not all(_whole(v) for v in (count, capacity[0])) or count <= capacity[0]:
        return None  # (a count of the wrong type is reported by the parameter checks)
    rows, param = capacity
    return Problem(f"{_who(node)} has room for {rows:,} ids (0 to {rows - 1:,}) but '{src.name}' gives ids up to "
                   f"{count - 1:,}: set its {param} to {count:,} or more", node.id, port=port, param=param)


def infer_node(graph: "Graph", node: "Node") -> NodeState:
    """Infer ``node``'s output shapes from the states of its upstream nodes."""
    block = node.block
    state = NodeState()
    if block is None:
        state.problems.append(Problem(f"'{node.name}' has the unknown block type '{node.type_id}': "
                                      "delete it or update NetCanvas", node.id))
        return state
    p = node.params
    for name, reason in block.check_params(p):
        state.problems.append(Problem(f"{_who(node)}: {reason}", node.id, param=name))
    ins: list[Shape] = []
    waiting = False
    for port in block.inputs:
        wire = graph.wire_into(node.id, port.name)
        if wire is None:
            if not port.optional:
                state.problems.append(Problem(
                    f"{_who(node)} has nothing connected to its input '{port.name}': wire a block's output to it",
                    node.id, port=port.name))
            state.inputs.append(None)
            continue
        shape = graph.output_shape(wire.src, wire.src_port)
        state.inputs.append(shape)
        if shape is None:
            waiting = True  # the upstream block reports its own problem
            continue
        if port.ranks and len(shape) not in port.ranks:
            src = graph.nodes[wire.src]
            want = " or ".join(f"{r + 1}-D input {RANK_LAYOUT.get(r, '')}".strip() for r in port.ranks)
            state.problems.append(Problem(
                f"{_who(node)} needs a {want} but receives {shape_text(shape)} from '{src.name}'"
                f"{_rank_hint(port.ranks, len(shape), src)}", node.id, port=port.name))
            continue
        problem = _id_range_problem(graph, node, port.name, graph.nodes[wire.src])
        if problem is not None:
            state.problems.append(problem)
        ins.append(shape)
    if state.problems or waiting:
        return state
    try:
        outs = [tuple(s) for s in block.output_shapes(p, ins)]
        if any(d <= 0 for s in outs for d in s):
            bad = next(s for s in outs if any(d <= 0 for d in s))
            raise ShapeError(f"{block.title} would produce an empty output {shape_text(bad)}: "
                             "use a smaller kernel or stride, or a larger input")
        state.params = block.param_count(p, ins)
        state.connections = block.connections(p, ins)
        state.macs = block.macs(p, ins)
    except ShapeError as e:
        state.problems.append(Problem(_named(str(e), node), node.id, port=e.port))
        return state
    need = state.params * BYTES_PER_PARAM_TRAINING
    if need > _MEMORY:
        state.problems.append(Problem(
            f"{_who(node)} has {state.params:,} parameters, which need about {human_bytes(need)} of memory to train "
            f"but this machine has {human_bytes(_MEMORY)}: make it smaller or shrink its input (pooling, fewer units)",
            node.id))
        return state
    state.outputs = outs
    return state
