"""Trained weights in a project: safetensors bytes <-> a compiled model's state_dict.

Weights from a file are checked before a tensor is read: the safetensors structure
(``projects.weights_check``), then every tensor's name, dtype and shape against what the graph
builds, which is found by building the model on torch's ``meta`` device (no memory allocated),
so stale or altered weights are refused before the model is built at full size."""
from __future__ import annotations

from projects.project import Project
from projects.weights_check import TensorSpec, WeightsFormatError, tensor_specs

from .compiler import CompiledModel, compile_graph

_TRAIN_AGAIN = "the graph changed since training or the file was altered: train again"


class WeightsError(Exception):
    """Weights that do not fit the model; one sentence naming the fix."""


def state_to_bytes(module) -> bytes:
    from safetensors.torch import save

    state = {k: v.detach().contiguous().cpu() for k, v in module.state_dict().items()}
    return save(state)


def dtype_name(dtype) -> str:
    """The safetensors name of a torch dtype ("F32" for torch.float32)."""
    import torch

    names = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
             torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
             torch.bool: "BOOL"}
    return names.get(dtype, str(dtype))


def module_specs(module) -> dict[str, TensorSpec]:
    return {k: (dtype_name(v.dtype), tuple(v.shape)) for k, v in module.state_dict().items()}


def expected_specs(graph) -> dict[str, TensorSpec]:
    """The (dtype, shape) of every tensor the graph's model holds, by name, from a model built on the
    meta device: shapes without allocating memory (a model too large to build is never built)."""
    import torch

    with torch.device("meta"):
        model = compile_graph(graph)
    return module_specs(model.module)


def check_weights(blob: bytes, expected: dict[str, TensorSpec]) -> None:
    """Refuse weights that are not well-formed safetensors or do not hold exactly the ``expected``
    tensors (name, dtype and shape); one sentence in a WeightsError. Reads only the header."""
    try:
        saved = tensor_specs(blob)
    except WeightsFormatError as e:
        raise WeightsError(f"the saved weights are {e}: train again") from None
    for name, (dtype, shape) in expected.items():
        if name not in saved:
            raise WeightsError(f"the saved weights do not fit the model (tensor '{name}' is missing); {_TRAIN_AGAIN}")
        got_dtype, got_shape = saved[name]
        if got_shape != shape:
            raise WeightsError(f"the saved weights do not fit the model (tensor '{name}' is of another shape: "
                               f"{list(got_shape)} instead of {list(shape)}); {_TRAIN_AGAIN}")
        if got_dtype != dtype:
            raise WeightsError(f"the saved weights do not fit the model (tensor '{name}' is stored as {got_dtype} "
                               f"but the model holds {dtype}); {_TRAIN_AGAIN}")
    extra = [name for name in saved if name not in expected]
    if extra:
        shown = extra[0].encode("unicode_escape").decode("ascii")[:80]
        raise WeightsError(f"the saved weights do not fit the model (they hold {len(extra)} tensor"
                           f"{'s' if len(extra) > 1 else ''} it lacks, such as '{shown}'); {_TRAIN_AGAIN}")


def load_state_bytes(module, blob: bytes) -> None:
    """Load checked safetensors bytes into ``module`` (a WeightsError when they do not fit it)."""
    from safetensors import SafetensorError
    from safetensors.torch import load

    own = module.state_dict()
    check_weights(blob, module_specs(module))
    try:
        state = load(blob)
    except SafetensorError as e:  # the header was checked: only damaged data gets here
        raise WeightsError(f"the saved weights cannot be read ({e}): train again") from None
    module.load_state_dict({k: state[k] for k in own}, strict=True)


def trained_model(project: Project, best: bool = False) -> CompiledModel:
    """Compile the project's graph and load its trained (or best-checkpoint) weights; eval mode."""
    blob = (project.checkpoint if best else None) or project.weights
    if not blob:
        raise WeightsError("this project has no trained weights yet: run `netcanvas train` on it first")
    check_weights(blob, expected_specs(project.graph))  # before the model is built at full size
    model = compile_graph(project.graph)
    load_state_bytes(model.module, blob)
    model.module.train(False)  # inference mode
    return model
