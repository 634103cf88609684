"""Every view of the Training tab shows the open project and nothing else (issue 22): switching projects
in every state of a run (idle, running, paused, finished, stopped, evaluated, predicted) leaves no
trace of the previous one in any view; a new run hides the previous run's evaluation; a task that does
not fit the dataset is a problem on the graph; the wheel over the inspector changes no setting."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from app.training.evaluation import UNTRAINED_HINT
from test_app_project_state import lenet, wait_idle  # the same small LeNet-5 run


def picture(path):
    Image.fromarray((np.random.default_rng(1).random((40, 30)) * 255).astype("uint8")).save(path)
    return path


def reach(window, qtbot, tmp_path, state: str) -> None:
    session, d = window.training, window.training.dashboard
    lenet(window, epochs=200 if state in ("running", "paused") else 1)
    if state == "idle":
        return
    assert session.train()
    if state in ("running", "paused"):
        qtbot.waitUntil(lambda: d.curves.point_count() >= 2, timeout=30_000)
        if state == "paused":
            session.pause()
            qtbot.waitUntil(lambda: "Paused at epoch" in d.status.text(), timeout=10_000)
        return
    if state == "stopped":
        session.stop()
    wait_idle(qtbot, session)
    if state == "evaluated":
        assert d.evaluation.evaluate()
        qtbot.waitUntil(lambda: d.evaluation.report is not None, timeout=60_000)
    elif state == "predicted":
        assert d.prediction.predict(picture(tmp_path / "shirt.png")) is not None
        assert d.prediction.seen is not None


def assert_nothing_of_another_project(window) -> None:
    """Every view of the Training tab, on an untrained project just opened."""
    d = window.training.dashboard
    assert d.curves.point_count() == 0 and d.curves.run_list.count() == 0
    assert d.status.text() == "" and d.progress_text.text() == "Press Train (F5) to train this network"
    ev = d.evaluation
    assert ev.report is None and ev.pages.currentWidget() is ev.empty and ev.status.text() == UNTRAINED_HINT
    assert ev.page.tables == [] and ev.page.matrix is None and ev.page.galleries == []
    pr = d.prediction
    assert pr.result is None and pr.seen is None and pr.path is None and pr.picture.pixmap().isNull()
    assert pr.answer.text().strip() == "" and len(pr.bars.opts["width"]) == 0
    fm = d.feature_maps
    assert fm.last_maps is None and fm.maps_image.image is None and "running" not in fm.caption.text()
    assert d.gradients.latest == {} and d.gradients.lines == {}
    assert d.samples.frames == 0 and d.samples.latest is None
    assert d.rule.table.rowCount() == 0
    assert d.attention.latest is None and d.attention.shown is None


@pytest.mark.parametrize("state", ["idle", "running", "paused", "finished", "stopped", "evaluated", "predicted"])
def test_every_view_follows_the_project_in_every_state(window, qtbot, tmp_path, state):
    session, d = window.training, window.training.dashboard
    reach(window, qtbot, tmp_path, state)
    before = window.doc.project
    window.open_example("mlp")
    assert window.doc.project is not before
    if state in ("running", "paused"):
        qtbot.wait(200)
        session.stop()
        wait_idle(qtbot, session)
        assert before.history["runs"] and before.weights  # its results went to its own project
        d.show_banner("")
    assert_nothing_of_another_project(window)


def test_predicting_then_opening_an_example_shows_no_old_image(window, qtbot, tmp_path):
    """The reported case: predict an image in LeNet-5, then File > New from example, any example."""
    session, d = window.training, window.training.dashboard
    lenet(window, epochs=1)
    assert session.train()
    wait_idle(qtbot, session)
    assert d.prediction.predict(picture(tmp_path / "p.png"))["probabilities"]
    window.open_example("transformer-classify")
    pr = d.prediction
    assert pr.result is None and pr.picture.pixmap().isNull() and len(pr.bars.opts["width"]) == 0
    window.open_example("gan-ring")  # a model that makes samples: the task's sentence, not the panel
    assert not pr.body.isVisibleTo(pr) and "Samples tab" in pr.generative_note.text()


def test_a_new_run_does_not_show_the_previous_runs_evaluation(window, qtbot):
    """The reported case: train, evaluate, change the dataset, train again and stop."""
    session, d = window.training, window.training.dashboard
    lenet(window, epochs=1, auto_evaluate=True)
    assert session.train()
    wait_idle(qtbot, session)
    qtbot.waitUntil(lambda: d.evaluation.report is not None, timeout=60_000)
    window.doc.set_training("dataset", "limit", 96)
    window.doc.project.training["epochs"] = 200
    assert session.train()
    assert d.evaluation.report is None and "evaluate its weights when it has ended" in d.evaluation.status.text()
    qtbot.waitUntil(lambda: d.curves.point_count() >= 2, timeout=30_000)
    session.stop()
    wait_idle(qtbot, session)
    assert d.evaluation.report is None and d.evaluation.pages.currentWidget() is d.evaluation.empty
    assert "no saved evaluation" in d.evaluation.status.text() and d.evaluation.button.isEnabled()


def test_a_task_that_does_not_fit_the_dataset_is_a_problem_on_the_graph(window, qtbot):
    """The reported case: the task combo turned to forecasting on an image classifier."""
    window.open_example("lenet5-classic")
    head = next(n.id for n in window.doc.graph.nodes.values() if n.block.role == "head")
    window.doc.set_training(None, "task", "forecasting")
    item = window.scene.nodes[head]
    qtbot.waitUntil(lambda: item.task_problem != "", timeout=2_000)
    assert "Forecasting learns future values of a series, but the dataset 'fashion-mnist-small' gives class " \
           "labels" in item.task_problem and item.has_problem
    qtbot.waitUntil(lambda: window.problems.count() > 0, timeout=2_000)
    texts = [window.problems.item(i).text() for i in range(window.problems.count())]
    assert any("Forecasting learns future values" in t for t in texts)
    window.inspector.show_selection([])
    assert "Forecasting learns future values" in window.inspector.info.text()
    session = window.training
    session.mode = "thread"
    assert session.train()
    wait_idle(qtbot, session)
    assert session.dashboard.status.text().startswith("Training failed: Forecasting learns future values")
    window.doc.set_training(None, "task", "auto")
    qtbot.waitUntil(lambda: item.task_problem == "", timeout=2_000)
    assert not item.has_problem


def test_two_heads_are_a_problem_not_a_silent_choice(window, qtbot):
    from app import commands

    window.open_example("mlp")
    window.doc.undo_stack.push(commands.AddNode(window.doc, "head.regression", [0.0, 400.0]))
    (second,) = [n.id for n in window.doc.graph.nodes.values() if n.type_id == "head.regression"]
    qtbot.waitUntil(lambda: window.scene.nodes[second].task_problem != "", timeout=2_000)
    assert "2 heads" in window.scene.nodes[second].task_problem and "ambiguous" in window.scene.nodes[second].task_problem
    d = window.training.dashboard
    assert not d.tabs.isTabVisible(d.tabs.indexOf(d.samples))  # no task: no task's views


def _wheel(widget, steps: int = 3) -> None:
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    for _ in range(steps):
        event = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(0, 0), QPoint(0, -120), Qt.NoButton,
                            Qt.NoModifier, Qt.NoScrollPhase, False)
        QApplication.sendEvent(widget, event)


def test_the_wheel_over_the_inspector_changes_no_setting_until_a_field_has_the_focus(window, qtbot):
    window.open_example("lenet5-classic")
    window.inspector.show_selection([])
    before = {k: v for k, v in window.doc.project.training.items() if not isinstance(v, dict)}
    task = window.inspector.rows[(None, "task")].editor.widget
    epochs = window.inspector.rows[(None, "epochs")].editor.widget
    for widget in (task, epochs):
        assert not widget.hasFocus()
        _wheel(widget)
    assert task.currentText() == "auto" and window.doc.project.training["task"] == "auto"
    assert {k: v for k, v in window.doc.project.training.items() if not isinstance(v, dict)} == before
    assert not window.doc.modified
    epochs.setFocus()
    qtbot.waitUntil(epochs.hasFocus, timeout=2_000)
    _wheel(epochs, 1)  # focused: the wheel is the user's choice
    assert window.doc.project.training["epochs"] != before["epochs"]
