"""Attention blocks over a (T, E) sequence: self-attention, a Transformer encoder layer and
positional encodings (E the embedding size, T the steps)."""
from __future__ import annotations

from .spec import MASK_KEEP, MASK_USE_KEEP, Block, Param, Port, ShapeError, numel, shape_text


def _need_sequence(title: str, shape) -> None:
    if len(shape) != 2:
        raise ShapeError(f"{title} needs a 3-D input (N, T, E) but receives {shape_text(shape)}: "
                         "give it a sequence of vectors, e.g. from an Embedding", "in")


def _need_heads(title: str, embed: int, heads: int) -> None:
    if embed % heads:
        raise ShapeError(f"{title} splits the {embed} features of each step into {heads} heads, but {embed} is not "
                         f"divisible by {heads}: choose a number of heads that divides {embed}", "in")


def _attention_params(embed: int, bias: bool) -> int:
    return 4 * embed * embed + (4 * embed if bias else 0)


def _attention_connections(steps: int, embed: int, bias: bool) -> int:
    return 4 * (embed + int(bias)) * embed * steps + 2 * steps * steps * embed


def _attention_macs(steps: int, embed: int) -> int:
    return 4 * embed * embed * steps + 2 * steps * steps * embed


class MultiHeadSelfAttention(Block):
    """Parameters: the query, key, value and output projections, E x E each, plus 4E biases
    (torch's nn.MultiheadAttention).

    Connections: each projection reads (E + bias) inputs for each of E outputs at each of the
    T steps, and each of the T x E outputs mixes T values with attention weights formed from
    E-long dot products: 4 (E + bias) E T + 2 T^2 E. MACs: 4 E^2 T + 2 T^2 E.
    """

    type_id = "attn.self_attention"
    title = "Multi-head self-attention"
    category = "Attention"
    icon = "mdi6.eye-outline"
    default_name = "Attention"
    help = "Every step looks at every other step and takes a weighted mix of them; several heads look in parallel."
    inputs = (Port("in", (2,)),)
    outputs = (Port("out", (2,)),)
    params = (
        Param("heads", "int", 4, "Attention heads working in parallel (must divide the feature size)",
              min=1, max=1024),
        Param("dropout", "float", 0.0, "Dropout on the attention weights while training", min=0.0, max=0.99),
        Param("bias", "bool", True, "Learn biases in the projections"),
    )

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        _need_sequence(cls.title, shape)
        _need_heads(cls.title, shape[1], p["heads"])
        return [shape]

    @classmethod
    def param_count(cls, p, ins):
        return _attention_params(ins[0][1], p["bias"])

    @classmethod
    def connections(cls, p, ins):
        return _attention_connections(*ins[0], p["bias"])

    @classmethod
    def macs(cls, p, ins):
        return _attention_macs(*ins[0])

    @classmethod
    def build(cls, p, ins):
        from .modules import torch_modules

        return torch_modules().SelfAttention(ins[0][1], p["heads"], p["dropout"], p["bias"])

    @classmethod
    def mask_rule(cls, p):
        return MASK_USE_KEEP

    @classmethod
    def label(cls, p):
        return f"{p['heads']} heads"


class TransformerEncoderLayer(Block):
    """Self-attention then a two-layer feed-forward net, each wrapped in a residual connection
    and a LayerNorm (torch's nn.TransformerEncoderLayer, batch first).

    Parameters: attention 4E^2 + 4E, feed-forward 2 E FF + FF + E, two LayerNorms 4E.
    Connections: the self-attention block's, plus (E + 1) FF T + (FF + 1) E T for the
    feed-forward net. MACs: the self-attention block's plus 2 E FF T.
    """

    type_id = "attn.transformer_encoder"
    title = "Transformer encoder layer"
    category = "Attention"
    icon = "mdi6.layers-outline"
    default_name = "Encoder"
    help = "One Transformer block: self-attention and a small per-step MLP, each with a shortcut and a LayerNorm."
    inputs = (Port("in", (2,)),)
    outputs = (Port("out", (2,)),)
    params = (
        Param("heads", "int", 4, "Attention heads (must divide the feature size)", min=1, max=1024),
        Param("feedforward", "int", 128, "Hidden units of the per-step feed-forward net", min=1, max=1_000_000),
        Param("dropout", "float", 0.1, "Dropout inside the layer while training", min=0.0, max=0.99),
        Param("activation", "choice", "relu", "Activation of the feed-forward net", choices=("relu", "gelu")),
        Param("norm_first", "bool", False, "Normalize before attention and feed-forward (pre-norm; steadier "
              "for deep stacks)"),
    )

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        _need_sequence(cls.title, shape)
        _need_heads(cls.title, shape[1], p["heads"])
        return [shape]

    @classmethod
    def param_count(cls, p, ins):
        e, ff = ins[0][1], p["feedforward"]
        return _attention_params(e, True) + (2 * e * ff + ff + e) + 4 * e

    @classmethod
    def connections(cls, p, ins):
        (t, e), ff = ins[0], p["feedforward"]
        return _attention_connections(t, e, True) + ((e + 1) * ff + (ff + 1) * e) * t

    @classmethod
    def macs(cls, p, ins):
        (t, e), ff = ins[0], p["feedforward"]
        return _attention_macs(t, e) + 2 * e * ff * t

    @classmethod
    def build(cls, p, ins):
        from .modules import torch_modules

        return torch_modules().TransformerEncoderLayer(ins[0][1], p["heads"], p["feedforward"], p["dropout"],
                                                       activation=p["activation"], batch_first=True,
                                                       norm_first=p["norm_first"])

    @classmethod
    def mask_rule(cls, p):
        return MASK_USE_KEEP

    @classmethod
    def example_cases(cls):
        return [({}, None), ({"norm_first": True, "activation": "gelu", "heads": 2}, None)]

    @classmethod
    def label(cls, p):
        pre = ", pre-norm" if p["norm_first"] else ""
        return f"{p['heads']} heads, FF {p['feedforward']}, {p['activation']}{pre}"


class PositionalEncoding(Block):
    """Adds a position code to each step so attention can tell the order of the steps.

    Parameters: 0 for ``sinusoidal`` (a fixed buffer), max_len x E for ``learned``.
    Connections: one per output value (an addition).
    """

    type_id = "attn.positional_encoding"
    title = "Positional encoding"
    category = "Attention"
    icon = "mdi6.sort-numeric-ascending"
    default_name = "Positions"
    help = "Adds a code for the position of each step, since attention by itself ignores the order."
    inputs = (Port("in", (2,)),)
    outputs = (Port("out", (2,)),)
    params = (
        Param("kind", "choice", "sinusoidal", "sinusoidal: fixed sines and cosines; learned: a trained table",
              choices=("sinusoidal", "learned")),
        Param("max_len", "int", 512, "Longest sequence it can encode", min=1, max=1_000_000, label="max length"),
    )

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        _need_sequence(cls.title, shape)
        if shape[0] > p["max_len"]:
            raise ShapeError(f"{cls.title} encodes at most {p['max_len']} steps but receives {shape[0]}: "
                             f"raise max length to {shape[0]} or more", "in")
        return [shape]

    @classmethod
    def param_count(cls, p, ins):
        return p["max_len"] * ins[0][1] if p["kind"] == "learned" else 0

    @classmethod
    def connections(cls, p, ins):
        return numel(ins[0])

    @classmethod
    def build(cls, p, ins):
        from .modules import torch_modules

        return torch_modules().PositionalEncoding(p["max_len"], ins[0][1], learned=p["kind"] == "learned")

    @classmethod
    def mask_rule(cls, p):
        return MASK_KEEP

    @classmethod
    def example_cases(cls):
        return [({}, None), ({"kind": "learned", "max_len": 10}, [(6, 7)]), ({}, [(5, 7)])]

    @classmethod
    def label(cls, p):
        return f"{p['kind']}, up to {p['max_len']}"
