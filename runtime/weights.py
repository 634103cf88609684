"""Trained weights in a project: safetensors bytes <-> a compiled model's state_dict."""
from __future__ import annotations

from projects.project import Project

from .compiler import CompiledModel, compile_graph


class WeightsError(Exception):
    """Weights that do not fit the model; one sentence naming the fix."""


def state_to_bytes(module) -> bytes:
    from safetensors.torch import save

    state = {k: v.detach().contiguous().cpu() for k, v in module.state_dict().items()}
    return save(state)


def load_state_bytes(module, blob: bytes) -> None:
    from safetensors.torch import load

    state = load(blob)
    own = module.state_dict()
    missing = [k for k in own if k not in state]
    wrong = [k for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or wrong:
        what = (missing or wrong)[0]
        raise WeightsError(f"the saved weights do not fit the model (tensor '{what}' is "
                           f"{'missing' if missing else 'of another shape'}); the graph changed since training: "
                           "train again")
    module.load_state_dict({k: state[k] for k in own}, strict=True)


def trained_model(project: Project, best: bool = False) -> CompiledModel:
    """Compile the project's graph and load its trained (or best-checkpoint) weights; eval mode."""
    blob = (project.checkpoint if best else None) or project.weights
    if not blob:
        raise WeightsError("this project has no trained weights yet: run `netcanvas train` on it first")
    model = compile_graph(project.graph)
    load_state_bytes(model.module, blob)
    model.module.train(False)  # inference mode
    return model
