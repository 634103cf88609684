"""Exporting a trained model: TorchScript, ONNX, a state_dict (.pt), HDF5 weights (.h5) and
readable PyTorch source (.py plus its .safetensors weights).

``export_model(project, fmt, out_path)`` is the one entry point (the command line's
``netcanvas export`` and the editor's File > Export call it). Files are written in a temporary
folder beside the target, checked where a conversion can go wrong (TorchScript, ONNX and the
Python source are loaded back and must give the model's outputs), then moved into place.
No torch at import time.
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import logging
import os
import tempfile
import warnings
from pathlib import Path

from projects.project import Project

from .compiler import CompileError, compile_graph
from .export_meta import ExportError, UntrainedError, check_outputs, example_inputs, export_model_of, model_meta
from .tasks import TaskError, use_of
from .use import EvaluationError, project_task

__all__ = ["FORMATS", "SUFFIXES", "ExportError", "UntrainedError", "export_model", "output_paths"]

FORMATS = ("torchscript", "onnx", "pt", "h5", "python")
SUFFIXES = {"torchscript": ".torchscript", "onnx": ".onnx", "pt": ".pt", "h5": ".h5", "python": ".py"}
ONNX_OPSET = 18
ONNX_SINGLE_FILE_LIMIT = 1_800_000_000  # bytes of weights; above this they go to OUT.data (protobuf's 2 GB)


def output_paths(out_path, fmt: str) -> list[Path]:
    """The files an export to ``out_path`` writes (a missing suffix gets the format's)."""
    out = Path(out_path)
    if not out.suffix:
        out = out.with_suffix(SUFFIXES[_check_format(fmt)])
    if fmt == "python":
        return [out, out.with_suffix(".safetensors")]
    return [out]


def export_model(project: Project, fmt: str, out_path, best: bool = False, *,
                 allow_untrained: bool = False, part: str | None = None) -> list[Path]:
    """Export the project's trained model (``best``: the best checkpoint, when there is one) as
    ``fmt`` to ``out_path``; returns the files written. ``part`` exports one sub-model the task
    offers (a GAN's ``generator``, a VAE's ``decoder``; see ``export_parts``). Raises ExportError
    (UntrainedError when the project has no weights and ``allow_untrained`` is false)."""
    fmt = _check_format(fmt)
    targets = output_paths(out_path, fmt)
    folder = targets[0].parent
    if not folder.is_dir():
        raise ExportError(f"folder {folder} does not exist; create it first")
    if fmt == "onnx":
        _need("onnx", "onnxruntime", "onnxscript", what="The ONNX export")
    if fmt == "h5":
        _need("h5py", what="The HDF5 export")
    model = select_part(project, export_model_of(project, best, allow_untrained), part)
    import torch

    inputs = example_inputs(project, model)
    with torch.no_grad():
        expected = model.module(*inputs)
    weights = "best" if best and project.checkpoint else "last" if project.weights else "untrained"
    meta = model_meta(project, model, inputs, weights)
    try:
        with tempfile.TemporaryDirectory(dir=folder, prefix=".netcanvas-export-") as tmp:
            staged = Path(tmp) / targets[0].name
            written = _WRITERS[fmt](model, staged, inputs, expected, meta)
            final = []
            for path in written:
                os.replace(path, folder / path.name)
                final.append(folder / path.name)
    except OSError as e:
        raise ExportError(f"could not write the export to {folder}: {e.strerror or e}") from None
    return final


def export_parts(project: Project, model=None) -> list[str]:
    """The names ``export_model`` accepts as ``part`` for this project ("model" first)."""
    return ["model", *(k for k in _parts(project, model) if k != "model")]


def _parts(project: Project, model=None) -> dict:
    """The parts the project's task offers (none when no task can be chosen: the whole model
    exports all the same)."""
    try:
        model = model or compile_graph(project.graph)
    except CompileError as e:
        raise ExportError(f"the model cannot be built: {e}") from None
    try:
        decl = project_task(project)
    except EvaluationError:
        return {}
    try:
        return use_of(decl.name).export_parts(model, project.graph, decl)
    except TaskError as e:
        raise ExportError(f"the model cannot be built: {e}") from None


def select_part(project: Project, model, part: str | None):
    """The whole model, or the sub-model ``part`` of the task (trained weights shared)."""
    parts = _parts(project, model)
    if part in (None, "model"):
        return parts.get("model", model)
    if part not in parts:
        names = ", ".join(["model", *(k for k in parts if k != "model")])
        raise ExportError(f"this project has no part '{part}' to export: choose one of {names}")
    return parts[part]


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return fmt


def _need(*packages: str, what: str) -> None:
    missing = [p for p in packages if importlib.util.find_spec(p) is None]
    if missing:
        raise ExportError(f"{what} needs the {', '.join(packages)} package{'s' if len(packages) > 1 else ''} "
                          f"(missing: {', '.join(missing)}): pip install {' '.join(packages)}")


def _state(model) -> dict:
    """The state_dict as a plain dict of independent contiguous CPU tensors."""
    return {k: v.detach().cpu().contiguous().clone() for k, v in model.module.state_dict().items()}


# ---- writers: (model, path, inputs, expected outputs, meta) -> files written ------------------------
def _torchscript(model, path: Path, inputs, expected, meta) -> list[Path]:
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit is deprecated in favour of torch.export, still loads everywhere
        try:
            traced = torch.jit.trace(model.module, tuple(inputs), check_trace=False)
        except Exception as e:  # noqa: BLE001
            raise ExportError(f"the model could not be traced to TorchScript ({_first_line(e)}); "
                              "try the ONNX or Python export") from None
        torch.jit.save(traced, str(path), _extra_files={"netcanvas.json": json.dumps(meta)})
        loaded = torch.jit.load(str(path))
        with torch.no_grad():
            check_outputs("TorchScript", expected, loaded(*inputs))
    return [path]


def _onnx(model, path: Path, inputs, expected, meta) -> list[Path]:
    import numpy as np
    import onnx
    import onnxruntime as ort
    import torch

    nbytes = sum(t.numel() * t.element_size() for t in model.module.state_dict().values())
    names = dict(input_names=meta["input_names"], output_names=meta["output_names"], opset_version=ONNX_OPSET)
    batch = torch.export.Dim("batch")
    with _quiet():
        try:  # the torch.export-based exporter; the TorchScript-based one where it fails
            torch.onnx.export(model.module, tuple(inputs), str(path), dynamo=True, verbose=False,
                              external_data=nbytes > ONNX_SINGLE_FILE_LIMIT,
                              dynamic_shapes=tuple({0: batch} for _ in inputs), **names)
        except Exception as e:  # noqa: BLE001
            for stale in path.parent.iterdir():
                stale.unlink()
            try:
                torch.onnx.export(model.module, tuple(inputs), str(path), dynamo=False, **names,
                                  dynamic_axes={n: {0: "batch"} for n in names["input_names"] + names["output_names"]})
            except Exception:  # noqa: BLE001
                raise ExportError(f"the ONNX exporter could not convert this model ({_first_line(e)}); "
                                  "try the TorchScript or Python export") from None
    proto = onnx.load(str(path), load_external_data=False)
    for key, value in _onnx_metadata(meta).items():
        proto.metadata_props.add(key=key, value=value)
    onnx.save(proto, str(path))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feed = {i.name: np.ascontiguousarray(x.numpy()) for i, x in zip(session.get_inputs(), inputs)}
    check_outputs("ONNX", expected, session.run(None, feed))
    return sorted(p for p in path.parent.iterdir() if p.name.startswith(path.name))


def _onnx_metadata(meta: dict) -> dict[str, str]:
    keys = ("title", "netcanvas_version", "weights", "input_names", "input_shapes", "output_names",
            "output_shapes", "class_names", "normalization")
    return {"netcanvas." + k: v if isinstance(v, str) else json.dumps(v)
            for k, v in meta.items() if k in keys and v is not None}


def _pt(model, path: Path, inputs, expected, meta) -> list[Path]:
    import torch

    torch.save(_state(model), path)
    return [path]


def _h5(model, path: Path, inputs, expected, meta) -> list[Path]:
    from .export_h5 import write_h5

    write_h5(path, _state(model), meta)
    return [path]


def _python(model, path: Path, inputs, expected, meta) -> list[Path]:
    import torch
    from safetensors.torch import save_file

    from .export_python import generate

    weights = path.with_suffix(".safetensors")
    path.write_text(generate(model, meta, weights.name, path.stem), encoding="utf-8")
    save_file(_state(model), str(weights), metadata={"format": "pt", "title": meta["title"]})
    spec = importlib.util.spec_from_file_location(f"_netcanvas_export_{os.getpid()}", path)
    generated = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(generated)
        rebuilt = generated.load_model(weights)
        with torch.no_grad():
            got = rebuilt(*inputs)
    except Exception as e:  # noqa: BLE001
        raise ExportError(f"the generated Python file does not run ({_first_line(e)}); "
                          "export the model as TorchScript or ONNX instead") from None
    check_outputs("Python", expected, got)
    return [path, weights]


_WRITERS = {"torchscript": _torchscript, "onnx": _onnx, "pt": _pt, "h5": _h5, "python": _python}


def _first_line(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0][:200]}" if text else type(e).__name__


@contextlib.contextmanager
def _quiet():
    """Silence the ONNX exporter's progress lines, warnings and log records."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
