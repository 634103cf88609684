"""Saving never loses work: atomic writes with a .bak of the previous version, leftovers of killed
saves cleaned, read-only and symlinked targets handled, and `netcanvas train` runs that are kept
even when the file cannot be written where it should."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from projects.dlproj import read_project, write_project
from projects.examples.build import chain, mlp
from projects.project import Project
from projects.saving import (Fingerprint, ProjectChangedError, ProjectSaveError, backup_path, check_can_save,
                             save_bytes)
from runtime.cli import main as cli

ROOT = Path(__file__).resolve().parent.parent


def tiny_project() -> Project:
    return Project(graph=chain([("input.vector", "In", {"features": 2}), ("core.dense", "Out", {"units": 1}),
                                ("head.regression", "Error", {})]),
                   training={"dataset": {"name": "xor", "targets": "values", "val_fraction": 0.0},
                             "task": "regression", "epochs": 2, "batch_size": 4})


def test_save_keeps_the_previous_version_as_bak(tmp_path):
    path = tmp_path / "model.dlproj"
    save_bytes(b"first", path)
    assert not backup_path(path).exists()
    save_bytes(b"second", path)
    assert path.read_bytes() == b"second" and backup_path(path).read_bytes() == b"first"
    save_bytes(b"third", path, backup=False)
    assert backup_path(path).read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.dlproj", "model.dlproj.bak"]


def test_leftovers_of_a_killed_save_are_removed_by_the_next(tmp_path):
    path = tmp_path / "model.dlproj"
    save_bytes(b"old", path)
    stale = tmp_path / ".model.dlproj.abc123.tmp"
    stale.write_bytes(b"x" * 1000)
    other = tmp_path / ".other.dlproj.abc123.tmp"  # another project's save: not ours to remove
    other.write_bytes(b"y")
    save_bytes(b"new", path)
    assert not stale.exists() and other.exists() and path.read_bytes() == b"new"


def test_read_only_project_is_refused_not_overwritten(tmp_path):
    path = tmp_path / "model.dlproj"
    path.write_bytes(b"precious")
    path.chmod(0o444)
    with pytest.raises(ProjectSaveError, match="read-only; save under another name"):
        save_bytes(b"new", path)
    assert path.read_bytes() == b"precious"


def test_symlinked_project_is_written_through_to_its_target(tmp_path):
    real = tmp_path / "real" / "model.dlproj"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "link.dlproj"
    link.symlink_to(real)
    written = save_bytes(b"new", link)
    assert written == real.resolve() and link.is_symlink() and real.read_bytes() == b"new"


def test_missing_folder_and_folders_as_targets_are_one_sentence(tmp_path):
    with pytest.raises(ProjectSaveError, match=r"the folder .*missing does not exist; create it"):
        check_can_save(tmp_path / "missing" / "out.dlproj")
    with pytest.raises(ProjectSaveError, match="it is a folder"):
        save_bytes(b"x", tmp_path)


def test_a_file_changed_meanwhile_is_not_overwritten(tmp_path):
    path = tmp_path / "model.dlproj"
    write_project(mlp(), path)
    seen = Fingerprint.of(path)
    time.sleep(0.01)
    write_project(mlp(), path)  # another program saves in between
    with pytest.raises(ProjectChangedError, match="changed by another program"):
        write_project(mlp(), path, expect=seen)


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "model.dlproj"
    save_bytes(b"old", path)

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(ProjectSaveError, match="the disk is full; the previous file is unchanged"):
        save_bytes(b"new", path)
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.dlproj"]


def run_cli(args, capsys):
    code = cli([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.err


def test_train_refuses_an_output_it_cannot_write_before_training(tmp_path, capsys):
    path = tmp_path / "xor.dlproj"
    write_project(tiny_project(), path)
    code, err = run_cli(["train", path, "-o", tmp_path / "missing" / "out.dlproj", "--quiet"], capsys)
    assert code != 0 and "does not exist" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert read_project(path)[0].history.get("runs", []) == []


def test_a_run_that_cannot_be_saved_goes_to_a_recovery_file(tmp_path, capsys, monkeypatch):
    path = tmp_path / "xor.dlproj"
    write_project(tiny_project(), path)
    from runtime import trainer

    original = trainer.Trainer.run

    def run_and_touch(self):
        result = original(self)
        time.sleep(0.01)
        write_project(tiny_project(), path)
        return result

    monkeypatch.setattr(trainer.Trainer, "run", run_and_touch)
    code, err = run_cli(["train", path, "--quiet", "--device", "cpu"], capsys)
    assert code == 0, err
    assert "changed by another program" in err and "saved to" in err
    rescued = sorted(tmp_path.glob("xor.recovered-*.dlproj"))
    assert len(rescued) == 1
    assert read_project(rescued[0])[0].history["runs"][-1]["status"] == "finished"
    assert read_project(path)[0].history.get("runs", []) == []  # the other program's save is intact


def test_damaged_history_does_not_cost_the_run(tmp_path, capsys):
    project = tiny_project()
    project.history = {"runs": {}}
    path = tmp_path / "xor.dlproj"
    write_project(project, path)
    code, err = run_cli(["train", path, "--quiet", "--device", "cpu"], capsys)
    assert code == 0, err
    assert len(read_project(path)[0].history["runs"]) == 1


SAVER = textwrap.dedent("""
    import sys
    from projects.saving import save_bytes
    path, size = sys.argv[1], int(sys.argv[2])
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        save_bytes(bytes([i % 251]) * size, path)
""")


def test_sigkill_during_saves_leaves_the_old_or_the_new_file(tmp_path):
    """A subprocess saves a 4 MB file over and over and is killed at 50 random moments; the file
    is always complete (one byte value throughout) and a later save cleans every temporary."""
    import random

    path, size = tmp_path / "big.dlproj", 4 * 2**20
    save_bytes(b"\0" * size, path)
    rng = random.Random(0)
    for _ in range(50):
        proc = subprocess.Popen([sys.executable, "-c", SAVER, str(path), str(size)], cwd=ROOT,
                                stdout=subprocess.PIPE, text=True)
        proc.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.15))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = path.read_bytes()
        assert len(data) == size and data.count(data[:1]) == size
    save_bytes(b"final", path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.dlproj", "big.dlproj.bak"]
