"""Automatic left-to-right layout: one column per topological layer (networkx)."""
from __future__ import annotations

import networkx as nx

from .graph import Graph

COLUMN_WIDTH = 275.0  # a node (172) and a gap that fits a wire label like "28 steps x 128"
ROW_HEIGHT = 150.0


def auto_layout(graph: Graph, column_width: float = COLUMN_WIDTH, row_height: float = ROW_HEIGHT,
                wrap: int = 0) -> dict[str, list[float]]:
    """Positions {node id: [x, y]} with inputs on the left and heads on the right.

    ``wrap`` > 0 starts a new row band after that many columns, so that long chains
    (VGG-16) stay readable instead of running off to the right."""
    g = nx.DiGraph()
    g.add_nodes_from(graph.nodes)
    g.add_edges_from((w.src, w.dst) for w in graph.wires if w.src != w.dst)
    if not nx.is_directed_acyclic_graph(g):
        g.remove_edges_from(list(nx.find_cycle(g)))
        if not nx.is_directed_acyclic_graph(g):  # several loops: fall back to insertion order
            return {nid: [i * column_width, 0.0] for i, nid in enumerate(graph.nodes)}
    positions: dict[str, list[float]] = {}
    layers = list(nx.topological_generations(g))
    band_height = (max((len(layer) for layer in layers), default=1)) * row_height + row_height * 0.6
    for col, layer in enumerate(layers):
        band, x_col = (divmod(col, wrap) if wrap else (0, col))
        ordered = sorted(layer, key=lambda n: list(graph.nodes).index(n))
        top = -(len(ordered) - 1) * row_height / 2
        for row, nid in enumerate(ordered):
            positions[nid] = [x_col * column_width, band * band_height + top + row * row_height]
    return positions
