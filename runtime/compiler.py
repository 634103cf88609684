"""Graph -> torch.fx GraphModule: one placeholder per input block, one call_module per block,
in topological order, submodules named after the blocks. No Python walks the graph per step:
the generated ``forward`` is plain code (``CompiledModel.code`` shows it, "View as PyTorch").

The model's outputs are its heads' inputs (a head passes its first input through, so a
one-input head outputs exactly that; a VAE loss head outputs the reconstruction, mu and logvar
its loss needs). ``CompiledModel.part`` builds a sub-model between any wires of the same graph
(a GAN's generator, a VAE's decoder) whose modules, and so parameters, are the model's own."""
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

    graph: Graph | None = None

    def submodule(self, node_id: str):
        return self.module.get_submodule(self.module_names[node_id])

    def part(self, feeds: list[tuple[str, str]], fetches: list[tuple[str, str]], name: str = "Part"):
        """A GraphModule taking the values on the output ports ``feeds`` ((node id, port), in
        order) and returning those on ``fetches`` (one value, or a tuple); only the blocks between
        them run, and they are this model's modules (trained together, saved once)."""
        import torch.fx as fx

        graph, fxg = self.graph, fx.Graph()
        values = {key: fxg.placeholder(identifier(f"{graph.nodes[key[0]].name}_{key[1]}", set()))
                  for key in feeds}
        needed = set().union(*(graph.upstream(nid) for nid, _ in fetches))
        fed_nodes = {nid for nid, _ in feeds}
        for nid in graph.topological_order():
            if nid not in needed or nid in fed_nodes or graph.nodes[nid].block.role == "input":
                continue
            block = graph.nodes[nid].block
            wires = [w for w in (graph.wire_into(nid, p.name) for p in block.inputs) if w is not None]
            if not all((w.src, w.src_port) in values for w in wires):
                continue  # a branch that starts outside the part (a real-samples input) does not run
            call = fxg.call_module(self.module_names[nid], tuple(values[(w.src, w.src_port)] for w in wires))
            for i, port in enumerate(block.outputs):
                values[(nid, port.name)] = call if len(block.outputs) == 1 else \
                    fxg.call_function(operator.getitem, (call, i))
        missing = [key for key in fetches if key not in values]
        if missing:
            nid, port = missing[0]
            raise CompileError([Problem(f"'{graph.nodes[nid].name}' output '{port}' cannot be computed from "
                                        "the part's inputs", nid)])
        results = [values[key] for key in fetches]
        fxg.output(results[0] if len(results) == 1 else tuple(results))
        return fx.GraphModule(self.module, fxg, class_name=name)


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
    results = []
    for h in out.output_ids:
        block = graph.nodes[h].block
        ins = [values[(w.src, w.src_port)] for w in (graph.wire_into(h, p.name) for p in block.inputs)
               if w is not None]
        results.append(values[(h, block.outputs[0].name)] if len(ins) == 1 else tuple(ins))
    fxg.output(results[0] if len(results) == 1 else tuple(results))
    out.module = fx.GraphModule(root, fxg, class_name="NetCanvasModel")
    out.graph = graph
    return out


