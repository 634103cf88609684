"""Defaults that do not cut training short (issue 13): early stopping's patience scales with the
run's length, short runs are left alone, and classifiers are judged by their validation accuracy."""
from __future__ import annotations

import pytest

from projects.examples.build import chain
from projects.project import Project
from projects.training import complete_training
from runtime.plan import resolved_patience as effective_patience
from runtime.tasks import task_declaration
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


def test_new_projects_get_the_auto_schedule_and_it_depends_on_the_task():
    from projects.training import default_training
    from runtime.plan import resolved_schedule

    def effective_schedule(s, task):
        return resolved_schedule(s, task_declaration(task))

    assert default_training()["schedule"]["name"] == "auto"
    s = effective_schedule(settings(epochs=20), "classification")
    assert s["name"] == "wsd" and s["warmup_epochs"] == 1.0 and s["chosen"] == "auto"
    assert effective_schedule(settings(epochs=5), "binary")["warmup_epochs"] == 0.5  # a tenth of the run...
    assert effective_schedule(settings(epochs=40), "regression")["warmup_epochs"] == 1.0  # ...at most one epoch
    assert effective_schedule(settings(epochs=20), "gan")["name"] == "none"  # GANs keep a constant rate
    assert effective_schedule(settings(epochs=20), "vae")["name"] == "none"  # measured: no gain on VAEs
    explicit = effective_schedule(settings(schedule={"name": "none"}), "classification")
    assert explicit["name"] == "none" and "chosen" not in explicit


def test_the_auto_schedule_warms_up_holds_then_decays_to_zero():
    result = Trainer(tiny("classification", epochs=20, batch_size=1, early_stopping={"enabled": False})).run()
    run = result.run
    assert run["settings"]["schedule"]["name"] == "wsd" and run["settings"]["schedule"]["chosen"] == "auto"
    lrs = [s["lr"] for s in run["steps"]]  # the rate after each step (log_every 1, 4 steps an epoch, 80 in all)
    assert len(lrs) == 80
    assert lrs[:4] == pytest.approx([0.05 * f for f in (0.4, 0.6, 0.8, 1.0)])  # warm-up: one epoch
    assert lrs[3:64] == pytest.approx([0.05] * 61)  # the rate the user set, until the last fifth
    assert all(a > b for a, b in zip(lrs[63:], lrs[64:])) and lrs[-1] == pytest.approx(0.0, abs=1e-12)


def test_schedule_factors():
    from runtime.optim import warmup_cosine, warmup_stable_decay

    assert [round(warmup_cosine(t, 3, 10), 3) for t in range(3)] == [0.25, 0.5, 0.75]
    assert warmup_cosine(3, 3, 10) == 1.0 and warmup_cosine(10, 3, 10) == pytest.approx(0.0)
    assert warmup_cosine(50, 3, 10) == pytest.approx(0.0)  # never rises again past the end
    assert [warmup_stable_decay(t, 1, 4, 10) for t in range(11)] == [0.5, 1, 1, 1, 1, 1, 1, 0.75, 0.5, 0.25, 0]


def test_the_editor_note_says_what_auto_does():
    from runtime.plan import auto_notes, plan_run
    from generative_graphs import RING, point_gan, project as generative_project

    classifier = tiny("classification", epochs=10)
    assert "falls to zero over the last 20%" in auto_notes(plan_run(classifier))
    gan = generative_project(point_gan(), RING, epochs=10)
    assert "Schedule (auto): a constant learning rate for this task" in auto_notes(plan_run(gan))
    cosine = tiny("classification", epochs=10, schedule={"name": "cosine"})
    assert "Schedule" not in auto_notes(plan_run(cosine))


def test_cpu_guard_skips_a_non_finite_step_on_the_host_and_lets_finite_ones_through():
    import torch

    from runtime.optim import guard_non_finite, make_optimizer
    from runtime.plan import plan_run

    torch.manual_seed(0)
    layer = torch.nn.Linear(3, 2)
    params = list(layer.parameters())
    opt = make_optimizer(params, plan_run(tiny("classification", optimizer={"name": "adam", "lr": 0.1})).optimizers["model"])
    assert opt.skips_non_finite
    found = torch.zeros(())
    layer(torch.ones(1, 3)).sum().backward()
    assert guard_non_finite(opt, params, found) is True
    assert opt.found_inf is None  # on the CPU the skip is decided here, not by the fused kernel
    opt.step()
    opt.zero_grad()
    layer(torch.ones(1, 3)).sum().backward()
    params[0].grad[0, 0] = float("inf")
    assert guard_non_finite(opt, params, found) is False  # the caller skips opt.step()
    assert float(found) == 1.0
