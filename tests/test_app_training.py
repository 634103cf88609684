"""Training from the editor (issue 5): a short LeNet-5 run on the bundled data started from the
toolbar, live curves and feature maps, pause / resume / stop, weights in the project, evaluation,
prediction of a saved PNG, re-opening a trained file, exports, closing during a run."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

SMALL = {"name": "fashion-mnist-small", "limit": 512, "val_fraction": 0.1}


def node_id(window, name: str) -> str:
    return next(nid for nid, n in window.doc.graph.nodes.items() if n.name == name)


def lenet(window, epochs: int, early_stopping: bool = True) -> None:
    window.open_example("lenet5-classic")
    t = window.doc.project.training
    t.update(dataset=dict(SMALL), epochs=epochs, batch_size=32, log_every=2)
    t["early_stopping"]["enabled"] = early_stopping
    window.training.auto_evaluate = False


def click(qtbot, window, key: str) -> None:
    button = window.main_toolbar.widgetForAction(window.actions[key])
    assert button is not None and button.isEnabled(), key
    qtbot.mouseClick(button, Qt.LeftButton)


def wait_idle(qtbot, session, timeout=30_000) -> None:
    qtbot.waitUntil(lambda: session.state == "idle", timeout=timeout)


def test_train_pause_resume_stop_evaluate_predict(window, qtbot, tmp_path):
    lenet(window, epochs=200, early_stopping=False)
    session, d = window.training, window.training.dashboard
    window.select_node(node_id(window, "C1"))  # clicking the node picks it for the feature-map view
    assert d.feature_maps.block.currentText() == "C1"
    assert window.actions["pause"].isEnabled() is False
    click(qtbot, window, "train")
    assert session.state == "running" and not window.actions["train"].isEnabled()
    qtbot.waitUntil(lambda: d.curves.point_count() >= 3, timeout=20_000)
    assert "samples/s" in d.progress_text.text() and "ETA" in d.progress_text.text()
    assert d.device_label.text().startswith("on ")
    # feature maps of C1 for the fixed sample: 6 maps of 28x28 as one mosaic
    qtbot.waitUntil(lambda: d.feature_maps.frames > 0, timeout=10_000)
    assert "C1: 6 maps of 28×28" in d.feature_maps.caption.text()
    assert d.feature_maps.maps_image.image.shape == (2 * 29 - 1, 3 * 29 - 1)
    # ... with C1's filters and weight histogram as they are at that step
    assert "6 × 1 kernels of 5×5" in d.feature_maps.filters_caption.text()
    assert "· step " in d.feature_maps.filters_caption.text()
    assert d.feature_maps.hist_curve.getData()[1].sum() == 6 * 25
    # pause: no new points while paused; resume: points again
    click(qtbot, window, "pause")
    qtbot.waitUntil(lambda: "Paused at epoch" in d.status.text(), timeout=5_000)
    frozen = d.curves.point_count()
    qtbot.wait(300)
    assert d.curves.point_count() == frozen
    assert window.actions["resume"].isEnabled()
    click(qtbot, window, "resume")
    qtbot.waitUntil(lambda: d.curves.point_count() > frozen, timeout=10_000)
    # gradient norms per block with parameters, in forward order, drawn while the tab is shown
    d.tabs.setCurrentWidget(d.gradients)
    qtbot.waitUntil(lambda: d.gradients.step is not None and not d.gradients.dirty, timeout=10_000)
    assert [d.gradients.names[n] for n in d.gradients.order] == ["C1", "S2", "C3", "S4", "C5", "F6", "Output"]
    assert len(d.gradients.bars.opts["height"]) == 7 and all(h > 0 for h in d.gradients.bars.opts["height"])
    assert d.gradients.history[d.gradients.order[0]].n >= 1
    assert "from Output back to C1" in d.gradients.caption.text() and "· step " in d.gradients.caption.text()
    d.tabs.setCurrentWidget(d.curves)
    # an edit during the run is flagged as not in this run
    window.doc.set_training(None, "epochs", 3)
    assert d.banner.isVisible() and "not in this run" in d.banner.text()
    click(qtbot, window, "stop")
    wait_idle(qtbot, session)
    assert session.stop_latency is not None and session.stop_latency < 2.0
    project = window.doc.project
    assert project.weights and window.doc.modified
    run = project.history["runs"][-1]
    assert run["status"] == "stopped" and run["steps"] and run["classes"][0] == "T-shirt/top"
    assert "stopped by the user" in d.status.text()
    # the learned filters of C1 (6 kernels of 5x5, one per row) and its weight histogram
    assert d.feature_maps.filters_image.image.shape == (6 * 6 - 1, 5)
    assert "6 × 1 kernels of 5×5" in d.feature_maps.filters_caption.text()
    # evaluation on the test split
    d.evaluation.evaluate()
    qtbot.waitUntil(lambda: not d.evaluation.busy, timeout=30_000)
    report = d.evaluation.report
    assert report is not None and np.asarray(report["confusion_matrix"]).shape == (10, 10)
    page = d.evaluation.page
    assert page.tables[0].rowCount() == 11 and page.matrix.heat_item.image.shape == (10, 10)
    assert "accuracy" in d.evaluation.status.text()
    (title, grid), = page.galleries
    assert grid.count() == len(report["most_confident_wrong"]) > 0
    # prediction of a saved PNG (any size; the model sees 32x32 gray)
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (60, 80), "black")
    ImageDraw.Draw(img).rectangle([15, 10, 45, 70], fill="white")
    png = tmp_path / "shirt.png"
    img.save(png)
    result = d.prediction.predict(png)
    assert result["class"] in run["classes"] and 0 < result["probability"] <= 1
    assert abs(sum(result["probabilities"].values()) - 1) < 1e-3
    assert len(d.prediction.bars.opts["width"]) == 10
    assert not d.prediction.picture.pixmap().isNull()
    d.prediction.truth.setCurrentText("Trouser")
    assert "true class is Trouser" in d.prediction.answer.text() or "✓ right" in d.prediction.answer.text()


def test_finished_run_reopens_with_curves_and_exports(window, qtbot, tmp_path):
    lenet(window, epochs=2)
    session, d = window.training, window.training.dashboard
    window.actions["train"].trigger()  # F5
    wait_idle(qtbot, session)
    runs = window.doc.project.history["runs"]
    assert runs[-1]["status"] == "finished" and len(runs[-1]["epochs"]) == 2
    assert window.doc.project.checkpoint
    window.actions["train"].trigger()  # a second run to compare
    wait_idle(qtbot, session)
    assert d.curves.run_list.count() == 2
    d.curves.compare([0, 1])
    assert len(d.curves.compare_items) == 4
    d.curves.x_mode.setCurrentIndex(1)
    assert "epoch 2" in d.curves.readout_at(2.0)
    d.curves.log_scale.setChecked(True)
    path = tmp_path / "trained.dlproj"
    window._write(path)
    window.doc.new_empty()
    assert d.curves.point_count() == 0
    assert window.open_file(path)
    assert d.curves.point_count() > 0 and d.curves.run_list.count() == 2
    assert d.evaluation.button.isEnabled()
    ex = session.exports
    assert ex.export_curves_png(str(tmp_path / "curves.png")).stat().st_size > 1000
    text = ex.export_curves_csv(str(tmp_path / "curves.csv")).read_text()
    assert text.startswith("kind,epoch,step,loss") and "\nepoch,2," in text
    assert "C1" in ex.export_summary_csv(str(tmp_path / "summary.csv")).read_text()
    for fmt in ("torchscript", "h5"):
        written = ex.export_model(fmt, str(tmp_path / f"model.{fmt}"))
        assert written and written[0].exists(), window.errors
    ex.export_confusion_png(str(tmp_path / "confusion.png"))  # evaluates first, then writes
    qtbot.waitUntil(lambda: (tmp_path / "confusion.png").exists(), timeout=30_000)


def test_close_during_run_asks_then_stops_cleanly(window, qtbot):
    lenet(window, epochs=200, early_stopping=False)
    session = window.training
    session.train()
    qtbot.waitUntil(lambda: session.dashboard.curves.point_count() > 0, timeout=20_000)
    session.ask_stop_on_close = lambda: False
    window.close()
    assert window.isVisible() and session.running
    session.ask_stop_on_close = lambda: True
    window.close()
    assert not session.running and not window.isVisible()
    assert window.doc.project.history["runs"][-1]["status"] == "stopped" and window.doc.project.weights


def test_untrained_project_explains_instead_of_failing(window, qtbot, tmp_path):
    window.open_example("lenet5-classic")
    d = window.training.dashboard
    assert not d.evaluation.evaluate()
    assert "no trained weights" in d.evaluation.status.text()
    assert d.prediction.predict(tmp_path / "missing.png") is None
    assert "no trained weights" in d.prediction.answer.text()
    window.training.exports.export_model("torchscript", str(tmp_path / "m.torchscript"))
    assert window.errors and "train" in window.errors[-1].lower()


def test_failed_run_is_a_message(window, qtbot):
    window.open_example("lenet5")  # 28x28 input
    window.doc.project.training["dataset"] = {"name": "no-such-dataset", "val_fraction": 0.1}
    session = window.training
    session.train()
    wait_idle(qtbot, session)
    assert session.dashboard.status.text().startswith("Training failed: ")
    assert not window.doc.project.weights and window.actions["train"].isEnabled()


@pytest.mark.parametrize("mode", ["thread"])
def test_thread_worker_trains_and_stops(window, qtbot, mode):
    lenet(window, epochs=200, early_stopping=False)
    session = window.training
    session.mode = mode
    session.train()
    qtbot.waitUntil(lambda: session.dashboard.curves.point_count() >= 2, timeout=40_000)
    session.pause()
    qtbot.waitUntil(lambda: "Paused" in session.dashboard.status.text(), timeout=5_000)
    session.resume()
    session.stop()
    wait_idle(qtbot, session)
    assert window.doc.project.weights and window.doc.project.history["runs"][-1]["status"] == "stopped"
