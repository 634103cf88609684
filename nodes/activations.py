"""Activation blocks: one nonlinearity applied to every value; any shape in, the same shape out."""
from __future__ import annotations

from .spec import MASK_KEEP, Block, Param, Port, ShapeError, numel, shape_text


class _Activation(Block):
    """An elementwise function: no parameters, one connection per output value, no MACs."""

    category = "Activations"
    inputs = (Port("in"),)
    outputs = (Port("out"),)
    torch_name: str = ""  # the torch.nn class built
    formula: str = ""  # shown on the node

    @classmethod
    def output_shapes(cls, p, ins):
        return [ins[0]]

    @classmethod
    def torch_kwargs(cls, p):
        return {}

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        return getattr(nn, cls.torch_name)(**cls.torch_kwargs(p))

    @classmethod
    def mask_rule(cls, p):
        return MASK_KEEP

    @classmethod
    def label(cls, p):
        return cls.formula


class ReLU(_Activation):
    type_id = "act.relu"
    title = "ReLU"
    icon = "mdi6.chart-line-variant"
    default_name = "ReLU"
    help = "Keeps positive values and turns negative ones into 0; the usual choice in hidden layers."
    torch_name = "ReLU"
    formula = "max(0, x)"


class LeakyReLU(_Activation):
    type_id = "act.leaky_relu"
    title = "LeakyReLU"
    icon = "mdi6.chart-line"
    default_name = "LeakyReLU"
    help = "Like ReLU, but negative values keep a small slope so their neurons never stop learning."
    params = (Param("negative_slope", "float", 0.01, "Slope used for negative inputs (GANs often use 0.2)",
                    min=0.0, max=1.0),)
    torch_name = "LeakyReLU"

    @classmethod
    def torch_kwargs(cls, p):
        return {"negative_slope": p["negative_slope"]}

    @classmethod
    def label(cls, p):
        return f"slope {p['negative_slope']:g}"


class Tanh(_Activation):
    type_id = "act.tanh"
    title = "Tanh"
    icon = "mdi6.sine-wave"
    default_name = "Tanh"
    help = "Squashes every value into (-1, 1), centred on 0 (LeNet's activation; a generator's last layer)."
    torch_name = "Tanh"
    formula = "tanh(x)"

    @classmethod
    def value_range(cls, p):
        return (-1.0, 1.0)


class Sigmoid(_Activation):
    type_id = "act.sigmoid"
    title = "Sigmoid"
    icon = "mdi6.chart-bell-curve-cumulative"
    default_name = "Sigmoid"
    help = "Squashes every value into (0, 1), so it can be read as a probability or a pixel intensity."
    torch_name = "Sigmoid"
    formula = "1 / (1 + e^-x)"

    @classmethod
    def value_range(cls, p):
        return (0.0, 1.0)


class GELU(_Activation):
    type_id = "act.gelu"
    title = "GELU"
    icon = "mdi6.chart-bell-curve"
    default_name = "GELU"
    help = "A smooth ReLU that lets small negative values through a little; used in Transformers."
    torch_name = "GELU"
    formula = "x * Phi(x)"


class ELU(_Activation):
    type_id = "act.elu"
    title = "ELU"
    icon = "mdi6.math-log"
    default_name = "ELU"
    help = "Like ReLU for positive values; negative values curve smoothly down towards -alpha."
    params = (Param("alpha", "float", 1.0, "Value that very negative inputs approach (as -alpha)",
                    min=0.0, max=100.0),)
    torch_name = "ELU"

    @classmethod
    def torch_kwargs(cls, p):
        return {"alpha": p["alpha"]}

    @classmethod
    def label(cls, p):
        return f"alpha {p['alpha']:g}"


class Sign(_Activation):
    """The course's threshold function: +1 for x > 0, -1 otherwise (so sign(0) = -1).

    Its true derivative is 0 almost everywhere, so backpropagation passes the gradient through
    unchanged (a straight-through estimator). With a squared-error loss, plain SGD and batch
    size 1 this reproduces the perceptron rule w <- w + eta * (d - y) * e.
    """

    type_id = "act.sign"
    title = "Sign (perceptron)"
    icon = "mdi6.plus-minus-variant"
    default_name = "Sign"
    help = "The perceptron's hard threshold: outputs +1 when its input is above 0 and -1 otherwise."
    formula = "+1 if x > 0 else -1"

    @classmethod
    def build(cls, p, ins):
        from .modules import torch_modules

        return torch_modules().SignSTE()


class Softmax(_Activation):
    """Each output reads every value along the chosen axis, so connections count
    (values along the axis) per output value."""

    type_id = "act.softmax"
    title = "Softmax"
    icon = "mdi6.chart-bar"
    default_name = "Softmax"
    help = "Turns a row of scores into probabilities that are positive and add up to 1."
    params = (Param("axis", "int", -1, "Axis whose values add up to 1, counted without the batch axis "
                    "(-1: the last one)", min=-8, max=7),)

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        if not -len(shape) <= p["axis"] < len(shape):
            raise ShapeError(f"Softmax over axis {p['axis']} needs an input with more axes than "
                             f"{shape_text(shape)}: use axis -1", "in")
        return [shape]

    @classmethod
    def connections(cls, p, ins):
        return numel(ins[0]) * ins[0][p["axis"]]

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        axis = p["axis"]
        return nn.Softmax(dim=axis if axis < 0 else axis + 1)

    @classmethod
    def label(cls, p):
        return "over the last axis" if p["axis"] == -1 else f"over axis {p['axis']}"
