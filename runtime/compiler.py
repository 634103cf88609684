"""Graph -> torch.fx GraphModule: one placeholder per input block, one call_module per block,
in topological order, submodules named after the blocks. No Python walks the graph per step:
the generated ``forward`` is plain code (``CompiledModel.code`` shows it, "View as PyTorch")."""
from __future__ import annotations

import keyword
import operator
import re
from dataclasses import dataclass, field

from projects.graph import Graph
from projects.problems import Problem


class CompileError(Exception):
    """The graph is not valid; ``problems`` are the validation messages (the first is the message)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = problems[0].message if problems else "the model is not valid"
        more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
        super().__init__(first + more)


@dataclass
class CompiledModel:
    module: "object"  # torch.fx.GraphModule
    input_ids: list[str]
    input_names: list[str]
    output_ids: list[str]  # head node ids, in output order
    output_names: list[str]
    module_names: dict[str, str] = field(default_factory=dict)  # node id -> submodule name

    @property
    def code(self) -> str:
        return self.module.code

    def submodule(self, node_id: str):
        return self.module.get_submodule(self.module_names[node_id])


_RESERVED = {"forward", "training", "T_destination", "dump_patches", "call_super_init", "self", "torch"}


def identifier(name: str, taken: set[str]) -> str:
    """A Python identifier for a block name ("C3" stays "C3", "conv 1" becomes "conv_1")."""
    import torch.nn as nn

    ident = re.sub(r"\W", "_", name.strip()) or "block"
    if ident[0].isdigit():
        ident = "_" + ident
    if keyword.iskeyword(ident) or ident in _RESERVED or hasattr(nn.Module, ident):
        ident += "_"
    base, i = ident, 2
    while ident in taken:
        ident, i = f"{base}_{i}", i + 1
    taken.add(ident)
    return ident


def compile_graph(graph: Graph) -> CompiledModel:
    """Compile a valid graph; raises CompileError with the validation messages otherwise."""
    errors = [p for p in graph.problems() if p.severity == "error"]
    if errors:
        raise CompileError(errors)
    import torch.fx as fx
    import torch.nn as nn

    root = nn.Module()
    fxg = fx.Graph()
    taken: set[str] = set()
    values: dict[tuple[str, str], fx.Node] = {}
    out = CompiledModel(None, [], [], [], [])
    for nid in graph.topological_order():
        node, block, state = graph.nodes[nid], graph.nodes[nid].block, graph.states[nid]
        ident = identifier(node.name, taken)
        out.module_names[nid] = ident
        if block.role == "input":
            values[(nid, block.outputs[0].name)] = fxg.placeholder(ident)
            out.input_ids.append(nid)
            out.input_names.append(node.name)
            continue
        shapes = [s for s in state.inputs if s is not None]
        root.add_module(ident, block.build(node.params, shapes))
        args = tuple(values[(w.src, w.src_port)] for w in
                     (graph.wire_into(nid, p.name) for p in block.inputs) if w is not None)
        call = fxg.call_module(ident, args)
        if len(block.outputs) == 1:
            values[(nid, block.outputs[0].name)] = call
        else:
            for i, port in enumerate(block.outputs):
                values[(nid, port.name)] = fxg.call_function(operator.getitem, (call, i))
        if block.role == "head":
            out.output_ids.append(nid)
            out.output_names.append(node.name)
    results = [values[(h, graph.nodes[h].block.outputs[0].name)] for h in out.output_ids]
    fxg.output(results[0] if len(results) == 1 else tuple(results))
    out.module = fx.GraphModule(root, fxg, class_name="NetCanvasModel")
    return out


