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


READABLE_ZOOM = 0.6  # below this, block titles and wire shapes are too small to read


def layer_count(graph: Graph) -> tuple[int, int]:
    """(number of topological layers, most blocks in one layer): what a layout must fit."""
    positions = auto_layout(graph)
    if not positions:
        return 0, 0
    xs = sorted({round(p[0]) for p in positions.values()})
    widest = max(sum(1 for p in positions.values() if round(p[0]) == x) for x in xs)
    return len(xs), widest


def fitting_wrap(graph: Graph, width: float, height: float, margin: float = 80.0) -> int:
    """The ``wrap`` for :func:`auto_layout` at which the whole graph fits a ``width`` x ``height``
    window at the largest zoom (at most 1): one row for short chains, more rows of columns for long
    ones, so that a 10-block chain is not shrunk to one unreadable line. 0 means "no wrap"."""
    layers, widest = layer_count(graph)
    if layers <= 1 or width <= 0 or height <= 0:
        return 0
    band = widest * ROW_HEIGHT + ROW_HEIGHT * 0.6
    best, best_zoom = 0, -1.0
    for wrap in range(layers, 0, -1):
        bands = -(-layers // wrap)
        need_w = (wrap - 1) * COLUMN_WIDTH + 172 + margin
        need_h = (bands - 1) * band + widest * ROW_HEIGHT + margin
        zoom = min(1.0, width / need_w, height / need_h)
        if zoom > best_zoom + 1e-9:  # ties keep the wider layout (fewer rows read more naturally)
            best, best_zoom = wrap, zoom
    return 0 if best >= layers else best
