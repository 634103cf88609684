"""Layer plans for composite blocks: one pure-Python list of steps drives both the summary
(``inner_layers``, counts) and the builder, so the two cannot disagree.

A :class:`Step` names a torch.nn class and its constructor arguments together with its output
shape and its parameter / connection / MAC counts. ``part`` says which piece of the
composite's module the step belongs to (``None``: shown in the summary, computed by the
composite module itself, e.g. the VAE's sampling).
"""
from __future__ import annotations

from dataclasses import dataclass

from .spec import InnerLayer, Shape, conv_out, numel


@dataclass(frozen=True)
class Step:
    name: str
    kind: str  # a torch.nn class name
    args: tuple
    shape: Shape
    params: int = 0
    connections: int = 0
    macs: int = 0
    part: str | None = "body"
    spectral: bool = False
    kwargs: tuple = ()  # (name, value) pairs


def linear(name: str, fin: int, fout: int, bias: bool = True, spectral: bool = False,
           part: str | None = "body") -> Step:
    total = (fin + int(bias)) * fout
    return Step(name, "Linear", (fin, fout), (fout,), total, total, fin * fout, part, spectral,
                (("bias", bias),))


def conv(name: str, cin: int, cout: int, size: tuple[int, int], kernel: int = 4, stride: int = 2,
         padding: int = 1, bias: bool = True, spectral: bool = False) -> Step:
    """A Conv2d on a ``size`` = (H, W) input."""
    out = (cout, *(conv_out(s, kernel, stride, padding) for s in size))
    fan_in = cin * kernel * kernel
    return Step(name, "Conv2d", (cin, cout, kernel, stride, padding), out, (fan_in + int(bias)) * cout,
                (fan_in + int(bias)) * numel(out), fan_in * numel(out), "body", spectral, (("bias", bias),))


def tconv(name: str, cin: int, cout: int, size: tuple[int, int], kernel: int = 4, stride: int = 2,
          padding: int = 1, bias: bool = True, spectral: bool = False) -> Step:
    """A ConvTranspose2d on a ``size`` = (H, W) input; each output pixel reads at most
    ceil(k / stride) taps per axis (and no more than the input has)."""
    out = (cout, *((s - 1) * stride - 2 * padding + kernel for s in size))
    taps = numel([min(-(-kernel // stride), s) for s in size])
    return Step(name, "ConvTranspose2d", (cin, cout, kernel, stride, padding), out,
                (cin * kernel * kernel + int(bias)) * cout, (cin * taps + int(bias)) * numel(out),
                cin * numel(size) * kernel * kernel * cout, "body", spectral, (("bias", bias),))


def batchnorm(name: str, shape: Shape) -> Step:
    kind = "BatchNorm2d" if len(shape) == 3 else "BatchNorm1d"
    return Step(name, kind, (shape[0],), shape, 2 * shape[0], numel(shape), numel(shape))


def act(name: str, kind: str, shape: Shape, *args) -> Step:
    """An elementwise activation (``kind``: ReLU, LeakyReLU, Tanh, Sigmoid)."""
    return Step(name, kind, args, shape, 0, numel(shape))


def embedding(name: str, classes: int, dim: int, part: str = "embed") -> Step:
    return Step(name, "Embedding", (classes, dim), (dim,), classes * dim, dim, 0, part)


def unflatten(name: str, shape: Shape) -> Step:
    return Step(name, "Unflatten", (1, tuple(shape)), tuple(shape))


def flatten(name: str, shape: Shape) -> Step:
    return Step(name, "Flatten", (1,), (numel(shape),))


def inner_layers(steps: list[Step]) -> list[InnerLayer]:
    return [InnerLayer(s.name, s.kind + (" + spectral norm" if s.spectral else ""), s.shape, s.params)
            for s in steps]


def totals(steps: list[Step], field: str) -> int:
    """Sum of ``params``, ``connections`` or ``macs`` over the plan."""
    return sum(getattr(s, field) for s in steps)


def torch_parts(steps: list[Step]) -> dict:
    """One nn.Sequential per ``part`` (steps with part None are skipped), in plan order."""
    from collections import OrderedDict

    import torch.nn as nn

    parts: dict[str, OrderedDict] = {}
    for s in steps:
        if s.part is not None:
            parts.setdefault(s.part, OrderedDict())[s.name] = _module(s, nn)
    return {name: nn.Sequential(layers) for name, layers in parts.items()}


def _module(step: Step, nn):
    module = getattr(nn, step.kind)(*step.args, **dict(step.kwargs))
    if step.spectral:
        from torch.nn.utils.parametrizations import spectral_norm

        module = spectral_norm(module)
    return module
