"""`netcanvas train / evaluate / predict / datasets` as a user runs them, and DDP with two gloo
processes over 127.0.0.1."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from projects.dlproj import read_project, write_project
from projects.examples.build import chain, lenet5
from projects.project import Project
from projects.training import complete_training
from runtime.cli import main as cli

FASHION = Path("/usr/share/datasets/fashion-mnist")


def run_cli(args, capsys):
    code = cli([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture()
def lenet_file(tmp_path):
    path = tmp_path / "lenet5.dlproj"
    write_project(lenet5(), path)
    return path


def test_train_writes_weights_history_and_log(lenet_file, tmp_path, capsys):
    log = tmp_path / "log.jsonl"
    out = tmp_path / "trained.dlproj"
    code, _, err = run_cli(["train", lenet_file, "--epochs", "2", "--batch-size", "64", "--limit", "600",
                            "--lr", "0.003", "--device", "cpu", "-o", out, "--log-json", log], capsys)
    assert code == 0, err
    assert "saved to" in err and "Traceback" not in err
    project, _ = read_project(out)
    assert project.weights and project.checkpoint
    run = project.history["runs"][-1]
    assert run["status"] == "finished" and len(run["epochs"]) == 2
    assert run["settings"]["optimizer"]["lr"] == 0.003
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert events[0]["event"] == "run_started" and events[-1]["event"] == "finished"
    assert read_project(lenet_file)[0].weights is None  # -o left the original alone


def test_evaluate_and_predict(lenet_file, tmp_path, capsys):
    assert run_cli(["train", lenet_file, "--epochs", "3", "--batch-size", "32", "--limit", "1000"], capsys)[0] == 0
    code, out, _ = run_cli(["evaluate", lenet_file, "--json"], capsys)
    assert code == 0
    report = json.loads(out)
    assert report["samples"] == 2000 and len(report["confusion_matrix"]) == 10
    assert sum(map(sum, report["confusion_matrix"])) == 2000
    assert report["accuracy"] > 0.3
    code, text, _ = run_cli(["evaluate", lenet_file], capsys)
    assert "confusion matrix" in text and "Ankle boot" in text
    big = tmp_path / "shirt.jpg"
    Image.fromarray((np.random.default_rng(0).random((90, 70, 3)) * 255).astype("uint8")).save(big)
    code, out, _ = run_cli(["predict", lenet_file, big, "--json"], capsys)
    assert code == 0
    (result,) = json.loads(out)["results"]
    assert result["class"] in report["classes"] and 0 < result["probability"] <= 1
    assert len(result["top3"]) == 3 and abs(sum(result["probabilities"].values()) - 1) < 1e-4


def test_failures_are_one_line_with_nonzero_exit(lenet_file, tmp_path, capsys):
    code, _, err = run_cli(["evaluate", lenet_file], capsys)
    assert code == 2 and "no trained weights yet" in err and len(err.strip().splitlines()) == 1
    code, _, err = run_cli(["train", lenet_file, "--data", "xor", "--epochs", "1"], capsys)
    assert code == 2 and "(2,)" in err and "(1, 28, 28)" in err
    code, _, err = run_cli(["train", tmp_path / "missing.dlproj"], capsys)
    assert code == 2 and "no such file" in err
    code, _, err = run_cli(["train", lenet_file, "--device", "cuda", "--epochs", "1"], capsys)
    if not __import__("torch").cuda.is_available():
        assert code == 2 and "CUDA" in err
    code, _, err = run_cli(["predict", lenet_file, tmp_path / "nothing.png"], capsys)
    assert code == 2 and "Traceback" not in err


@pytest.mark.skipif(not FASHION.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_train_on_full_fashion_mnist_from_the_debian_folder(lenet_file, capsys):
    code, _, err = run_cli(["train", lenet_file, "--data", FASHION, "--epochs", "1", "--limit", "512"], capsys)
    assert code == 0, err
    project, _ = read_project(lenet_file)
    assert project.history["runs"][-1]["dataset"] == "fashion-mnist"


def test_datasets_lists_the_catalog(capsys):
    code, out, _ = run_cli(["datasets"], capsys)
    assert code == 0 and "fashion-mnist-small" in out and "cifar10" in out


def test_ctrl_c_stops_cleanly_and_saves(lenet_file, tmp_path):
    log = tmp_path / "log.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "runtime.cli", "train", str(lenet_file), "--epochs", "50",
                             "--batch-size", "32", "--log-json", str(log)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and '"step"' not in (log.read_text() if log.exists() else ""):
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "stopped" in err
    project, _ = read_project(lenet_file)
    assert project.weights and project.history["runs"][-1]["status"] == "stopped"


def test_ddp_two_gloo_processes_match_one_process(tmp_path):
    """Same global batch: 2 processes x 32 samples give the weights of 1 process x 64."""
    from safetensors.torch import load

    graph = chain([("input.image", "Input", {"channels": 1, "height": 28, "width": 28}),
                   ("core.flatten", "Flatten", {}),
                   ("core.dense", "Hidden", {"units": 32, "activation": "tanh"}),
                   ("core.dense", "Output", {"units": 10}),
                   ("head.classification", "Softmax", {})])
    project = Project(graph=graph, training=complete_training(
        {"dataset": {"name": "fashion-mnist-small", "limit": 512}, "optimizer": {"name": "sgd", "lr": 0.05},
         "early_stopping": {"enabled": False}}))
    src = tmp_path / "mlp.dlproj"
    write_project(project, src)
    common = ["train", str(src), "--epochs", "2", "--batch-size", "64", "--device", "cpu", "--quiet"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    one = subprocess.run([sys.executable, "-m", "runtime.cli", *common, "-o", str(tmp_path / "one.dlproj")],
                         capture_output=True, text=True, env=env, timeout=300)
    assert one.returncode == 0, one.stderr
    port = 29500 + os.getpid() % 1000
    two = subprocess.run([sys.executable, "-m", "runtime.cli", *common, "-o", str(tmp_path / "two.dlproj"),
                          "--nproc", "2", "--master-port", str(port)], capture_output=True, text=True, env=env,
                         timeout=300)
    assert two.returncode == 0, two.stderr[-2000:]
    a = load(read_project(tmp_path / "one.dlproj")[0].weights)
    b = load(read_project(tmp_path / "two.dlproj")[0].weights)
    assert a.keys() == b.keys()
    for key in a:
        assert (a[key] - b[key]).abs().max() < 1e-4, key


def test_lenet5_classic_trains_from_the_command_line(tmp_path, capsys):
    """The course's LeNet-5 (trainable subsampling, partial C3) on 28x28 images padded to 32x32."""
    path = tmp_path / "classic.dlproj"
    assert run_cli(["new", "--example", "lenet5-classic", "-o", path], capsys)[0] == 0
    code, _, err = run_cli(["train", path, "--epochs", "2", "--batch-size", "32", "--limit", "1000"], capsys)
    assert code == 0, err
    run = read_project(path)[0].history["runs"][-1]
    assert run["input_shape"] == [1, 32, 32]
    assert run["epochs"][-1]["val_accuracy"] > 0.5
