"""Core layers: Dense, Flatten, Reshape, Dropout."""
from __future__ import annotations

from .conv import with_activation
from .spec import MASK_KEEP, Block, Param, Port, ShapeError, activation_param, numel


class Dense(Block):
    type_id = "core.dense"
    title = "Dense"
    category = "Core"
    icon = "mdi6.dots-grid"
    default_name = "Dense"
    help = ("Fully connected layer: every output is a weighted sum of all inputs plus a bias; on a sequence "
            "(N, T, F) it maps the features of each step the same way.")
    inputs = (Port("in", (1, 2)),)
    outputs = (Port("out", (1, 2)),)
    params = (
        Param("units", "int", 10, "Number of outputs (neurons)", min=1, max=10_000_000),
        Param("bias", "bool", True, "Learn one bias per output"),
        activation_param(),
        Param("spectral_norm", "bool", False, "Divide the weights by their largest singular value (steadies a "
              "GAN's discriminator; adds no trainable parameters)", label="spectral norm"),
    )

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        if len(shape) not in (1, 2):
            hint = ": add a Flatten before it" if len(shape) > 2 else ""
            raise ShapeError(f"{cls.title} needs a 2-D input (N, F) but receives {_st(shape)}{hint}", "in")
        return [(*shape[:-1], p["units"])]

    @classmethod
    def param_count(cls, p, ins):
        return (ins[0][-1] + int(p["bias"])) * p["units"]

    @classmethod
    def connections(cls, p, ins):
        return (ins[0][-1] + int(p["bias"])) * numel(cls.output_shapes(p, ins)[0])

    @classmethod
    def macs(cls, p, ins):
        return ins[0][-1] * numel(cls.output_shapes(p, ins)[0])

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        layer = nn.Linear(ins[0][-1], p["units"], bias=p["bias"])
        if p["spectral_norm"]:
            from torch.nn.utils.parametrizations import spectral_norm

            layer = spectral_norm(layer)
        return with_activation(layer, p["activation"])

    @classmethod
    def example_cases(cls):
        return [({}, None), ({"spectral_norm": True, "activation": "leaky_relu"}, None), ({}, [(5, 3)])]

    @classmethod
    def mask_rule(cls, p):
        return MASK_KEEP  # on a sequence it maps every step's features on its own

    @classmethod
    def label(cls, p):
        act = f", {p['activation']}" if p["activation"] != "none" else ""
        return f"{p['units']} units{act}" + (", SN" if p["spectral_norm"] else "")


def _st(shape):
    from .spec import shape_text

    return shape_text(shape)


class Flatten(Block):
    type_id = "core.flatten"
    keeps_range = True
    title = "Flatten"
    category = "Core"
    icon = "mdi6.format-align-justify"
    default_name = "Flatten"
    help = "Lays all values of a sample out in one vector: (C, H, W) becomes (C*H*W)."

    @classmethod
    def output_shapes(cls, p, ins):
        return [(numel(ins[0]),)]

    @classmethod
    def connections(cls, p, ins):
        return 0

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        return nn.Flatten(1)


class Reshape(Block):
    type_id = "core.reshape"
    keeps_range = True
    title = "Reshape"
    category = "Core"
    icon = "mdi6.shape-outline"
    default_name = "Reshape"
    help = "Rearranges each sample into a new shape with the same number of values (one -1 is inferred)."
    params = (Param("shape", "ints", (1, 28, 28), "Target shape without the batch axis, e.g. [16, 5, 5]", min=-1),)

    @classmethod
    def check_combination(cls, p):
        shape = p["shape"]
        if isinstance(shape, (list, tuple)):
            if list(shape).count(-1) > 1:
                return [("shape", "at most one size may be -1")]
            if any(s == 0 for s in shape):
                return [("shape", "sizes must be positive (or one -1)")]
        return []

    @classmethod
    def output_shapes(cls, p, ins):
        total = numel(ins[0])
        target = list(p["shape"])
        known = numel([s for s in target if s != -1])
        if -1 in target:
            if total % known:
                raise ShapeError(f"Reshape cannot split {total} values into {target}: {total} is not a multiple "
                                 f"of {known}", "in")
            target[target.index(-1)] = total // known
        elif known != total:
            raise ShapeError(f"Reshape to {tuple(target)} needs {known} values per sample but receives {total} "
                             f"{_st(ins[0])}: pick sizes whose product is {total}", "in")
        return [tuple(target)]

    @classmethod
    def connections(cls, p, ins):
        return 0

    @classmethod
    def example_cases(cls):
        return [({}, [(784,)]), ({"shape": [-1, 16]}, [(4, 8, 2)])]

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        return nn.Unflatten(1, cls.output_shapes(p, ins)[0]) if len(ins[0]) == 1 else \
            nn.Sequential(nn.Flatten(1), nn.Unflatten(1, cls.output_shapes(p, ins)[0]))

    @classmethod
    def label(cls, p):
        return "x".join(str(s) for s in p["shape"])


class Dropout(Block):
    type_id = "core.dropout"
    keeps_range = True
    title = "Dropout"
    category = "Core"
    icon = "mdi6.water-off-outline"
    default_name = "Dropout"
    help = "While training, zeroes a random fraction of values so the net cannot rely on any single one."
    params = (Param("rate", "float", 0.5, "Fraction of values dropped while training", min=0.0, max=0.99),)

    @classmethod
    def output_shapes(cls, p, ins):
        return [ins[0]]

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        return nn.Dropout(p["rate"])

    @classmethod
    def mask_rule(cls, p):
        return MASK_KEEP

    @classmethod
    def label(cls, p):
        return f"p = {p['rate']:g}"
