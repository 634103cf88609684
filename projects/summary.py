"""The model summary (Keras' model.summary(), with the course's connection counts): one row per
block, the inner layers of composite blocks indented under it, and totals. No torch."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from nodes import dims_text

from .graph import Graph


@dataclass
class SummaryRow:
    name: str
    type: str
    output: str  # e.g. "6x28x28"; several outputs joined with ", "
    params: int
    connections: int
    macs: int
    depth: int = 0  # 1 for a composite block's inner layer
    problem: str = ""


@dataclass
class Summary:
    rows: list[SummaryRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def total_params(self) -> int:
        return sum(r.params for r in self.rows if r.depth == 0)

    @property
    def total_connections(self) -> int:
        return sum(r.connections for r in self.rows if r.depth == 0)

    @property
    def total_macs(self) -> int:
        return sum(r.macs for r in self.rows if r.depth == 0)

    def to_json(self) -> dict:
        return {"blocks": [asdict(r) for r in self.rows], "total_params": self.total_params,
                "total_connections": self.total_connections, "total_macs": self.total_macs,
                "problems": self.problems}

    def to_text(self) -> str:
        head = ("Block", "Type", "Output", "Params", "Connections", "MACs")
        body = [("  " * r.depth + r.name, r.type, r.output, f"{r.params:,}", f"{r.connections:,}" if not r.depth
                 else "", f"{r.macs:,}" if not r.depth else "") for r in self.rows]
        total = ("Total", "", "", f"{self.total_params:,}", f"{self.total_connections:,}", f"{self.total_macs:,}")
        widths = [max(len(row[i]) for row in [head, *body, total]) for i in range(len(head))]
        align = ["<", "<", "<", ">", ">", ">"]

        def fmt(row):
            return "  ".join(f"{cell:{a}{w}}" for cell, a, w in zip(row, align, widths)).rstrip()

        rule = "-" * len(fmt(head))
        lines = [fmt(head), rule, *map(fmt, body), rule, fmt(total)]
        lines += [f"! {p}" for p in self.problems]
        return "\n".join(lines)


def summarize(graph: Graph) -> Summary:
    """Rows in topological order (insertion order when the graph has a loop)."""
    order = graph.topological_order() if graph.is_acyclic() else list(graph.nodes)
    out = Summary(problems=[p.message for p in graph.problems()])
    for nid in order:
        node, state = graph.nodes[nid], graph.states[nid]
        block = node.block
        shapes = graph.outputs_text(nid)
        out.rows.append(SummaryRow(node.name, block.title if block else node.type_id, shapes, state.params,
                                   state.connections, state.macs,
                                   problem=state.problems[0].message if state.problems else ""))
        if block is not None and block.composite and state.outputs is not None:
            ins = [s for s in state.inputs if s is not None]
            for inner in block.inner_layers(node.params, ins):
                out.rows.append(SummaryRow(inner.name, inner.type, dims_text(inner.shape), inner.params, 0, 0, 1))
    return out
