"""Format versions: golden files of every released version keep opening (and their trained
weights keep predicting the same), one migration per version step, newer-minor fields survive a
load-save round trip, and a newer-major file is refused naming both versions."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

import projects.dlproj as dlproj
from projects.dlproj import FORMAT_VERSION, ProjectFileError, dumps_project, loads_project, read_project

GOLDEN = Path(__file__).resolve().parent / "golden"


def rezip(data: bytes, edit) -> bytes:
    """The archive with each JSON member passed through ``edit(name, doc)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            raw = src.read(name)
            if name.endswith(".json"):
                raw = json.dumps(edit(name, json.loads(raw))).encode()
            dst.writestr(name, raw)
    return out.getvalue()


def json_members(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: json.loads(zf.read(n)) for n in zf.namelist() if n.endswith(".json")}


def test_every_golden_file_is_of_a_released_version_and_opens():
    files = sorted(GOLDEN.glob("*.dlproj"))
    assert {f.name for f in files} >= {"lenet5-classic-v1.dlproj", "mlp-trained-v1.dlproj"}
    for path in files:
        version = json_members(path.read_bytes())["manifest.json"]["format_version"]
        assert 1 <= version <= FORMAT_VERSION and path.stem.endswith(f"-v{version}")
        project, errors = read_project(path)
        assert errors == [] and project.graph.is_valid(), path.name


def test_golden_trained_file_still_predicts_what_it_predicted():
    """The trained golden file was made once with format 1 and its evaluation stored beside it;
    the reader of today must open its weights and reach the same numbers."""
    from runtime.use import evaluate_project

    project, _ = read_project(GOLDEN / "mlp-trained-v1.dlproj")
    expected = json.loads((GOLDEN / "mlp-trained-v1.expected.json").read_text())
    report = evaluate_project(project)
    assert report["samples"] == expected["samples"]
    # another BLAS may round a borderline sample the other way: at most two of 2000 may move
    moved = sum(abs(a - b) for ra, rb in zip(report["confusion_matrix"], expected["confusion_matrix"])
                for a, b in zip(ra, rb))
    assert moved <= 4 and report["accuracy"] == pytest.approx(expected["accuracy"], abs=0.001)
    assert report["loss"] == pytest.approx(expected["loss"], rel=1e-3)


def test_one_migration_per_version_step(monkeypatch):
    """Pretend format 3 exists: a v1 file goes through the 1->2 and 2->3 steps, in order."""
    calls = []

    def one_to_two(docs):
        calls.append(1)
        docs["training.json"]["renamed_in_v2"] = docs["training.json"].pop("log_every")
        return docs

    def two_to_three(docs):
        calls.append(2)
        docs["training.json"]["log_every"] = docs["training.json"].pop("renamed_in_v2")
        return docs

    monkeypatch.setattr(dlproj, "FORMAT_VERSION", 3)
    monkeypatch.setattr(dlproj, "MIGRATIONS", {1: one_to_two, 2: two_to_three})
    project, errors = read_project(GOLDEN / "lenet5-classic-v1.dlproj")
    assert calls == [1, 2] and errors == [] and "log_every" in project.training
    monkeypatch.setattr(dlproj, "MIGRATIONS", {1: one_to_two})
    with pytest.raises(ProjectFileError, match="format version 2 is not supported"):
        read_project(GOLDEN / "lenet5-classic-v1.dlproj")


def newer_minor(data: bytes) -> bytes:
    """What a later NetCanvas might write: format 2, readable by format-1 readers, with new fields."""
    def edit(name, doc):
        if name == "manifest.json":
            doc.update(format_version=FORMAT_VERSION + 1, min_reader_version=1, licence={"spdx": "MIT"})
        elif name == "graph.json":
            doc["groups"] = [{"title": "feature extractor", "nodes": [doc["nodes"][1]["id"]]}]
            doc["nodes"][1]["comment"] = "the first convolution"
            doc["nodes"][1]["frozen"] = True
        elif name == "training.json":
            doc["ema"] = {"decay": 0.999}
            doc["optimizer"]["lookahead"] = 5
        elif name == "view.json":
            doc["minimap"] = False
        elif name == "history.json":
            doc["sweeps"] = []
        return doc
    return rezip(data, edit)


def test_fields_of_a_newer_minor_version_survive_a_round_trip():
    golden = (GOLDEN / "lenet5-classic-v1.dlproj").read_bytes()
    future = newer_minor(golden)
    project, errors = loads_project(future)
    assert errors == []
    again = json_members(dumps_project(project))
    before = json_members(future)
    assert again["manifest.json"]["licence"] == {"spdx": "MIT"}
    assert again["graph.json"]["groups"] == before["graph.json"]["groups"]
    node = next(n for n in again["graph.json"]["nodes"] if n["id"] == before["graph.json"]["nodes"][1]["id"])
    assert (node["comment"], node["frozen"]) == ("the first convolution", True)
    assert again["training.json"]["ema"] == {"decay": 0.999} and again["training.json"]["optimizer"]["lookahead"] == 5
    assert again["view.json"]["minimap"] is False and again["history.json"]["sweeps"] == []
    # and what this reader writes is a file of its own version, readable by older readers
    assert (again["manifest.json"]["format_version"], again["manifest.json"]["min_reader_version"]) == (FORMAT_VERSION, 1)
    # a second round trip changes nothing more
    twice = json_members(dumps_project(loads_project(dumps_project(project))[0]))
    for name in ("graph.json", "training.json", "view.json", "history.json"):
        assert twice[name] == again[name]


def test_a_known_field_cannot_be_overridden_by_an_unknown_one():
    golden = (GOLDEN / "lenet5-classic-v1.dlproj").read_bytes()
    project, _ = loads_project(newer_minor(golden))
    again = json_members(dumps_project(project))["manifest.json"]
    assert again["format"] == "netcanvas.dlproj" and again["format_version"] == FORMAT_VERSION


def test_a_newer_major_version_is_refused_naming_both_versions():
    golden = (GOLDEN / "lenet5-classic-v1.dlproj").read_bytes()
    major = FORMAT_VERSION + 2

    def edit(name, doc):
        if name == "manifest.json":
            doc.update(format_version=major, min_reader_version=major, app_version="9.0.0")
        return doc
    with pytest.raises(ProjectFileError) as e:
        loads_project(rezip(golden, edit))
    message = str(e.value)
    assert f"format {major}" in message and f"reads format {FORMAT_VERSION}" in message
    assert "9.0.0" in message and "update NetCanvas" in message
