"""torch modules that have no ready-made equivalent in torch.nn, for the blocks' builders.

They are defined inside :func:`torch_modules` so that importing nodes/ never imports torch;
builders call ``torch_modules().Name(...)``. The classes are created once and cached. Pickle
(``torch.save`` of a model) and ``copy.deepcopy`` reach them by name through :func:`rebuild`, as
a class local to a function has no importable qualified name.
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
    for c in classes:
        c.__reduce_ex__ = _reduce_by_name
    return SimpleNamespace(**{c.__name__: c for c in classes})


def rebuild(name: str):
    """A blank instance of the layer class ``name``, for pickle and deepcopy to give its state."""
    cls = getattr(torch_modules(), name)
    return cls.__new__(cls)


def _reduce_by_name(self, protocol):
    """Every layer's ``__reduce_ex__``: made again by class name (:func:`rebuild`), then given its
    state (its ``__dict__``: parameters, buffers and submodules) through ``nn.Module.__setstate__``."""
    return rebuild, (type(self).__name__,), self.__getstate__()


def _sequence_modules(torch, nn) -> list:
    """Sequence (N, T, F) layers: steps-first convolution and normalization, recurrent output
    selection, self-attention, positional encodings and pooling over time. ``mask`` (N, T) is
    True on the real steps of a padded token sequence (the compiler passes it to blocks whose
    ``mask_rule`` reads it)."""

    class StepsConv1d(nn.Conv1d):
        """nn.Conv1d on (N, T, F): slides over the T steps with the F features as channels.
        Same parameters (and state-dict names) as nn.Conv1d."""

        def forward(self, x):
            return super().forward(x.transpose(1, 2)).transpose(1, 2)

    class StepsBatchNorm1d(nn.BatchNorm1d):
        """nn.BatchNorm1d on (N, T, F): one mean and variance per feature, over the batch and steps."""

        def forward(self, x):
            if x.dim() == 2:
                return super().forward(x)
            return super().forward(x.transpose(1, 2)).transpose(1, 2)

    class RecurrentSelect(nn.Module):
        """A batch-first nn.RNN/LSTM/GRU returning every step's output (``all``) or the last
        layer's final hidden state, both directions side by side (``last``). With a padding
        mask (right padding) the padded steps are skipped: ``last`` is the state after each
        sequence's own last token, and ``all`` is zero on the padding. Training packs the
        sequences; an export traces the same function layer by layer (packing cannot be
        exported)."""

        def __init__(self, rnn, last: bool):
            super().__init__()
            self.rnn, self.last = rnn, last
            self.dirs = 2 if rnn.bidirectional else 1

        def forward(self, x, mask=None):
            if mask is not None and self._exporting():
                return self._unpacked(x, mask)
            if mask is None:
                out, state = self.rnn(x)
            else:
                lengths = mask.sum(1).clamp(min=1).cpu()
                packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
                out, state = self.rnn(packed)
                if not self.last:
                    out = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])[0]
            if not self.last:
                return out
            h = state[0] if isinstance(state, tuple) else state  # LSTM: (h_n, c_n)
            return h[-self.dirs:].transpose(0, 1).reshape(x.shape[0], -1)

        def _unpacked(self, x, mask):
            """The packed computation without packing: each layer and direction runs over the
            whole padded batch; the backward direction reads every sequence reversed within its
            own length, so it starts at the sequence's last token, exactly as packed."""
            rnn, steps = self.rnn, x.shape[1]
            lengths = mask.sum(1).clamp(min=1)
            t = torch.arange(steps, device=x.device).unsqueeze(0)
            valid = (t < lengths.unsqueeze(1)).unsqueeze(-1)
            flip = torch.where(t < lengths.unsqueeze(1), lengths.unsqueeze(1) - 1 - t, t)  # reverse within length
            last = (lengths - 1).view(-1, 1, 1)

            def within(v):
                return v.gather(1, flip.unsqueeze(-1).expand(-1, -1, v.shape[-1]))

            inp, finals = x, []
            for layer in range(rnn.num_layers):
                outs = []
                for suffix in ("", "_reverse")[: self.dirs]:
                    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if rnn.bias else ("weight_ih", "weight_hh")
                    weights = [getattr(rnn, f"{w}_l{layer}{suffix}") for w in names]
                    seq = inp if not suffix else within(inp)
                    out = self._one_layer(rnn, seq, weights)
                    finals.append(out.gather(1, last.expand(-1, 1, out.shape[-1])).squeeze(1))
                    outs.append(out if not suffix else within(out))
                inp = torch.cat(outs, -1) * valid
                if rnn.dropout and self.training and layer < rnn.num_layers - 1:
                    inp = nn.functional.dropout(inp, rnn.dropout)
            return torch.cat(finals[-self.dirs:], -1) if self.last else inp

        @staticmethod
        def _one_layer(rnn, x, weights):
            """The outputs of one layer and direction of ``rnn`` with ``weights`` over the
            batch-first ``x``, through the operator the module itself calls."""
            h0 = x.new_zeros(1, x.shape[0], rnn.hidden_size)
            args = (weights, rnn.bias, 1, 0.0, False, False, True)
            if rnn.mode == "LSTM":
                return torch._VF.lstm(x, (h0, h0), *args)[0]
            op = {"GRU": torch._VF.gru, "RNN_TANH": torch._VF.rnn_tanh, "RNN_RELU": torch._VF.rnn_relu}[rnn.mode]
            return op(x, h0, *args)[0]

        @staticmethod
        def _exporting() -> bool:
            """True while the model is traced for an export (TorchScript, either ONNX exporter)."""
            is_exporting = getattr(getattr(torch, "compiler", None), "is_exporting", None)
            return bool(torch.jit.is_tracing() or torch.onnx.is_in_onnx_export() or (is_exporting and is_exporting()))

    class SelfAttention(nn.Module):
        """nn.MultiheadAttention with query = key = value = x, returning the output only. Padded
        steps (``mask`` False) receive no attention. With ``record`` set, the weights of the last
        call, (N, heads, T, T), are kept in ``weights`` (the editor's attention map)."""

        def __init__(self, embed: int, heads: int, dropout: float, bias: bool):
            super().__init__()
            self.attn = nn.MultiheadAttention(embed, heads, dropout=dropout, bias=bias, batch_first=True)
            self.record, self.weights = False, None

        def forward(self, x, mask=None):
            padding = None if mask is None else ~mask
            out, weights = self.attn(x, x, x, key_padding_mask=padding, need_weights=self.record,
                                     average_attn_weights=False)
            if self.record:
                self.weights = weights.detach()
            return out

    class TransformerEncoderLayer(nn.TransformerEncoderLayer):
        """nn.TransformerEncoderLayer (batch first) taking the padding mask as ``mask`` and, with
        ``record`` set, keeping its self-attention weights (N, heads, T, T) in ``weights``.
        Same parameters and state-dict names as torch's layer."""

        record, weights = False, None

        def forward(self, x, mask=None):
            padding = None if mask is None else ~mask
            if not self.record:
                return super().forward(x, src_key_padding_mask=padding)
            # torch's fused inference path would skip _sa_block: take the plain path when recording
            if self.norm_first:
                x = x + self._sa_block(self.norm1(x), None, padding)
                return x + self._ff_block(self.norm2(x))
            x = self.norm1(x + self._sa_block(x, None, padding))
            return self.norm2(x + self._ff_block(x))

        def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
            if not self.record:
                return super()._sa_block(x, attn_mask, key_padding_mask, is_causal)
            out, weights = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                          need_weights=True, average_attn_weights=False)
            self.weights = weights.detach()
            return self.dropout1(out)

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

    class TimePool(nn.Module):
        """Global pooling over the steps of (N, T, F) to (N, F): the mean (``average``) or the
        largest value; padded steps (``mask`` False) are left out."""

        def __init__(self, average: bool):
            super().__init__()
            self.average = average

        def forward(self, x, mask=None):
            if mask is None:
                return x.mean(1) if self.average else x.amax(1)
            keep = mask.unsqueeze(-1)
            if self.average:
                return (x * keep).sum(1) / keep.sum(1).clamp(min=1)
            return x.masked_fill(~keep, torch.finfo(x.dtype).min).amax(1)

    class StepsPool1d(nn.Module):
        """Max or average pooling over the steps of (N, T, F), window by window."""

        def __init__(self, average: bool, kernel: int, stride: int, padding: int):
            super().__init__()
            self.average, self.kernel, self.stride, self.padding = average, kernel, stride, padding
            self.pool = (nn.AvgPool1d if average else nn.MaxPool1d)(kernel, stride, padding)

        def forward(self, x):
            return self.pool(x.transpose(1, 2)).transpose(1, 2)

    return [StepsConv1d, StepsBatchNorm1d, RecurrentSelect, SelfAttention, TransformerEncoderLayer,
            PositionalEncoding, TimePool, StepsPool1d]


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
