"""Constructor text for built torch modules: ``nn.Sequential(nn.Conv2d(1, 6, kernel_size=5), nn.Tanh())``.

For a torch.nn class, each argument of its ``__init__`` is read from the same-named attribute
(``in_channels``, ``kernel_size`` ...); classes that do not keep their arguments have a recipe
below. NetCanvas's own layers (nodes/modules.py) are named by their class and collected in the
context, so that the Python export can copy their source. ``check_constructor`` builds a call
again and compares repr and tensor shapes, so a block that cannot be written faithfully is
refused by name instead of exported wrong.
"""
from __future__ import annotations

import inspect
import math
import textwrap
from dataclasses import dataclass, field

from .export_meta import ExportError

WIDTH = 100  # wrap constructor calls longer than this
_SKIP_ARGS = {"self", "device", "dtype"}


@dataclass
class Context:
    custom: dict[str, type] = field(default_factory=dict)  # class name -> class, in first-use order
    ordered_dict: bool = False
    spectral_norm: bool = False
    block: str = ""


# ---- constructor text ---------------------------------------------------------------------------
def constructor(module, ctx: Context) -> str:
    """Python text that builds a module equal to ``module`` (up to its weights)."""
    import torch.nn as nn
    from torch.nn.utils import parametrize

    if parametrize.is_parametrized(module):
        return _parametrized(module, ctx)
    cls = type(module)
    if cls is nn.Sequential:
        names = list(module._modules)
        if names == [str(i) for i in range(len(names))]:
            return _call("nn.Sequential", [constructor(m, ctx) for m in module])
        ctx.ordered_dict = True
        pairs = [_call("", [string_literal(k), constructor(m, ctx)]) for k, m in module.named_children()]
        return _call("nn.Sequential", [_wrap("OrderedDict([", pairs, "])")])
    if cls is nn.ModuleList:
        return _call("nn.ModuleList", [_wrap("[", [constructor(m, ctx) for m in module], "]")])
    if cls is nn.ModuleDict:
        items = [f"{string_literal(k)}: {constructor(m, ctx)}" for k, m in module.items()]
        return _call("nn.ModuleDict", [_wrap("{", items, "}")])
    return _call(_class_ref(cls, ctx), _arguments(module, cls, ctx))


def _class_ref(cls: type, ctx: Context) -> str:
    import torch.nn as nn

    if getattr(nn, cls.__name__, None) is cls:
        return f"nn.{cls.__name__}"
    if cls.__module__.split(".")[0] == "torch":
        raise _unsupported(ctx, f"torch class {cls.__module__}.{cls.__qualname__}")
    for base in reversed(cls.__mro__[1:]):  # custom base classes first
        if base.__module__.split(".")[0] not in ("torch", "builtins"):
            _add_custom(base, ctx)
    _add_custom(cls, ctx)
    return cls.__name__


def _add_custom(cls: type, ctx: Context) -> None:
    known = ctx.custom.get(cls.__name__)
    if known is not None and known is not cls:
        raise _unsupported(ctx, f"two different layer classes named {cls.__name__}")
    ctx.custom[cls.__name__] = cls


def _arguments(module, cls: type, ctx: Context) -> list[str]:
    """``["1", "6", "kernel_size=5"]``: required arguments positional (the first two), the
    others by keyword, those equal to their defaults left out."""
    params = _signature(cls)
    recipe = _RECIPES.get(cls.__name__) if cls.__module__.split(".")[0] in ("torch", "nodes") else None
    values = recipe(module) if recipe else _from_attributes(module, cls, params, ctx)
    out, positional = [], cls.__module__.split(".")[0] == "torch"  # NetCanvas's own layers: all by name
    for name, value in values.items():
        p = params.get(name)
        required = p is not None and p.default is inspect.Parameter.empty
        if cls.__module__ == "torch.nn.modules.conv" and isinstance(value, tuple) and len(set(value)) == 1:
            value = value[0]  # (5, 5) -> 5: the conv classes expand it again
        if p is not None and not required and _same(value, p.default):
            positional = False
            continue
        text = literal(value, ctx)
        if required and positional and len(out) < 2:
            out.append(text)
        else:
            positional = False
            out.append(f"{name}={text}")
    return out


def _signature(cls: type) -> dict[str, inspect.Parameter]:
    """Named parameters of the first ``__init__`` in the MRO that has some (nn.LSTM's is
    ``*args, **kwargs``; nn.RNNBase's names them)."""
    for klass in cls.__mro__:
        if "__init__" not in vars(klass):
            continue
        try:
            params = inspect.signature(klass.__init__).parameters
        except (TypeError, ValueError):
            continue
        named = {n: p for n, p in params.items() if n not in _SKIP_ARGS and not n.startswith("_")
                 and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
        if named or klass.__module__.split(".")[0] != "torch" or klass.__name__ == "Module":
            return named
    return {}


def _from_attributes(module, cls: type, params: dict, ctx: Context) -> dict:
    import torch

    values = {}
    for name, p in params.items():
        if not hasattr(module, name):
            if p.default is inspect.Parameter.empty:
                raise _unsupported(ctx, f"{cls.__name__} (its argument '{name}' is not kept on the layer)")
            continue
        value = getattr(module, name)
        if isinstance(value, torch.Tensor) or (value is None and isinstance(p.default, bool)):
            if not isinstance(p.default, bool):
                raise _unsupported(ctx, f"{cls.__name__} (its argument '{name}' is a tensor)")
            value = value is not None  # bias=True/False is kept as a Parameter or None
        values[name] = value
    return values


def _same(value, default) -> bool:
    if value is None or default is None:
        return value is default
    return type(value) is type(default) and value == default


def literal(value, ctx: Context) -> str:
    import torch
    import torch.nn as nn

    if isinstance(value, nn.Module):
        return constructor(value, ctx)
    if isinstance(value, str):
        return string_literal(value)
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"float({str(value)!r})"
    if isinstance(value, (tuple, list, torch.Size)):
        items = [literal(v, ctx) for v in value]
        if isinstance(value, list):
            return _wrap("[", items, "]")
        return _wrap("(", items, ",)" if len(items) == 1 else ")")
    raise _unsupported(ctx, f"a layer argument of type {type(value).__name__}")


def string_literal(text: str) -> str:
    """A string literal in double quotes (as the rest of the file)."""
    r = repr(text)
    return '"' + r[1:-1].replace("\\'", "'") + '"' if r[0] == "'" and '"' not in text else r


def _parametrized(module, ctx: Context) -> str:
    """``spectral_norm(nn.Conv2d(...))``: the only parametrization NetCanvas builds."""
    import torch.nn as nn
    from torch.nn.utils.parametrizations import _SpectralNorm

    plain = type(module).__mro__[1]
    names = list(module.parametrizations)
    chain = module.parametrizations[names[0]] if len(names) == 1 else []
    if names != ["weight"] or len(chain) != 1 or not isinstance(chain[0], _SpectralNorm):
        raise _unsupported(ctx, f"{plain.__name__} with parametrizations {names}")
    sn = chain[0]
    ctx.spectral_norm = True
    args = [_call(_class_ref(plain, ctx), _arguments(module, plain, ctx))]
    default_dim = 1 if isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)) else 0
    if sn.n_power_iterations != 1:
        args.append(f"n_power_iterations={sn.n_power_iterations}")
    if sn.eps != 1e-12:
        args.append(f"eps={sn.eps!r}")
    if sn.dim != default_dim:
        args.append(f"dim={sn.dim}")
    return _call("spectral_norm", args)


def _wrap(open_: str, items: list[str], close: str) -> str:
    one = open_ + ", ".join(items) + close
    if len(one) <= WIDTH and "\n" not in one:
        return one
    body = "".join(textwrap.indent(item + ",", "    ") + "\n" for item in items)
    return f"{open_}\n{body}{close}"


def _call(name: str, args: list[str]) -> str:
    return _wrap(f"{name}(", args, ")")


def _unsupported(ctx: Context, what: str) -> ExportError:
    return ExportError(f"the Python export cannot write block '{ctx.block}' yet ({what}): "
                       "export it as TorchScript or ONNX instead")


# ---- recipes for classes that do not keep their constructor arguments ---------------------------
def _partial_conv(m) -> dict:
    table: list[list[int]] = [[] for _ in range(m.out_channels)]
    for flat in m.index.tolist():
        table[flat // m.in_channels].append(flat % m.in_channels)
    return {"in_channels": m.in_channels, "table": table, "kernel": m.kernel}


def _multihead(m) -> dict:
    return {"embed_dim": m.embed_dim, "num_heads": m.num_heads, "dropout": m.dropout,
            "bias": m.in_proj_bias is not None, "add_bias_kv": m.bias_k is not None,
            "add_zero_attn": m.add_zero_attn, "kdim": m.kdim, "vdim": m.vdim, "batch_first": m.batch_first}


def _recurrent(m) -> dict:
    out = {"input_size": m.input_size, "hidden_size": m.hidden_size, "num_layers": m.num_layers,
           "bias": m.bias, "batch_first": m.batch_first, "dropout": float(m.dropout),
           "bidirectional": m.bidirectional}
    if m.mode == "LSTM":
        out["proj_size"] = m.proj_size
    if m.mode.startswith("RNN_"):
        out["nonlinearity"] = m.nonlinearity
    return out


def _encoder_layer(m) -> dict:
    import torch.nn as nn
    import torch.nn.functional as F

    act = m.activation
    activation = {F.relu: "relu", F.gelu: "gelu"}.get(act, act)
    if not isinstance(activation, (str, nn.Module)):
        raise ExportError("the Python export cannot write a Transformer layer with a custom activation function")
    return {"d_model": m.self_attn.embed_dim, "nhead": m.self_attn.num_heads,
            "dim_feedforward": m.linear1.out_features, "dropout": m.dropout.p, "activation": activation,
            "layer_norm_eps": m.norm1.eps, "batch_first": m.self_attn.batch_first, "norm_first": m.norm_first,
            "bias": m.linear1.bias is not None}


_RECIPES = {
    "PartialConv2d": _partial_conv,
    "TrainableSubsampling": lambda m: {"channels": m.weight.numel(), "kernel": m.kernel, "stride": m.stride},
    "SelfAttention": lambda m: {"embed": m.attn.embed_dim, "heads": m.attn.num_heads, "dropout": m.attn.dropout,
                                "bias": m.attn.in_proj_bias is not None},
    "PositionalEncoding": lambda m: {"max_len": m.table.shape[0], "embed": m.table.shape[1],
                                     "learned": "table" in m._parameters},
    "MultiheadAttention": _multihead,
    "RNN": _recurrent, "LSTM": _recurrent, "GRU": _recurrent,
    "TransformerEncoderLayer": _encoder_layer,
}


# ---- checking a constructor against the built module --------------------------------------------
def fingerprint(module) -> tuple:
    """What a rebuilt module must share with the original: repr (configuration), tensor names,
    shapes and dtypes, and the values of non-persistent buffers (built from the arguments)."""
    state = tuple((k, tuple(v.shape), str(v.dtype)) for k, v in module.state_dict().items())
    extra = tuple((k, tuple(b.flatten().tolist())) for k, b in module.named_buffers()
                  if k not in module.state_dict() and b.numel() <= 100_000)
    return repr(module), state, extra


def check_constructor(text: str, module, ctx: Context) -> None:
    from collections import OrderedDict

    import torch
    import torch.nn as nn
    from torch.nn.utils.parametrizations import spectral_norm

    namespace = {"torch": torch, "nn": nn, "math": math, "OrderedDict": OrderedDict,
                 "spectral_norm": spectral_norm, **ctx.custom}
    try:
        rebuilt = construct(text, namespace)
    except Exception as e:  # noqa: BLE001
        raise _unsupported(ctx, f"rebuilding it failed: {type(e).__name__}: {e}") from None
    if type(rebuilt) is not type(module) or fingerprint(rebuilt) != fingerprint(module):
        raise _unsupported(ctx, f"{type(module).__name__} could not be rebuilt identically")


def construct(text: str, namespace: dict):
    """Evaluate a generated constructor expression without Python's eval: only calls of names
    and attributes found in ``namespace``, literals, tuples, lists, dicts and negation."""
    import ast

    def value(node):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in namespace:
                raise ValueError(f"unknown name {node.id}")
            return namespace[node.id]
        if isinstance(node, ast.Attribute) and not node.attr.startswith("_"):
            return getattr(value(node.value), node.attr)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -value(node.operand)
        if isinstance(node, (ast.Tuple, ast.List)):
            items = [value(e) for e in node.elts]
            return tuple(items) if isinstance(node, ast.Tuple) else items
        if isinstance(node, ast.Dict):
            return {value(k): value(v) for k, v in zip(node.keys, node.values)}
        if isinstance(node, ast.Call):
            return value(node.func)(*[value(a) for a in node.args],
                                    **{k.arg: value(k.value) for k in node.keywords})
        raise ValueError(f"unsupported expression {type(node).__name__}")

    return value(ast.parse(text, mode="eval").body)
