"""The Evaluation tab of a forecasting model: the test series, the model's forecasts from a chosen
start point (and tiled along the series) and the baselines, drawn from a trained tiny LSTM."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from projects.examples.build import lstm_forecast
from runtime.events import RunControl
from runtime.trainer import Trainer, record_run
from runtime.use import evaluate_project


def forecast_stretch(project) -> dict:
    return evaluate_project(project, pictures=True)["transient"]["forecast"]


@pytest.fixture(scope="module")
def trained():
    project = lstm_forecast({"length": 600}, epochs=1)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        result = Trainer(project, {"log_every": 10}, [], RunControl()).run()
    finally:
        torch.set_num_threads(threads)
    assert result.status == "finished", result.reason
    record_run(project, result)
    return project


def _data(item):
    x, y = item.getData()
    return (np.asarray([]), np.asarray([])) if x is None else (np.asarray(x), np.asarray(y))


def test_evaluation_tab_plots_forecasts_against_the_truth(qtbot, trained):
    from app.training.evaluation import EvaluationView

    from app.training.state import training_state

    view = EvaluationView()
    qtbot.addWidget(view)
    view.show_state(training_state(trained))
    with qtbot.waitSignal(view.finished, timeout=120_000) as done:
        assert view.evaluate()
    report = done.args[0]
    assert isinstance(report, dict), report
    assert view.pages.currentWidget() is view.page
    f = view.page.plots["forecast"]
    expected = forecast_stretch(trained)
    window, horizon, n = expected["window"], expected["horizon"], len(expected["model"])
    assert (window, horizon) == (64, 16) and n > 20
    x, y = _data(f.truth)
    assert np.allclose(y, expected["truth"]) and x[0] == 0 and len(x) == window + n + horizon - 1
    text = view.page.text.text()
    assert "naive (last value)" in text and "seasonal naive (season 50)" in text

    f.start.setValue(10)
    x, y = _data(f.chosen)
    assert list(x) == list(range(window + 10, window + 10 + horizon))
    assert np.allclose(y, expected["model"][10], atol=1e-5)
    assert f.origin.value() == pytest.approx(window + 10 - 0.5)
    x, y = _data(f.tiles)
    assert np.isnan(y).sum() == math.ceil(n / horizon)  # one forecast every horizon steps, NaN between them
    assert np.allclose(y[:horizon], expected["model"][0], atol=1e-5)

    assert len(_data(f.naive_item)[1]) == 0 and len(_data(f.seasonal_item)[1]) == 0  # off until asked for
    f.naive.setChecked(True)
    f.seasonal.setChecked(True)
    assert np.allclose(_data(f.naive_item)[1], expected["naive"][10])
    assert np.allclose(_data(f.seasonal_item)[1], expected["seasonal_naive"][10])
    assert _data(f.naive_item)[1][0] == pytest.approx(expected["truth"][window + 10 - 1])  # the last value seen

    f.all.setChecked(False)
    assert len(_data(f.tiles)[1]) == 0


def test_without_a_season_the_seasonal_forecast_cannot_be_shown(qtbot, trained):
    from app.training.forecast_view import ForecastView

    view = ForecastView()
    qtbot.addWidget(view)
    data = {**forecast_stretch(trained), "seasonal_naive": None, "note": "no 'season' dataset setting"}
    view.show_data(data)
    assert not view.seasonal.isEnabled() and "no 'season'" in view.seasonal.toolTip()
    view.clear()
    assert len(_data(view.truth)[1]) == 0 and not view.origin.isVisible()


def test_training_settings_say_what_auto_clipping_does(window):
    from projects.examples.build import mlp

    window.doc.set_project(lstm_forecast(), None)
    window.inspector.show_selection([])
    assert window.inspector.rows[("clip", "mode")].editor.widget.currentText() == "auto"
    assert "by norm at 1, because the graph has a recurrent block" in window.inspector.info.text()
    window.doc.project.training["clip"]["mode"] = "none"  # an explicit choice: nothing to explain
    window.inspector.show_selection([])
    assert window.inspector.info.text() == ""
    window.doc.set_project(mlp(), None)
    window.inspector.show_selection([])
    assert "off, because the graph has no recurrent block" in window.inspector.info.text()
