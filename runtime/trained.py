"""What every use of a trained project shares (the task packages' ``use`` modules build on it): the
one error, the run that made the weights, the compiled model with them, and the dataset it is
evaluated on. The dataset is the one the weights were trained on (the last run's), unless the
caller names another (`evaluate --data`). No torch at import."""
from __future__ import annotations

from typing import Any

from projects.project import Project
from projects.training import complete_training

from .compiler import CompileError, CompiledModel, compile_graph
from .data import DatasetError, load_dataset
from .datasel import dataset_from_argument, with_test_file
from .weights import WeightsError, trained_model


class EvaluationError(Exception):
    """Evaluation or prediction cannot run; one sentence with the fix."""


def last_run(project: Project) -> dict:
    """The newest run that produced weights (its classes and normalization describe them)."""
    runs = [r for r in project.history.get("runs", []) if isinstance(r, dict)
            and r.get("status") in ("finished", "stopped")]
    return runs[-1] if runs else {}


def load_model(project: Project, best: bool = False, allow_untrained: bool = False) -> CompiledModel:
    """The project's compiled model with its trained (or best-checkpoint) weights, in eval mode;
    fresh weights when ``allow_untrained`` and there are none."""
    try:
        if project.weights or (best and project.checkpoint) or not allow_untrained:
            return trained_model(project, best)
        model = compile_graph(project.graph)
    except (WeightsError, CompileError) as e:
        raise EvaluationError(str(e)) from None
    model.module.train(False)
    return model


def data_settings(project: Project, data: str | None = None, test_data: str | None = None,
                  options: dict | None = None) -> dict[str, Any]:
    """The dataset settings to evaluate ``project`` with: those of the run that trained its weights
    (without a run-only ``limit``), else the project's; ``data``/``test_data`` as on the command
    line; ``options``: what the task needs (a GAN's unnormalized images)."""
    own = complete_training(project.training)["dataset"]
    recorded = (last_run(project).get("settings") or {}).get("dataset")
    settings = dict(recorded) if isinstance(recorded, dict) and recorded.get("name") else dict(own)
    if "limit" in settings and "limit" not in own:
        del settings["limit"]
    try:
        if data:
            settings = dataset_from_argument(data, settings)
        if test_data:
            settings = with_test_file(settings, test_data)
    except DatasetError as e:
        raise EvaluationError(str(e)) from None
    return {**settings, **(options or {})}


def input_shape(project: Project, model: CompiledModel, node_id: str | None = None) -> tuple[int, ...]:
    """The shape the input block ``node_id`` (the model's first by default) gives, without the batch."""
    return tuple(project.graph.states[node_id or model.input_ids[0]].outputs[0])


def evaluation_data(project: Project, model: CompiledModel, data: str | None = None, test_data: str | None = None,
                    options: dict | None = None, node_id: str | None = None):
    """The dataset to evaluate on (see ``data_settings``), fitted to the model's input."""
    try:
        return load_dataset(data_settings(project, data, test_data, options), input_shape(project, model, node_id))
    except DatasetError as e:
        raise EvaluationError(str(e)) from None


def split_of(ds, split: str):
    """The test or validation split of ``ds``; an EvaluationError when it is empty."""
    part = ds.test if split == "test" else ds.val
    if len(part) == 0:
        raise EvaluationError(f"the dataset '{ds.name}' has no {split} samples to evaluate on")
    return part


def model_outputs(module, x, batch: int = 1024):
    """A module's outputs for all of ``x``, batch by batch, as float32 (no gradients)."""
    import torch  # this module stays torch-free at import: the command line and the editor read it first

    with torch.no_grad():
        return torch.cat([module(x[i:i + batch]).float() for i in range(0, len(x), batch)])


def split_outputs(model: CompiledModel, graph, split, batch: int = 1024):
    """The model's outputs for a whole split, each input block fed the field it reads (float32)."""
    import torch

    fields = split.fields()
    inputs = []
    for nid in model.input_ids:
        field = str(graph.nodes[nid].params.get("field") or "x")
        if field not in fields:
            raise EvaluationError(f"the input '{graph.nodes[nid].name}' reads the field '{field}', which the dataset "
                                  f"does not give (it gives {', '.join(fields)}): set the input's field to one of those")
        inputs.append(fields[field])
    with torch.no_grad():
        return torch.cat([model.module(*(t[i:i + batch] for t in inputs)).float()
                          for i in range(0, len(split), batch)])


def head_of(project: Project, model: CompiledModel):
    """(block class, parameters) of the model's head."""
    node = project.graph.nodes[model.output_ids[0]]
    return node.block, node.params
