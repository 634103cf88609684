"""The RNN / LSTM / GRU comparison (issue 10): the long-dependency data source, the three variants
of a graph (the recurrent block swapped, the rest kept), the runtime comparison on a tiny budget
(three results of the right cells with finite gradient norms) and Train > Compare RNN / LSTM / GRU
in the editor (three accuracy and three gradient curves, then a verdict)."""
from __future__ import annotations

import math

import numpy as np
import pytest

TINY = {"name": "long-memory", "steps": 12, "samples": 160}


def tiny_project(epochs: int = 2):
    from projects.examples.build import rnn_lstm_gru_memory

    p = rnn_lstm_gru_memory(steps=12)
    p.training.update(dataset=dict(TINY), epochs=epochs, batch_size=32)
    return p


def test_long_memory_source_decides_the_class_by_the_first_step_only():
    from runtime.data import DatasetError, load_dataset

    ds = load_dataset({"name": "long-memory", "steps": 20, "samples": 200}, (20, 1))
    assert ds.input_shape == (20, 1) and ds.classes == ["-1", "+1"]
    assert len(ds.train) + len(ds.val) + len(ds.test) == 200 and len(ds.test) == 40
    for part in (ds.train, ds.val, ds.test):
        assert part.x.shape[1:] == (20, 1)
        assert np.array_equal((part.x[:, 0, 0] > 0).long().numpy(), part.y.numpy())
        assert set(part.x[:, 0, 0].tolist()) <= {-1.0, 1.0}
    again = load_dataset({"name": "long-memory", "steps": 20, "samples": 200})
    assert np.array_equal(again.train.x.numpy(), ds.train.x.numpy())  # seeded
    other = load_dataset({"name": "long-memory", "steps": 20, "samples": 200, "seed": 1})
    assert not np.array_equal(other.train.x.numpy(), ds.train.x.numpy())
    assert load_dataset({"name": "long-memory"}, (50, 1)).input_shape == (50, 1)  # follows the model's input
    with pytest.raises(DatasetError, match="use a sequence input of 20 steps x 1 feature"):
        load_dataset({"name": "long-memory", "steps": 20}, (20, 3))


def test_variants_swap_only_the_recurrent_block():
    from runtime.compare_recurrent import CompareError, recurrent_node, variant

    p = tiny_project()
    nid = recurrent_node(p.graph)
    p.graph.set_param(nid, "hidden_size", 7)
    for type_id in ("rnn.rnn", "rnn.lstm", "rnn.gru"):
        v = variant(p, type_id)
        node = v.graph.nodes[nid]
        assert node.type_id == type_id and node.params["hidden_size"] == 7 and node.name == "Memory"
        assert len(v.graph.wires) == len(p.graph.wires) and v.graph.is_valid()
        assert v.training == p.training and v.weights is None
    assert "nonlinearity" in variant(p, "rnn.rnn").graph.nodes[nid].params
    from projects.examples.build import mlp

    with pytest.raises(CompareError, match="no RNN, LSTM or GRU block"):
        variant(mlp(), "rnn.gru")


def test_comparison_trains_the_three_cells_with_finite_gradient_norms():
    from runtime.compare_recurrent import compare_recurrent, verdict

    seen = []
    results = compare_recurrent(tiny_project(), epochs=2, progress=lambda cell, epoch, n, _r: seen.append((cell, epoch)))
    assert [r.cell for r in results] == ["RNN", "LSTM", "GRU"]
    assert [r.type_id for r in results] == ["rnn.rnn", "rnn.lstm", "rnn.gru"]
    assert all(r.status == "finished" for r in results), [r.reason for r in results]
    # gates: an RNN has 1 set of weights, a GRU 3 and an LSTM 4 (hidden 32, 1 input feature)
    recurrent = [r.params - (32 * 2 + 2) for r in results]
    assert recurrent == [g * (32 + 32 * 32 + 2 * 32) for g in (1, 4, 3)]
    assert seen == [(c, e) for c in ("RNN", "LSTM", "GRU") for e in (1, 2)]
    for r in results:
        assert r.epochs == [1, 2] and all(0.0 <= v <= 1.0 for v in r.values)
        assert r.grad_block == "Memory" and len(r.grad_norms) == len(r.grad_steps) >= 2
        assert all(math.isfinite(g) and g > 0 for g in r.grad_norms)
    line = verdict(results)
    assert line.endswith("validation accuracy after 2 epochs")
    assert sorted(line.split(", ")[i].split()[0] for i in range(3)) == ["GRU", "LSTM", "RNN"]


def test_compare_action_runs_in_the_background_and_draws_three_curves(window, qtbot):
    window.open_example("rnn-lstm-gru-memory")
    window.doc.project.training.update(dataset={**TINY, "steps": 64}, epochs=1, batch_size=32)
    action = window.actions["compare_recurrent"]
    menus = {a.text(): a.menu() for a in window.menuBar().actions() if a.menu()}
    assert action in menus["&Train"].actions()
    action.trigger()
    view = window.training.compare_view
    assert view.isVisible() and view.running and not view.run_button.isEnabled()
    qtbot.waitUntil(lambda: not view.running, timeout=60_000)
    assert view.curve_count() == (3, 3), view.verdict.text()
    assert view.verdict.text() == view.verdict_text and view.verdict_text.endswith("after 1 epoch")
    assert view.gradient_plot.getPlotItem().ctrl.logYCheck.isChecked()
    # a graph without a recurrent block: the standard task
    window.open_example("mlp")
    view.set_project(window.doc.project)
    assert "standard task" in view.caption.text() and view.epochs.value() == 12
    view.close()
