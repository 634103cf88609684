"""The block catalog: every block type NetCanvas knows, declared once (no Qt, no torch at import).

Importing this package registers all blocks; :func:`catalog` lists them by category.
"""
from __future__ import annotations

from . import (inputs, conv, pooling, core, normalization, activations, recurrent, attention, merge,  # noqa: F401
               generative, heads)  # (declaring registers)
from .spec import (Block, InnerLayer, Param, Port, Shape, ShapeError, axes_text, dims_text, numel, registry, resolve,
                   shape_text)

CATEGORY_ORDER = ("Inputs", "Convolution", "Pooling", "Core", "Normalization", "Activations", "Recurrent",
                  "Attention", "Merge", "Generative", "Heads")


def catalog() -> dict[str, list[type[Block]]]:
    """Block classes grouped by category, in palette order."""
    groups: dict[str, list[type[Block]]] = {}
    for cls in registry().values():
        groups.setdefault(cls.category, []).append(cls)
    order = {c: i for i, c in enumerate(CATEGORY_ORDER)}
    return {c: sorted(groups[c], key=lambda b: b.title) for c in sorted(groups, key=lambda c: order.get(c, 99))}


__all__ = ["Block", "InnerLayer", "Param", "Port", "Shape", "ShapeError", "axes_text", "catalog", "dims_text", "numel",
           "registry", "resolve", "shape_text"]
