"""Attention maps: the weights each attention block gives every key step for every query step,
for one sample, as the editor's heat maps show them (live from the trainer's snapshots, and on
demand for any validation or test sample of a trained model).

The modules record their weights only when asked (``record``, nodes/modules.py): recording is
switched on for the one forward that takes a map and off again, so training runs at full speed.
Importing this module is cheap (torch is imported inside the functions).
"""
from __future__ import annotations

import contextlib
import threading

from .compiler import CompileError
from .data import DatasetError, load_dataset
from .trained import data_settings
from .weights import WeightsError, trained_model

ATTENTION_TYPES = ("attn.self_attention", "attn.transformer_encoder")  # blocks whose modules record weights


class AttentionError(Exception):
    """An attention map that cannot be computed; one sentence with the fix."""


def attention_nodes(graph) -> list[tuple[str, str]]:
    """(node id, name) of the graph's attention blocks, in forward order (no torch needed)."""
    order = graph.topological_order() if graph.is_acyclic() else list(graph.nodes)
    return [(nid, graph.nodes[nid].name) for nid in order if graph.nodes[nid].type_id in ATTENTION_TYPES]


def recording_ids(compiled, node_ids=None) -> list[str]:
    """The blocks of ``compiled`` (all, or those among ``node_ids``) whose modules can record weights."""
    ids = [nid for nid in compiled.module_names if nid not in compiled.input_ids
           and hasattr(compiled.submodule(nid), "record")]
    return ids if node_ids is None else [nid for nid in ids if nid in set(node_ids)]


@contextlib.contextmanager
def recording(compiled, node_ids):
    """Inside: the modules of ``node_ids`` keep their attention weights; after: they do not."""
    modules = [compiled.submodule(nid) for nid in node_ids]
    for m in modules:
        m.record, m.weights = True, None
    try:
        yield
    finally:
        for m in modules:
            m.record = False


def read_weights(compiled, node_ids, row: int = 0) -> dict:
    """{node id: float32 numpy (heads, T_query, T_key)} of sample ``row`` of the last recorded
    forward; the modules' copies are dropped."""
    out = {}
    for nid in node_ids:
        m = compiled.submodule(nid)
        if m.weights is not None:
            out[nid] = m.weights[row].float().cpu().numpy()
        m.weights = None
    return out


def sample_facts(x, y, classes=None, vocabulary=None) -> dict:
    """What the view writes on the axes and above the map for one sample ``x`` (its steps) and
    target ``y``: token strings (when the dataset has a vocabulary), the number of steps before the
    padding (token ids, 0 = padding) and the class name."""
    facts: dict = {"tokens": None, "length": None, "label": None}
    if not x.dtype.is_floating_point and x.dim() == 1:
        ids = [int(v) for v in x.tolist()]
        facts["length"] = next((i for i in range(len(ids), 0, -1) if ids[i - 1] != 0), 0) or len(ids)
        if vocabulary:
            facts["tokens"] = [vocabulary[i] if 0 <= i < len(vocabulary) else f"#{i}" for i in ids]
    if y is not None and y.dim() == 0 and not y.dtype.is_floating_point:
        k = int(y)
        facts["label"] = classes[k] if classes and 0 <= k < len(classes) else str(k)
    return facts


def map_fields(compiled, weights: dict, facts: dict) -> dict:
    """The fields of an ``attention`` record: blocks (id -> name, forward order), weights, facts."""
    names = {nid: compiled.graph.nodes[nid].name for nid in weights}
    return {"blocks": names, "weights": weights, **facts}


class AttentionProbe:
    """The attention maps of a trained project for chosen samples of its validation or test split.
    The trained model and the dataset load once, on first use (call from a worker thread)."""

    def __init__(self, project, best: bool = False):
        self.project, self.best = project, best
        self._model = self._data = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                self._model, self._data = _trained_with_data(self.project, self.best)
            return self._model, self._data

    def count(self, split: str) -> int:
        """Samples in ``split`` ("val" or "test")."""
        return len(_split(self._load()[1], split))

    def maps(self, split: str = "test", index: int = 0) -> dict:
        """The ``attention`` record fields for sample ``index`` of ``split`` (with ``split``, ``index``)."""
        import torch

        model, data = self._load()
        part = _split(data, split)
        if not 0 <= index < len(part):
            raise AttentionError(f"the {_SPLITS[split]} split has {len(part)} samples: choose one from 0 to "
                                 f"{len(part) - 1}")
        ids = recording_ids(model)
        if not ids:
            raise AttentionError("this model has no attention block: add a Multi-head self-attention or a "
                                 "Transformer encoder layer")
        x, y = part.x[index:index + 1], part.y[index:index + 1]
        with recording(model, ids), torch.no_grad():
            model.module(x)
        facts = sample_facts(x[0], y[0], data.classes, data.extras.get("vocabulary"))
        return {**map_fields(model, read_weights(model, ids), facts), "split": split, "index": index}


_SPLITS = {"val": "validation", "test": "test"}


def _split(data, split: str):
    if split not in _SPLITS:
        raise AttentionError(f"unknown split {split!r}: use 'val' or 'test'")
    return data.val if split == "val" else data.test


def _trained_with_data(project, best: bool):
    try:
        model = trained_model(project, best)
        shape = tuple(project.graph.states[model.input_ids[0]].outputs[0]) if model.input_ids else None
        data = load_dataset(data_settings(project), shape)
    except (WeightsError, CompileError, DatasetError) as e:
        raise AttentionError(str(e)) from None
    if len(model.input_ids) != 1:
        raise AttentionError("attention maps of trained models need a model with one input block")
    return model, data
