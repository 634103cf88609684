"""torch modules that have no ready-made equivalent in torch.nn, for the blocks' builders.

They are defined inside :func:`torch_modules` so that importing nodes/ never imports torch;
builders call ``torch_modules().Name(...)``. The classes are created once and cached.
"""
from __future__ import annotations

import functools
from types import SimpleNamespace


@functools.cache
def torch_modules() -> SimpleNamespace:
    """The custom module classes, created on first use."""
    import torch
    from torch import nn

    class PartialConv2d(nn.Module):
        """A convolution in which output map j reads only the input maps ``table[j]``.

        Only the connected filter slices are parameters (LeNet-5's C3 has 60 of them, 1,516
        parameters with the biases); the full weight is assembled at every call so that
        gradients reach exactly those slices.
        """

        def __init__(self, in_channels: int, table, kernel: int):
            super().__init__()
            self.in_channels, self.out_channels, self.kernel = in_channels, len(table), kernel
            flat = [j * in_channels + i for j, cols in enumerate(table) for i in cols]
            self.register_buffer("index", torch.tensor(flat, dtype=torch.long), persistent=False)
            self.weight = nn.Parameter(torch.empty(len(flat), kernel, kernel))
            self.bias = nn.Parameter(torch.empty(len(table)))
            fan_in = [len(table[j]) * kernel * kernel for j in range(len(table))]
            bound = [1.0 / f ** 0.5 for f in fan_in]
            with torch.no_grad():
                owner = [j for j, cols in enumerate(table) for _ in cols]
                for row, j in enumerate(owner):
                    self.weight[row].uniform_(-bound[j], bound[j])
                for j in range(len(table)):
                    self.bias[j].uniform_(-bound[j], bound[j])

        def forward(self, x):
            full = self.weight.new_zeros(self.out_channels * self.in_channels, self.kernel, self.kernel)
            full = full.index_copy(0, self.index, self.weight)
            full = full.view(self.out_channels, self.in_channels, self.kernel, self.kernel)
            return nn.functional.conv2d(x, full, self.bias)

    class TrainableSubsampling(nn.Module):
        """LeNet-5's S2/S4: the sum of each k x k window times one learned coefficient per map,
        plus one learned bias per map (2 parameters per map)."""

        def __init__(self, channels: int, kernel: int, stride: int):
            super().__init__()
            self.kernel, self.stride = kernel, stride
            self.weight = nn.Parameter(torch.ones(channels))
            self.bias = nn.Parameter(torch.zeros(channels))

        def forward(self, x):
            window_sum = nn.functional.avg_pool2d(x, self.kernel, self.stride) * (self.kernel * self.kernel)
            return window_sum * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)

    class SignSTE(nn.Module):
        """sign(x) in the forward pass (+1 for x >= 0, else -1); the identity's gradient
        backward (straight-through estimator), so a perceptron made of it still trains."""

        def forward(self, x):
            hard = torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))
            return x + (hard - x).detach()

    return SimpleNamespace(**{c.__name__: c for c in (PartialConv2d, TrainableSubsampling, SignSTE)})
