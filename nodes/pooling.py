"""Pooling blocks: max, average, global, adaptive, and LeNet-5's trainable subsampling; on
sequences (N, T, F) they pool over the time steps."""
from __future__ import annotations

from .conv import with_activation
from .spec import (CHANNELS_FIRST, MASK_DROP, MASK_USE, SEQUENCE, Block, Param, Port, ShapeError, activation_param,
                   conv_out, layout_param, numel)


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


class _Pool1d(_Pool2d):
    """Pooling over the steps of a sequence (N, T, F), window by window: (N, T', F)."""

    inputs = (Port("in", (2,), help="a sequence (N, T, F)"),)
    outputs = (Port("out", (2,)),)
    average = False

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        cls.need_rank(cls.title, "in", shape, (2,))
        steps, features = shape
        if p["kernel"] > steps + 2 * p["padding"]:
            raise ShapeError(f"{cls.title}'s {p['kernel']}-step window is longer than its {steps}-step input: "
                             "use a smaller kernel", "in")
        return [(conv_out(steps, p["kernel"], cls._stride(p), p["padding"]), features)]

    @classmethod
    def connections(cls, p, ins):
        return p["kernel"] * numel(cls.output_shapes(p, ins)[0])

    @classmethod
    def build(cls, p, ins):
        from .modules import torch_modules

        return torch_modules().StepsPool1d(cls.average, p["kernel"], cls._stride(p), p["padding"])

    @classmethod
    def label(cls, p):
        return f"{p['kernel']} steps, stride {cls._stride(p)}"


class MaxPool1d(_Pool1d):
    type_id = "pool.max1d"
    title = "MaxPool1d"
    icon = "mdi6.arrow-collapse-horizontal"
    default_name = "MaxPool1d"
    help = "Keeps the largest value of each feature in each window of steps: shortens a sequence."


class AvgPool1d(_Pool1d):
    type_id = "pool.avg1d"
    title = "AvgPool1d"
    icon = "mdi6.arrow-collapse-left"
    default_name = "AvgPool1d"
    help = "Averages each feature over each window of steps: a smooth way to shorten a sequence."
    average = True


class _GlobalPool(Block):
    """Pools an image (C, H, W) to (C), or a sequence (T, F) over its steps to (F) (padded steps
    of a token sequence left out); with layout 'channels x length' a (C, L) signal to (C)."""

    category = "Pooling"
    inputs = (Port("in", (2, 3), help="feature maps (N, C, H, W) or a sequence (N, T, F)"),)
    outputs = (Port("out", (1,)),)
    average = True

    @classmethod
    def _over_steps(cls, p, ins) -> bool:
        return len(ins[0]) == 2 and p.get("layout", SEQUENCE) == SEQUENCE

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        cls.need_rank(cls.title, "in", shape, (2, 3))
        return [(shape[-1],) if cls._over_steps(p, ins) else (shape[0],)]

    @classmethod
    def connections(cls, p, ins):
        return numel(ins[0])

    @classmethod
    def mask_rule(cls, p):
        return MASK_USE if p.get("layout", SEQUENCE) == SEQUENCE else MASK_DROP

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        if cls._over_steps(p, ins):
            from .modules import torch_modules

            return torch_modules().TimePool(cls.average)
        if len(ins[0]) == 3:
            pool = nn.AdaptiveAvgPool2d(1) if cls.average else nn.AdaptiveMaxPool2d(1)
        else:
            pool = nn.AdaptiveAvgPool1d(1) if cls.average else nn.AdaptiveMaxPool1d(1)
        return nn.Sequential(pool, nn.Flatten(1))

    @classmethod
    def example_cases(cls):
        return [({}, [(3, 5, 5)]), ({}, [(6, 4)]), ({"layout": CHANNELS_FIRST}, [(6, 4)])]

    @classmethod
    def label(cls, p):
        return "over channels x length" if p.get("layout") == CHANNELS_FIRST else ""


class GlobalAvgPool(_GlobalPool):
    """Version 2 averages a sequence over its steps; files from version 1 keep 'channels x length'."""

    type_id = "pool.global_avg"
    version = 2
    title = "Global average pool"
    icon = "mdi6.circle-medium"
    default_name = "GAP"
    help = "Averages each feature map to one number, (C, H, W) to (C), or a sequence over its steps, (T, F) to (F)."
    params = (layout_param("averaged over the steps"),)

    upgrades = {1: ({"layout": CHANNELS_FIRST}, "was saved by an older NetCanvas that averaged a 2-D input over its "
                    "last axis, and keeps doing so (layout channels x length); set its sequence layout to 'steps x "
                    "features' to average over the steps")}


class GlobalMaxPool(_GlobalPool):
    type_id = "pool.global_max"
    title = "Global max pool"
    icon = "mdi6.circle-double"
    default_name = "GMP"
    help = "Keeps the largest value of each feature map, (C, H, W) to (C), or of each feature over the steps, (T, F) to (F)."
    params = (layout_param("the largest value over the steps"),)
    average = False


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
