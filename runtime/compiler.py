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

from nodes.spec import MASK_KEEP, MASK_USE, MASK_USE_KEEP
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
    input_ports: list[tuple[str, str]] = field(default_factory=list)  # what feeds each input: (node, port)
    output_labels: list[str] = field(default_factory=list)  # one per output tensor (flat)
    output_shapes: list[tuple] = field(default_factory=list)
    output_types: list[str] = field(default_factory=list)  # the type id of the block each output comes from
    part_name: str | None = None  # a sub-model's name ("generator"); None for the whole model

    @property
    def code(self) -> str:
        return self.module.code

    graph: Graph | None = None

    def submodule(self, node_id: str):
        return self.module.get_submodule(self.module_names[node_id])

    def part(self, feeds: list[tuple[str, str]], fetches: list[tuple[str, str]], name: str = "Part",
             alias: dict[tuple[str, str], tuple[str, str]] | None = None) -> "CompiledModel":
        """The sub-model taking the values on the output ports ``feeds`` ((node id, port), in
        order) and returning those on ``fetches`` (one value, or a tuple); only the blocks between
        them run, and they are this model's modules (trained together, saved once). ``alias``
        gives an output port the value of another (a GAN's switch passing the generated images)."""
        alias = alias or {}
        import torch.fx as fx

        graph, fxg = self.graph, fx.Graph()
        values = {key: fxg.placeholder(identifier(f"{graph.nodes[key[0]].name}_{key[1]}", set()))
                  for key in feeds}
        needed = set().union(*(graph.upstream(nid) for nid, _ in [*fetches, *alias.values()]))
        fed_nodes = {nid for nid, _ in feeds}
        for nid in graph.topological_order():
            if nid not in needed or nid in fed_nodes or graph.nodes[nid].block.role == "input":
                continue
            aliased = [(key, src) for key, src in alias.items() if key[0] == nid and src in values]
            if aliased:
                values.update({key: values[src] for key, src in aliased})
                continue
            block = graph.nodes[nid].block
            wires = [w for w in (graph.wire_into(nid, p.name) for p in block.inputs) if w is not None]
            if not all((w.src, w.src_port) in values for w in wires):
                continue  # a branch that starts outside the part (a real-samples input) does not run
            call_block(fxg, graph, nid, self.module_names[nid], wires, values, {})
        missing = [key for key in fetches if key not in values]
        if missing:
            nid, port = missing[0]
            raise CompileError([Problem(f"'{graph.nodes[nid].name}' output '{port}' cannot be computed from "
                                        "the part's inputs", nid)])
        results = [values[key] for key in fetches]
        fxg.output(results[0] if len(results) == 1 else tuple(results))
        used = {n.target for n in fxg.nodes if n.op == "call_module"}
        labels = [port_label(graph, key) for key in fetches]
        return CompiledModel(fx.GraphModule(self.module, fxg, class_name=name), [nid for nid, _ in feeds],
                             [port_label(graph, key) for key in feeds], [nid for nid, _ in fetches], labels,
                             {nid: ident for nid, ident in self.module_names.items() if ident in used},
                             list(feeds), labels, [tuple(graph.output_shape(*key)) for key in fetches],
                             [graph.nodes[nid].type_id for nid, _ in fetches], graph)


def call_block(fxg, graph: Graph, nid: str, ident: str, wires: list, values: dict, masks: dict) -> None:
    """Add the call of block ``nid`` (submodule ``ident``) on the values its ``wires`` carry and
    record its outputs in ``values``. A padding mask on its first input is passed as ``mask=``
    when the block reads it and travels on to its outputs when it keeps the steps
    (``Block.mask_rule``)."""
    node = graph.nodes[nid]
    block = node.block
    rule = block.mask_rule(node.params)
    mask = masks.get((wires[0].src, wires[0].src_port)) if wires else None
    kwargs = {"mask": mask} if mask is not None and rule in (MASK_USE, MASK_USE_KEEP) else {}
    call = fxg.call_module(ident, tuple(values[(w.src, w.src_port)] for w in wires), kwargs)
    for i, port in enumerate(block.outputs):
        values[(nid, port.name)] = call if len(block.outputs) == 1 else fxg.call_function(operator.getitem, (call, i))
        if mask is not None and rule in (MASK_KEEP, MASK_USE_KEEP):
            masks[(nid, port.name)] = mask


def port_label(graph: Graph, key: tuple[str, str]) -> str:
    """A name for the values on an output port: the block's name, plus the port's when it has several."""
    node = graph.nodes[key[0]]
    return node.name if len(node.block.outputs) == 1 else f"{node.name}_{key[1]}"


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
    masks: dict[tuple[str, str], fx.Node] = {}  # padding masks travelling with token sequences
    out = CompiledModel(None, [], [], [], [])
    for nid in graph.topological_order():
        node, block, state = graph.nodes[nid], graph.nodes[nid].block, graph.states[nid]
        ident = identifier(node.name, taken)
        out.module_names[nid] = ident
        if block.role == "input":
            key = (nid, block.outputs[0].name)
            values[key] = fxg.placeholder(ident)
            pad = block.padding_id(node.params)
            if pad is not None:
                masks[key] = fxg.call_function(operator.ne, (values[key], pad))
            out.input_ids.append(nid)
            out.input_names.append(node.name)
            out.input_ports.append((nid, block.outputs[0].name))
            continue
        shapes = [s for s in state.inputs if s is not None]
        module = block.build(node.params, shapes)
        if not node.trainable:  # frozen: its weights get no gradients, so no optimizer moves them
            module.requires_grad_(False)
        root.add_module(ident, module)
        wires = [w for w in (graph.wire_into(nid, p.name) for p in block.inputs) if w is not None]
        call_block(fxg, graph, nid, ident, wires, values, masks)
        if block.role == "head":
            out.output_ids.append(nid)
            out.output_names.append(node.name)
    results = []
    for h in out.output_ids:
        node, block = graph.nodes[h], graph.nodes[h].block
        wired = [(p.name, w) for p, w in ((p, graph.wire_into(h, p.name)) for p in block.inputs) if w is not None]
        results.append(values[(h, block.outputs[0].name)] if len(wired) == 1 else
                       tuple(values[(w.src, w.src_port)] for _, w in wired))
        for port, w in wired:
            out.output_labels.append(node.name if len(wired) == 1 else f"{node.name}_{port}")
            out.output_shapes.append(tuple(graph.output_shape(w.src, w.src_port)))
            out.output_types.append(node.type_id)
    fxg.output(results[0] if len(results) == 1 else tuple(results))
    out.module = fx.GraphModule(root, fxg, class_name="NetCanvasModel")
    out.graph = graph
    return out


