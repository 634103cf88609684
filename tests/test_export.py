"""Exports: every format is loaded back the way a user would and must give the model's outputs.

TorchScript (torch.jit.load), ONNX (onnxruntime, at another batch size than the traced one),
state_dict (torch.load weights_only + load_state_dict), HDF5 (h5py, every tensor) and the
generated PyTorch source (imported from its file, with the exported weights)."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap

import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")

from projects.examples.build import lenet5, lenet5_classic  # noqa: E402
from projects.graph import Graph  # noqa: E402
from projects.project import Project  # noqa: E402
from runtime.compiler import compile_graph  # noqa: E402
from runtime.export import FORMATS, ExportError, UntrainedError, export_model, output_paths  # noqa: E402
from runtime.weights import state_to_bytes, trained_model  # noqa: E402

EXAMPLES = {"lenet5-classic": lenet5_classic, "lenet5": lenet5}


def with_weights(project: Project, seed: int = 1) -> Project:
    """A trained-looking project: freshly initialised weights stored as its trained weights."""
    torch.manual_seed(seed)
    model = compile_graph(project.graph)
    with torch.no_grad():  # move every parameter off its initial value, as training would
        for p in model.module.parameters():
            p.add_(0.05 * torch.randn_like(p))
    project.weights = state_to_bytes(model.module)
    return project


def graph_of(nodes: list[tuple], wires: list[str]) -> Graph:
    graph, ids = Graph(), {}
    with graph.batch():
        for name, type_id, params in nodes:
            ids[name] = graph.add_node(type_id, name, params).id
        for wire in wires:
            (src, src_port), (dst, dst_port) = (end.split(":") for end in wire.split())
            graph.connect(ids[src], src_port, ids[dst], dst_port)
    assert graph.is_valid(), [p.message for p in graph.problems()]
    return graph


def two_in_two_out() -> Project:
    graph = graph_of(
        [("Image", "input.image", {"channels": 1, "height": 8, "width": 8}),
         ("Features", "input.vector", {"features": 5}), ("Flat", "core.flatten", {}),
         ("A", "core.dense", {"units": 16, "activation": "relu"}), ("B", "core.dense", {"units": 16}),
         ("Sum", "merge.add", {}), ("Logits", "core.dense", {"units": 3}),
         ("Classes", "head.classification", {}), ("Reg", "core.dense", {"units": 2}),
         ("Values", "head.regression", {})],
        ["Image:out Flat:in", "Flat:out A:in", "Features:out B:in", "A:out Sum:a", "B:out Sum:b",
         "Sum:out Logits:in", "Logits:out Classes:in", "Sum:out Reg:in", "Reg:out Values:in"])
    return with_weights(Project(graph=graph, meta={"title": "Two in, two out", "classes": ["x", "y", "z"]}))


def sequence_model() -> Project:
    graph = graph_of(
        [("Tokens", "input.tokens", {"steps": 12, "vocabulary": 50}),
         ("Embed", "core.embedding", {"dim": 8, "vocabulary": 50}), ("Pos", "attn.positional_encoding", {}),
         ("Encoder", "attn.transformer_encoder", {"heads": 2, "feedforward": 16}),
         ("LSTM", "rnn.lstm", {"hidden_size": 6}), ("Out", "core.dense", {"units": 4}),
         ("Head", "head.classification", {})],
        ["Tokens:out Embed:in", "Embed:out Pos:in", "Pos:out Encoder:in", "Encoder:out LSTM:in",
         "LSTM:out Out:in", "Out:out Head:in"])
    return with_weights(Project(graph=graph, meta={"title": "Sequence \"\"\"model\"\"\" \\ test"}))


@pytest.fixture(scope="module")
def projects() -> dict[str, Project]:
    return {name: with_weights(make()) for name, make in EXAMPLES.items()}


def reference(project: Project, batch: int = 3):
    """Inputs at a batch size other than the exported example's (2), and the model's outputs."""
    model = trained_model(project)
    gen = torch.Generator().manual_seed(7)
    inputs = []
    for nid in model.input_ids:
        node, shape = project.graph.nodes[nid], project.graph.states[nid].outputs[0]
        if node.type_id == "input.tokens":
            inputs.append(torch.randint(0, node.params.get("vocabulary", 50), (batch, *shape), generator=gen))
        else:
            inputs.append(torch.randn(batch, *shape, generator=gen))
    with torch.no_grad():
        out = model.module(*inputs)
    return model, inputs, list(out) if isinstance(out, tuple) else [out]


def assert_same(expected: list, got, atol: float = 1e-5) -> None:
    got = list(got) if isinstance(got, (tuple, list)) else [got]
    assert len(got) == len(expected)
    for e, g in zip(expected, got):
        g = torch.as_tensor(g)
        assert g.shape == e.shape
        assert torch.allclose(g, e, atol=atol), float((g - e).abs().max())


def load_python(path):
    spec = importlib.util.spec_from_file_location(f"exported_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- round trips, per format ------------------------------------------------------------------------
@pytest.mark.parametrize("name", EXAMPLES)
def test_torchscript_round_trip(projects, name, tmp_path):
    _, inputs, expected = reference(projects[name])
    (path,) = export_model(projects[name], "torchscript", tmp_path / name)
    assert path.suffix == ".torchscript"
    extra = {"netcanvas.json": ""}
    loaded = torch.jit.load(str(path), _extra_files=extra)
    with torch.no_grad():
        assert_same(expected, loaded(*inputs))
    assert json.loads(extra["netcanvas.json"])["input_names"] == ["Input"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_onnx_round_trip_with_onnxruntime(projects, name, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    onnx = pytest.importorskip("onnx")
    _, inputs, expected = reference(projects[name], batch=5)  # exported with batch 2: the batch axis is dynamic
    (path,) = export_model(projects[name], "onnx", tmp_path / f"{name}.onnx")
    model = onnx.load(str(path))
    onnx.checker.check_model(model)
    assert model.opset_import[0].version >= 17
    meta = {p.key: p.value for p in model.metadata_props}
    assert json.loads(meta["netcanvas.input_shapes"])[0] == list(inputs[0].shape[1:])
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["Input"]
    assert [o.name for o in session.get_outputs()] == ["Softmax"]
    got = session.run(None, {"Input": inputs[0].numpy()})
    assert_same(expected, got, atol=1e-4)


@pytest.mark.parametrize("name", EXAMPLES)
def test_state_dict_round_trip(projects, name, tmp_path):
    model, inputs, expected = reference(projects[name])
    (path,) = export_model(projects[name], "pt", tmp_path / "weights.pt")
    state = torch.load(path, weights_only=True)
    assert type(state) is dict and all(isinstance(v, torch.Tensor) for v in state.values())
    fresh = compile_graph(projects[name].graph).module.eval()
    fresh.load_state_dict(state)
    with torch.no_grad():
        assert_same(expected, fresh(*inputs), atol=0)


@pytest.mark.parametrize("name", EXAMPLES)
def test_h5_holds_every_tensor_by_block(projects, name, tmp_path):
    h5py = pytest.importorskip("h5py")
    model, _, _ = reference(projects[name])
    (path,) = export_model(projects[name], "h5", tmp_path / name)
    state = model.module.state_dict()
    with h5py.File(path, "r") as f:
        assert f.attrs["title"] == projects[name].title
        assert list(f.attrs["input_names"]) == ["Input"]
        assert json.loads(f.attrs["input_shapes"]) == [list(projects[name].graph.states[model.input_ids[0]].outputs[0])]
        assert len(f.attrs["class_names"]) == 10 and f.attrs["class_names"][0] == "T-shirt/top"
        names = json.loads(f.attrs["tensor_names"])
        assert set(names) == set(state)
        for key, tensor in state.items():
            data = f[names[key]]
            assert data.attrs["state_dict_key"] == key
            assert torch.equal(torch.as_tensor(data[()]), tensor)
        assert f["C1/weight"].shape == (6, 1, 5, 5)  # /block/tensor, the Sequential's index left out
        assert f["C1"].attrs["block_type"] == "conv.conv2d"
        assert f["Output/bias"].attrs["state_dict_key"] == "Output.bias"


@pytest.mark.parametrize("name", EXAMPLES)
def test_python_source_reproduces_the_model(projects, name, tmp_path):
    _, inputs, expected = reference(projects[name])
    py, weights = export_model(projects[name], "python", tmp_path / "model.py")
    assert weights == tmp_path / "model.safetensors" and weights.name in py.read_text()
    module = load_python(py)
    with torch.no_grad():
        assert_same(expected, module.load_model()(*inputs), atol=0)
    (pt,) = export_model(projects[name], "pt", tmp_path / "state.pt")  # load_weights reads .pt and .h5 too
    (h5,) = export_model(projects[name], "h5", tmp_path / "state.h5")
    model = type(module.load_model())()  # the generated class, fresh
    model.load_state_dict(module.load_weights(pt))
    with torch.no_grad():
        assert_same(expected, model.eval()(*inputs), atol=0)
        assert_same(expected, module.load_model(h5)(*inputs), atol=0)


def test_python_source_is_readable_and_stands_alone(projects, tmp_path):
    py, _ = export_model(projects["lenet5-classic"], "python", tmp_path / "lenet")
    text = py.read_text()
    assert "self.C1 = nn.Sequential(nn.Conv2d(1, 6, kernel_size=5), nn.Tanh())" in text
    assert "class PartialConv2d(nn.Module):" in text and "class TrainableSubsampling(nn.Module):" in text
    assert "self.S2 = nn.Sequential(TrainableSubsampling(channels=6, kernel=2, stride=2), nn.Tanh())" in text
    assert "def forward(self, Input):" in text and "= None" not in text.split("def forward")[1].split("def ")[0]
    for package in ("nodes", "projects", "runtime"):
        assert f"import {package}" not in text and f"from {package}" not in text
    blocker = textwrap.dedent("""
        import runpy, sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("nodes", "projects", "runtime", "app"):
                    raise ImportError(name)
        sys.meta_path.insert(0, Block())
        runpy.run_path(sys.argv[1], run_name="__main__")
    """)
    done = subprocess.run([sys.executable, "-c", blocker, str(py)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Softmax (2, 10)"


# ---- several inputs and outputs, integer inputs, recurrent and attention layers -----------------------
def test_two_inputs_and_two_outputs_in_every_format(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    h5py = pytest.importorskip("h5py")
    project = two_in_two_out()
    model, inputs, expected = reference(project)
    assert len(inputs) == 2 and len(expected) == 2
    files = {fmt: export_model(project, fmt, tmp_path / "multi") for fmt in FORMATS}
    with torch.no_grad():
        assert_same(expected, torch.jit.load(str(files["torchscript"][0]))(*inputs))
        assert_same(expected, load_python(files["python"][0]).load_model()(*inputs))
    session = ort.InferenceSession(str(files["onnx"][0]), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["Classes", "Values"]
    assert_same(expected, session.run(None, {"Image": inputs[0].numpy(), "Features": inputs[1].numpy()}), atol=1e-4)
    assert set(torch.load(files["pt"][0], weights_only=True)) == set(model.module.state_dict())
    with h5py.File(files["h5"][0], "r") as f:
        assert list(f.attrs["input_names"]) == ["Image", "Features"]
        assert list(f.attrs["output_names"]) == ["Classes", "Values"]
        assert list(f.attrs["class_names"]) == ["x", "y", "z"]


def test_token_input_with_attention_and_lstm(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    project = sequence_model()
    _, inputs, expected = reference(project, batch=4)
    (onnx_path,) = export_model(project, "onnx", tmp_path / "seq")
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].type == "tensor(int64)"
    assert_same(expected, session.run(None, {"Tokens": inputs[0].numpy()}), atol=1e-4)
    py, _ = export_model(project, "python", tmp_path / "seq")
    text = py.read_text()
    assert "nn.LSTM(8, 6, batch_first=True)" in text and "TransformerEncoderLayer(d_model=8, nhead=2" in text
    assert "mask = ne" in text  # the padding mask reaches the attention and the LSTM
    with torch.no_grad():
        assert_same(expected, load_python(py).load_model()(*inputs), atol=1e-6)


# ---- refusals ---------------------------------------------------------------------------------------
def test_untrained_project_is_refused_unless_allowed(tmp_path):
    project = lenet5()
    with pytest.raises(UntrainedError, match="no trained weights yet: train it first, or pass --allow-untrained"):
        export_model(project, "pt", tmp_path / "x.pt")
    assert not list(tmp_path.iterdir())
    (path,) = export_model(project, "pt", tmp_path / "x.pt", allow_untrained=True)
    assert set(torch.load(path, weights_only=True)) == set(compile_graph(project.graph).module.state_dict())


def test_bad_requests_are_one_sentence(projects, tmp_path, monkeypatch):
    with pytest.raises(ExportError, match="unknown export format 'keras'"):
        export_model(projects["lenet5"], "keras", tmp_path / "x")
    with pytest.raises(ExportError, match="does not exist; create it first"):
        export_model(projects["lenet5"], "pt", tmp_path / "missing" / "x.pt")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else real(name, *a))
    with pytest.raises(ExportError, match="pip install onnx onnxruntime onnxscript"):
        export_model(projects["lenet5"], "onnx", tmp_path / "x")
    assert output_paths(tmp_path / "m", "python") == [tmp_path / "m.py", tmp_path / "m.safetensors"]


def test_python_export_refuses_a_layer_it_cannot_write():
    import torch.nn as nn

    from runtime.export_modules import Context, constructor

    class Scale(nn.Module):
        def __init__(self, factor):
            super().__init__()
            self.f = factor

    with pytest.raises(ExportError, match="block 'S' .*argument 'factor' is not kept"):
        constructor(nn.Sequential(nn.ReLU(), Scale(2.0)), Context(block="S"))


def test_every_block_can_be_written_as_python():
    """Contract: each registered block's module (each example case) is rebuilt by its constructor text."""
    from nodes import registry
    from runtime.export_modules import Context, check_constructor, constructor

    checked = 0
    for type_id, block in sorted(registry().items()):
        for overrides, shapes in block.example_cases():
            p = block.complete(overrides)
            module = block.build(p, shapes or block.example_shapes(p))
            ctx = Context(block=type_id)
            check_constructor(constructor(module, ctx), module, ctx)
            checked += 1
    assert checked >= 40


# ---- command line -----------------------------------------------------------------------------------
def test_cli_export(projects, tmp_path, capsys):
    from projects.dlproj import write_project
    from runtime.cli import main

    trained, untrained = tmp_path / "lenet.dlproj", tmp_path / "fresh.dlproj"
    write_project(projects["lenet5"], trained)
    write_project(lenet5(), untrained)
    assert main(["export", str(trained), "--format", "pt"]) == 0
    assert (tmp_path / "lenet.pt").is_file() and "wrote" in capsys.readouterr().out
    assert main(["export", str(trained), "--format", "pt"]) == 2
    assert "already exists; choose another name or pass --force" in capsys.readouterr().err
    assert main(["export", str(trained), "-f", "h5", "-o", str(tmp_path / "w.h5"), "--best"]) == 0
    assert "no best checkpoint" in capsys.readouterr().err
    assert main(["export", str(untrained), "--format", "h5"]) == 2
    assert "pass --allow-untrained" in capsys.readouterr().err
    assert main(["export", str(untrained), "--format", "h5", "--allow-untrained"]) == 0
    assert "freshly initialised" in capsys.readouterr().err and (tmp_path / "fresh.h5").is_file()


def test_onnx_falls_back_to_the_torchscript_based_exporter(projects, tmp_path, monkeypatch):
    ort = pytest.importorskip("onnxruntime")
    real = torch.onnx.export

    def no_dynamo(*args, dynamo=True, **kwargs):
        if dynamo:
            raise RuntimeError("simulated torch.export failure")
        return real(*args, dynamo=False, **kwargs)

    monkeypatch.setattr(torch.onnx, "export", no_dynamo)
    _, inputs, expected = reference(projects["lenet5"], batch=4)
    (path,) = export_model(projects["lenet5"], "onnx", tmp_path / "legacy")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert_same(expected, session.run(None, {"Input": inputs[0].numpy()}), atol=1e-4)
