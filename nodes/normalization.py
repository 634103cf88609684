"""Normalization blocks (BatchNorm1d/2d, LayerNorm) and the Embedding lookup table."""
from __future__ import annotations

from .spec import (CHANNELS_FIRST, INDEX, MASK_KEEP, RANK_LAYOUT_1D, Block, Param, Port, ShapeError,
                   layout_param, numel, shape_text)

_NORM_PARAMS = (
    Param("momentum", "float", 0.1, "How fast the running mean and variance follow new batches", min=0.0, max=1.0),
    Param("eps", "float", 1e-5, "Small number added to the variance to avoid dividing by zero",
          min=1e-12, max=1.0, label="epsilon"),
    Param("affine", "bool", True, "Learn a scale (gamma) and a shift (beta) per channel"),
)


class _BatchNorm(Block):
    """Normalizes each channel with the batch's mean and variance (running averages at eval).

    Parameters: gamma and beta per channel when ``affine``; the running statistics are
    buffers, not trainable. Connections and MACs: one per output value.
    """

    category = "Normalization"
    params = _NORM_PARAMS
    layouts: dict = {}

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        cls.need_rank(cls.title, "in", shape, cls.inputs[0].ranks, cls.layouts)
        return [shape]

    @classmethod
    def channels(cls, p, shape) -> int:
        """The values normalized separately: channels of an image, features of a vector or sequence."""
        return shape[0]

    @classmethod
    def param_count(cls, p, ins):
        return 2 * cls.channels(p, ins[0]) if p["affine"] else 0

    @classmethod
    def macs(cls, p, ins):
        return numel(ins[0])

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        return getattr(nn, cls.__name__)(cls.channels(p, ins[0]), eps=p["eps"], momentum=p["momentum"],
                                         affine=p["affine"])

    @classmethod
    def mask_rule(cls, p):
        return MASK_KEEP

    @classmethod
    def label(cls, p):
        return f"momentum {p['momentum']:g}" + ("" if p["affine"] else ", no affine")


class BatchNorm1d(_BatchNorm):
    """On vectors (N, F) and sequences (N, T, F): one mean and variance per feature, over the
    batch (and the steps). With layout 'channels x length' a rank-2 input is a (N, C, L) signal,
    normalized per channel. Version 2 introduced the sequence reading; version-1 files keep
    'channels x length'."""

    type_id = "norm.batchnorm1d"
    version = 2
    title = "BatchNorm1d"
    icon = "mdi6.tune-vertical"
    default_name = "BN"
    help = "Rescales each feature of a vector or sequence to zero mean and unit variance over the batch."
    inputs = (Port("in", (1, 2), help="vectors (N, F) or a sequence (N, T, F)"),)
    outputs = (Port("out", (1, 2)),)
    params = _NORM_PARAMS + (layout_param("one mean and variance per feature"),)

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        cls.need_rank(cls.title, "in", shape, (1, 2), RANK_LAYOUT_1D if p["layout"] == CHANNELS_FIRST else None)
        return [shape]

    @classmethod
    def channels(cls, p, shape):
        return shape[0] if p["layout"] == CHANNELS_FIRST else shape[-1]

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        from .modules import torch_modules

        norm = nn.BatchNorm1d if p["layout"] == CHANNELS_FIRST else torch_modules().StepsBatchNorm1d
        return norm(cls.channels(p, ins[0]), eps=p["eps"], momentum=p["momentum"], affine=p["affine"])

    upgrades = {1: ({"layout": CHANNELS_FIRST}, "was saved by an older NetCanvas that normalized a 2-D input per row "
                    "(channels x length), and keeps doing so; set its sequence layout to 'steps x features' to "
                    "normalize each feature")}

    @classmethod
    def example_cases(cls):
        return [({}, [(6,)]), ({}, [(5, 3)]), ({"layout": CHANNELS_FIRST}, [(5, 3)])]

    @classmethod
    def label(cls, p):
        return super().label(p) + (", channels x length" if p["layout"] == CHANNELS_FIRST else "")


class BatchNorm2d(_BatchNorm):
    type_id = "norm.batchnorm2d"
    title = "BatchNorm2d"
    icon = "mdi6.tune"
    default_name = "BN"
    help = "Rescales each feature map to zero mean and unit variance over the batch; trains deep CNNs faster."
    inputs = (Port("in", (3,)),)
    outputs = (Port("out", (3,)),)


class LayerNorm(Block):
    """Normalizes each sample's last axis on its own (no batch statistics).

    Parameters: gamma and beta per value of the last axis when ``affine``.
    """

    type_id = "norm.layernorm"
    title = "LayerNorm"
    category = "Normalization"
    icon = "mdi6.tune-variant"
    default_name = "LN"
    help = "Rescales the values of each sample's last axis to zero mean and unit variance (Transformers use it)."
    inputs = (Port("in", (1, 2, 3)),)
    outputs = (Port("out", (1, 2, 3)),)
    params = _NORM_PARAMS[1:]

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        cls.need_rank(cls.title, "in", shape, (1, 2, 3))
        return [shape]

    @classmethod
    def param_count(cls, p, ins):
        return 2 * ins[0][-1] if p["affine"] else 0

    @classmethod
    def macs(cls, p, ins):
        return numel(ins[0])

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        return nn.LayerNorm(ins[0][-1], eps=p["eps"], elementwise_affine=p["affine"])

    @classmethod
    def mask_rule(cls, p):
        return MASK_KEEP

    @classmethod
    def label(cls, p):
        return "last axis" + ("" if p["affine"] else ", no affine")


class Embedding(Block):
    """A learned table with one row of ``dim`` numbers per token id.

    Parameters: vocabulary x dim. Connections: one per output value (each is one looked-up
    weight); no MACs. Ids must be below the vocabulary size.
    """

    type_id = "core.embedding"
    title = "Embedding"
    category = "Core"
    icon = "mdi6.table-column"
    default_name = "Embed"
    help = "Replaces each token id by a learned vector of numbers: (T) ids become (T, dim)."
    inputs = (Port("in", (0, 1), dtype=INDEX, help="integer ids below the vocabulary size"),)
    outputs = (Port("out", (1, 2)),)
    params = (
        Param("vocabulary", "int", 1000, "Number of distinct ids (ids run from 0 to vocabulary - 1)",
              min=1, max=10_000_000),
        Param("dim", "int", 32, "Length of each learned vector", min=1, max=100_000),
    )

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        if len(shape) > 1:
            raise ShapeError(f"Embedding needs a sequence of ids (N, T) but receives {shape_text(shape)}: "
                             "connect a Token input or a Class label", "in")
        return [(*shape, p["dim"])]

    @classmethod
    def param_count(cls, p, ins):
        return p["vocabulary"] * p["dim"]

    @classmethod
    def id_capacity(cls, p, port):
        return p["vocabulary"], "vocabulary"

    @classmethod
    def example_shapes(cls, p):
        return [(7,)]

    @classmethod
    def example_cases(cls):
        return [({}, None), ({"vocabulary": 10}, [()])]

    @classmethod
    def example_input(cls, index, shape, p):
        import torch

        return torch.randint(0, p["vocabulary"], (2, *shape))

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        return nn.Embedding(p["vocabulary"], p["dim"])

    @classmethod
    def mask_rule(cls, p):
        return MASK_KEEP

    @classmethod
    def label(cls, p):
        return f"{p['vocabulary']} ids -> {p['dim']}"
