"""The dataset and its split belong to the project: no source ever builds a test split from rows
the run trained or validated on, and `train --data` records what `evaluate` then uses."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from runtime.cli import main as cli
from runtime.data import load_dataset
from runtime.data.catalog import SOURCES
from runtime.data.remotes import BUNDLE_DIR


@pytest.fixture(autouse=True)
def offline(tmp_path, monkeypatch):
    monkeypatch.setenv("NETCANVAS_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NETCANVAS_DATA_MIRROR", "http://127.0.0.1:9/")  # never the internet


def unique_images(root: Path) -> str:
    rng = np.random.default_rng(1)
    for cls in ("a", "b"):
        (root / cls).mkdir(parents=True)
        for i in range(15):
            Image.fromarray(rng.integers(0, 256, (12, 12), dtype=np.uint8), "L").save(root / cls / f"{i}.png")
    return str(root)


def cifar_folder(root: Path) -> str:
    rng = np.random.default_rng(2)
    root.mkdir()
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        rows = np.concatenate([rng.integers(0, 10, (6, 1)), rng.integers(0, 256, (6, 3072))], 1)
        (root / name).write_bytes(rows.astype(np.uint8).tobytes())
    return str(root)


def csv_file(path: Path, rows: int = 60) -> str:
    lines = ["id,x,label"] + [f"{i},{(i * 37) % 11 / 3:.4f},{'ab'[i % 2]}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def series_file(path: Path, points: int = 300) -> str:
    t = np.arange(points)
    path.write_text("value\n" + "\n".join(f"{np.sin(v / 7):.5f}" for v in t) + "\n")
    return str(path)


def text_file(path: Path) -> str:
    path.write_text("".join(f"{'pq'[i % 2]}\tline number {i} says {i * 7}\n" for i in range(50)))
    return str(path)


def settings_for(name: str, tmp: Path) -> dict:
    """Small settings that load each catalog source offline."""
    return {
        "fashion-mnist-small": {"limit": 600},
        "fashion-mnist": {"path": str(BUNDLE_DIR), "limit": 600},
        "mnist": {"path": str(BUNDLE_DIR), "limit": 600},
        "cifar10": {"path": cifar_folder(tmp / "cifar")},
        "image-folder": {"path": unique_images(tmp / "pics")},
        "csv": {"path": csv_file(tmp / "t.csv")},
        "timeseries-csv": {"path": series_file(tmp / "s.csv"), "window": 8},
        "text-lines": {"path": text_file(tmp / "t.txt")},
        "wordnet-glosses": {"limit": 600},
        "sine": {"length": 400}, "sawtooth": {"length": 400},
        "xor": {}, "and": {},
        "long-memory": {"samples": 200, "steps": 8},
        "gaussian-ring": {"samples": 400}, "gaussian-grid": {"samples": 400}, "two-moons": {"samples": 400},
    }[name]


def digests(x) -> set[str]:
    a = np.ascontiguousarray(x.numpy())
    return {hashlib.sha1(row.tobytes()).hexdigest() for row in a.reshape(len(a), -1)}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_no_source_tests_on_rows_it_trained_or_validated_on(name, tmp_path):
    data = load_dataset({"name": name, **settings_for(name, tmp_path)})
    plan = data.split
    assert plan.get("method"), f"{name} does not say how it split its data"
    if plan["method"] == "truth table":  # the four rows are the whole problem: said, not hidden
        assert "test" in plan and len(data.train) == len(data.test) == 4
        return
    rows = data.rows
    train, val = set(rows["train"].tolist()), set(rows["val"].tolist())
    assert train and not train & val
    if rows["test"] is None:  # from another file or the source's own test set, named in the plan
        assert plan["test"]
    else:
        test = set(rows["test"].tolist())
        assert test and not test & (train | val), f"{name}: test rows overlap the rows trained or validated on"
        assert "test_fraction" in plan
    if plan["method"] == "random":
        assert (len(rows["train"]), len(rows["val"])) == (len(data.train), len(data.val))
        # Content check too, where equal content means equal rows: real image sets may repeat a
        # picture, and text is encoded lossily (words unseen in training share one token id).
        if name not in ("fashion-mnist-small", "fashion-mnist", "mnist", "text-lines", "wordnet-glosses"):
            assert not digests(data.test.x) & (digests(data.train.x) | digests(data.val.x))
    else:  # chronological: every test target comes after every training and validation target
        seen = np.concatenate([rows["train"], rows["val"]])
        assert min(rows["test"]) >= plan["val_until"] > max(seen)


def write_mlp_project(path: Path, features: int, classes: int) -> None:
    from projects.dlproj import write_project
    from projects.examples.build import chain
    from projects.project import Project

    g = chain([("input.vector", "In", {"features": features}), ("core.dense", "Hidden", {"units": 8}),
               ("core.dense", "Out", {"units": classes}), ("head.classification", "Head", {})])
    write_project(Project(graph=g, training={"epochs": 2, "batch_size": 16}), path)


def evaluate_json(capsys, *argv) -> dict:
    capsys.readouterr()
    assert cli(["evaluate", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_train_data_is_recorded_and_evaluate_keeps_its_split(tmp_path, capsys):
    csv = csv_file(tmp_path / "rows.csv", rows=200)
    write_mlp_project(tmp_path / "p.dlproj", features=2, classes=2)
    out = tmp_path / "trained.dlproj"
    assert cli(["train", str(tmp_path / "p.dlproj"), "--data", csv, "-o", str(out), "--quiet", "--seed", "3"]) == 0

    from projects.dlproj import read_project

    project, _ = read_project(out)
    run = project.history["runs"][-1]
    assert project.training["dataset"]["name"] == "fashion-mnist-small"  # --data is this run's, not the project's
    assert run["overrides"]["dataset"]["path"] == csv and run["settings"]["dataset"]["name"] == "csv"
    assert run["data"]["split"]["test_fraction"] == 0.2 and run["data"]["sizes"]["test"] == 40
    recorded = evaluate_json(capsys, str(out))  # no --data: the recorded source, not the default dataset
    assert recorded["dataset"] == "csv" and recorded["samples"] == 40
    same = evaluate_json(capsys, str(out), "--data", csv)  # the same source keeps the recorded split
    assert same == recorded
    project.training["dataset"] = {"name": "csv", "path": csv, "test_fraction": 0.1}
    from projects.dlproj import write_project

    write_project(project, out)  # the settings changed after training: the weights were still tested on 40 rows
    assert evaluate_json(capsys, str(out))["samples"] == 40


def test_another_source_keeps_the_split_settings(tmp_path):
    from runtime.datasel import dataset_from_argument

    current = {"name": "csv", "path": csv_file(tmp_path / "a.csv"), "test_fraction": 0.1, "seed": 4, "target": "id"}
    other = dataset_from_argument(csv_file(tmp_path / "b.csv"), current)
    assert other["test_fraction"] == 0.1 and other["seed"] == 4 and other["path"].endswith("b.csv")
    assert dataset_from_argument(current["path"], current) == current
