"""Attention maps (issue 10): the trainer's ``attention`` records of watched attention blocks
(rows summing to 1, nothing on padded keys, recording off outside the snapshot), the maps of a
trained model for a chosen test sample, and the editor's Attention tab (one tab per head, live
from a run, then from the trained model). Tiny text data: a few seconds each."""
from __future__ import annotations

import numpy as np
import pytest

STEPS = 8
LINES = ["pos\tgood nice great film", "neg\tbad awful", "pos\tgreat", "neg\tterrible bad boring awful film really",
         "pos\treally good", "neg\tboring"] * 12


def text_file(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_text("\n".join(LINES), encoding="utf-8")
    return path


def attention_project(tmp_path, epochs: int = 2):
    """Tokens -> Embed -> self-attention (2 heads) -> Transformer encoder (2 heads) -> pool -> head."""
    from projects.graph import Graph
    from projects.project import Project
    from projects.training import complete_training

    g = Graph()
    chain = [g.add_node("input.tokens", "Tokens", {"steps": STEPS, "vocabulary": 32}),
             g.add_node("core.embedding", "Embed", {"vocabulary": 32, "dim": 8}),
             g.add_node("attn.self_attention", "Attention", {"heads": 2}),
             g.add_node("attn.transformer_encoder", "Encoder", {"heads": 2, "feedforward": 16}),
             g.add_node("pool.global_avg", "Pool", {}),
             g.add_node("core.dense", "Out", {"units": 2}),
             g.add_node("head.classification", "Softmax", {})]
    for a, b in zip(chain, chain[1:]):
        g.connect(a.id, a.block.outputs[0].name, b.id, b.block.inputs[0].name)
    settings = {"dataset": {"name": "text-lines", "path": str(text_file(tmp_path)), "max_length": STEPS},
                "epochs": epochs, "batch_size": 16, "log_every": 1, "seed": 0}
    return Project(graph=g, training=complete_training(settings))


def check_map(w: np.ndarray, length: int, heads: int = 2) -> None:
    assert w.shape == (heads, STEPS, STEPS) and w.dtype == np.float32
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-5)  # each query's weights over the keys
    assert length < STEPS and np.all(w[:, :, length:] == 0)  # padded keys get nothing
    assert np.all(w[:, :, :length] > 0)


def test_trainer_sends_attention_of_watched_blocks_with_recording_off_between(tmp_path):
    from runtime.attention import attention_nodes
    from runtime.events import RunControl
    from runtime.trainer import Trainer

    p = attention_project(tmp_path)
    ids = [nid for nid, _ in attention_nodes(p.graph)]
    control = RunControl()
    control.watch(ids)
    events = []
    trainer = Trainer(p, control=control, sinks=[events.append])
    assert trainer.run().status == "finished"
    records = [e for e in events if e["event"] == "attention"]
    assert records and all(set(e["weights"]) == set(ids) for e in records)
    last = records[-1]
    assert list(last["blocks"].values()) == ["Attention", "Encoder"]
    assert last["label"] in ("neg", "pos") and len(last["tokens"]) == STEPS
    assert last["tokens"][last["length"]:] == ["<pad>"] * (STEPS - last["length"])
    for w in last["weights"].values():
        check_map(w, last["length"])
    modules = [trainer.compiled.submodule(nid) for nid in ids]
    assert not any(m.record for m in modules) and all(m.weights is None for m in modules)
    # nothing watched: no attention records
    control, events = RunControl(), []
    Trainer(attention_project(tmp_path, epochs=1), control=control, sinks=[events.append]).run()
    assert not [e for e in events if e["event"] == "attention"]


def test_trained_model_maps_any_test_sample(tmp_path):
    from runtime.attention import AttentionError, AttentionProbe
    from runtime.trainer import Trainer, record_run

    p = attention_project(tmp_path, epochs=1)
    record_run(p, Trainer(p).run())
    probe = AttentionProbe(p)
    n = probe.count("test")
    assert n > 1
    a, b = probe.maps("test", 0), probe.maps("val", 1)
    assert a["split"] == "test" and a["index"] == 0 and len(a["weights"]) == 2
    for e in (a, b):
        for w in e["weights"].values():
            check_map(w, e["length"])
    with pytest.raises(AttentionError, match="choose one from 0 to"):
        probe.maps("test", n)


def attention_event(heads: int = 3, length: int = 5):
    rng = np.random.default_rng(0)
    w = rng.random((heads, STEPS, STEPS)).astype(np.float32)
    w[:, :, length:] = 0
    w /= w.sum(-1, keepdims=True)
    tokens = [f"w{i}" for i in range(length)] + ["<pad>"] * (STEPS - length)
    return {"event": "attention", "step": 7, "blocks": {"a1": "Attention"}, "weights": {"a1": w},
            "tokens": tokens, "length": length, "label": "pos"}


def test_view_shows_one_tab_per_head_and_follows_events(qtbot):
    from app.training.attention_view import AttentionView

    view = AttentionView()
    qtbot.addWidget(view)
    view.show()
    view.add(attention_event(heads=3))
    assert view.heads.count() == 3 and [view.heads.tabText(i) for i in range(3)] == ["Head 1", "Head 2", "Head 3"]
    heat = view.heads.widget(0)
    assert heat.image.image.shape == (5, 5)  # the padding hidden
    assert [t for _, t in heat.getPlotItem().getAxis("bottom")._tickLevels[0]] == [f"{i}:w{i}" for i in range(5)]
    assert "step 7" in view.caption.text() and "class pos" in view.caption.text()
    view.hide_padding.setChecked(False)
    assert heat.image.image.shape == (STEPS, STEPS)
    view.add({**attention_event(heads=2), "step": 9})
    assert view.heads.count() == 2 and view.frames == 3 and "step 9" in view.caption.text()


def test_editor_shows_attention_live_then_for_the_trained_model(window, qtbot, tmp_path):
    session, d = window.training, window.training.dashboard
    window.open_example("lenet5")
    assert not d.tabs.isTabVisible(d.tabs.indexOf(d.attention))
    p = attention_project(tmp_path, epochs=30)
    window.doc.set_project(p, None)
    session.auto_evaluate = False
    session.mode = "thread"
    assert d.tabs.isTabVisible(d.tabs.indexOf(d.attention))
    assert d.attention.block.count() == 2
    d.tabs.setCurrentWidget(d.attention)
    session.train()
    qtbot.waitUntil(lambda: d.attention.frames >= 1, timeout=30_000)
    assert d.attention.heads.count() == 2 and "step" in d.attention.caption.text()
    d.attention.block.setCurrentIndex(1)  # the Transformer encoder's heads
    assert d.attention.caption.text().startswith("Encoder:")
    session.stop()
    qtbot.waitUntil(lambda: session.state == "idle", timeout=30_000)
    # the trained model: the chosen test sample, computed in the background
    assert d.attention.mode == "trained" and d.attention.trained_button.isEnabled()
    qtbot.waitUntil(lambda: d.attention.trained_result is not None, timeout=30_000)
    assert "test sample #0" in d.attention.caption.text() and d.attention.heads.count() == 2
    d.attention.sample.setValue(1)
    qtbot.waitUntil(lambda: d.attention.trained_result["index"] == 1, timeout=30_000)
    assert d.attention.sample.maximum() > 1
