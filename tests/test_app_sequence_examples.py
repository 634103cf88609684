"""Each sequence and course-exercise example trains from the editor, through the editor's real
path (Train in the window), on a few samples of its own dataset."""
from __future__ import annotations

import pytest


def wait_idle(qtbot, session, timeout=90_000) -> None:
    qtbot.waitUntil(lambda: session.state == "idle", timeout=timeout)


@pytest.mark.parametrize("name", ["gru-fashion-rows", "transformer-classify", "text-classify", "lstm-forecast",
                                  "rnn-lstm-gru-memory", "perceptron-and", "xor-perceptron"])
def test_each_sequence_and_exercise_example_trains_from_the_editor(window, qtbot, name):
    from projects.examples import example_path

    assert window.open_file(example_path(name)), window.errors
    p = window.doc.project
    if name not in ("perceptron-and", "xor-perceptron"):  # the truth tables are four rows already
        p.training.update(epochs=1, batch_size=32, log_every=2)
        p.training["dataset"]["limit"] = 96
        p.training["early_stopping"]["enabled"] = False
    session, d = window.training, window.training.dashboard
    session.mode = "thread"
    session.auto_evaluate = False
    session.train()
    wait_idle(qtbot, session)
    run = p.history["runs"][-1]
    assert run["status"] == "finished", d.status.text()
    assert p.weights and not window.errors
    if name == "transformer-classify":  # its attention maps arrived live and draw one tab per head
        assert d.tabs.isTabVisible(d.tabs.indexOf(d.attention)) and d.attention.latest is not None
        d.tabs.setCurrentWidget(d.attention)
        qtbot.waitUntil(lambda: d.attention.frames >= 1, timeout=10_000)
        assert d.attention.heads.count() == 4
    if name == "perceptron-and":
        assert "converged after 2 weight updates" in run["reason"]
