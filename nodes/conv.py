"""Convolution blocks: Conv1d, Conv2d, ConvTranspose2d and LeNet-5's partially connected C3."""
from __future__ import annotations

from .spec import (CHANNELS_FIRST, MASK_DROP, MASK_KEEP, RANK_LAYOUT_1D, SEQUENCE, Block, Param, Port, ShapeError, activation_module,
                   activation_param, conv_out, layout_param, numel)

_CONV_PARAMS = (
    Param("out_channels", "int", 6, "Feature maps (filters) this layer produces", min=1, max=65536, label="filters"),
    Param("kernel", "int", 5, "Filter width and height in pixels", min=1, max=1024),
    Param("stride", "int", 1, "Step between two filter positions", min=1, max=1024),
    Param("padding", "int", 0, "Zeros added on every border", min=0, max=1024),
    Param("same", "bool", False, "Pad so the output keeps the input's size (stride 1 only; overrides padding)"),
    Param("dilation", "int", 1, "Spacing between filter taps (1: a plain filter)", min=1, max=1024),
    Param("groups", "int", 1, "Split channels into independent groups (channels must divide evenly)", min=1, max=65536),
    Param("bias", "bool", True, "Learn one bias per feature map"),
    activation_param(),
)


def with_activation(module, activation: str):
    """``module`` followed by ``activation`` (returned unchanged when there is none)."""
    if activation == "none":
        return module
    import torch.nn as nn

    return nn.Sequential(module, activation_module(activation))


class _ConvNd(Block):
    """Counting (k the kernel, d the spatial axes, C the input channels): parameters
    (k^d x C / groups + bias) x filters; connections (k^d x C / groups + bias) x output values;
    MACs k^d x C / groups x output values. ``spatial`` is d."""

    category = "Convolution"
    params = _CONV_PARAMS
    spatial = 2

    @classmethod
    def check_combination(cls, p):
        if p.get("same") and p.get("stride", 1) != 1:
            return [("same", "'same' padding needs stride 1: set stride to 1 or turn 'same' off")]
        if p["out_channels"] % max(p["groups"], 1):
            return [("groups", f"filters ({p['out_channels']}) must divide evenly into {p['groups']} groups")]
        return []

    @classmethod
    def _pad(cls, p) -> int | str:
        return "same" if p["same"] else p["padding"]

    @classmethod
    def _steps_first(cls, p) -> bool:
        """A Conv1d reading the sequence convention (N, T, F): it slides over T, F are its channels."""
        return cls.spatial == 1 and p.get("layout", SEQUENCE) == SEQUENCE

    @classmethod
    def _channels_sizes(cls, p, shape) -> tuple[int, list[int]]:
        """(input channels, sizes of the axes the filters slide along)."""
        return (shape[-1], list(shape[:-1])) if cls._steps_first(p) else (shape[0], list(shape[1:]))

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        layouts = None if cls.spatial == 2 else ({} if cls._steps_first(p) else RANK_LAYOUT_1D)
        cls.need_rank(cls.title, "in", shape, (cls.spatial + 1,), layouts)
        cin, sizes = cls._channels_sizes(p, shape)
        unit = "step" if cls._steps_first(p) else "pixel"
        if cin % p["groups"]:
            raise ShapeError(f"{cls.title} with {p['groups']} groups needs input channels divisible by "
                             f"{p['groups']} but receives {cin}: change groups", "in")
        span = p["dilation"] * (p["kernel"] - 1) + 1
        out = []
        for s in sizes:
            if p["same"]:
                out.append(s)
                continue
            if span > s + 2 * p["padding"]:
                kernel = "x".join([str(p["kernel"])] * cls.spatial)
                raise ShapeError(f"{cls.title}'s {kernel} kernel is larger than its {s}-{unit} input (plus "
                                 "padding): use a smaller kernel or add padding", "in")
            out.append(conv_out(s, p["kernel"], p["stride"], p["padding"], p["dilation"]))
        return [(*out, p["out_channels"])] if cls._steps_first(p) else [(p["out_channels"], *out)]

    @classmethod
    def _fan_in(cls, p, ins) -> int:
        return p["kernel"] ** cls.spatial * (cls._channels_sizes(p, ins[0])[0] // p["groups"])

    @classmethod
    def param_count(cls, p, ins):
        return (cls._fan_in(p, ins) + int(p["bias"])) * p["out_channels"]

    @classmethod
    def connections(cls, p, ins):
        out = cls.output_shapes(p, ins)[0]
        return (cls._fan_in(p, ins) + int(p["bias"])) * numel(out)

    @classmethod
    def macs(cls, p, ins):
        return cls._fan_in(p, ins) * numel(cls.output_shapes(p, ins)[0])

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        from .modules import torch_modules

        conv_class = nn.Conv2d if cls.spatial == 2 else \
            (torch_modules().StepsConv1d if cls._steps_first(p) else nn.Conv1d)
        conv = conv_class(cls._channels_sizes(p, ins[0])[0], p["out_channels"], p["kernel"], stride=p["stride"], padding=cls._pad(p),
                          dilation=p["dilation"], groups=p["groups"], bias=p["bias"])
        return with_activation(conv, p["activation"])

    @classmethod
    def label(cls, p):
        k = "x".join([str(p["kernel"])] * cls.spatial)
        pad = ", same" if p["same"] else (f", pad {p['padding']}" if p["padding"] else "")
        act = f", {p['activation']}" if p["activation"] != "none" else ""
        return f"{p['out_channels']} @ {k}, stride {p['stride']}{pad}{act}"


class Conv2d(_ConvNd):
    type_id = "conv.conv2d"
    title = "Conv2d"
    icon = "mdi6.grid"
    default_name = "Conv"
    help = "Slides learned filters over an image; each filter makes one feature map."
    inputs = (Port("in", (3,)),)
    outputs = (Port("out", (3,)),)
    spatial = 2


class Conv1d(_ConvNd):
    """On a sequence (N, T, F) the filters slide along the T steps and read all F features (the
    features are the channels): the output is (N, T', filters). With layout 'channels x length'
    a rank-2 input is an image-style signal (N, C, L) and the output (N, filters, L').

    Version 2 introduced the sequence reading; files from version 1 keep 'channels x length'."""

    type_id = "conv.conv1d"
    version = 2
    title = "Conv1d"
    icon = "mdi6.dots-horizontal"
    default_name = "Conv1d"
    help = ("Slides learned filters along the time steps of a sequence (its features are the channels), "
            "e.g. to find local patterns in a signal or a sentence.")
    inputs = (Port("in", (2,), help="a sequence (N, T, F), or a (N, C, L) signal with layout channels x length"),)
    outputs = (Port("out", (2,)),)
    params = _CONV_PARAMS + (layout_param("filters slide over the steps"),)
    spatial = 1
    upgrades = {1: ({"layout": CHANNELS_FIRST}, "was saved by an older NetCanvas that read its input as channels x "
                    "length, and keeps that reading; set its sequence layout to 'steps x features' to convolve "
                    "over the time steps")}

    @classmethod
    def example_cases(cls):
        return [({"kernel": 3}, [(9, 4)]), ({"kernel": 3, "same": True, "out_channels": 4}, [(7, 5)]),
                ({"kernel": 2, "layout": CHANNELS_FIRST}, [(5, 3)])]

    @classmethod
    def mask_rule(cls, p):
        return MASK_KEEP if cls._steps_first(p) and p["same"] else MASK_DROP

    @classmethod
    def label(cls, p):
        return super().label(p) + (", channels x length" if p["layout"] == CHANNELS_FIRST else "")


class ConvTranspose2d(Block):
    type_id = "conv.convtranspose2d"
    title = "ConvTranspose2d"
    category = "Convolution"
    icon = "mdi6.arrow-expand-all"
    default_name = "Up"
    help = "Learned upsampling: the transpose of a convolution, used by decoders and generators."
    inputs = (Port("in", (3,)),)
    outputs = (Port("out", (3,)),)
    params = (
        Param("out_channels", "int", 16, "Feature maps this layer produces", min=1, max=65536, label="filters"),
        Param("kernel", "int", 4, "Filter width and height", min=1, max=1024),
        Param("stride", "int", 2, "Upsampling factor", min=1, max=1024),
        Param("padding", "int", 1, "Rows/columns removed from every border of the output", min=0, max=1024),
        Param("output_padding", "int", 0, "Extra rows/columns added on one side (must be below stride)", min=0, max=1023),
        Param("bias", "bool", True, "Learn one bias per feature map"),
        activation_param(),
    )

    @classmethod
    def check_combination(cls, p):
        if p["output_padding"] >= p["stride"]:
            return [("output_padding", "output padding must be smaller than the stride")]
        return []

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        cls.need_rank(cls.title, "in", shape, (3,))
        c, h, w = shape
        size = [(s - 1) * p["stride"] - 2 * p["padding"] + p["kernel"] + p["output_padding"] for s in (h, w)]
        if min(size) < 1:
            raise ShapeError(f"{cls.title} would produce a {size[0]}x{size[1]} image: reduce padding", "in")
        return [(p["out_channels"], *size)]

    @classmethod
    def param_count(cls, p, ins):
        return (ins[0][0] * p["kernel"] ** 2 + int(p["bias"])) * p["out_channels"]

    @classmethod
    def connections(cls, p, ins):
        # each output pixel sees about (k/stride)^2 input pixels per input channel
        taps = max(1, (p["kernel"] // p["stride"]) ** 2)
        return (ins[0][0] * taps + int(p["bias"])) * numel(cls.output_shapes(p, ins)[0])

    @classmethod
    def macs(cls, p, ins):
        return numel(ins[0]) * p["kernel"] ** 2 * p["out_channels"]

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        conv = nn.ConvTranspose2d(ins[0][0], p["out_channels"], p["kernel"], stride=p["stride"],
                                  padding=p["padding"], output_padding=p["output_padding"], bias=p["bias"])
        return with_activation(conv, p["activation"])

    @classmethod
    def label(cls, p):
        return f"{p['out_channels']} @ {p['kernel']}x{p['kernel']}, stride {p['stride']}"


# Table I of LeCun et al. (1998): which of the 6 S2 maps (rows) feed each of the 16 C3 maps (columns).
LENET_C3_TABLE = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (0, 4, 5), (0, 1, 5),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (0, 3, 4, 5), (0, 1, 4, 5), (0, 1, 2, 5),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)


class LeNetC3(Block):
    type_id = "conv.lenet_c3"
    title = "Partial Conv (LeNet C3)"
    category = "Convolution"
    icon = "mdi6.table-large"
    default_name = "C3"
    help = ("LeNet-5's C3: 16 5x5 filters, each reading only the S2 maps of Table I (LeCun 1998), "
            "which breaks symmetry and saves parameters.")
    inputs = (Port("in", (3,)),)
    outputs = (Port("out", (3,)),)
    params = (
        Param("kernel", "int", 5, "Filter width and height", min=1, max=64),
        activation_param("tanh"),
    )

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        cls.need_rank(cls.title, "in", shape, (3,))
        c, h, w = shape
        if c != 6:
            raise ShapeError(f"{cls.title} reads exactly 6 feature maps (Table I) but receives {c}: "
                             "put a 6-map layer before it or use a Conv2d", "in")
        if p["kernel"] > min(h, w):
            raise ShapeError(f"{cls.title}'s {p['kernel']}x{p['kernel']} kernel is larger than its {h}x{w} input: "
                             "use a smaller kernel", "in")
        return [(16, h - p["kernel"] + 1, w - p["kernel"] + 1)]

    @classmethod
    def param_count(cls, p, ins):
        return sum(len(cols) * p["kernel"] ** 2 + 1 for cols in LENET_C3_TABLE)

    @classmethod
    def connections(cls, p, ins):
        _, h, w = cls.output_shapes(p, ins)[0]
        return cls.param_count(p, ins) * h * w

    @classmethod
    def macs(cls, p, ins):
        _, h, w = cls.output_shapes(p, ins)[0]
        return sum(len(cols) for cols in LENET_C3_TABLE) * p["kernel"] ** 2 * h * w

    @classmethod
    def example_shapes(cls, p):
        return [(6, 14, 14)]

    @classmethod
    def build(cls, p, ins):
        from .modules import torch_modules

        return with_activation(torch_modules().PartialConv2d(6, LENET_C3_TABLE, p["kernel"]), p["activation"])

    @classmethod
    def label(cls, p):
        act = f", {p['activation']}" if p["activation"] != "none" else ""
        return f"16 @ {p['kernel']}x{p['kernel']}, Table I{act}"
