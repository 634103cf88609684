"""Input blocks: where data enters the graph. Each becomes a placeholder of the compiled module."""
from __future__ import annotations

from .spec import FLOAT, INDEX, Block, Param, Port


def field_param(default: str) -> Param:
    """Which field of each batch an input block reads (a model with several inputs reads several)."""
    return Param("field", "str", default, "The field of each training batch this input reads: x is the dataset's "
                 "samples, y its targets; a dataset or a task with more fields (a second input's, a mask) names them",
                 label="batch field")


SAMPLES, TARGETS, NOISE = field_param("x"), field_param("y"), field_param("noise")


class _Input(Block):
    category = "Inputs"
    role = "input"
    inputs = ()

    @classmethod
    def connections(cls, p, ins):
        return 0

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        return nn.Identity()


class ImageInput(_Input):
    type_id = "input.image"
    title = "Image input"
    icon = "mdi6.image-outline"
    default_name = "Input"
    help = "A batch of images, channels x height x width (1 channel for grayscale, 3 for colour)."
    outputs = (Port("out", (3,)),)
    params = (
        Param("channels", "int", 1, "Colour channels: 1 grayscale, 3 RGB", min=1, max=64),
        Param("height", "int", 28, "Image height in pixels", min=1, max=8192),
        Param("width", "int", 28, "Image width in pixels", min=1, max=8192),
        SAMPLES,
    )

    @classmethod
    def output_shapes(cls, p, ins):
        return [(p["channels"], p["height"], p["width"])]

    @classmethod
    def label(cls, p):
        return f"{p['channels']}x{p['height']}x{p['width']}"


class SequenceInput(_Input):
    type_id = "input.sequence"
    title = "Sequence input"
    icon = "mdi6.chart-timeline-variant"
    default_name = "Sequence"
    help = "A batch of sequences: time steps x features per step (a time series, a signal)."
    outputs = (Port("out", (2,)),)
    params = (
        Param("steps", "int", 32, "Time steps T in each sequence", min=1, max=100000),
        Param("features", "int", 1, "Features F per time step", min=1, max=100000),
        SAMPLES,
    )

    @classmethod
    def output_shapes(cls, p, ins):
        return [(p["steps"], p["features"])]

    @classmethod
    def label(cls, p):
        return f"T={p['steps']}, F={p['features']}"


class TokenInput(_Input):
    type_id = "input.tokens"
    title = "Token input"
    icon = "mdi6.format-text"
    default_name = "Tokens"
    help = ("A batch of token-id sequences (T ids per sample, each below the vocabulary size; id 0 pads the "
            "shorter ones); feed an Embedding.")
    outputs = (Port("out", (1,), dtype=INDEX),)
    params = (
        Param("steps", "int", 32, "Tokens T per sequence", min=1, max=100000),
        Param("vocabulary", "int", 1000, "Number of distinct tokens", min=2, max=10_000_000),
        Param("mask_padding", "bool", True, "Id 0 is padding: recurrent, attention and pooling blocks downstream "
              "skip those steps (a padding mask)", label="mask padding"),
        SAMPLES,
    )
    version = 2

    @classmethod
    def output_shapes(cls, p, ins):
        return [(p["steps"],)]

    @classmethod
    def label(cls, p):
        return f"T={p['steps']}, vocab {p['vocabulary']}" + (", padded" if p["mask_padding"] else "")

    @classmethod
    def padding_id(cls, p):
        return 0 if p["mask_padding"] else None

    upgrades = {1: ({"mask_padding": False}, "was saved before padding masks, so its padding id 0 is still read as a "
                    "token; turn on 'mask padding' so recurrent, attention and pooling blocks skip the padding")}

    @classmethod
    def id_count(cls, p):
        return p["vocabulary"]

    @classmethod
    def example_input(cls, index, shape, p):
        import torch

        return torch.randint(0, p["vocabulary"], (2, *shape))


class NoiseInput(_Input):
    type_id = "input.noise"
    title = "Latent noise z"
    icon = "mdi6.blur"
    default_name = "z"
    help = "Random latent vectors z ~ N(0, 1) that a generator turns into samples."
    outputs = (Port("out", (1,), dtype=FLOAT),)
    params = (Param("size", "int", 100, "Length of the latent vector z", min=1, max=100000), NOISE)

    @classmethod
    def output_shapes(cls, p, ins):
        return [(p["size"],)]

    @classmethod
    def label(cls, p):
        return f"z in R^{p['size']}"


class LabelInput(_Input):
    type_id = "input.label"
    title = "Class label"
    icon = "mdi6.tag-outline"
    default_name = "Label"
    help = "One class id per sample, used as a condition (conditional GAN, conditional VAE)."
    outputs = (Port("out", (0,), dtype=INDEX),)
    params = (Param("classes", "int", 10, "Number of classes", min=2, max=1_000_000), TARGETS)

    @classmethod
    def output_shapes(cls, p, ins):
        return [()]

    @classmethod
    def label(cls, p):
        return f"{p['classes']} classes"

    @classmethod
    def id_count(cls, p):
        return p["classes"]

    @classmethod
    def example_input(cls, index, shape, p):
        import torch

        return torch.randint(0, p["classes"], (2,))


class VectorInput(_Input):
    type_id = "input.vector"
    title = "Feature input"
    icon = "mdi6.table-row"
    default_name = "Features"
    help = "A batch of feature vectors (tabular data, the perceptron's inputs)."
    outputs = (Port("out", (1,)),)
    params = (Param("features", "int", 2, "Features per sample", min=1, max=10_000_000), SAMPLES)

    @classmethod
    def output_shapes(cls, p, ins):
        return [(p["features"],)]

    @classmethod
    def label(cls, p):
        return f"{p['features']} features"
