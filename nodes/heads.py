"""Heads: the last block of a model. Each names the task and the loss the trainer minimises.

A head passes its input through unchanged in the compiled module (its output is the model's
output, e.g. logits); ``loss`` and ``predict`` say how the trainer and the predictor use it.
"""
from __future__ import annotations

from .spec import Block, Param, Port, ShapeError


class Head(Block):
    """Base of heads. ``task`` tells the trainer what targets to expect."""

    category = "Heads"
    role = "head"
    icon = "mdi6.flag-checkered"
    task = "classification"
    inputs = (Port("in", (1,)),)
    outputs = (Port("out", (1,)),)

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        cls.need_rank(cls.title, "in", shape, cls.inputs[0].ranks)
        return [shape]

    @classmethod
    def connections(cls, p, ins):
        return 0

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        return nn.Identity()

    @classmethod
    def loss(cls, p, outputs, target):
        """Mean loss of a batch: ``outputs`` are this head's inputs (a list of tensors)."""
        raise NotImplementedError

    @classmethod
    def predict(cls, p, output):
        """What a user reads from the raw output (probabilities, values)."""
        return output


class ClassificationHead(Head):
    type_id = "head.classification"
    title = "Classification (softmax + cross-entropy)"
    default_name = "Output"
    help = "Turns K scores into class probabilities with softmax; trained with cross-entropy on class ids."
    params = (Param("label_smoothing", "float", 0.0, "Spread this much target probability over all classes",
                    min=0.0, max=0.5),)

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = super().output_shapes(p, ins)
        if shape[0] < 2:
            raise ShapeError(f"{cls.title} needs at least 2 class scores but receives {shape[0]}: "
                             "set the Dense before it to the number of classes", "in")
        return [shape]

    @classmethod
    def loss(cls, p, outputs, target):
        import torch.nn.functional as F

        return F.cross_entropy(outputs[0].float(), target, label_smoothing=p["label_smoothing"])

    @classmethod
    def predict(cls, p, output):
        return output.float().softmax(-1)

    @classmethod
    def label(cls, p):
        return "softmax, cross-entropy"
