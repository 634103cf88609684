"""Every training setting on the command line, generated from the one training schema (issue 13),
and the CPU thread setting."""
from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import pytest
import torch

from runtime.cli import main as cli
from runtime.settings import settings_schema
from runtime.cli_settings import COVERED, add_setting_flags, markdown_table, setting_flags, setting_overrides

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_has_exactly_one_flag():
    flags = setting_flags()
    names = [f.flag for f in flags]
    assert len(names) == len(set(names))
    covered = {(f.section, f.param.name) for f in flags} | COVERED
    assert covered == {(s, p.name) for s, p in settings_schema(None, data=True)}
    for wanted in ("optimizer", "momentum", "weight-decay", "schedule", "early-stopping", "patience",
                   "val-fraction", "normalize", "seed", "threads", "epochs", "batch-size", "lr", "device"):
        assert wanted in names, wanted


def test_the_docs_table_is_the_generated_one():
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- settings-flags -->\n(.*?)<!-- /settings-flags -->", text, re.S)
    assert block and block.group(1) == markdown_table(), "run python -m runtime.cli_settings and paste it in docs/cli.md"


def parse(*argv):
    parser = argparse.ArgumentParser()
    add_setting_flags(parser)
    return parser.parse_args(list(argv))


def test_flags_become_nested_overrides():
    args = parse("--optimizer", "sgd", "--momentum", "0.5", "--weight-decay", "1e-4", "--schedule", "cosine",
                 "--no-early-stopping", "--patience", "7", "--val-fraction", "0.2", "--normalize", "off",
                 "--seed", "3", "--threads", "1", "--d-steps", "2", "--hflip")
    assert setting_overrides(args) == {
        "optimizer": {"name": "sgd", "momentum": 0.5, "weight_decay": 1e-4}, "schedule": {"name": "cosine"},
        "early_stopping": {"enabled": False, "patience": 7}, "dataset": {"val_fraction": 0.2, "normalize": "off"},
        "seed": 3, "threads": 1, "gan": {"d_steps": 2}, "augment": {"hflip": True}}
    assert setting_overrides(parse()) == {}
    with pytest.raises(SystemExit):
        parse("--optimizer", "lbfgs")


def test_a_run_uses_and_records_the_flags(tmp_path, capsys):
    from projects.dlproj import read_project, write_project
    from projects.examples.build import chain
    from projects.project import Project

    g = chain([("input.vector", "In", {"features": 2}), ("core.dense", "Out", {"units": 1}),
               ("head.regression", "Error", {})])
    path = tmp_path / "p.dlproj"
    write_project(Project(graph=g, training={"dataset": {"name": "xor", "targets": "values"}, "task": "regression",
                                             "epochs": 2, "batch_size": 4}), path)
    assert cli(["train", str(path), "--quiet", "--optimizer", "sgd", "--momentum", "0.5", "--weight-decay", "0.01",
                "--schedule", "cosine", "--no-early-stopping", "--patience", "7", "--val-fraction", "0.0",
                "--seed", "3", "--threads", "1", "--epochs", "3"]) == 0
    run = read_project(path)[0].history["runs"][-1]
    s = run["settings"]
    assert (s["optimizer"]["name"], s["optimizer"]["momentum"], s["optimizer"]["weight_decay"]) == ("sgd", 0.5, 0.01)
    assert s["schedule"]["name"] == "cosine" and s["early_stopping"] == {**s["early_stopping"], "enabled": False,
                                                                         "patience": 7}
    assert s["dataset"]["val_fraction"] == 0.0 and s["seed"] == 3 and len(run["epochs"]) == 3
    assert s["threads"] == 1 and run["threads"] == 1
    capsys.readouterr()
    assert cli(["train", str(path), "--quiet", "--patience", "-1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "netcanvas train: Training setting 'patience' is -1 but must be at least 0; set it to 0 or more"


def test_torchrun_workers_get_the_same_setting_flags():
    from runtime.torchrun import torchrun_command

    parser = argparse.ArgumentParser()
    from runtime.cli_train import add_arguments

    add_arguments("train", parser)
    args = parser.parse_args(["p.dlproj", "--nproc", "2", "--optimizer", "sgd", "--no-early-stopping", "--lr", "0.1"])
    cmd = torchrun_command(args)
    assert cmd[cmd.index("--optimizer") + 1] == "sgd" and "--no-early-stopping" in cmd
    assert cmd[cmd.index("--lr") + 1] == "0.1"


def test_thread_setting(monkeypatch):
    from runtime.threads import apply_threads, auto_threads, usable_cores

    before = torch.get_num_threads()
    try:
        assert apply_threads(1) == 1 and torch.get_num_threads() == 1
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
        n = auto_threads()
        assert 1 <= n <= usable_cores()
        monkeypatch.setenv("OMP_NUM_THREADS", "1")
        assert auto_threads() == 1  # the user's OMP_NUM_THREADS wins
        monkeypatch.delenv("OMP_NUM_THREADS")
        import runtime.threads as threads

        monkeypatch.setattr(threads, "idle_cores", lambda sample_s=0.05: 0.1)  # every core busy
        assert auto_threads() == 1
        monkeypatch.setattr(threads, "idle_cores", lambda sample_s=0.05: float(os.cpu_count() or 1))
        assert auto_threads() == usable_cores()
        assert apply_threads("auto") == usable_cores()
    finally:
        torch.set_num_threads(before)


def test_another_tasks_setting_is_refused_not_ignored(tmp_path, capsys):
    from projects.dlproj import write_project
    from projects.examples.build import chain
    from projects.project import Project

    g = chain([("input.vector", "In", {"features": 2}), ("core.dense", "Out", {"units": 2}),
               ("head.classification", "Loss", {})])
    path = tmp_path / "p.dlproj"
    write_project(Project(graph=g, training={"dataset": {"name": "xor"}, "epochs": 1, "batch_size": 4}), path)
    assert cli(["train", str(path), "--quiet", "--d-steps", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("netcanvas train: The setting gan.d_steps applies to the 'gan' task, but this project trains "
                   "'classification': leave it out of this run.")


def test_a_task_the_dataset_cannot_teach_is_refused_in_one_sentence(tmp_path, capsys):
    from projects.dlproj import read_project, write_project
    from projects.examples.build import chain
    from projects.project import Project

    g = chain([("input.vector", "In", {"features": 2}), ("core.dense", "Out", {"units": 2}),
               ("head.classification", "Loss", {})])
    path = tmp_path / "p.dlproj"
    write_project(Project(graph=g, training={"dataset": {"name": "xor"}, "epochs": 1, "batch_size": 4}), path)
    before = path.read_bytes()
    assert cli(["train", str(path), "--quiet", "--task", "forecasting"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("netcanvas train: Forecasting learns future values of a series, but the dataset 'xor' "
                          "gives class labels") and "\n" not in err
    assert cli(["train", str(path), "--quiet", "--data", "sine"]) == 2
    err = capsys.readouterr().err.strip()
    assert "but the dataset 'sine' gives future values of a series" in err and "\n" not in err
    assert path.read_bytes() == before and read_project(path)[0].history.get("runs", []) == []
