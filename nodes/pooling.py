"""Pooling blocks: max, average, global, adaptive, and LeNet-5's trainable subsampling."""
from __future__ import annotations

from .conv import with_activation
from .spec import Block, Param, Port, ShapeError, activation_param, conv_out, numel


class _Pool2d(Block):
    category = "Pooling"
    inputs = (Port("in", (3,)),)
    outputs = (Port("out", (3,)),)
    params = (
        Param("kernel", "int", 2, "Window width and height", min=1, max=1024),
        Param("stride", "int", 0, "Step between windows (0: same as the kernel)", min=0, max=1024),
        Param("padding", "int", 0, "Padding on every border (at most half the kernel)", min=0, max=512),
    )

    @classmethod
    def check_combination(cls, p):
        if p["padding"] * 2 > p["kernel"]:
            return [("padding", "padding must be at most half the kernel size")]
        return []

    @classmethod
    def _stride(cls, p) -> int:
        return p["stride"] or p["kernel"]

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        cls.need_rank(cls.title, "in", shape, (3,))
        c, h, w = shape
        if p["kernel"] > min(h, w) + 2 * p["padding"]:
            raise ShapeError(f"{cls.title}'s {p['kernel']}x{p['kernel']} window is larger than its {h}x{w} input: "
                             "use a smaller kernel or remove a pooling layer before it", "in")
        s = cls._stride(p)
        return [(c, conv_out(h, p["kernel"], s, p["padding"]), conv_out(w, p["kernel"], s, p["padding"]))]

    @classmethod
    def connections(cls, p, ins):
        return p["kernel"] ** 2 * numel(cls.output_shapes(p, ins)[0])

    @classmethod
    def macs(cls, p, ins):
        return 0

    @classmethod
    def label(cls, p):
        return f"{p['kernel']}x{p['kernel']}, stride {cls._stride(p)}"


class MaxPool2d(_Pool2d):
    type_id = "pool.max2d"
    title = "MaxPool2d"
    icon = "mdi6.arrow-collapse-all"
    default_name = "MaxPool"
    help = "Keeps the largest value of each window: halves the image with the default 2x2 window."

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        return nn.MaxPool2d(p["kernel"], cls._stride(p), p["padding"])


class AvgPool2d(_Pool2d):
    type_id = "pool.avg2d"
    title = "AvgPool2d"
    icon = "mdi6.arrow-collapse"
    default_name = "AvgPool"
    help = "Averages each window: a smooth, parameter-free downsampling."

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        return nn.AvgPool2d(p["kernel"], cls._stride(p), p["padding"])


class TrainableSubsampling(_Pool2d):
    type_id = "pool.subsampling"
    title = "Subsampling (LeNet)"
    icon = "mdi6.view-grid-outline"
    default_name = "S"
    help = ("LeNet-5's S2/S4: sums each window, multiplies by one learned coefficient and adds one learned "
            "bias per map, then applies the activation (2 parameters per map).")
    params = (
        Param("kernel", "int", 2, "Window width and height", min=1, max=64),
        Param("stride", "int", 0, "Step between windows (0: same as the kernel)", min=0, max=64),
        activation_param("tanh"),
    )

    @classmethod
    def check_combination(cls, p):
        return []

    @classmethod
    def output_shapes(cls, p, ins):
        return super().output_shapes({**p, "padding": 0}, ins)

    @classmethod
    def param_count(cls, p, ins):
        return 2 * ins[0][0]

    @classmethod
    def connections(cls, p, ins):
        return (p["kernel"] ** 2 + 1) * numel(cls.output_shapes(p, ins)[0])

    @classmethod
    def macs(cls, p, ins):
        return (p["kernel"] ** 2 + 1) * numel(cls.output_shapes(p, ins)[0])

    @classmethod
    def build(cls, p, ins):
        from .modules import torch_modules

        pool = torch_modules().TrainableSubsampling(ins[0][0], p["kernel"], cls._stride(p))
        return with_activation(pool, p["activation"])

    @classmethod
    def label(cls, p):
        act = f", {p['activation']}" if p["activation"] != "none" else ""
        return f"{p['kernel']}x{p['kernel']}, stride {cls._stride(p)}{act}"


class GlobalAvgPool(Block):
    type_id = "pool.global_avg"
    title = "Global average pool"
    category = "Pooling"
    icon = "mdi6.circle-medium"
    default_name = "GAP"
    help = "Averages each feature map to one number: (C, H, W) becomes (C)."
    inputs = (Port("in", (2, 3)),)
    outputs = (Port("out", (1,)),)

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        cls.need_rank(cls.title, "in", shape, (2, 3))
        return [(shape[0],)]

    @classmethod
    def connections(cls, p, ins):
        return numel(ins[0])

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        pool = nn.AdaptiveAvgPool2d(1) if len(ins[0]) == 3 else nn.AdaptiveAvgPool1d(1)
        return nn.Sequential(pool, nn.Flatten(1))


class AdaptiveAvgPool2d(Block):
    type_id = "pool.adaptive_avg2d"
    title = "AdaptiveAvgPool2d"
    category = "Pooling"
    icon = "mdi6.aspect-ratio"
    default_name = "AdaptivePool"
    help = "Averages into a fixed output size whatever the input size (VGG uses 7x7)."
    inputs = (Port("in", (3,)),)
    outputs = (Port("out", (3,)),)
    params = (
        Param("height", "int", 7, "Output height", min=1, max=4096),
        Param("width", "int", 7, "Output width", min=1, max=4096),
    )

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        cls.need_rank(cls.title, "in", shape, (3,))
        return [(shape[0], p["height"], p["width"])]

    @classmethod
    def connections(cls, p, ins):
        return numel(ins[0])

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        return nn.AdaptiveAvgPool2d((p["height"], p["width"]))

    @classmethod
    def label(cls, p):
        return f"-> {p['height']}x{p['width']}"
