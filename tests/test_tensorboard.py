"""`netcanvas train --tensorboard DIR`: a run's step and epoch scalars in TensorBoard event files, one
folder per run, read back with TensorBoard's own reader; failures are one sentence."""
from __future__ import annotations

import builtins
import sys

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from projects.dlproj import write_project
from projects.examples.build import chain
from projects.project import Project
from runtime.cli import main as cli
from runtime.torchrun import torchrun_command
from runtime.tensorboard_sink import TensorBoardError, tensorboard_sink


def xor_file(tmp_path, epochs: int = 3):
    path = tmp_path / "xor.dlproj"
    write_project(Project(graph=chain([("input.vector", "In", {"features": 2}), ("core.dense", "Out", {"units": 1}),
                                       ("head.regression", "Error", {})]),
                          training={"dataset": {"name": "xor", "targets": "values"}, "task": "regression",
                                    "epochs": epochs, "batch_size": 2, "log_every": 1,
                                    "early_stopping": {"enabled": False}}), path)
    return path


def scalars(run_folder) -> EventAccumulator:
    acc = EventAccumulator(str(run_folder))
    acc.Reload()
    return acc


def test_a_run_writes_step_and_epoch_scalars_at_the_global_step(tmp_path, capsys):
    path, board = xor_file(tmp_path), tmp_path / "board"
    assert cli(["train", str(path), "--tensorboard", str(board), "--quiet"]) == 0, capsys.readouterr().err
    runs = list(board.iterdir())
    assert len(runs) == 1 and runs[0].name.startswith("xor-")
    acc = scalars(runs[0])
    tags = set(acc.Tags()["scalars"])
    assert {"step/loss", "step/lr", "epoch/loss", "epoch/val_loss", "epoch/val_mae"} <= tags
    assert not {"step/samples_per_s", "step/eta_s", "epoch/elapsed_s", "epoch/lr"} & tags
    epochs = acc.Scalars("epoch/val_loss")
    assert len(epochs) == 3 and [p.step for p in epochs] == [2, 4, 6]  # 2 steps an epoch
    assert [p.step for p in acc.Scalars("step/loss")] == [1, 2, 3, 4, 5, 6]  # every step record (log_every 1)
    assert [t for t in acc.Tags()["tensors"] if t.startswith("run")]  # a text: the run id and what it trained


def test_each_run_gets_its_own_folder(tmp_path, capsys):
    path, board = xor_file(tmp_path, epochs=1), tmp_path / "board"
    for _ in range(2):
        assert cli(["train", str(path), "--tensorboard", str(board), "--quiet"]) == 0
    runs = sorted(board.iterdir())
    assert len(runs) == 2 and all(len(scalars(r).Scalars("epoch/loss")) == 1 for r in runs)


def test_an_unwritable_folder_is_one_sentence_before_training(tmp_path, capsys):
    path = xor_file(tmp_path)
    (tmp_path / "afile").write_text("x")
    code = cli(["train", str(path), "--tensorboard", str(tmp_path / "afile" / "board"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "cannot write TensorBoard files into" in err and "; name a folder you can write to" in err


def test_a_missing_tensorboard_package_is_one_sentence(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_tensorboard(name, *args, **kwargs):
        if name.startswith(("torch.utils.tensorboard", "tensorboard")):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "torch.utils.tensorboard", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    with pytest.raises(TensorBoardError, match="needs the tensorboard package, which is not installed; install it "
                       "with 'pip install tensorboard'"):
        tensorboard_sink(tmp_path / "board", "xor")
    assert not (tmp_path / "board").exists()


def test_the_editor_can_open_a_sink_and_ddp_forwards_the_option(tmp_path):
    sink = tensorboard_sink(tmp_path / "new" / "board", "my-net")
    assert sink.folder.parent == tmp_path / "new" / "board" and sink.folder.name.startswith("my-net-")
    sink({"event": "epoch", "time": 0.0, "epoch": 1, "step": 10, "loss": 0.5, "accuracy": 0.75, "lr": 0.1,
          "val_loss": None, "elapsed_s": 1.0})
    sink({"event": "finished", "time": 0.0, "reason": "done", "best": None})
    acc = scalars(sink.folder)
    assert sorted(acc.Tags()["scalars"]) == ["epoch/accuracy", "epoch/loss"]  # None and lr left out
    assert acc.Scalars("epoch/accuracy")[0].value == 0.75 and acc.Scalars("epoch/accuracy")[0].step == 10

    class Args:
        file, nproc, nnodes, node_rank, master_addr, master_port = "x.dlproj", 2, "1", 0, "127.0.0.1", 29500
        quiet, tensorboard = True, "runs"

    cmd = torchrun_command(Args())
    assert cmd[cmd.index("--tensorboard") + 1] == "runs"
