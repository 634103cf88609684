"""Forecasting: the naive and seasonal-naive baselines on a hand-made series, the season of each
source, the lstm-forecast example beating both, and gradient clipping on by default for
recurrent graphs (an explicit choice, none included, kept)."""
from __future__ import annotations

import math

import pytest
import torch

from projects.examples.build import chain, lstm_forecast, mlp
from projects.project import Project
from projects.training import complete_training, default_training
from runtime.data import load_dataset
from runtime.data.series import make_windows
from runtime.events import RunControl
from runtime.plan import resolved_clip
from runtime.reports import report_text
from runtime.tasks.forecasting.baselines import baseline_forecasts, forecast_baselines, season_of
from runtime.tasks.forecasting.report import baselines_text
from runtime.use import evaluate_project, report_sections
from runtime.trainer import Trainer, record_run

SERIES = torch.tensor([1.0, 3.0, 2.0, 5.0, 4.0, 6.0, 8.0, 7.0])[:, None]  # 8 steps, 1 feature


def test_baselines_on_a_hand_made_series():
    x, y = make_windows(SERIES, 0, window=4, horizon=3)  # [1 3 2 5] -> [4 6 8], [3 2 5 4] -> [6 8 7]
    found = baseline_forecasts(x, 3, season=2)
    assert found["naive"].tolist() == [[5, 5, 5], [4, 4, 4]]
    # one season (2 steps) back: T+1 <- T-1, T+2 <- T, T+3 <- T-1 (the last observed season again)
    assert found["seasonal_naive"].tolist() == [[2, 5, 2], [5, 4, 5]]
    report = forecast_baselines(x, y, season=2)
    assert report["naive"]["mae"] == pytest.approx(14 / 6)  # |5-4|+|5-6|+|5-8| + |4-6|+|4-8|+|4-7|
    assert report["seasonal_naive"] == {"mae": pytest.approx(16 / 6), "season": 2}


def test_seasonal_naive_needs_a_window_of_a_season():
    x, y = make_windows(SERIES, 0, window=4, horizon=3)
    assert baseline_forecasts(x, 3, season=5)["seasonal_naive"] is None
    assert forecast_baselines(x, y, season=4)["seasonal_naive"]["mae"] == pytest.approx(  # lag 4 fits exactly
        (abs(1 - 4) + abs(3 - 6) + abs(2 - 8) + abs(3 - 6) + abs(2 - 8) + abs(5 - 7)) / 6)
    why = forecast_baselines(x, y, season=5)["seasonal_naive"]["unavailable"]
    assert "window of 4 steps is shorter than the season of 5 steps" in why
    text = baselines_text({"mae": 1.0, "horizon": 3, "baselines": forecast_baselines(x, y, season=5)})
    assert text[0].startswith("forecast MAE over 3 steps: model 1.0000   naive (last value) 2.3333")
    assert text[1].startswith("seasonal naive: unavailable (the window of 4 steps")
    assert text[2] == "the model beats the naive forecast"


def test_season_of_each_source():
    assert season_of({"name": "sine", "period": 24}) == (24, "")
    assert season_of({"name": "sawtooth"}) == (50, "")  # load_wave's default period
    assert season_of({"name": "timeseries-csv", "season": 12}) == (12, "")
    season, why = season_of({"name": "timeseries-csv"})
    assert season is None and "add one" in why and "'season'" in why
    assert season_of({"name": "timeseries-csv", "season": "twelve"})[0] is None


def test_a_csv_series_takes_a_season_setting(tmp_path):
    path = tmp_path / "monthly.csv"
    path.write_text("value\n" + "\n".join(str(math.sin(2 * math.pi * i / 12)) for i in range(240)))
    ds = load_dataset({"name": "timeseries-csv", "path": str(path), "window": 12, "horizon": 3, "season": 12})
    base = forecast_baselines(ds.test.x, ds.test.y, season=12)
    assert base["seasonal_naive"]["mae"] < 1e-5 < base["naive"]["mae"]  # an exact 12-step cycle


def _trained(project: Project, overrides: dict | None = None) -> Project:
    result = Trainer(project, {"log_every": 10, **(overrides or {})}, [], RunControl()).run()
    assert result.status == "finished", result.reason
    record_run(project, result)
    return project


@pytest.fixture(scope="module")
def forecaster():
    """The lstm-forecast example on a shorter series for 6 epochs at a higher learning rate (a
    second or two: a model this small trains faster on one thread than on contended cores)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _trained(lstm_forecast({"length": 1200}, epochs=6), {"optimizer": {"lr": 0.01}})
    finally:
        torch.set_num_threads(threads)


def test_the_lstm_forecast_example_beats_both_baselines(forecaster):
    report = evaluate_project(forecaster)
    base = report["baselines"]
    assert report["horizon"] == 16 and base["seasonal_naive"]["season"] == 50
    assert report["mae"] < base["seasonal_naive"]["mae"] < base["naive"]["mae"]
    assert "the model beats both baselines" in report_text(report_sections(report))
    assert forecaster.history["runs"][-1]["settings"]["clip"]["mode"] == "norm"  # recurrent: clipped by default


def test_forecast_stretch_lines_windows_up_with_the_series(forecaster):
    data = evaluate_project(forecaster, pictures=True)["transient"]["forecast"]
    n, horizon, window = len(data["model"]), data["horizon"], data["window"]
    assert data["model"].shape == data["naive"].shape == data["seasonal_naive"].shape == (n, 16)
    assert len(data["truth"]) == window + n + horizon - 1
    truth = data["truth"]
    for i in (0, n // 2, n - 1):  # window i's naive forecast repeats the value just before its targets
        assert data["naive"][i, 0] == pytest.approx(truth[window + i - 1])
        assert data["seasonal_naive"][i, 0] == pytest.approx(truth[window + i - 50])


# ---- gradient clipping by default for recurrent graphs -------------------------------------------------
def _recurrent(cell: str = "rnn.gru") -> Project:
    graph = chain([("input.sequence", "Series", {"steps": 16, "features": 1}), (cell, "Cell", {"hidden_size": 8}),
                   ("core.dense", "Next", {"units": 1}), ("head.regression", "MSE", {})])
    return Project(graph=graph, training=complete_training({"dataset": {"name": "sine", "length": 300, "window": 16},
                                                            "epochs": 1, "batch_size": 32}))


@pytest.mark.parametrize("cell", ["rnn.rnn", "rnn.lstm", "rnn.gru"])
def test_auto_clips_recurrent_graphs_by_norm(cell):
    project = _recurrent(cell)
    assert default_training()["clip"]["mode"] == "auto"
    assert resolved_clip(project.training, project.graph) == {"mode": "norm", "value": 1.0, "chosen": "auto"}
    assert resolved_clip(complete_training({"clip": {"value": 0.5}}), project.graph)["value"] == 0.5
    assert resolved_clip(mlp().training, mlp().graph)["mode"] == "none"  # no recurrent block


def test_an_explicit_choice_is_kept():
    graph = _recurrent().graph
    for mode in ("none", "value", "norm"):  # none: also what files saved before "auto" existed say
        assert resolved_clip(complete_training({"clip": {"mode": mode, "value": 2.0}}), graph) == \
            {"mode": mode, "value": 2.0}
    assert resolved_clip(complete_training({"clip": "bad"}), graph)["mode"] == "norm"  # a damaged section: the default


def test_training_a_recurrent_graph_clips_its_gradients(monkeypatch):
    calls = []
    real = torch.nn.utils.clip_grad_norm_
    monkeypatch.setattr(torch.nn.utils, "clip_grad_norm_", lambda p, v, **kw: calls.append(v) or real(p, v, **kw))
    project = _trained(_recurrent())
    assert calls and set(calls) == {1.0}
    assert project.history["runs"][-1]["settings"]["clip"] == {"mode": "norm", "value": 1.0, "chosen": "auto"}
    calls.clear()
    project.training["clip"]["mode"] = "none"
    _trained(project)
    assert calls == []
