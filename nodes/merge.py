"""Merge blocks: join two to four branches (residual sums, gates, skip connections).

Inputs ``a`` and ``b`` are required, ``c`` and ``d`` optional; ``ins`` holds only the
connected ones, in port order, and the built module takes them positionally.
"""
from __future__ import annotations

from .spec import MASK_DROP, MASK_KEEP, Block, Param, Port, ShapeError, shape_text

_MERGE_INPUTS = (Port("a"), Port("b"), Port("c", optional=True), Port("d", optional=True))


def _listing(shapes) -> str:
    texts = [shape_text(s) for s in shapes]
    return " and ".join(texts) if len(texts) < 3 else ", ".join(texts[:-1]) + " and " + texts[-1]


class _Elementwise(Block):
    """Same-shape inputs combined value by value: one connection per output value."""

    category = "Merge"
    inputs = _MERGE_INPUTS
    module_name = ""
    symbol = ""
    fix = ""

    @classmethod
    def output_shapes(cls, p, ins):
        if any(s != ins[0] for s in ins[1:]):
            raise ShapeError(f"{cls.title} needs inputs of the same shape but receives {_listing(ins)}: "
                             f"{cls.fix}", "b")
        return [ins[0]]

    @classmethod
    def macs(cls, p, ins):
        return 0

    @classmethod
    def build(cls, p, ins):
        from .modules import torch_modules

        return getattr(torch_modules(), cls.module_name)()

    @classmethod
    def mask_rule(cls, p):
        return MASK_KEEP

    @classmethod
    def example_cases(cls):
        return [({}, None), ({}, [(3, 4, 4)] * 4)]

    @classmethod
    def label(cls, p):
        return f"a {cls.symbol} b"


class Add(_Elementwise):
    type_id = "merge.add"
    title = "Add"
    icon = "mdi6.plus-box-outline"
    default_name = "Add"
    help = "Adds its inputs value by value; a shortcut (residual) connection is an Add."
    module_name = "Add"
    symbol = "+"
    fix = "make both branches end with the same shape (a 1x1 Conv2d or a Dense can match the channels)"


class Multiply(_Elementwise):
    type_id = "merge.multiply"
    title = "Multiply"
    icon = "mdi6.multiplication-box"
    default_name = "Multiply"
    help = "Multiplies its inputs value by value, e.g. to let a sigmoid branch gate another one."
    module_name = "Multiply"
    symbol = "x"
    fix = "make both branches end with the same shape"


class Concatenate(Block):
    """Places the inputs side by side along one axis. No computation: 0 connections.

    ``along`` features joins the channels of images (C, H, W), the features of vectors (F) and
    the features of every step of sequences (T, F); ``axis`` joins along the numbered axis.
    Version 2 added ``along``; version-1 files keep their numbered axis."""

    type_id = "merge.concatenate"
    version = 2
    title = "Concatenate"
    category = "Merge"
    icon = "mdi6.table-merge-cells"
    default_name = "Concat"
    help = "Joins its inputs side by side along one axis, e.g. stacks the feature maps of two branches."
    inputs = _MERGE_INPUTS
    params = (Param("along", "choice", "features", "features: the channels of images, the features of vectors "
                    "and of each step of sequences; axis: the axis set below", choices=("features", "axis")),
              Param("axis", "int", 0, "Axis to join along when 'along' is axis, counted without the batch axis: "
                    "0 the first (the steps of a sequence), -1 the last", min=-4, max=3))

    @classmethod
    def _axis(cls, p, rank: int) -> int:
        if p["along"] == "features":
            return rank - 1 if rank == 2 else 0
        return p["axis"]

    upgrades = {1: ({"along": "axis"}, None)}  # the numbered axis it joined along is kept

    @classmethod
    def mask_rule(cls, p):
        return MASK_KEEP if p["along"] == "features" else MASK_DROP

    @classmethod
    def output_shapes(cls, p, ins):
        rank = len(ins[0])
        axis = cls._axis(p, rank) if rank else 0
        if any(len(s) != rank for s in ins) or rank == 0:
            raise ShapeError(f"Concatenate needs inputs with the same number of axes but receives "
                             f"{_listing(ins)}: add a Flatten or Reshape to one branch", "b")
        if not -rank <= axis < rank:
            raise ShapeError(f"Concatenate along axis {axis} needs inputs with more axes than {shape_text(ins[0])}: "
                             "use axis 0 or -1", "a")
        axis %= rank
        others = [s[:axis] + s[axis + 1:] for s in ins]
        if any(o != others[0] for o in others):
            where = "the features" if p["along"] == "features" else f"axis {p['axis']}"
            raise ShapeError(f"Concatenate along {where} needs all other sizes equal but receives "
                             f"{_listing(ins)}: make the branches agree everywhere except along {where}", "b")
        return [(*ins[0][:axis], sum(s[axis] for s in ins), *ins[0][axis + 1:])]

    @classmethod
    def connections(cls, p, ins):
        return 0

    @classmethod
    def build(cls, p, ins):
        from .modules import torch_modules

        axis = cls._axis(p, len(ins[0])) % len(ins[0])
        return torch_modules().Concatenate(axis + 1)

    @classmethod
    def example_cases(cls):
        return [({}, [(3, 4, 4), (5, 4, 4)]), ({}, [(6, 2), (6, 3), (6, 4)]), ({}, [(4,), (5,)]),
                ({"along": "axis", "axis": 0}, [(2, 3), (4, 3)])]

    @classmethod
    def label(cls, p):
        return "features" if p["along"] == "features" else f"axis {p['axis']}"
