"""Readable PyTorch source of a compiled model: one ``nn.Module`` class whose attributes are the
blocks, written as standard ``torch.nn`` constructor calls (export_modules.py), plus the
``forward`` the compiler generated, and ``load_weights`` / ``load_model`` helpers. NetCanvas's own
layers (nodes/modules.py) are copied into the file, so it needs nothing but torch (and
safetensors to read ``.safetensors`` weights).
"""
from __future__ import annotations

import inspect
import re
import textwrap

from .export_meta import ExportError
from .export_modules import Context, check_constructor, constructor, string_literal


def class_name(title: str, taken: set[str]) -> str:
    words = re.findall(r"[A-Za-z0-9]+", title)
    name = "".join(w[0].upper() + w[1:] for w in words) or "Model"
    if name[0].isdigit():
        name = "Model" + name
    while name in taken or name in ("nn", "torch", "math", "OrderedDict"):
        name += "Model"
    return name


def forward_source(model) -> tuple[str, list[str]]:
    """The GraphModule's forward, without the ``x = None`` frees; plus the lines that define the
    globals it uses (``inf``, ``nan``)."""
    code = model.module.graph.python_code(root_module="self")
    body = textwrap.dedent(code.src).strip("\n")
    body = re.sub(r"(;\s+(\w+ = )+None)+\s*$", "", body, flags=re.M)
    defs = []
    for name in code.globals:
        if name in ("torch",) or not re.search(rf"\b{re.escape(name)}\b", body.split(":", 1)[1]):
            continue
        if name in ("inf", "nan"):
            defs.append(f"{name} = float({name!r})")
        else:
            raise ExportError(f"the Python export cannot write this model's forward yet (it uses '{name}'): "
                              "export it as TorchScript or ONNX instead")
    return body, defs


def generate(model, meta: dict, weights_name: str, module_stem: str) -> str:
    """The text of the .py file. ``meta`` is export_meta.model_meta's dict."""
    ctx = Context()
    attrs = []
    for name, sub in model.module.named_children():
        ctx.block = meta["block_names"].get(name, name)
        text = constructor(sub, ctx)
        check_constructor(text, sub, ctx)
        attrs.append(f"self.{name} = " + text.replace("\n", "\n" + " " * 8))
    forward, defs = forward_source(model)
    cls = class_name(meta["title"] or "Model", set(ctx.custom))
    sources = [textwrap.dedent(inspect.getsource(c)).strip("\n") for c in ctx.custom.values()]
    return _TEMPLATE.format(
        doc=_doc_safe(_docstring(meta, cls, weights_name, module_stem)),
        imports=_imports(ctx, sources),
        weights=string_literal(weights_name), inputs=_list(meta["input_names"]),
        shapes=repr([tuple(s) for s in meta["input_shapes"]]), dtypes=_list(meta["input_dtypes"]),
        outputs=_list(meta["output_names"]), classes=_list(meta["class_names"]),
        normalization=_json(meta["normalization"]),
        defs="".join(d + "\n" for d in defs),
        custom=("# ---- NetCanvas layers that torch.nn does not have ----\n"
                + "\n\n\n".join(sources) + "\n\n\n") if sources else "",
        cls=cls, title=_doc_safe(meta["title"] or "NetCanvas model"),
        attrs="\n".join(" " * 8 + a for a in attrs) or " " * 8 + "pass",
        forward=textwrap.indent(forward, " " * 4))


def _imports(ctx: Context, sources: list[str]) -> str:
    lines = ["import math"] if any(re.search(r"\bmath\.", s) for s in sources) else []
    if ctx.ordered_dict:
        lines.append("from collections import OrderedDict")
    lines += ["from pathlib import Path", "", "import torch", "from torch import nn"]
    if ctx.spectral_norm:
        lines.append("from torch.nn.utils.parametrizations import spectral_norm")
    return "\n".join(lines)


def _docstring(meta: dict, cls: str, weights_name: str, stem: str) -> str:
    ins = ", ".join(f"{n} {_shape(s)}" for n, s in zip(meta["input_names"], meta["input_shapes"]))
    notes = {"head.classification": " = class scores (logits); probabilities: .softmax(-1)",
             "head.binary": " = a score (logit); probability: .sigmoid()"}
    outs = "; ".join(f"{n} {_shape(s)}{notes.get(kind, '')}" for n, s, kind in
                     zip(meta["output_names"], meta["output_shapes"], meta["output_types"]))
    use = (f"from {stem} import example_inputs, load_model" if stem.isidentifier()
           else "(import this file with importlib: its name is not a Python identifier)")
    lines = [f"{meta['title'] or 'Model'}: PyTorch source exported by NetCanvas {meta['netcanvas_version']}.", "",
             f"Inputs: {ins}", f"Outputs: {outs}"]
    if meta["class_names"]:
        lines.append("Classes: " + ", ".join(meta["class_names"]))
    lines += ["", f"The trained weights are in {weights_name}, next to this file (a safetensors state_dict;",
              "the .pt and .h5 files of `netcanvas export --format pt|h5` load the same way):", "",
              f"    {use}", "", "    model = load_model()  # " + cls + " with the weights, in eval mode",
              "    outputs = model(*example_inputs())", "",
              '    model = load_model("weights.h5")  # or weights from another file', "",
              "Needs torch, and safetensors (or h5py) to read .safetensors (or .h5) weights."]
    return "\n".join(lines)


def _doc_safe(text: str) -> str:
    """Text that cannot end or break the docstring it is put in."""
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def _json(value) -> str:
    """A JSON-loaded value as Python text (dict keys in double quotes)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{string_literal(str(k))}: {_json(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _list(names: list[str] | None) -> str:
    return "None" if names is None else "[" + ", ".join(string_literal(n) for n in names) + "]"


def _shape(shape) -> str:
    return "(" + ", ".join(["N", *map(str, shape)]) + ")"


_TEMPLATE = '''"""{doc}
"""
{imports}

WEIGHTS = Path(__file__).with_name({weights})
INPUT_NAMES = {inputs}
INPUT_SHAPES = {shapes}  # without the batch axis
INPUT_DTYPES = {dtypes}
OUTPUT_NAMES = {outputs}
CLASS_NAMES = {classes}
NORMALIZATION = {normalization}  # inputs were (x - mean) / std per channel, x in [0, 1], when training
{defs}

{custom}class {cls}(nn.Module):
    """{title}, one attribute per NetCanvas block."""

    def __init__(self):
        super().__init__()
{attrs}

{forward}


def load_weights(path=WEIGHTS) -> dict:
    """A state_dict read from a .safetensors file, a .pt file saved with torch.save, or a
    NetCanvas .h5 file (`netcanvas export --format h5`)."""
    path = Path(path)
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    if path.suffix in (".h5", ".hdf5"):
        import json

        import h5py

        with h5py.File(path, "r") as f:
            names = json.loads(f.attrs["tensor_names"])  # state_dict key -> dataset path
            return {{key: torch.as_tensor(f[name][()]) for key, name in names.items()}}
    return torch.load(path, map_location="cpu", weights_only=True)


def load_model(path=WEIGHTS) -> {cls}:
    """The model with the weights from ``path`` loaded (strictly), in eval mode."""
    model = {cls}()
    model.load_state_dict(load_weights(path))
    return model.eval()


def example_inputs(batch: int = 2) -> list:
    """Random inputs of the right shapes (zeros for integer inputs such as token ids)."""
    return [torch.randn(batch, *s) if d.startswith("float") else torch.zeros(batch, *s, dtype=getattr(torch, d))
            for s, d in zip(INPUT_SHAPES, INPUT_DTYPES)]


if __name__ == "__main__":
    with torch.no_grad():
        out = load_model()(*example_inputs())
    for name, value in zip(OUTPUT_NAMES, out if isinstance(out, tuple) else (out,)):
        print(name, tuple(value.shape))
'''
