"""HDF5 weights, as the course's practical work asks: one dataset per tensor, one group per block.

Layout (``C1`` is a block, ``0`` the layer inside its Sequential, stripped when a block has a
single layer with tensors)::

    /                 attrs: format, title, input_names, input_shapes, output_names,
                      output_shapes, class_names, normalization (JSON), tensor_names
                      (JSON: state_dict key -> path) ...
    /C1               attrs: block_name, block_type, state_dict_prefix
    /C1/weight        float32 (6, 1, 5, 5)   attrs: state_dict_key = "C1.0.weight"
    /C1/bias          float32 (6,)           attrs: state_dict_key = "C1.0.bias"

Tensors keep PyTorch's layouts (Conv2d weight: out, in, kh, kw; Linear weight: out, in).
"""
from __future__ import annotations

import json

H5_FORMAT = "netcanvas.weights.h5"
H5_FORMAT_VERSION = 1


def h5_paths(keys: list[str]) -> dict[str, str]:
    """state_dict key -> dataset path: grouped by block (the first key part), the layer parts
    that every tensor of a block shares left out (``C1.0.weight`` -> ``C1/weight``)."""
    blocks: dict[str, list[list[str]]] = {}
    for key in keys:
        block, *rest = key.split(".")
        blocks.setdefault(block, []).append(rest)
    out = {}
    for block, rests in blocks.items():
        shared = 0
        while all(len(r) > shared + 1 and r[shared] == rests[0][shared] for r in rests):
            shared += 1
        for rest in rests:
            key = ".".join([block, *rest])
            out[key] = "/".join([block, *rest[shared:]]) if rest else block
    return out


def write_h5(path, state: dict, meta: dict) -> None:
    """Write ``state`` (a dict of CPU tensors) and ``meta`` (export_meta.model_meta) to ``path``."""
    import h5py
    import numpy as np
    import torch

    paths = h5_paths(list(state))
    with h5py.File(path, "w") as f:
        attrs = {
            "format": H5_FORMAT, "format_version": H5_FORMAT_VERSION, "framework": "pytorch",
            "netcanvas_version": meta["netcanvas_version"], "torch_version": str(meta["torch_version"]),
            "title": meta["title"], "description": meta["description"], "weights": meta["weights"],
            "input_names": meta["input_names"], "input_shapes": json.dumps(meta["input_shapes"]),
            "input_dtypes": meta["input_dtypes"], "output_names": meta["output_names"],
            "output_shapes": json.dumps(meta["output_shapes"]),
            "tensor_names": json.dumps(paths),
            "layout": "PyTorch layouts: Conv2d weight (out, in, kh, kw), Linear weight (out, in)",
        }
        if meta["class_names"]:
            attrs["class_names"] = meta["class_names"]
        if meta["normalization"]:
            attrs["normalization"] = json.dumps(meta["normalization"])
        for key, value in attrs.items():  # lists of text as variable-length UTF-8 strings
            f.attrs[key] = np.array(value, dtype=h5py.string_dtype()) if isinstance(value, list) else value
        for ident, name in meta["block_names"].items():
            if any(p.split("/")[0] == ident for p in paths.values()):
                group = f.require_group(ident)
                group.attrs["block_name"] = name
                group.attrs["block_type"] = meta["block_types"].get(ident, "")
                group.attrs["state_dict_prefix"] = ident + "."
        for key, tensor in state.items():
            if tensor.dtype == torch.bfloat16:
                tensor = tensor.float()
            data = f.create_dataset(paths[key], data=tensor.numpy())
            data.attrs["state_dict_key"] = key


def read_h5_state(path) -> dict:
    """The state_dict back from a NetCanvas .h5 file (what the docs show in plain h5py)."""
    import h5py
    import torch

    with h5py.File(path, "r") as f:
        names = json.loads(f.attrs["tensor_names"])
        return {key: torch.as_tensor(f[p][()]) for key, p in names.items()}
