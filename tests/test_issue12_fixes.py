"""Issue 12: compiled models pickle and deepcopy (NetCanvas's own layers included), undoing a block
deletion restores the document exactly, the weight histogram redraws on every block, and a loss
curve of one point is visible in a sensible range."""
from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.nn.utils.parametrize import is_parametrized  # noqa: E402

from projects.dlproj import graph_to_json, read_project  # noqa: E402
from projects.examples import example_path, list_examples  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


# ---- 1. torch.save / deepcopy of a compiled model -----------------------------------------------------
def _same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and torch.equal(a, b)
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def _custom_layers(module) -> set[str]:
    return {type(m).__name__ for m in module.modules() if type(m).__module__.startswith("nodes.")}


def _compiled(name: str):
    from runtime.compiler import compile_graph
    from runtime.export_meta import example_inputs

    project, errors = read_project(example_path(name))
    assert errors == []
    model = compile_graph(project.graph)
    model.module.eval()
    return model.module, example_inputs(project, model)


def _saved(obj) -> io.BytesIO:
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return buf


CUSTOM_EXAMPLES = [e.name for e in list_examples() if e.name not in ("vgg16", "lenet5", "mlp", "xor-perceptron")]


@pytest.mark.parametrize("name", CUSTOM_EXAMPLES)
def test_compiled_examples_save_load_and_deepcopy(name):
    module, inputs = _compiled(name)
    assert _custom_layers(module), f"{name} has none of NetCanvas's own layers: drop it from this test"
    # torch itself pickles a spectral-normed (parametrized) layer only through its state_dict
    parametrized = any(is_parametrized(m) for m in module.modules())
    with torch.no_grad():
        expected = module(*inputs)
        clone = copy.deepcopy(module)
        if parametrized:
            loaded = copy.deepcopy(module)
            loaded.load_state_dict(torch.load(_saved(module.state_dict()), weights_only=True))
        else:
            loaded = torch.load(_saved(module), weights_only=False)
        assert _same(loaded(*inputs), expected) and _same(clone(*inputs), expected)
    assert _custom_layers(loaded) == _custom_layers(module) == _custom_layers(clone)
    keys = list(module.state_dict())
    assert list(loaded.state_dict()) == keys == list(clone.state_dict())  # saved weights keep loading
    loaded.load_state_dict(module.state_dict())
    clone_params = dict(clone.named_parameters())
    assert all(p.data_ptr() != clone_params[k].data_ptr() for k, p in module.named_parameters())


def test_lenet5_classic_state_dict_names_are_unchanged():
    module, _ = _compiled("lenet5-classic")
    names = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    assert names["S2.0.weight"] == (6,) and names["S2.0.bias"] == (6,)
    assert names["C3.0.weight"] == (60, 5, 5) and names["C3.0.bias"] == (16,)
    assert "C3.0.index" not in names  # a non-persistent buffer, as before


def test_a_saved_model_loads_in_a_fresh_interpreter(tmp_path):
    module, inputs = _compiled("lenet5-classic")
    with torch.no_grad():
        expected = module(*inputs)
    torch.save({"model": module, "x": inputs[0], "y": expected}, tmp_path / "model.pt")
    code = ("import sys, torch; d = torch.load(sys.argv[1], weights_only=False); m = d['model'].eval();"
            "print(torch.equal(m(d['x']), d['y']), type(m.get_submodule('S2.0')).__name__)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "model.pt")], capture_output=True,
                         text=True, cwd=tmp_path, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "TrainableSubsampling"]


def test_layers_that_no_example_uses_pickle_and_deepcopy():
    from nodes.modules import torch_modules

    t = torch_modules()
    layers = [t.StepsConv1d(3, 4, 3), t.StepsBatchNorm1d(4), t.SelfAttention(8, 2, 0.0, True),
              t.StepsPool1d(False, 2, 2, 0), t.Add(), t.Multiply(), t.Concatenate(1), t.SignSTE()]
    for layer in layers:
        layer.eval()
        args = {"StepsConv1d": (torch.randn(2, 6, 3),), "StepsBatchNorm1d": (torch.randn(2, 6, 4),),
                "SelfAttention": (torch.randn(2, 5, 8),), "StepsPool1d": (torch.randn(2, 6, 3),),
                "SignSTE": (torch.randn(2, 3),)}.get(type(layer).__name__, (torch.randn(2, 3), torch.randn(2, 3)))
        loaded = torch.load(_saved(layer), weights_only=False)
        with torch.no_grad():
            assert torch.equal(loaded(*args), layer(*args)), type(layer).__name__
            assert torch.equal(copy.deepcopy(layer)(*args), layer(*args)), type(layer).__name__
        assert type(loaded) is type(layer)


# ---- 2. undo of a block deletion restores the document exactly ------------------------------------------
def _document(window) -> str:
    doc = window.doc
    return json.dumps({"graph": graph_to_json(doc.graph), "positions": list(doc.positions().items()),
                       "order": doc.graph.topological_order()})


@pytest.mark.parametrize("names", [["C3"], ["S2", "F6", "C3"], ["Input", "Softmax"], ["C1", "S2"]])
def test_undo_of_a_deletion_restores_the_document(window, names):
    window.open_example("lenet5-classic")
    g, stack = window.doc.graph, window.doc.undo_stack
    before = _document(window)
    ids = [g.node_by_name(n).id for n in names]
    assert all(g.wires_of(i) for i in ids)
    window.scene.select_ids(ids)
    window.controller.delete_selection()
    assert stack.count() == 1 and all(i not in g.nodes for i in ids)
    assert _document(window) != before
    stack.undo()
    assert _document(window) == before
    assert stack.isClean() and not window.doc.modified
    assert sorted(window.scene.nodes) == sorted(g.nodes) and len(window.scene.wires) == len(g.wires)
    assert g.is_valid()
    stack.redo()
    stack.undo()  # the second time round too
    assert _document(window) == before


def test_graph_restore_puts_nodes_and_wires_back_in_place():
    from projects.examples.build import lenet5_classic

    g = lenet5_classic().graph
    before = (graph_to_json(g), g.topological_order(), dict(g.states))
    c3 = g.node_by_name("C3").id
    nodes = [(list(g.nodes).index(c3), g.nodes[c3])]
    wires = [(i, w) for i, w in enumerate(g.wires) if c3 in (w.src, w.dst)]
    g.remove_node(c3)
    seen = []
    g.subscribe(lambda e: seen.append(e.kind))
    g.restore(nodes, wires)
    assert (graph_to_json(g), g.topological_order()) == before[:2]
    assert g.states[c3].outputs == before[2][c3].outputs and g.is_valid()
    assert seen[:3] == ["node_added", "wire_added", "wire_added"] and seen[-1] == "states_changed"


# ---- 3. the weight histogram redraws for every block ---------------------------------------------------
def _summaries():
    from projects.examples.build import chain
    from runtime.compiler import compile_graph
    from runtime.snapshots import weight_summary

    graph = chain([("input.image", "In", {"channels": 1, "height": 12, "width": 12}),
                   ("conv.conv2d", "Conv", {"out_channels": 4, "kernel": 3}),
                   ("norm.batchnorm2d", "BN", {}),
                   ("conv.conv2d", "Conv2", {"out_channels": 2, "kernel": 3}), ("core.flatten", "Flatten", {}),
                   ("core.dense", "Out", {"units": 2}), ("head.classification", "Head", {})])
    model = compile_graph(graph)
    ids = [graph.node_by_name(n).id for n in ("Conv", "BN", "Conv2")]
    return graph, {nid: weight_summary(model, nid) for nid in ids}, ids


def test_histogram_follows_the_chosen_block(qtbot):
    from app.training.feature_maps import FeatureMapView

    graph, summaries, (conv, bn, conv2) = _summaries()
    view = FeatureMapView()
    qtbot.addWidget(view)
    view.resize(900, 400)
    view.show()
    qtbot.waitExposed(view)
    view._weight = lambda project, nid: summaries.get(nid)
    view.project = object()  # stands for a trained project: _weight gives its summaries
    view.set_graph(graph)
    vb = view.hist_plot.getPlotItem().vb
    for nid in (conv, bn, conv2, bn):  # Conv2d then the BatchNorm2d after it (weights all 1): the bug
        assert view.choose(nid)
        view.grab()  # paint it, as the tab does
        x, y = view.hist_curve.getData()
        edges = summaries[nid]["edges"]
        assert len(x) == len(y) + 1 and y.sum() == summaries[nid]["counts"].sum()
        (x0, x1), _ = vb.viewRange()
        assert x0 <= x[0] and x[-1] <= x1
        if nid == bn:  # one value: one bar at it, in a readable range
            assert len(y) == 1 and x[0] < 1.0 < x[-1] and 0.09 < x1 - x0 < 0.2
        else:
            assert list(x) == list(edges) and x1 - x0 < 1.5 * (edges[-1] - edges[0])
    view.show_weight_summary(None)
    x, _ = view.hist_curve.getData()
    assert x is None or len(x) == 0


def test_histogram_item_is_not_clipped_to_the_view(qtbot):
    from app.training.plots import histogram, plot_widget, show_histogram

    plot = plot_widget("Weights")
    qtbot.addWidget(plot)
    plot.show()
    qtbot.waitExposed(plot)
    item = histogram(plot, "#2f6fde")
    assert not item.opts["clipToView"] and not item.opts["autoDownsample"]
    show_histogram(item, np.linspace(-0.3, 0.3, 41), np.ones(40))
    plot.grab()
    show_histogram(item, np.linspace(5.0, 6.0, 41), np.arange(40.0))
    plot.grab()
    x, y = item.getData()
    assert x[0] == 5.0 and x[-1] == 6.0 and len(y) == 40
    assert plot.getPlotItem().vb.viewRange()[0][0] > 4.5


# ---- 4. one point on the loss plot ---------------------------------------------------------------------
def test_value_range_pads_flat_values():
    from app.training.plots import least_height, value_range

    lo, hi = value_range(1.7629770, 1.7629771)
    assert lo == pytest.approx(1.7629770 * 0.95, rel=1e-6) and hi == pytest.approx(1.7629771 * 1.05, rel=1e-6)
    assert value_range(0.0, 0.0) == (-0.5, 0.5)
    assert value_range(-2.0, -2.0) == pytest.approx((-2.1, -1.9))
    assert value_range(0.0, 1.0) == pytest.approx((-0.15, 1.15))  # a real spread: 15% padding as before
    assert least_height(3.0, 3.0, log=True) == pytest.approx(2 * np.log10(1.05))


@pytest.mark.parametrize("running", [True, False])
def test_one_loss_point_is_visible_in_a_padded_range(qtbot, running):
    from app.training.curves import CurvesView

    view = CurvesView()
    qtbot.addWidget(view)
    view.resize(900, 400)
    view.show()
    qtbot.waitExposed(view)
    if running:
        view.start_run({"epochs": 2, "steps_per_epoch": 10})
    loss = view.items["loss"]
    view.add_step({"step": 1, "epoch": 1, "loss": 1.7629770, "accuracy": 0.5})
    view.refresh()
    view.grab()
    assert loss.opts["symbol"] == "o"  # a line through one point draws nothing
    view.add_step({"step": 2, "epoch": 1, "loss": 1.76297705, "accuracy": 0.5})
    view.refresh()
    view.grab()
    assert loss.opts["symbol"] is None  # a line from two points on
    lo, hi = view.loss_plot.getPlotItem().vb.viewRange()[1]
    assert lo < 1.7629770 < hi and hi - lo >= 0.1 * 1.7629770 * 0.99  # +-5%, not a 1e-7 sliver
    assert hi - lo < 2.0
    assert view.items["val_loss"].opts["symbol"] == "o"  # validation keeps its own symbols


def test_one_loss_point_on_a_log_axis_gets_a_readable_range(qtbot):
    from app.training.curves import CurvesView

    view = CurvesView()
    qtbot.addWidget(view)
    view.resize(900, 400)
    view.show()
    qtbot.waitExposed(view)
    view.start_run({"epochs": 2, "steps_per_epoch": 10})
    view.log_scale.setChecked(True)
    for step in (1, 2):
        view.add_step({"step": step, "epoch": 1, "loss": 1.7629770 + step * 1e-8, "accuracy": 0.5})
    view.refresh()
    view.grab()
    lo, hi = view.loss_plot.getPlotItem().vb.viewRange()[1]  # decades
    assert hi - lo >= 2 * np.log10(1.05) * 0.99
    view.log_scale.setChecked(False)
    lo, hi = view.loss_plot.getPlotItem().vb.viewRange()[1]
    assert lo < 1.7629770 < hi and hi - lo >= 0.17
