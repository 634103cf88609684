"""The editor always shows the open project (issue 12): every panel is rebuilt from the project
when it changes, in every run state; a trained project opens with its run and evaluation; F5 trains
or resumes; one step counter; the save prompt names the title's file; the welcome and start-up."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.training.evaluation import TRAINED_HINT, UNTRAINED_HINT

SMALL = {"name": "fashion-mnist-small", "limit": 128, "val_fraction": 0.25}


def lenet(window, epochs: int, auto_evaluate: bool = False) -> None:
    window.open_example("lenet5-classic")
    t = window.doc.project.training
    t.update(dataset=dict(SMALL), epochs=epochs, batch_size=32, log_every=2)
    t["early_stopping"]["enabled"] = False
    window.training.auto_evaluate = auto_evaluate
    window.training.mode = "thread"  # no worker process to start: the panels are what is tested here


def wait_idle(qtbot, session, timeout=60_000) -> None:
    qtbot.waitUntil(lambda: session.state == "idle", timeout=timeout)


def assert_shows_an_untrained_project(window) -> None:
    d = window.training.dashboard
    assert d.curves.point_count() == 0
    assert d.status.text() == "" and d.progress.value() == 0
    assert d.progress_text.text() == "Press Train (F5) to train this network"
    assert d.device_label.text() == ""
    ev = d.evaluation
    assert ev.report is None and ev.pages.currentWidget() is ev.empty and ev.status.text() == UNTRAINED_HINT
    assert not ev.button.isEnabled()
    fm = d.feature_maps
    assert fm.last_maps is None and fm.maps_image.image is None and "running" not in fm.caption.text()
    assert fm.hist_curve.getData()[0] is None or len(fm.hist_curve.getData()[0]) == 0
    assert d.curves.run_list.count() == 0


def reach(window, qtbot, state: str) -> None:
    session, d = window.training, window.training.dashboard
    lenet(window, epochs=1 if state == "finished" else 200)
    assert session.train()
    if state == "finished":
        wait_idle(qtbot, session)
        return
    qtbot.waitUntil(lambda: d.curves.point_count() >= 2, timeout=30_000)
    if state == "paused":
        session.pause()
        qtbot.waitUntil(lambda: "Paused at epoch" in d.status.text(), timeout=10_000)
    elif state == "stopped":
        session.stop()
        wait_idle(qtbot, session)


@pytest.mark.parametrize("state, switch", [("idle", "open"), ("running", "new"), ("paused", "example"),
                                           ("finished", "open"), ("stopped", "new"), ("finished", "example")])
def test_every_panel_follows_the_project_in_every_state(window, qtbot, tmp_path, state, switch):
    from projects.dlproj import write_project
    from projects.examples.build import mlp

    untrained = tmp_path / "untrained.dlproj"
    write_project(mlp(), untrained)
    session, d = window.training, window.training.dashboard
    if state == "idle":
        lenet(window, epochs=1)
    else:
        reach(window, qtbot, state)
    trained_before = window.doc.project
    {"new": window.new_file, "example": lambda: window.open_example("mlp"),
     "open": lambda: window.open_file(untrained)}[switch]()
    assert window.doc.project is not trained_before
    if state in ("running", "paused"):
        assert "goes on in the background" in d.banner.text()
        frozen = d.curves.point_count()
        assert frozen == 0
        if state == "paused":
            session.resume()
        qtbot.wait(300)
        assert d.curves.point_count() == 0  # the background run does not draw on this project
        session.stop()
        wait_idle(qtbot, session)
        assert trained_before.weights and trained_before.history["runs"]  # its results went home
        assert "went to the project it started from" in d.banner.text()
        d.show_banner("")
    assert_shows_an_untrained_project(window)


def test_a_trained_project_reopens_with_its_run_and_its_evaluation(window, qtbot, tmp_path):
    lenet(window, epochs=1, auto_evaluate=True)
    session, d = window.training, window.training.dashboard
    assert session.train()
    wait_idle(qtbot, session)
    qtbot.waitUntil(lambda: d.evaluation.report is not None, timeout=60_000)
    accuracy = d.evaluation.report["accuracy"]
    path = tmp_path / "trained.dlproj"
    assert window._write(path)
    window.new_file()
    assert_shows_an_untrained_project(window)
    assert window.open_file(path)
    ev = d.evaluation
    assert ev.report is not None and ev.report["accuracy"] == accuracy
    assert ev.pages.currentWidget() is ev.page and "saved with the project" in ev.status.text()
    assert ev.page.matrix.heat_item.image is not None and ev.page.matrix.heat_item.image.shape == (10, 10)
    assert d.curves.point_count() > 0 and d.curves.run_list.count() == 1
    assert d.progress_text.text().startswith("Last run: ") and d.progress.value() == 100
    assert d.status.text().startswith("Last run finished")
    assert d.feature_maps.project is window.doc.project


def test_a_trained_project_without_a_saved_evaluation_says_how_to_get_one(window, qtbot, tmp_path):
    lenet(window, epochs=1)
    session, d = window.training, window.training.dashboard
    assert session.train()
    wait_idle(qtbot, session)
    path = tmp_path / "t.dlproj"
    assert window._write(path)
    window.new_file()
    assert window.open_file(path)
    ev = d.evaluation
    assert ev.report is None and ev.status.text() == TRAINED_HINT and ev.button.isEnabled()
    assert ev.pages.currentWidget() is ev.empty


def test_f5_trains_and_resumes_shift_f5_stops_f6_pauses(window, qtbot):
    lenet(window, epochs=200)
    session, d = window.training, window.training.dashboard
    acts = window.actions
    assert [s.toString() for s in acts["train"].shortcuts()] == ["F5"] and not acts["resume"].shortcuts()
    QTest.keyClick(window, Qt.Key_F5)
    assert session.state == "running"
    qtbot.waitUntil(lambda: d.curves.point_count() >= 2, timeout=30_000)
    QTest.keyClick(window, Qt.Key_F6)
    assert session.state == "paused"
    qtbot.waitUntil(lambda: "Paused at epoch" in d.status.text(), timeout=10_000)
    # one step counter: the progress line names the step the status names
    step = d.status.text().split("step ")[1].split(":")[0]
    assert f"step {step}/" in d.progress_text.text() and "paused" in d.progress_text.text()
    assert [s.toString() for s in acts["resume"].shortcuts()] == ["F5"] and not acts["train"].shortcuts()
    QTest.keyClick(window, Qt.Key_F5)
    assert session.state == "running"
    QTest.keyClick(window, Qt.Key_F5, Qt.ShiftModifier)
    assert session.state == "stopping"
    wait_idle(qtbot, session)
    assert [s.toString() for s in acts["train"].shortcuts()] == ["F5"]


def test_the_save_prompt_names_the_file_the_title_shows(window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    window.open_example("lenet5")
    assert "lenet5.dlproj" in window.windowTitle()
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.Cancel)
    from app.main_window import MainWindow

    assert MainWindow.ask_save_changes(window) == "cancel"
    assert asked == ["Save the changes to lenet5.dlproj?"]


def test_a_welcome_on_an_empty_canvas(window, qtbot):
    window.new_file()
    card = window.welcome
    assert card.isVisible() and card.example_button.text().startswith("Open an example")
    inside = window.view.viewport().geometry()
    assert inside.contains(card.geometry())  # on the canvas, not cut off
    window.view.horizontalScrollBar().setValue(window.view.horizontalScrollBar().value() + 150)
    assert inside.contains(card.geometry())  # scrolling the canvas does not carry it away
    (block,) = window.scene.nodes.values()
    window.view.frame_all(readable=True)
    seen = window.view.mapFromScene(block.sceneBoundingRect()).boundingRect().translated(inside.topLeft())
    assert not card.geometry().intersects(seen) or inside.height() < 300  # the lone block stays visible
    window.controller.append_block("core.flatten")
    assert not card.isVisible()
    window.open_example("lenet5")
    assert not card.isVisible()


def test_start_up_opens_the_last_project_and_the_example_the_first_time(window, tmp_path):
    from projects.dlproj import write_project
    from projects.examples.build import mlp

    window.settings.setValue("recent_files", [])
    assert window.open_at_start() == "lenet5-classic"
    path = tmp_path / "last.dlproj"
    write_project(mlp(), path)
    assert window.open_file(path)
    window.new_file()
    assert window.open_at_start() == str(path.resolve()) and window.doc.path == path.resolve()
    path.unlink()  # gone since: the example again, no error
    window.errors.clear()
    assert window.open_at_start() == "lenet5-classic" and window.errors == []


def test_run_names_a_person_can_tell_apart():
    import datetime as dt

    from app.training.run_names import run_name

    run = {"id": "b8779357", "started": "2026-12-03T14:05:00+00:00", "status": "stopped",
           "settings": {"epochs": 10}, "task": "classification",
           "epochs": [{"epoch": 1, "val_accuracy": 0.81, "val_loss": 0.6}, {"epoch": 2, "val_accuracy": 0.87,
                                                                             "val_loss": 0.5}]}
    name = run_name(run, today=dt.date(2026, 12, 3))
    assert "b8779357" not in name and "2 epochs" in name and "best val acc 87.0%" in name and "stopped" in name
    assert name.split(" · ")[0].count(":") == 1  # a clock time today
    assert "Dec" in run_name(run, today=dt.date(2026, 12, 24))


def test_the_editor_writes_tensorboard_logs_when_asked(window, qtbot, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    session = window.training
    lenet(window, epochs=2)
    session.board.ask_folder = lambda: str(tmp_path / "tb")
    window.actions["tensorboard"].trigger()  # checked: asks for the folder
    assert window.actions["tensorboard"].isChecked() and session.board.folder == str(tmp_path / "tb")
    assert session.train()
    wait_idle(qtbot, session)
    (run,) = list((tmp_path / "tb").iterdir())
    assert run.name.startswith("lenet5-classic-")
    acc = EventAccumulator(str(run))
    acc.Reload()
    assert len(acc.Scalars("epoch/val_loss")) == 2 and acc.Scalars("step/loss")
    window.actions["tensorboard"].trigger()  # unchecked: no more logs
    assert not session.board.folder and session.board.sink is None


def test_revert_rebuilds_the_panels_from_the_saved_file(window, qtbot, tmp_path):
    from projects.dlproj import write_project
    from projects.examples.build import mlp

    path = tmp_path / "saved.dlproj"
    write_project(mlp(), path)
    assert window.open_file(path)
    lenet_like = len(window.doc.graph.nodes)
    window.controller.append_block("core.flatten")
    window.doc.project.history["runs"] = [{"id": "x", "status": "finished", "reason": "a run that was not saved",
                                           "epochs": [{"epoch": 1, "step": 3, "loss": 1.0}], "steps": []}]
    window.training.refresh()
    assert window.training.dashboard.curves.run_list.count() == 1
    window.ask_revert = lambda: True
    assert window.revert()
    assert len(window.doc.graph.nodes) == lenet_like and not window.doc.modified
    assert_shows_an_untrained_project(window)


def test_revert_to_a_file_that_no_longer_opens_keeps_the_work(window, tmp_path):
    from projects.dlproj import write_project
    from projects.examples.build import mlp

    path = tmp_path / "gone.dlproj"
    write_project(mlp(), path)
    assert window.open_file(path)
    window.controller.append_block("core.flatten")
    path.write_bytes(b"not a project any more")
    window.ask_revert = lambda: True
    assert not window.revert()
    assert window.doc.modified and window.errors  # said why, and closing will still ask to save
