"""Defaults that do not cut training short (issue 13): early stopping's patience scales with the
run's length, short runs are left alone, and classifiers are judged by their validation accuracy."""
from __future__ import annotations

from projects.examples.build import chain
from projects.project import Project
from projects.training import complete_training, effective_patience
from runtime.trainer import Trainer


def settings(**changes) -> dict:
    s = complete_training(None)
    for key, value in changes.items():
        if isinstance(value, dict):
            s[key].update(value)
        else:
            s[key] = value
    return s


def test_patience_scales_with_the_run():
    assert effective_patience(settings(epochs=150)) == 15
    assert effective_patience(settings(epochs=31)) == 4
    assert effective_patience(settings(epochs=10)) == 3
    assert effective_patience(settings(epochs=5)) is None  # too short to have a plateau
    assert effective_patience(settings(epochs=5, early_stopping={"patience": 2})) == 2  # asked for: kept
    assert effective_patience(settings(epochs=150, early_stopping={"enabled": False})) is None


def tiny(task_head: str, **training) -> Project:
    head = {"classification": ("head.classification", "xor", 2), "regression": ("head.regression", "xor", 1)}
    type_id, data, units = head[task_head]
    graph = chain([("input.vector", "In", {"features": 2}), ("core.dense", "H", {"units": 8, "activation": "tanh"}),
                   ("core.dense", "Out", {"units": units}), (type_id, "Head", {})])
    dataset = {"name": data, **({"targets": "values"} if task_head == "regression" else {})}
    return Project(graph=graph, training={"dataset": dataset, "batch_size": 4, "log_every": 1,
                                          "optimizer": {"name": "adam", "lr": 0.05}, **training})


def test_classifiers_are_watched_by_validation_accuracy_and_regressions_by_loss():
    run = Trainer(tiny("classification", epochs=8)).run().run
    assert run["best"]["monitor"] == "val_accuracy"
    run = Trainer(tiny("regression", task="regression", epochs=8)).run().run
    assert run["best"]["monitor"] == "val_loss"


def test_a_short_run_is_not_stopped_early_by_default():
    # a learning rate that makes the validation loss jump about: patience 1 would stop it at once
    result = Trainer(tiny("regression", task="regression", epochs=5, optimizer={"name": "sgd", "lr": 1.5})).run()
    assert len(result.run["epochs"]) == 5 and "early stopping" not in result.reason
    result = Trainer(tiny("regression", task="regression", epochs=5, optimizer={"name": "sgd", "lr": 1.5},
                          early_stopping={"patience": 1})).run()
    assert len(result.run["epochs"]) < 5 or "early stopping" not in result.reason  # asked for: may stop
