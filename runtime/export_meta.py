"""What every export shares: the errors, the model to export (trained weights, or fresh ones when
allowed), example inputs for tracing, the metadata written beside the tensors, and the check
that an exported model gives the original's outputs."""
from __future__ import annotations

from projects.project import APP_VERSION, Project

from .compiler import CompileError, compile_graph
from .weights import WeightsError, trained_model


class ExportError(Exception):
    """An export that cannot be made; the message is one sentence naming the fix."""


class UntrainedError(ExportError):
    """The project has no trained weights (the editor may offer to export fresh ones anyway)."""


def export_model_of(project: Project, best: bool = False, allow_untrained: bool = False):
    """The CompiledModel to export, in eval mode on the CPU."""
    try:
        if project.weights or (best and project.checkpoint):
            return trained_model(project, best)
        if not allow_untrained:
            raise UntrainedError("this project has no trained weights yet: train it first, or pass --allow-untrained")
        model = compile_graph(project.graph)
    except CompileError as e:
        raise ExportError(f"the model cannot be built: {e}") from None
    except WeightsError as e:
        raise ExportError(str(e)) from None
    model.module.train(False)  # inference mode
    return model


def example_inputs(project: Project, model) -> list:
    """One random batch of 2 per input block (its ``example_input``), the same at every call."""
    import torch

    graph, out = project.graph, []
    ports = model.input_ports or [(nid, graph.nodes[nid].block.outputs[0].name) for nid in model.input_ids]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        for i, (nid, port) in enumerate(ports):
            node = graph.nodes[nid]
            shape = tuple(graph.output_shape(nid, port))
            if node.block.role == "input":
                out.append(node.block.example_input(i, shape, node.block.complete(node.params)))
            else:  # a sub-model fed from inside the graph (a VAE's decoder takes z)
                out.append(torch.randn(2, *shape))
    return out


def class_names(project: Project, output_shapes: list | None = None) -> list[str] | None:
    """The class names, where the project records them (meta, the last run), else those of the
    catalog dataset it trains on when an output has one score per class."""
    candidates = [project.meta.get("classes"), project.meta.get("class_names")]
    runs = [r for r in project.history.get("runs") or [] if isinstance(r, dict)]
    for run in reversed(runs):
        dataset = run.get("dataset") if isinstance(run.get("dataset"), dict) else {}
        candidates += [run.get("classes"), run.get("class_names"), dataset.get("classes")]
    for names in candidates:
        if isinstance(names, (list, tuple)) and names and all(isinstance(n, (str, int)) for n in names):
            return [str(n) for n in names]
    dataset = project.training.get("dataset") if isinstance(project.training.get("dataset"), dict) else {}
    name = next((r["dataset"] for r in reversed(runs) if isinstance(r.get("dataset"), str)), dataset.get("name"))
    try:
        from .data.catalog import SOURCES
    except ImportError:  # pragma: no cover - the data package is optional here
        return None
    source = SOURCES.get(name) if isinstance(name, str) else None
    if source is None or not source.classes:
        return None
    if output_shapes is not None and [len(source.classes)] not in [list(s) for s in output_shapes]:
        return None
    return [str(c) for c in source.classes]


def normalization(project: Project) -> dict | None:
    """The input normalization of the last run that recorded one (``{"mean": [...], "std": [...]}``
    per channel, applied to values in [0, 1]), or None."""
    for run in reversed(project.history.get("runs") or []):
        norm = run.get("normalization") if isinstance(run, dict) else None
        if isinstance(norm, dict) and norm:
            return norm
    return None


def model_meta(project: Project, model, inputs: list, weights: str) -> dict:
    """JSON-friendly description of the exported model (``weights``: last, best or untrained)."""
    import torch

    graph = project.graph
    names = {ident: nid for nid, ident in model.module_names.items()}
    output_shapes = [list(s) for s in model.output_shapes]
    return {
        "format": "netcanvas.export", "netcanvas_version": APP_VERSION, "torch_version": str(torch.__version__),
        "title": project.title, "description": project.meta.get("description", ""), "weights": weights,
        "input_names": list(model.input_names), "input_shapes": [list(x.shape[1:]) for x in inputs],
        "input_dtypes": [str(x.dtype).removeprefix("torch.") for x in inputs],
        "output_names": list(model.output_labels), "part": getattr(model, "part_name", None),
        "output_shapes": output_shapes, "output_types": list(model.output_types),
        "class_names": class_names(project, output_shapes), "normalization": normalization(project),
        "block_names": {ident: graph.nodes[nid].name for ident, nid in names.items()},
        "block_types": {ident: graph.nodes[nid].type_id for ident, nid in names.items()},
    }


def as_list(outputs) -> list:
    """A model's outputs as a flat list of tensors (one output or a tuple of them)."""
    if isinstance(outputs, (tuple, list)):
        return [t for o in outputs for t in as_list(o)]
    return [outputs]


def check_outputs(what: str, expected, got, atol: float = 1e-4) -> None:
    """Raise ExportError unless ``got`` matches ``expected`` (tensors or arrays) output by output."""
    import torch

    expected, got = as_list(expected), [torch.as_tensor(g) for g in as_list(got)]
    if len(expected) != len(got):
        raise ExportError(f"the {what} export gives {len(got)} outputs instead of {len(expected)}; "
                          "please report this model")
    for i, (e, g) in enumerate(zip(expected, got)):
        e = e.detach().cpu()
        if e.is_floating_point():
            scale = max(1.0, float(e.abs().max())) if e.numel() else 1.0
            ok = e.shape == g.shape and torch.allclose(g.to(e.dtype), e, rtol=1e-3, atol=atol * scale)
        else:
            ok = e.shape == g.shape and torch.equal(g.to(e.dtype), e)
        if not ok:
            raise ExportError(f"the {what} export does not reproduce output {i + 1} of the model; "
                              "export it in another format and please report this model")
