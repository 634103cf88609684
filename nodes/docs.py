"""Generate the block reference (docs/blocks.md) from the catalog, without importing torch.

    python -m nodes.docs > docs/blocks.md
"""
from __future__ import annotations

import inspect

from . import catalog
from .spec import INDEX, RANK_LAYOUT, Block, Param, Port

HEADER = """# Block reference

Every block NetCanvas offers, grouped as in the palette. Generated from the declarations in
`nodes/` by `python -m nodes.docs > docs/blocks.md`: edit the declarations, not this file.

Shapes are written with the batch axis `N` first; a block's rules never see `N`.
**Connections** follow the course: (inputs + bias) x maps x map size; an elementwise block
counts one connection per output value.

## The sequence convention

A sequence is always `(N, T, F)`: `T` time steps of `F` features each, time-major as Keras
reads it (wires show it as "28 steps x 28"). Every block agrees:

- **Conv1d** slides its filters along the `T` steps; the `F` features are its input channels:
  `(N, T, F)` becomes `(N, T', filters)`.
- **MaxPool1d / AvgPool1d** pool windows of steps, `(N, T', F)`; **global average / max pool**
  pool over all steps, `(N, F)`.
- **BatchNorm1d** keeps one mean and variance per feature (over the batch and the steps);
  **LayerNorm** normalizes each step's `F` features.
- **RNN / LSTM / GRU**, **self-attention**, the **Transformer encoder layer** and the
  **positional encoding** read `T` steps of `F` features; **Embedding** turns `(N, T)` ids into
  `(N, T, dim)`; **Dense** maps the features of every step the same way; **Concatenate** joins
  features (the channels of images, the features of vectors and of each step).
- Where an image-style signal `(N, C, L)` is meant, it is an explicit choice: the `layout`
  parameter ("channels x length") of Conv1d, BatchNorm1d and the global pools. Files saved
  before this convention open with that choice made for them, so they compute what they did,
  and the Problems tab says which blocks to switch.

**Padding masks.** A Token input with *mask padding* on (the default) treats id 0 as padding:
the compiler derives a mask (id != 0) and passes it along the steps to the blocks that use it.
Recurrent layers skip the padded steps (packed sequences: `last` is the state after each
sequence's own last token), attention gives padded keys no weight, and the global pools
leave them out, so a padded sentence computes what the same sentence without padding would.
"""


def render() -> str:
    """The whole reference as Markdown."""
    parts = [HEADER]
    for category, blocks in catalog().items():
        parts.append(f"\n## {category}\n")
        parts.extend(_block(cls) for cls in blocks)
    return "\n".join(parts).rstrip() + "\n"


def _block(cls: type[Block]) -> str:
    lines = [f"### {cls.title}", "", f"`{cls.type_id}` (version {cls.version})"
             + (", composite" if cls.composite else "") + (f", output: {cls.output_kind}" if hasattr(cls, "output_kind") else ""),
             "", cls.help]
    doc = _doc(cls)
    if doc:
        lines += ["", inspect.cleandoc(doc)]
    if cls.inputs:
        lines += ["", "Inputs: " + "; ".join(_port(port) for port in cls.inputs) + "."]
    lines += ["", "Outputs: " + "; ".join(_port(port) for port in cls.outputs) + "."]
    if cls.params:
        lines += ["", "| parameter | type | default | allowed | meaning |", "| --- | --- | --- | --- | --- |"]
        lines += [_param_row(param) for param in cls.params]
    if cls.replaces:
        lines += ["", "Replaces: " + ", ".join(f"`{old}`" for old in cls.replaces)]
    return "\n".join(lines) + "\n"


def _doc(cls: type[Block]) -> str | None:
    """The block's docstring followed by those of its shared bases (e.g. the recurrent counting
    rules), each once."""
    docs = []
    for klass in cls.__mro__:
        if klass is Block:
            break
        doc = klass.__dict__.get("__doc__")
        if klass is not cls and not klass.__name__.startswith("_") and docs:
            continue  # a public base (Head, the composites) documents the machinery, not the block
        if doc and inspect.cleandoc(doc) not in docs:
            docs.append(inspect.cleandoc(doc))
    return "\n\n".join(docs) or None


def _port(port: Port) -> str:
    layouts = " or ".join(RANK_LAYOUT.get(r, f"rank {r}") for r in port.ranks) if port.ranks else "any shape"
    text = f"`{port.name}` {layouts}"
    if port.dtype == INDEX:
        text += ", integer ids"
    if port.optional:
        text += ", optional"
    if port.help:
        text += f" ({port.help})"
    return text


def _param_row(param: Param) -> str:
    if param.choices:
        allowed = ", ".join(str(c) for c in param.choices)
    elif param.min is not None or param.max is not None:
        allowed = f"{_num(param.min)} .. {_num(param.max)}"
    else:
        allowed = ""
    default = param.default if not isinstance(param.default, bool) else str(param.default).lower()
    cells = [param.title, param.kind, default, allowed, param.help]
    return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"


def _num(x) -> str:
    if x is None:
        return ""
    return f"{int(x):,}".replace(",", " ") if float(x).is_integer() else f"{x:g}"


if __name__ == "__main__":
    print(render(), end="")
