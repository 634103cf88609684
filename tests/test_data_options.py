"""Each data source declares its own typed options (runtime/data/options.py): the inspector shows the
chosen source's, `netcanvas train` has a --data-NAME flag for each, the JSON Schema lists them, a run
checks them in one sentence before loading, and a run's option overrides stay out of the project."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from nodes.spec import Param
from projects.dlproj import read_project, write_project
from projects.examples.build import chain
from projects.project import Project
from runtime.cli import main as cli
from runtime.cli_settings import setting_flags
from runtime.data import DatasetError, list_datasets, load_dataset
from runtime.data.catalog import SOURCES, dataset_problems, source_options, source_params, switched_source
from runtime.plan import check_run, plan_run

ROOT = Path(__file__).resolve().parent.parent
OFFLINE = ("fashion-mnist-small", "wordnet-glosses", "sine", "sawtooth", "xor", "and", "long-memory",
           "gaussian-ring", "gaussian-grid", "two-moons")


def test_every_source_declares_typed_options_whose_defaults_pass_their_own_checks():
    for source in SOURCES.values():
        for p in source.options:
            assert isinstance(p, Param) and p.help and p.check(p.default) is None, (source.name, p.name)
        assert dataset_problems({"name": source.name, **{p.name: p.default for p in source.options}}) == []
    assert [p.name for p in source_params("sine")] == ["length", "period", "noise", "window", "horizon"]
    assert source_params("nope") == ()
    infos = {i.name: i for i in list_datasets()}
    assert infos["sine"].defaults == {p.name: p.default for p in source_params("sine")}
    assert infos["csv"].defaults["path"] == "" and infos["csv"].defaults["targets"] == "auto"


@pytest.mark.parametrize("name", OFFLINE)
def test_each_offline_source_loads_with_its_declared_defaults(name):
    source = SOURCES[name]
    settings = {"name": name, **source.defaults}
    if "samples" in settings:
        settings["samples"] = 200  # small and quick; the declared bounds allow it
    ds = load_dataset(settings)
    assert len(ds.train) > 0 and ds.targets == source.targets


def test_a_wrong_option_is_one_sentence_naming_the_dataset_and_the_fix():
    (bad,) = dataset_problems({"name": "sine", "window": -1})
    assert bad == "The 'sine' dataset's 'window' is -1 but must be at least 0; set it to 0 or more."
    (typo,) = dataset_problems({"name": "sine", "horizn": 2})
    assert typo.startswith("Unknown dataset setting 'horizn' for 'sine': remove it or use one of ")
    assert "horizon" in typo and "val_fraction" in typo
    (other,) = dataset_problems({"name": "two-moons", "radius": 1.0})
    assert "(it is a setting of gaussian-ring)" in other
    (kind,) = dataset_problems({"name": "text-lines", "level": "sentence"})
    assert "'level' must be one of word, char" in kind
    with pytest.raises(DatasetError, match="dataset's 'horizon' is 0 but must be at least 1"):
        load_dataset({"name": "sine", "horizon": 0})


def test_options_written_by_older_versions_still_read():
    # a time series' column as a number and a list, a CSV target as a number, the CSV 'task' alias
    assert dataset_problems({"name": "timeseries-csv", "path": "x.csv", "column": -1, "target": 0}) == []
    assert dataset_problems({"name": "timeseries-csv", "path": "x.csv", "column": ["a", 2]}) == []
    assert dataset_problems({"name": "csv", "path": "x.csv", "task": "regression"}) == []
    assert dataset_problems({"name": "timeseries-csv", "path": "x.csv", "column": {"a": 1}})


def test_time_series_columns_by_number_text_and_list(tmp_path):
    rows = ["t,a,b"] + [f"{i},{i % 7},{(i * 3) % 11}" for i in range(120)]
    path = tmp_path / "s.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    base = {"name": "timeseries-csv", "path": str(path), "window": 8}
    as_text = load_dataset({**base, "column": "a, b", "target": "b"})
    as_list = load_dataset({**base, "column": ["a", "b"], "target": "b"})
    as_numbers = load_dataset({**base, "column": "1, 2", "target": "2"})
    for ds in (as_list, as_numbers):
        assert ds.input_shape == as_text.input_shape == (8, 2)
        assert (ds.train.x == as_text.train.x).all() and (ds.train.y == as_text.train.y).all()
    assert load_dataset({**base, "column": -2}).title == "s.csv: a"  # the number form of files before 0.3


def test_every_option_has_a_flag_and_a_schema_entry():
    flags = {(f.section, f.param.name): f.flag for f in setting_flags()}
    schema = json.loads((ROOT / "docs" / "dlproj.schema.json").read_text(encoding="utf-8"))
    dataset = schema["$defs"]["training"]["properties"]["dataset"]["properties"]
    for p in source_options():
        assert flags[("dataset", p.name)] == "data-" + p.name.replace("_", "-")
        assert p.name in dataset and dataset[p.name]["description"] == p.help
    assert dataset["window"]["minimum"] == 0 and dataset["window"]["default"] == 0
    assert "default" not in dataset["noise"] and "1.0 for long-memory" in dataset["noise"]["description"]


def _sine_project(tmp_path) -> Path:
    g = chain([("input.sequence", "In", {"steps": 16, "features": 1}), ("core.flatten", "Flat", {}),
               ("core.dense", "Out", {"units": 1}), ("head.regression", "Error", {})])
    path = tmp_path / "sine.dlproj"
    write_project(Project(graph=g, training={"dataset": {"name": "sine", "length": 400}, "epochs": 1,
                                             "batch_size": 32}), path)
    return path


def test_the_plan_checks_options_and_the_run_keeps_its_overrides_out_of_the_project(tmp_path, capsys):
    path = _sine_project(tmp_path)
    project = read_project(path)[0]
    plan = plan_run(project, {"dataset": {"horizon": 3}})
    assert plan.dataset["horizon"] == 3 and "horizon" not in project.training["dataset"]
    _, problems = check_run(project, {"dataset": {"period": 1.0}})
    assert [p.message for p in problems] == [
        "The 'sine' dataset's 'period' is 1.0 but must be at least 2; set it to 2 or more."]
    assert cli(["train", str(path), "--quiet", "--data-period", "20", "--data-noise", "0.0"]) == 0
    trained = read_project(path)[0]
    run = trained.history["runs"][-1]
    assert run["overrides"]["dataset"] == {"period": 20.0, "noise": 0.0}
    assert run["settings"]["dataset"]["period"] == 20.0
    assert trained.training["dataset"] == project.training["dataset"]
    assert "period" not in trained.training["dataset"] and "noise" not in trained.training["dataset"]
    capsys.readouterr()
    assert cli(["train", str(path), "--quiet", "--data-window", "-3"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("netcanvas train: The 'sine' dataset's 'window' is -3") and "\n" not in err
    assert cli(["train", str(path), "--quiet", "--data-radius", "1.5"]) == 2
    assert "Unknown dataset setting 'radius' for 'sine'" in capsys.readouterr().err


def test_switching_the_source_keeps_the_common_settings_and_drops_the_old_ones_options():
    old = {"name": "sine", "window": 16, "val_fraction": 0.2, "limit": 100}
    assert switched_source(old, "two-moons") == {"name": "two-moons", "val_fraction": 0.2, "limit": 100}
    assert switched_source(old, "sawtooth") == {**old, "name": "sawtooth"}


def test_the_inspector_shows_the_chosen_sources_options_and_switching_drops_them(window, qtbot):
    window.open_example("lstm-forecast")
    window.inspector.show_selection([])
    rows = window.inspector.rows
    names = [p.name for p in source_params("sine")]
    assert all(("dataset", n) in rows for n in names)
    assert ("dataset", "radius") not in rows
    horizon = rows[("dataset", "horizon")]
    assert horizon.editor.widget.toolTip() or horizon.param.help
    horizon.editor.committed.emit(0)  # out of bounds: refused in place, nothing changes
    assert "must be at least 1" in horizon.error.text() and not window.doc.modified
    horizon.editor.committed.emit(2)
    assert window.doc.project.training["dataset"]["horizon"] == 2
    rows[("dataset", "name")].editor.committed.emit("two-moons")
    rows = window.inspector.rows  # the page was rebuilt for the new source's options
    assert ("dataset", "samples") in rows and ("dataset", "horizon") not in rows
    assert "horizon" not in window.doc.project.training["dataset"]
    assert rows[("dataset", "samples")].editor.widget.value() == 20000
    window.doc.undo_stack.undo()
    assert window.doc.project.training["dataset"]["name"] == "sine"
    assert window.doc.project.training["dataset"]["horizon"] == 2
    assert ("dataset", "horizon") in window.inspector.rows


def test_the_docs_table_of_source_options_is_the_generated_one():
    import re

    from runtime.data.options_doc import options_table

    text = (ROOT / "docs" / "datasets.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- source-options -->\n(.*?)<!-- /source-options -->", text, re.S)
    assert block and block.group(1) == options_table(), "run python -m runtime.data.options_doc, paste it in docs"


def test_data_naming_a_csv_keeps_only_the_options_that_source_takes(tmp_path):
    from runtime.datasel import dataset_from_argument

    table = tmp_path / "t.csv"
    table.write_text("a,b\n1,2\n", encoding="utf-8")
    series = {"name": "timeseries-csv", "path": "old.csv", "column": "a", "window": 8, "seed": 3}
    assert dataset_from_argument(str(table), series) == {**series, "path": str(table)}
    wave = {"name": "sine", "window": 8, "horizon": 2, "seed": 3}
    assert dataset_from_argument(str(table), wave) == {"name": "csv", "path": str(table), "seed": 3}
