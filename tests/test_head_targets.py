"""Heads check their targets before training: each mismatch is refused in one sentence with the
fix, instead of an IndexError mid-training or a meaningless loss."""
from __future__ import annotations

import pytest

from projects.examples.build import chain
from projects.project import Project
from runtime.trainer import Trainer


def csv_file(tmp_path, labels) -> str:
    rows = ["a,b,label"] + [f"{i % 7},{(i * 3) % 5},{label}" for i, label in enumerate(labels)]
    path = tmp_path / "data.csv"
    path.write_text("\n".join(rows) + "\n")
    return str(path)


def run(tmp_path, head: str, units: int, labels, task="auto"):
    graph = chain([("input.vector", "In", {"features": 2}), ("core.dense", "Out", {"units": units}),
                   (head, "Head", {})])
    project = Project(graph=graph, training={"dataset": {"name": "csv", "path": csv_file(tmp_path, labels)},
                                             "task": task, "epochs": 1, "batch_size": 8})
    return Trainer(project, {"device": "cpu"}).run()


def test_classification_head_refuses_more_classes_than_it_scores(tmp_path):
    result = run(tmp_path, "head.classification", 3, [i % 5 for i in range(60)])
    assert result.status == "failed" and not result.run["steps"]
    assert "class ids up to 4 (5 classes) but the head receives 3 scores: set the Dense before it to 5 units" \
        in result.reason


def test_binary_head_refuses_ten_classes(tmp_path):
    result = run(tmp_path, "head.binary", 1, [i % 10 for i in range(60)], task="binary")
    assert result.status == "failed"
    assert "10 classes but a Binary head answers yes or no" in result.reason


def test_regression_head_refuses_class_ids(tmp_path):
    result = run(tmp_path, "head.regression", 1, [i % 3 for i in range(60)], task="regression")
    assert result.status == "failed" and "class ids (3 classes), not numbers to predict" in result.reason


def test_matching_targets_train(tmp_path):
    assert run(tmp_path, "head.classification", 5, [i % 5 for i in range(60)]).status == "finished"
    assert run(tmp_path, "head.binary", 1, [i % 2 for i in range(60)], task="binary").status == "finished"


def test_nan_targets_are_refused(tmp_path):
    from runtime.tasks.supervised.training import target_summary
    import torch

    summary = target_summary(torch.tensor([[1.0], [float("nan")], [2.0]]), False, None)
    assert summary["finite"] is False and summary["min"] == 1.0 and summary["max"] == 2.0
    from nodes import resolve

    assert "NaN or infinite" in resolve("head.regression").target_problem({}, (1,), summary)


@pytest.mark.parametrize("task", ["auto", "classification"])
def test_a_gan_shaped_graph_is_not_trained_as_a_classifier(tmp_path, task):
    """Before: the dataset's images were shrunk to 8x8 and fed in as the latent vector."""
    graph = chain([("input.noise", "z", {"size": 64}), ("core.dense", "Out", {"units": 10}),
                   ("head.classification", "Head", {})])
    project = Project(graph=graph, training={"dataset": {"name": "fashion-mnist-small"}, "task": task,
                                             "epochs": 1, "batch_size": 8})
    result = Trainer(project, {"device": "cpu"}).run()
    assert result.status == "failed" and not result.run["steps"]
    assert "'z' is a Latent noise z block, which only GAN (adversarial) trains" in result.reason
    assert "set the task to GAN (adversarial)" in result.reason
