"""A new kind of training is one package (issue 22): the denoising autoencoder of tests/plugins/denoising,
which no file of NetCanvas knows, trains, evaluates, predicts and exports through the command line
(loaded from $NETCANVAS_TASKS) and through the editor (loaded by name), its settings shown in the
inspector and its report in the Evaluation tab."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from projects.dlproj import read_project, write_project
from projects.examples.build import chain
from projects.project import Project
from runtime.tasks import load_task_package, task_declaration, unload_task_package

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = "plugins.denoising"


def denoiser(**training) -> Project:
    graph = chain([("input.image", "Noisy", {"channels": 1, "height": 28, "width": 28}),
                   ("conv.conv2d", "C1", {"out_channels": 16, "kernel": 3, "same": True, "activation": "relu"}),
                   ("conv.conv2d", "C2", {"out_channels": 1, "kernel": 3, "same": True, "activation": "sigmoid"}),
                   ("head.regression", "Clean", {})])
    settings = {"task": "denoising", "dataset": {"name": "fashion-mnist-small", "limit": 2000}, "epochs": 3,
                "batch_size": 64, "optimizer": {"name": "adam", "lr": 0.003}, "log_every": 5}
    return Project(graph=graph, training={**settings, **training})


@pytest.fixture
def plugin():
    """The plugin's tasks, registered for one test and forgotten after it."""
    load_task_package(PLUGIN)
    yield task_declaration("denoising")
    unload_task_package(PLUGIN)


def photo(path: Path) -> Path:
    rng = np.random.default_rng(0)
    image = np.zeros((40, 40), np.uint8)
    image[8:32, 12:28] = 200
    Image.fromarray(np.clip(image + rng.normal(0, 5, image.shape), 0, 255).astype(np.uint8)).save(path)
    return path


def netcanvas(*argv, plugins: bool = True):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    env.pop("NETCANVAS_TASKS", None)
    if plugins:
        env["NETCANVAS_TASKS"] = PLUGIN
    return subprocess.run([sys.executable, "-c", "import sys; from runtime.cli import main; sys.exit(main())", *map(str, argv)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)


def test_the_command_line_trains_evaluates_predicts_and_exports_a_plugin_task(tmp_path):
    path = tmp_path / "denoise.dlproj"
    write_project(denoiser(), path)
    refused = netcanvas("train", path, plugins=False)
    assert refused.returncode == 2 and "there is no training task 'denoising'" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    trained = netcanvas("train", path, "--denoise-noise-std", "0.25", "--quiet")
    assert trained.returncode == 0, trained.stderr
    project, _ = read_project(path)
    run = project.history["runs"][-1]
    assert run["task"] == "denoising" and run["settings"]["denoise"]["noise_std"] == 0.25
    assert run["overrides"]["denoise"] == {"noise_std": 0.25} and "denoise" not in project.training
    assert run["best"]["monitor"] == "val_psnr"
    report = netcanvas("evaluate", path, "--json")
    assert report.returncode == 0, report.stderr
    figures = json.loads(report.stdout)
    assert figures["noise_std"] == 0.25 and figures["psnr"] > figures["noisy_psnr"] + 2  # it learned to denoise
    text = netcanvas("evaluate", path, "--examples", "4").stdout
    assert text.startswith("test set: 2,000 images of 'fashion-mnist-small': PSNR") and "gain +" in text
    wrong = netcanvas("evaluate", path, "--samples", "5")
    assert wrong.returncode == 2 and "--samples does not apply to evaluating a Denoising autoencoder project" \
        in wrong.stderr
    out = tmp_path / "denoised.png"
    predicted = netcanvas("predict", path, photo(tmp_path / "shirt.png"), "-o", out)
    assert predicted.returncode == 0, predicted.stderr
    assert "denoised" in predicted.stdout and Image.open(out).size == (28 + 4, 2 * 30 + 2)  # noisy above denoised
    exported = netcanvas("export", path, "-f", "torchscript", "-o", tmp_path / "denoise.torchscript")
    assert exported.returncode == 0, exported.stderr
    import torch

    module = torch.jit.load(str(tmp_path / "denoise.torchscript"))
    assert tuple(module(torch.rand(2, 1, 28, 28)).shape) == (2, 1, 28, 28)


def test_the_editor_trains_a_plugin_task_and_renders_what_it_declares(window, qtbot, tmp_path, plugin):
    window.doc.set_project(denoiser(), None)
    window.inspector.show_selection([])
    assert ("denoise", "noise_std") in window.inspector.rows  # the task's own settings, in its own section
    assert "denoising" in window.inspector.rows[(None, "task")].param.choices
    session, d = window.training, window.training.dashboard
    session.mode = "process"  # the training process loads the plugin package the editor loaded
    assert session.train()
    qtbot.waitUntil(lambda: session.state == "idle", timeout=120_000)
    assert d.curves.acc_plot.getPlotItem().titleLabel.text == "Peak signal-to-noise ratio"
    run = window.doc.project.history["runs"][-1]
    assert run["status"] == "finished" and run["task"] == "denoising", run.get("reason")
    qtbot.waitUntil(lambda: d.evaluation.report is not None, timeout=60_000)
    report = d.evaluation.report
    assert report["psnr"] > report["noisy_psnr"] and "PSNR" in d.evaluation.status.text()
    (title, grid), = d.evaluation.page.galleries
    assert title.startswith("Test images: noisy, denoised, clean") and grid.count() == 3 * 8
    assert d.prediction.mode == "images" and d.prediction.body.isVisibleTo(d.prediction)
    result = d.prediction.predict(photo(tmp_path / "shirt.png"))
    assert result["psnr"] > 0 and not d.prediction.output.pixmap().isNull()
    written = window.training.exports.export_model("torchscript", str(tmp_path / "d.torchscript"))
    assert written and written[0].exists(), window.errors
    window.open_example("lenet5")  # another project: nothing of this one stays
    assert d.evaluation.report is None and d.prediction.result is None and d.prediction.mode == "classes"
