"""Graph -> torch.fx: the compiled module has the summary's parameters and the inferred shapes,
its code calls each block once under the block's name, and invalid graphs never reach torch."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from nodes import resolve  # noqa: E402
from projects.examples.build import EXAMPLES, chain, lenet5  # noqa: E402
from projects.graph import Graph  # noqa: E402
from projects.graphgen import generate_graph  # noqa: E402
from projects.summary import summarize  # noqa: E402
from runtime.compiler import CompileError, compile_graph, identifier  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SLOW_FORWARD = {"vgg16"}  # forward on the meta device: shapes without the arithmetic


class _Recorder(torch.fx.Interpreter):
    """Runs the module and keeps every block's real output."""

    def __init__(self, module):
        super().__init__(module)
        self.outputs: dict[str, object] = {}

    def call_module(self, target, args, kwargs):
        out = super().call_module(target, args, kwargs)
        self.outputs[target] = out
        return out


def example_inputs(graph: Graph, compiled) -> list:
    return [graph.nodes[nid].block.example_input(i, graph.states[nid].outputs[0], graph.nodes[nid].params)
            for i, nid in enumerate(compiled.input_ids)]


def check_compiled(graph: Graph, device: str = "cpu") -> None:
    """Parameters per block and in total, and every block's real output shape, equal inference."""
    assert graph.is_valid()
    with torch.device(device):
        compiled = compile_graph(graph)
        module = compiled.module.eval()
        total = sum(p.numel() for p in module.parameters())
        assert total == summarize(graph).total_params
        for nid, ident in compiled.module_names.items():
            if graph.nodes[nid].block.role != "input":
                sub = module.get_submodule(ident)
                assert sum(p.numel() for p in sub.parameters()) == graph.states[nid].params, graph.nodes[nid].name
        recorder = _Recorder(module)
        with torch.no_grad():
            result = recorder.run(*example_inputs(graph, compiled))
    for nid, ident in compiled.module_names.items():
        if graph.nodes[nid].block.role == "input":
            continue
        out = recorder.outputs[ident]
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        real = [tuple(t.shape[1:]) for t in outs]
        assert real == [tuple(s) for s in graph.states[nid].outputs], graph.nodes[nid].name
        assert all(t.shape[0] == 2 for t in outs)
    # the outputs are the heads' inputs: one per head, all of a head's inputs when its loss needs several
    results = result if isinstance(result, tuple) else (result,)
    flat = [t for r in results for t in (r if isinstance(r, tuple) else (r,))]
    assert [tuple(r.shape[1:]) for r in flat] == [tuple(s) for s in compiled.output_shapes]
    assert len(compiled.output_labels) == len(flat)


# ---- the examples ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_compiles_to_the_inferred_model(name):
    graph = EXAMPLES[name]().graph
    check_compiled(graph, device="meta" if name in SLOW_FORWARD else "cpu")


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_code_calls_each_block_once_by_name(name):
    graph = EXAMPLES[name]().graph
    with torch.device("meta"):
        compiled = compile_graph(graph)
    code = compiled.code
    for nid, node in graph.nodes.items():
        ident = compiled.module_names[nid]
        assert ident == identifier(node.name, set())  # example names are already identifiers
        if node.block.role == "input":
            assert ident in compiled.module.code.split("def forward(")[1].split(")")[0]
            assert f"self.{ident}(" not in code
        else:
            assert code.count(f"self.{ident}(") == 1, ident
    assert compiled.input_names == [n.name for n in graph.nodes.values() if n.block.role == "input"]
    assert compiled.output_names == [n.name for n in graph.nodes.values() if n.block.role == "head"]


def test_lenet5_trains_one_step():
    graph = lenet5().graph
    compiled = compile_graph(graph)
    module = compiled.module.train()
    x = graph.nodes[compiled.input_ids[0]].block.example_input(0, (1, 28, 28), {})
    head = graph.nodes[compiled.output_ids[0]]
    loss = head.block.loss(head.params, [module(x)], torch.tensor([1, 7]))
    loss.backward()
    assert all(p.grad is not None for p in module.parameters())


def test_submodule_names_are_sanitised_block_names():
    g = chain([("input.image", "my input", {"channels": 1, "height": 8, "width": 8}),
               ("conv.conv2d", "conv 1", {"out_channels": 2, "kernel": 3}),
               ("act.relu" if resolve("act.relu") else "core.dropout", "class", {}),
               ("core.dropout", "forward", {}),
               ("core.dropout", "2nd-drop", {}),
               ("core.dropout", "train", {}),
               ("core.flatten", "a b", {}),
               ("core.dense", "a_b", {"units": 3}),
               ("head.classification", "Out", {})])
    compiled = compile_graph(g)
    by_name = {g.nodes[nid].name: ident for nid, ident in compiled.module_names.items()}
    assert by_name == {"my input": "my_input", "conv 1": "conv_1", "class": "class_", "forward": "forward_",
                       "2nd-drop": "_2nd_drop", "train": "train_", "a b": "a_b", "a_b": "a_b_2", "Out": "Out"}
    for nid, ident in compiled.module_names.items():
        if g.nodes[nid].block.role != "input":
            assert compiled.submodule(nid) is compiled.module.get_submodule(ident)
    check_compiled(g)


# ---- invalid graphs ---------------------------------------------------------------------------------
def _broken() -> Graph:
    g = chain([("input.image", "Input", {"channels": 1, "height": 4, "width": 4}),
               ("conv.conv2d", "C1", {"kernel": 5}), ("core.flatten", "Flatten", {}),
               ("core.dense", "Out", {"units": 0}), ("head.classification", "Head", {})])
    return g


def test_invalid_graph_raises_compile_error_with_the_first_problem(monkeypatch):
    g = _broken()
    problems = g.problems()
    assert len(problems) == 2

    def must_not_build(cls, p, ins):
        raise AssertionError("an invalid graph reached a builder")

    for type_id in {n.type_id for n in g.nodes.values()}:
        monkeypatch.setattr(resolve(type_id), "build", classmethod(must_not_build))
    with pytest.raises(CompileError) as info:
        compile_graph(g)
    assert info.value.problems == problems
    assert str(info.value) == f"{problems[0].message} (and 1 more problem)"
    assert str(info.value).startswith("Conv2d 'C1': its 5x5 kernel is larger than its 4-pixel input")


def test_single_problem_is_the_whole_message():
    g = chain([("input.vector", "In", {"features": 3}), ("core.dense", "D", {"units": 4})])
    with pytest.raises(CompileError) as info:
        compile_graph(g)
    assert str(info.value) == g.problems()[0].message
    assert str(info.value).startswith("The model has no head")


def test_invalid_graph_never_imports_torch():
    script = """
import json, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "torch":
            raise ImportError("torch is blocked")
sys.meta_path.insert(0, Block())
from projects.examples.build import chain
from runtime.compiler import CompileError, compile_graph
g = chain([("input.vector", "In", {"features": 3}), ("core.dense", "D", {"units": 0}),
           ("head.classification", "H", {})])
try:
    compile_graph(g)
except CompileError as e:
    print(json.dumps({"message": str(e), "torch": [m for m in sys.modules if m.startswith("torch")]}))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out == {"message": "Dense 'D': 'units' is 0 but must be at least 1; set it to 1 or more", "torch": []}


# ---- large generated graphs --------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1])
def test_generated_graph_compiles(seed):
    g = generate_graph(120, seed=seed)
    assert len(g.nodes) == 120 and g.is_valid()
    check_compiled(g)


# ---- property: random valid graphs -------------------------------------------------------------------
ACTIVATIONS = [t for t in ("act.relu", "act.tanh", "act.sigmoid", "act.gelu", "act.elu", "act.leaky_relu")
               if resolve(t)]
CONV_ACTS = ("none", "relu", "tanh", "sigmoid")


def _spatial(graph: Graph, node) -> int:
    outputs = graph.states[node.id].outputs
    if not outputs:  # an invalid block: the rest of the graph grows on, it will not be compiled
        return 0
    return min(outputs[0][1:]) if len(outputs[0]) == 3 else 0


@st.composite
def layer(draw, graph: Graph, cur):
    """(type id, params) for one image -> image block that suits ``cur``'s output size."""
    size = _spatial(graph, cur)
    options = ["core.dropout", *ACTIVATIONS]
    if resolve("norm.batchnorm2d"):
        options.append("norm.batchnorm2d")
    if size >= 1:
        options += ["conv.conv2d", "conv.conv2d", "pool.max2d", "pool.avg2d", "conv.convtranspose2d"]
    kind = draw(st.sampled_from(options))
    if kind == "conv.conv2d":
        same = draw(st.booleans())
        kernel = draw(st.sampled_from((1, 3)) if same else st.integers(1, min(3, size + 2)))
        return kind, {"out_channels": draw(st.integers(1, 6)), "kernel": kernel, "same": same,
                      "stride": 1 if same else draw(st.integers(1, 2)), "padding": draw(st.integers(0, 1)),
                      "bias": draw(st.booleans()), "activation": draw(st.sampled_from(CONV_ACTS))}
    if kind in ("pool.max2d", "pool.avg2d"):
        kernel = draw(st.integers(1, min(3, size)))
        return kind, {"kernel": kernel, "stride": draw(st.integers(0, 2)),
                      "padding": draw(st.integers(0, kernel // 2))}
    if kind == "conv.convtranspose2d":
        stride = draw(st.integers(1, 2))
        return kind, {"out_channels": draw(st.integers(1, 4)), "kernel": draw(st.integers(1, 3)), "stride": stride,
                      "padding": draw(st.integers(0, 1)), "output_padding": draw(st.integers(0, stride - 1))}
    if kind == "core.dropout":
        return kind, {"rate": draw(st.floats(0.0, 0.9))}
    if kind == "norm.batchnorm2d":
        return kind, {"affine": draw(st.booleans())}
    if kind == "act.leaky_relu":
        return kind, {"negative_slope": draw(st.floats(0.0, 1.0))}
    return kind, {}


def _wire(graph: Graph, src, dst, port: str | None = None) -> None:
    graph.connect(src.id, src.block.outputs[0].name, dst.id, port or dst.block.inputs[0].name)


@st.composite
def random_graphs(draw) -> Graph:
    graph = Graph()
    cur = graph.add_node("input.image", "Input", {"channels": draw(st.integers(1, 3)),
                                                   "height": draw(st.integers(4, 12)),
                                                   "width": draw(st.integers(4, 12))})
    made = [cur]
    for _ in range(draw(st.integers(1, 7))):
        branch = resolve("merge.add") and len(made) > 1 and draw(st.integers(0, 3)) == 0
        src = draw(st.sampled_from(made)) if branch else cur
        type_id, params = draw(layer(graph, src))
        node = graph.add_node(type_id, params=params)
        _wire(graph, src, node)
        if not branch:
            cur = node
        else:
            a, b = graph.states[cur.id].outputs, graph.states[node.id].outputs
            if a is None or b is None or a != b or cur.id == src.id:
                graph.remove_node(node.id)  # shapes do not match: drop the branch
                continue
            add = graph.add_node("merge.add")
            _wire(graph, cur, add, "a")
            _wire(graph, node, add, "b")
            cur = add
        made.append(cur)
    flat = graph.add_node("core.flatten")
    _wire(graph, cur, flat)
    dense = graph.add_node("core.dense", params={"units": draw(st.integers(2, 10)),
                                                 "activation": draw(st.sampled_from(CONV_ACTS))})
    _wire(graph, flat, dense)
    head = graph.add_node("head.classification")
    _wire(graph, dense, head)
    return graph


VALID_SEEN: list[bool] = []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs())
def test_random_valid_graphs_compile_to_their_inferred_shapes(graph):
    VALID_SEEN.append(graph.is_valid())
    if not graph.is_valid():
        return  # validation is tested on its own; here only valid graphs are compiled
    check_compiled(graph)


def test_most_random_graphs_were_valid():
    if len(VALID_SEEN) < 10:
        pytest.skip("the property test did not run first")
    assert sum(VALID_SEEN) >= len(VALID_SEEN) // 2
