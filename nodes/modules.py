"""torch modules that have no ready-made equivalent in torch.nn, for the blocks' builders.

They are defined inside :func:`torch_modules` so that importing nodes/ never imports torch;
builders call ``torch_modules().Name(...)``. The classes are created once and cached.
"""
from __future__ import annotations

import functools
import math
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
        """sign(x) in the forward pass as the course defines it (+1 for x > 0, else -1, so
        sign(0) = -1); the identity's gradient backward (straight-through estimator), so a
        perceptron made of it still trains."""

        def forward(self, x):
            hard = torch.where(x > 0, torch.ones_like(x), -torch.ones_like(x))
            return hard + (x - x.detach())  # exactly +-1 forward (x + (hard - x) rounds for large x)

    classes = [PartialConv2d, TrainableSubsampling, SignSTE, *_sequence_modules(torch, nn),
               *_merge_modules(torch, nn), *_generative_modules(torch, nn)]
    return SimpleNamespace(**{c.__name__: c for c in classes})


def _sequence_modules(torch, nn) -> list:
    """Recurrent output selection, self-attention and positional encodings."""

    class RecurrentSelect(nn.Module):
        """A batch-first nn.RNN/LSTM/GRU returning every step's output (``all``) or the last
        layer's final hidden state, both directions side by side (``last``)."""

        def __init__(self, rnn, last: bool):
            super().__init__()
            self.rnn, self.last = rnn, last
            self.dirs = 2 if rnn.bidirectional else 1

        def forward(self, x):
            out, state = self.rnn(x)
            if not self.last:
                return out
            h = state[0] if isinstance(state, tuple) else state  # LSTM: (h_n, c_n)
            return h[-self.dirs:].transpose(0, 1).reshape(x.shape[0], -1)

    class SelfAttention(nn.Module):
        """nn.MultiheadAttention with query = key = value = x, returning the output only."""

        def __init__(self, embed: int, heads: int, dropout: float, bias: bool):
            super().__init__()
            self.attn = nn.MultiheadAttention(embed, heads, dropout=dropout, bias=bias, batch_first=True)

        def forward(self, x):
            return self.attn(x, x, x, need_weights=False)[0]

    class PositionalEncoding(nn.Module):
        """Adds a position code to every step: fixed sines/cosines (a buffer) or a learned table."""

        def __init__(self, max_len: int, embed: int, learned: bool):
            super().__init__()
            if learned:
                self.table = nn.Parameter(torch.randn(max_len, embed) * 0.02)
                return
            pos = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)
            rate = torch.exp(torch.arange(0, embed, 2, dtype=torch.float32) * (-math.log(10000.0) / embed))
            table = torch.zeros(max_len, embed)
            table[:, 0::2] = torch.sin(pos * rate)
            table[:, 1::2] = torch.cos(pos * rate[: embed // 2])
            self.register_buffer("table", table, persistent=False)

        def forward(self, x):
            return x + self.table[: x.shape[1]].to(x.dtype)

    return [RecurrentSelect, SelfAttention, PositionalEncoding]


def _merge_modules(torch, nn) -> list:
    """Blocks with several inputs: the module takes the connected inputs positionally."""

    class Add(nn.Module):
        def forward(self, *xs):
            out = xs[0]
            for x in xs[1:]:
                out = out + x
            return out

    class Multiply(nn.Module):
        def forward(self, *xs):
            out = xs[0]
            for x in xs[1:]:
                out = out * x
            return out

    class Concatenate(nn.Module):
        def __init__(self, dim: int):
            super().__init__()
            self.dim = dim

        def forward(self, *xs):
            return torch.cat(xs, self.dim)

    class FirstInput(nn.Module):
        """Passes its first input through (a head whose other inputs only feed its loss)."""

        def forward(self, *xs):
            return xs[0]

    class PickInput(nn.Module):
        """Passes input ``index`` through (a GAN's real-or-generated switch in the whole model)."""

        def __init__(self, index: int):
            super().__init__()
            self.index = index

        def forward(self, *xs):
            return xs[self.index]

    return [Add, Multiply, Concatenate, FirstInput, PickInput]


def _generative_modules(torch, nn) -> list:
    """Wiring of the generative composites; their layers come from nodes/plan.py."""

    class LabelConcat(nn.Module):
        """``body(z)``, or ``body([z, embed(label)])`` when conditional (a generator, a decoder)."""

        def __init__(self, body, embed=None):
            super().__init__()
            self.body, self.embed = body, embed

        def forward(self, z, label=None):
            if self.embed is not None:
                z = torch.cat([z, self.embed(label).to(z.dtype)], 1)
            return self.body(z)

    class ProjectionCritic(nn.Module):
        """``head(h)`` with ``h = body(x)``; conditional: plus <embed(label), h> (Miyato & Koyama's
        projection discriminator)."""

        def __init__(self, body, head, embed=None):
            super().__init__()
            self.body, self.head, self.embed = body, head, embed

        def forward(self, x, label=None):
            h = self.body(x)
            out = self.head(h)
            if self.embed is not None:
                out = out + (self.embed(label).to(h.dtype) * h).sum(1, keepdim=True)
            return out

    class VAESample(nn.Module):
        """(mu, logvar, z): z = mu + exp(logvar / 2) * eps while training, z = mu at eval."""

        def __init__(self, mu, logvar):
            super().__init__()
            self.mu, self.logvar = mu, logvar

        def forward(self, h):
            mu, logvar = self.mu(h), self.logvar(h)
            if not self.training:
                return mu, logvar, mu
            return mu, logvar, mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)

    return [LabelConcat, ProjectionCritic, VAESample]
