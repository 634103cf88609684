"""CSV and time-series CSV sources tested on a separate file (`test_path`, `--test-data`)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from runtime.cli import main as cli
from runtime.data import DatasetError, load_dataset


def table(path: Path, start: int, rows: int, header: str = "a,b,label") -> str:
    lines = [header] + [f"{i},{(i * 13) % 7},{'xy'[i % 2]}" for i in range(start, start + rows)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def series(path: Path, start: int, points: int) -> str:
    path.write_text("value\n" + "".join(f"{np.sin(t / 5):.5f}\n" for t in range(start, start + points)))
    return str(path)


def test_csv_with_a_test_file_tests_on_exactly_its_rows(tmp_path):
    train = table(tmp_path / "train.csv", 0, 80)
    test = table(tmp_path / "test.csv", 1000, 25)
    data = load_dataset({"name": "csv", "path": train, "test_path": test, "val_fraction": 0.25, "normalize": False})
    assert (len(data.train), len(data.val), len(data.test)) == (60, 20, 25)
    assert sorted(data.test.x[:, 0].tolist()) == list(range(1000, 1025))  # every row of the test file, no other
    assert data.train.x[:, 0].max() < 80 and data.val.x[:, 0].max() < 80
    assert data.split["test"] == f"the rows of {test}" and data.rows["test"] is None
    assert data.classes == ["x", "y"]


def test_test_file_must_match_the_header(tmp_path):
    train = table(tmp_path / "train.csv", 0, 20)
    other = table(tmp_path / "other.csv", 0, 5, header="a,c,label")
    with pytest.raises(DatasetError, match="give both files the same header"):
        load_dataset({"name": "csv", "path": train, "test_path": other})
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset({"name": "csv", "path": train, "test_path": str(tmp_path / "missing.csv")})


def test_time_series_with_a_test_file(tmp_path):
    train = series(tmp_path / "past.csv", 0, 200)
    test = series(tmp_path / "future.csv", 200, 40)
    data = load_dataset({"name": "timeseries-csv", "path": train, "test_path": test, "window": 10,
                         "normalize": False, "val_fraction": 0.1})
    assert len(data.test) == 40  # one window per point of the test file, looking back into the past
    assert min(data.rows["test"]) == 200 and max(data.rows["train"]) < data.split["train_until"] <= 200
    expected = np.sin(np.arange(200, 240) / 5)
    assert np.allclose(data.test.y[:, 0].numpy(), expected, atol=1e-4)


def test_cli_test_data_is_recorded_and_used_by_evaluate(tmp_path, capsys):
    from projects.dlproj import read_project, write_project
    from projects.examples.build import chain
    from projects.project import Project

    g = chain([("input.vector", "In", {"features": 2}), ("core.dense", "Out", {"units": 2}),
               ("head.classification", "Head", {})])
    write_project(Project(graph=g, training={"epochs": 1}), tmp_path / "p.dlproj")
    train, test = table(tmp_path / "train.csv", 0, 90), table(tmp_path / "test.csv", 500, 30)
    out = tmp_path / "out.dlproj"
    assert cli(["train", str(tmp_path / "p.dlproj"), "--data", train, "--test-data", test, "-o", str(out),
                "--quiet"]) == 0
    project, _ = read_project(out)
    assert project.history["runs"][-1]["settings"]["dataset"]["test_path"] == test
    assert not project.training["dataset"].get("test_path")  # the run's choice, not the project's settings
    capsys.readouterr()
    assert cli(["evaluate", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["samples"] == 30
    other = table(tmp_path / "other.csv", 900, 12)
    assert cli(["evaluate", str(out), "--test-data", other, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["samples"] == 12
    assert cli(["train", str(tmp_path / "p.dlproj"), "--test-data", test, "--quiet"]) == 2
    assert "--test-data applies to CSV" in capsys.readouterr().err


def test_the_test_file_is_a_training_setting_the_editor_shows_and_other_sources_refuse(tmp_path):
    from projects.training import TRAINING_SCHEMA, default_training

    assert ("dataset", "test_path") in {(s, p.name) for s, p in TRAINING_SCHEMA}
    assert load_dataset({**default_training()["dataset"], "limit": 50}).name == "fashion-mnist-small"  # "" is no file
    with pytest.raises(DatasetError, match="applies to CSV and time-series CSV data"):
        load_dataset({"name": "sine", "test_path": table(tmp_path / "t.csv", 0, 5)})
