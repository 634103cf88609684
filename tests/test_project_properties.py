"""Property tests (hypothesis): any project NetCanvas can hold survives save -> load unchanged:
graph (ids, names, parameters within their bounds), view, training settings, history, title and
description, and weights, checkpoint and thumbnail bit for bit; real weights load into the
rebuilt model tensor for tensor."""
from __future__ import annotations

import json
import math
import struct

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nodes import resolve
from projects.dlproj import dumps_project, graph_to_json, loads_project
from projects.file_checks import weights_memory_refusal
from projects.graphgen import generate_graph
from projects.project import Project
from projects.training import TRAINING_SCHEMA, complete_training

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAME_CHARS = st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp"))  # others are shown as they are
finite = st.floats(allow_nan=False, allow_infinity=False)


def param_value(param):
    """A value ``param`` accepts (within its bounds), as the inspector would store it."""
    lo = -10**6 if param.min is None else param.min
    hi = 10**6 if param.max is None else param.max
    if param.kind == "bool":
        return st.booleans()
    if param.kind == "choice":
        return st.sampled_from(param.choices)
    if param.kind == "str":
        return st.text(NAME_CHARS, max_size=20)
    if param.kind == "int":
        return st.integers(math.ceil(lo), math.floor(hi))
    if param.kind == "float":
        return st.floats(lo, hi, allow_nan=False)
    n = param.length
    return st.lists(st.integers(max(math.ceil(lo), 1), min(math.floor(hi), 64)), min_size=n or 1, max_size=n or 4)


json_leaf = st.none() | st.booleans() | st.integers(-2**63, 2**63) | finite | st.text(max_size=12)
json_value = st.recursive(json_leaf, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c,
                                                                                         max_size=3), max_leaves=10)


def safetensors_blob(draw) -> bytes:
    """Well-formed safetensors bytes of random tensors (names, dtypes, shapes, contents)."""
    sizes = {"F32": 4, "F16": 2, "BF16": 2, "I64": 8, "U8": 1, "BOOL": 1}
    names = draw(st.lists(st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12),
                          min_size=1, max_size=5, unique=True))
    header, data = {}, b""
    for name in names:
        dtype = draw(st.sampled_from(sorted(sizes)))
        shape = draw(st.lists(st.integers(0, 5), max_size=3))
        n = math.prod(shape) * sizes[dtype]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + n]}
        data += draw(st.binary(min_size=n, max_size=n))
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


@st.composite
def projects(draw) -> Project:
    graph = generate_graph(draw(st.integers(4, 30)), seed=draw(st.integers(0, 10**6)))
    names = draw(st.lists(st.text(NAME_CHARS, min_size=1, max_size=30).map(str.strip).filter(bool),
                          min_size=len(graph.nodes), max_size=len(graph.nodes), unique=True))  # as rename keeps them
    for node, name in zip(list(graph.nodes.values()), names):
        graph.rename(node.id, name)
        block = resolve(node.type_id)
        for param in block.params:
            if draw(st.integers(0, 5)) == 0:  # some parameters changed, within bounds (the graph may turn invalid)
                graph.set_param(node.id, param.name, draw(param_value(param)))
    training = {}
    for section, param in TRAINING_SCHEMA:
        if draw(st.booleans()):
            (training.setdefault(section, {}) if section else training)[param.name] = draw(param_value(param))
    project = Project(graph, training=complete_training(training))
    project.view = {"positions": {nid: [draw(st.floats(-1e6, 1e6)), draw(st.floats(-1e6, 1e6))]
                                  for nid in graph.nodes}, "zoom": draw(st.floats(0.1, 10))}
    project.history = {"runs": draw(st.lists(st.dictionaries(st.text(max_size=8), json_value, max_size=4),
                                             max_size=3))}
    project.meta = {"title": draw(st.text(NAME_CHARS, max_size=40)),
                    "description": draw(st.text(st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp"))
                                                | st.just("\n"), max_size=80)),
                    "created": "2026-01-02T03:04:05+00:00"}
    if draw(st.booleans()):
        project.weights = safetensors_blob(draw)
    if draw(st.booleans()):
        project.checkpoint = safetensors_blob(draw)
    if draw(st.booleans()):
        project.thumbnail = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + struct.pack(">II", draw(st.integers(1, 4096)),
                             draw(st.integers(1, 4096))) + draw(st.binary(max_size=64)))
    return project


@SETTINGS
@given(projects())
def test_any_project_survives_save_and_load_unchanged(project):
    assume(weights_memory_refusal(project.graph) is None)  # too large for this machine: refused by design
    again, errors = loads_project(dumps_project(project))
    assert errors == []
    assert graph_to_json(again.graph) == graph_to_json(project.graph)
    assert again.view == project.view
    assert again.training == project.training
    assert again.history == project.history
    assert {k: again.meta.get(k) for k in ("title", "description", "created")} == project.meta
    assert (again.weights, again.checkpoint, again.thumbnail) == (project.weights, project.checkpoint,
                                                                   project.thumbnail)
    assert [p.message for p in again.graph.problems()] == [p.message for p in project.graph.problems()]


@settings(max_examples=8, deadline=None)
@given(st.integers(4, 24), st.integers(0, 10**6))
def test_trained_weights_come_back_bit_for_bit(n_blocks, seed):
    import torch

    from runtime.compiler import compile_graph
    from runtime.weights import state_to_bytes, trained_model

    torch.manual_seed(seed)
    project = Project(generate_graph(n_blocks, seed=seed))
    model = compile_graph(project.graph).module
    project.weights = state_to_bytes(model)
    again, _ = loads_project(dumps_project(project))
    assert again.weights == project.weights
    loaded = trained_model(again).module.state_dict()
    for name, tensor in model.state_dict().items():
        assert torch.equal(loaded[name], tensor), name
