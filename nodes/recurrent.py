"""Recurrent blocks: RNN, LSTM and GRU over a (T, F) sequence (counting rules: ``_Recurrent``)."""
from __future__ import annotations

from .spec import MASK_USE, MASK_USE_KEEP, Block, Param, Port, ShapeError, shape_text

_RNN_PARAMS = (
    Param("hidden_size", "int", 32, "Units H in the hidden state", min=1, max=65536, label="hidden size"),
    Param("layers", "int", 1, "Recurrent layers stacked on top of each other", min=1, max=32),
    Param("bidirectional", "bool", False, "Also read the sequence backwards and join both directions"),
    Param("dropout", "float", 0.0, "Dropout between stacked layers while training (needs 2+ layers)",
          min=0.0, max=0.99),
    Param("output", "choice", "last", "last: one vector per sequence (many-to-one); all: one per step "
          "(many-to-many)", choices=("last", "all")),
)


class _Recurrent(Block):
    """Counting rules (g gates: RNN 1, GRU 3, LSTM 4; H hidden units; ``in`` = F for the first
    layer, H x directions above it):

    - parameters, exactly as torch: per layer and direction g x (in*H + H*H + 2H), since torch
      keeps two bias vectors (b_ih and b_hh);
    - connections, the course's (inputs + bias) x maps x map size read at every time step: per
      layer and direction g x H x (in + H + 1) x T (the two torch biases act as one bias);
    - MACs: per layer and direction g x H x (in + H) x T.

    ``last`` returns the last layer's final hidden state (both directions side by side when
    bidirectional); ``all`` returns every step's output. Padded token sequences are read
    only up to each one's own length (the padding mask).
    """

    category = "Recurrent"
    inputs = (Port("in", (2,), help="a sequence: T steps of F features"),)
    outputs = (Port("out", (1, 2)),)
    params = _RNN_PARAMS
    gates = 1
    torch_name = ""
    gate_bias: tuple[str, int] | None = None  # a gate whose bias starts at a parameter's value

    @classmethod
    def check_combination(cls, p):
        if p.get("dropout", 0) > 0 and p.get("layers", 1) < 2:
            return [("dropout", "dropout acts between stacked layers: set layers to 2 or more, or dropout to 0")]
        return []

    @classmethod
    def output_shapes(cls, p, ins):
        (shape,) = ins
        if len(shape) != 2:
            hint = ": add a Reshape to (T, F) before it" if len(shape) != 1 else \
                ": add a Reshape to (T, 1) to read it as T steps of one feature"
            raise ShapeError(f"{cls.title} needs a 3-D input (N, T, F) but receives {shape_text(shape)}{hint}", "in")
        width = p["hidden_size"] * cls._dirs(p)
        return [(width,) if p["output"] == "last" else (shape[0], width)]

    @staticmethod
    def _dirs(p) -> int:
        return 2 if p["bidirectional"] else 1

    @classmethod
    def _layer_inputs(cls, p, ins) -> list[int]:
        """Input width of every (layer, direction) pair."""
        first, above = ins[0][1], p["hidden_size"] * cls._dirs(p)
        return [first if layer == 0 else above for layer in range(p["layers"]) for _ in range(cls._dirs(p))]

    @classmethod
    def param_count(cls, p, ins):
        h = p["hidden_size"]
        return sum(cls.gates * (i * h + h * h + 2 * h) for i in cls._layer_inputs(p, ins))

    @classmethod
    def connections(cls, p, ins):
        h, steps = p["hidden_size"], ins[0][0]
        return sum(cls.gates * h * (i + h + 1) for i in cls._layer_inputs(p, ins)) * steps

    @classmethod
    def macs(cls, p, ins):
        h, steps = p["hidden_size"], ins[0][0]
        return sum(cls.gates * h * (i + h) for i in cls._layer_inputs(p, ins)) * steps

    @classmethod
    def torch_kwargs(cls, p):
        return {}

    @classmethod
    def build(cls, p, ins):
        import torch.nn as nn

        from .modules import torch_modules

        rnn = getattr(nn, cls.torch_name)(ins[0][1], p["hidden_size"], p["layers"], batch_first=True,
                                          dropout=p["dropout"] if p["layers"] > 1 else 0.0,
                                          bidirectional=p["bidirectional"], **cls.torch_kwargs(p))
        if cls.gate_bias:
            _start_gate(rnn, p["hidden_size"], cls.gate_bias[1], p[cls.gate_bias[0]])
        return torch_modules().RecurrentSelect(rnn, last=p["output"] == "last")

    @classmethod
    def mask_rule(cls, p):
        return MASK_USE if p["output"] == "last" else MASK_USE_KEEP

    @classmethod
    def example_cases(cls):
        return [({}, None), ({"bidirectional": True, "layers": 2, "dropout": 0.1, "hidden_size": 5}, None),
                ({"output": "all", "bidirectional": True, "hidden_size": 4}, [(5, 3)])]

    @classmethod
    def label(cls, p):
        parts = [f"{p['hidden_size']} units"]
        if p["layers"] > 1:
            parts.append(f"{p['layers']} layers")
        if p["bidirectional"]:
            parts.append("bidirectional")
        parts.append("last step" if p["output"] == "last" else "all steps")
        return ", ".join(parts)


class RNN(_Recurrent):
    type_id = "rnn.rnn"
    title = "RNN"
    icon = "mdi6.repeat"
    default_name = "RNN"
    help = "Reads a sequence step by step, mixing each input into a hidden state it carries forward."
    params = _RNN_PARAMS + (Param("nonlinearity", "choice", "tanh", "Function applied to the new hidden state",
                                  choices=("tanh", "relu")),)
    gates = 1
    torch_name = "RNN"

    @classmethod
    def torch_kwargs(cls, p):
        return {"nonlinearity": p["nonlinearity"]}


class LSTM(_Recurrent):
    """The forget gate's bias starts at ``forget_bias`` (1 by default, as Keras'
    ``unit_forget_bias`` and Jozefowicz et al. 2015 recommend): at 0, torch's default, the gate
    starts half closed and the cell forgets most of its memory at every step before it learns
    not to."""

    type_id = "rnn.lstm"
    title = "LSTM"
    icon = "mdi6.repeat-variant"
    default_name = "LSTM"
    help = "A recurrent layer with input, forget and output gates and a memory cell, so it remembers for longer."
    params = _RNN_PARAMS + (Param("forget_bias", "float", 1.0, "Initial bias of the forget gate (1: keep the "
                                  "memory from the start; 0: torch's default)", min=-10.0, max=10.0,
                                  label="forget bias"),)
    gates = 4
    torch_name = "LSTM"
    gate_bias = ("forget_bias", 1)  # (parameter, gate index in torch's order: input, forget, cell, output)


class GRU(_Recurrent):
    """The new state is (1 - z) x candidate + z x old state, so the update gate z decides how much
    is kept; its bias starts at ``update_bias`` (1 by default; torch's default is 0, a gate half
    open that halves the memory at every step until training learns to keep it)."""

    type_id = "rnn.gru"
    title = "GRU"
    icon = "mdi6.repeat-once"
    default_name = "GRU"
    help = "A lighter LSTM with update and reset gates and no separate memory cell."
    params = _RNN_PARAMS + (Param("update_bias", "float", 1.0, "Initial bias of the update gate (1: keep the "
                                  "state from the start; 0: torch's default)", min=-10.0, max=10.0,
                                  label="update bias"),)
    gates = 3
    torch_name = "GRU"
    gate_bias = ("update_bias", 1)  # (parameter, gate index in torch's order: reset, update, new)


def _start_gate(rnn, hidden: int, gate: int, value: float) -> None:
    """Start gate ``gate``'s total bias (torch keeps two, b_ih + b_hh) at ``value`` in every layer."""
    import torch

    rows = slice(gate * hidden, (gate + 1) * hidden)
    with torch.no_grad():
        for name, bias in rnn.named_parameters():
            if name.startswith("bias_ih"):
                bias[rows].fill_(value)
            elif name.startswith("bias_hh"):
                bias[rows].zero_()
