"""Large random *valid* graphs for benchmarks and tests: ``generate_graph(1000, seed=0)``.

The graph is an image classifier: Image input -> a convolutional body -> Flatten -> a dense
body -> Dense(classes) -> Classification head. Each body is a chain of blocks with, where
merge blocks are registered, branches joined again by Add (both branches end with the same
width, or one branch is a plain skip connection) or Concatenate (widths add up). Without
merge blocks the bodies are plain chains. Only blocks found in the registry are used, so the
generator keeps working while the catalog grows.

Every width-changing layer (Conv2d with 'same' padding, Dense) picks a small width, so a
graph of thousands of blocks stays cheap to infer and to compile. No torch.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from nodes import resolve

from .graph import Graph, Node

MAX_WIDTH = 16  # channels / features kept small: big graphs stay small in memory


@dataclass
class _Cursor:
    node: Node
    width: int  # channels (conv body) or features (dense body)


class _Builder:
    def __init__(self, graph: Graph, rng: random.Random):
        self.graph, self.rng = graph, rng
        self.merges = [t for t in ("merge.add", "merge.concatenate") if resolve(t)]
        self.activations = [t for t in ("act.relu", "act.tanh", "act.gelu", "act.sigmoid", "act.elu",
                                        "act.leaky_relu") if resolve(t)]
        self.count = 0

    def add(self, type_id: str, params: dict, src: Node | None = None, port: str | None = None) -> Node:
        self.count += 1
        block = resolve(type_id)
        node = self.graph.add_node(type_id, f"{block.default_name or 'Block'}_{self.count}", params)
        if src is not None:
            self.graph.connect(src.id, src.block.outputs[0].name, node.id, port or block.inputs[0].name)
        return node

    # ---- single blocks ---------------------------------------------------------------------
    def width_layer(self, cur: _Cursor, conv: bool, width: int | None = None) -> _Cursor:
        width = width or self.rng.randint(2, MAX_WIDTH)
        act = self.rng.choice(("none", "relu", "tanh"))
        if conv:
            node = self.add("conv.conv2d", {"out_channels": width, "kernel": self.rng.choice((1, 3)), "same": True,
                                            "activation": act}, cur.node)
        else:
            node = self.add("core.dense", {"units": width, "activation": act}, cur.node)
        return _Cursor(node, width)

    def keep_layer(self, cur: _Cursor, conv: bool) -> _Cursor:
        """A block that keeps the shape: activation, dropout or batch norm."""
        options = [("core.dropout", {"rate": round(self.rng.uniform(0.0, 0.5), 2)})]
        options += [(t, {}) for t in self.activations]
        norm = "norm.batchnorm2d" if conv else "norm.batchnorm1d"
        if resolve(norm):
            options.append((norm, {}))
        type_id, params = self.rng.choice(options)
        return _Cursor(self.add(type_id, params, cur.node), cur.width)

    def layer(self, cur: _Cursor, conv: bool) -> _Cursor:
        if cur.width > MAX_WIDTH or self.rng.random() < 0.4:
            return self.width_layer(cur, conv)
        return self.keep_layer(cur, conv)

    # ---- branches --------------------------------------------------------------------------
    def branch(self, cur: _Cursor, conv: bool, length: int, width: int | None) -> _Cursor:
        """``length`` blocks after ``cur``; the first sets the width (``width``, or random)."""
        if length == 0:
            return cur
        out = self.width_layer(cur, conv, width)
        for _ in range(length - 1):
            out = self.keep_layer(out, conv)
        return out

    def merged(self, cur: _Cursor, conv: bool, budget: int) -> _Cursor:
        """Two branches from ``cur`` joined by a merge block: ``budget`` blocks in all (>= 3)."""
        kind = self.rng.choice(self.merges)
        la = self.rng.randint(1, budget - 1)
        lb = budget - 1 - la
        if kind == "merge.add":
            width = cur.width if lb == 0 else self.rng.randint(2, MAX_WIDTH)
            a, b = self.branch(cur, conv, la, width), self.branch(cur, conv, lb, width)
            out_width = width
        else:
            a, b = self.branch(cur, conv, la, None), self.branch(cur, conv, lb, None)
            out_width = a.width + b.width
        params = {"axis": 0} if kind == "merge.concatenate" else {}
        node = self.add(kind, params, a.node, "a")
        self.graph.connect(b.node.id, b.node.block.outputs[0].name, node.id, "b")
        return _Cursor(node, out_width)

    def body(self, cur: _Cursor, conv: bool, budget: int) -> _Cursor:
        """``budget`` blocks after ``cur``; the first is always a width layer (a Conv2d or Dense)."""
        if budget > 0:
            cur, budget = self.width_layer(cur, conv), budget - 1
        while budget > 0:
            if self.merges and budget >= 3 and cur.width <= MAX_WIDTH and self.rng.random() < 0.25:
                size = self.rng.randint(3, min(budget, 9))
                cur, budget = self.merged(cur, conv, size), budget - size
            else:
                cur, budget = self.layer(cur, conv), budget - 1
        return cur


def generate_graph(n_blocks: int, seed: int = 0, classes: int = 10) -> Graph:
    """A valid graph of exactly ``n_blocks`` blocks (at least 4), the same for the same seed.

    The first block after the input is a Conv2d (when there is room for a convolutional body),
    so editing it re-infers the whole graph."""
    if n_blocks < 4:
        raise ValueError("a generated graph needs at least 4 blocks: input, flatten, dense and head")
    rng = random.Random(seed)
    graph = Graph()
    with graph.batch():
        b = _Builder(graph, rng)
        size = rng.choice((8, 12, 16))
        channels = rng.randint(1, 3)
        cur = _Cursor(b.add("input.image", {"channels": channels, "height": size, "width": size}), channels)
        budget = n_blocks - 4
        conv_budget = budget // 2 + budget % 2
        cur = b.body(cur, True, conv_budget)
        flat = b.add("core.flatten", {}, cur.node)
        cur = b.body(_Cursor(flat, cur.width * size * size), False, budget - conv_budget)
        out = b.add("core.dense", {"units": classes}, cur.node)
        b.add("head.classification", {}, out)
    return graph


__all__ = ["generate_graph"]
