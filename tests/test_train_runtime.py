"""The trainer: every task trains to a real result on tiny real or synthetic data, events are
emitted, pause/resume/stop act within a batch, failures end with one-sentence reasons."""
from __future__ import annotations

import math
import threading

import pytest
import torch

from projects.examples.build import chain, lenet5, mlp, xor_perceptron
from projects.project import Project
from projects.training import complete_training
from runtime.data import load_dataset
from runtime.events import RunControl
from runtime.trainer import Trainer, record_run

QUICK = {"early_stopping": {"enabled": False}, "log_every": 5}


def train(project, overrides=None, sinks=(), control=None, dataset=None):
    return Trainer(project, {**QUICK, **(overrides or {})}, list(sinks), control or RunControl(),
                   dataset=dataset).run()


@pytest.fixture(scope="module")
def small_fashion():
    return load_dataset({"name": "fashion-mnist-small", "limit": 1024, "val_fraction": 0.2}, (1, 28, 28))


def test_classification_learns_and_emits_events(small_fashion):
    events = []
    result = train(lenet5(), {"epochs": 3, "batch_size": 64}, [events.append], dataset=small_fashion)
    assert result.status == "finished", result.reason
    kinds = [e["event"] for e in events]
    assert kinds[0] == "run_started" and kinds[-1] == "finished"
    assert {"step", "epoch", "validation", "checkpoint"} <= set(kinds)
    epochs = [e for e in events if e["event"] == "epoch"]
    assert epochs[-1]["loss"] < epochs[0]["loss"]
    assert epochs[-1]["val_accuracy"] > 0.5  # 10 classes: chance is 0.1
    steps = [e for e in events if e["event"] == "step"]
    assert all(e["samples_per_s"] > 0 and e["eta_s"] >= 0 for e in steps)
    assert result.weights and result.checkpoint


def test_same_seed_same_curves(small_fashion):
    curves = []
    for _ in range(2):
        events = []
        train(mlp(), {"epochs": 1, "batch_size": 128, "seed": 7}, [events.append], dataset=small_fashion)
        curves.append([e["loss"] for e in events if e["event"] == "step"])
    assert curves[0] == curves[1]


def test_regression_forecasting_on_sine():
    graph = chain([("input.sequence", "Series", {"steps": 32, "features": 1}),
                   ("rnn.gru", "GRU", {"hidden_size": 16, "output": "last"}),
                   ("core.dense", "Next", {"units": 1}),
                   ("head.regression", "MSE", {})])
    project = Project(graph=graph, training=complete_training({"dataset": {"name": "sine"}, "epochs": 4,
                                                                "batch_size": 32, "optimizer": {"lr": 0.01}}))
    events = []
    result = train(project, sinks=[events.append])
    assert result.status == "finished", result.reason
    val = [e for e in events if e["event"] == "validation"]
    assert val[-1]["val_mse"] < 0.1 and val[-1]["val_r2"] > 0.8


def test_sequence_classification_on_text_lines(tmp_path):
    lines = []
    for i in range(60):
        lines.append(f"good\tthis film was great and fun {i % 7}")
        lines.append(f"bad\tthis film was awful and boring {i % 5}")
    path = tmp_path / "reviews.txt"
    path.write_text("\n".join(lines))
    graph = chain([("input.tokens", "Tokens", {"steps": 12, "vocabulary": 64}),
                   ("core.embedding", "Embed", {"vocabulary": 64, "dim": 8}),
                   ("rnn.lstm", "LSTM", {"hidden_size": 16, "output": "last"}),
                   ("core.dense", "Scores", {"units": 2}),
                   ("head.classification", "Softmax", {})])
    project = Project(graph=graph, training=complete_training(
        {"dataset": {"name": "text-lines", "path": str(path), "max_length": 12}, "epochs": 6, "batch_size": 16,
         "optimizer": {"lr": 0.01}}))
    events = []
    result = train(project, sinks=[events.append])
    assert result.status == "finished", result.reason
    assert [e for e in events if e["event"] == "validation"][-1]["val_accuracy"] >= 0.9


def test_xor_example_learns_the_truth_table():
    result = train(xor_perceptron(), {"epochs": 300})
    assert result.status == "finished"
    assert result.run["epochs"][-1]["loss"] < 0.05


def test_stop_within_one_batch_keeps_weights(small_fashion):
    control = RunControl()
    steps = []

    def sink(e):
        if e["event"] == "step":
            steps.append(e["step"])
            if len(steps) == 2:
                control.stop()

    result = train(mlp(), {"epochs": 5, "batch_size": 32, "log_every": 1}, [sink], control, small_fashion)
    assert result.status == "stopped"
    assert steps[-1] == 2  # the batch after the request did not run
    assert result.weights


def test_pause_and_resume(small_fashion):
    control = RunControl()
    kinds = []

    def sink(e):
        kinds.append(e["event"])
        if e["event"] == "step" and e["step"] == 2:
            control.pause()
            threading.Timer(0.3, control.resume).start()

    result = train(mlp(), {"epochs": 1, "batch_size": 64, "log_every": 1}, [sink], control, small_fashion)
    assert result.status == "finished"
    i = kinds.index("paused")
    assert kinds[i + 1] == "resumed"
    assert kinds[i - 1] == "step"


def test_early_stopping_restores_best(small_fashion):
    result = Trainer(mlp(), {"epochs": 30, "batch_size": 256, "optimizer": {"lr": 0.05},
                             "early_stopping": {"enabled": True, "patience": 1, "monitor": "val_loss"}},
                     dataset=small_fashion).run()
    assert result.status == "finished"
    assert "early stopping" in result.reason
    assert result.run["best"]["epoch"] < len(result.run["epochs"])
    assert result.weights == result.checkpoint  # the best weights were restored


def test_nan_loss_stops_with_remedy_and_finite_weights(small_fashion, monkeypatch):
    from nodes.heads import ClassificationHead

    real = ClassificationHead.loss.__func__
    calls = {"n": 0}

    def poisoned(cls, p, outputs, target):
        calls["n"] += 1
        loss = real(cls, p, outputs, target)
        return loss * float("nan") if calls["n"] >= 4 else loss

    monkeypatch.setattr(ClassificationHead, "loss", classmethod(poisoned))
    from runtime.tasks.base import Task

    real_update, before = Task.update, {}

    def update(self, part, loss):
        if calls["n"] == 4 and not before:  # the weights the 4th (NaN) step starts from
            before.update({k: v.detach().clone() for k, v in self.ctx.compiled.module.state_dict().items()})
        real_update(self, part, loss)

    monkeypatch.setattr(Task, "update", update)
    result = train(mlp(), {"epochs": 2, "batch_size": 64, "log_every": 5}, dataset=small_fashion)
    assert result.status == "failed"
    assert "NaN at step 4" in result.reason and "lower the learning rate" in result.reason
    assert "the weights of the last finite step were kept" in result.reason
    from safetensors.torch import load

    weights = load(result.weights)
    assert all(torch.isfinite(t).all() for t in weights.values())
    # caught on the device at the step it appeared: exactly the weights after step 3, not those of the
    # last read (step 0 here, the reads come every 5 steps)
    for name, value in before.items():
        if name in weights and value.is_floating_point():
            torch.testing.assert_close(weights[name], value, rtol=0, atol=0)


def test_out_of_memory_suggests_a_batch_size(small_fashion, monkeypatch):
    from runtime.tasks.supervised.training import Training

    real = Training.train_step
    module_forward = {}

    def limited(self, batch):
        if len(batch["x"]) > 16:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(self, batch)

    monkeypatch.setattr(Training, "train_step", limited)
    import runtime.trainer as trainer_mod

    def fitting(self, fields, batch):
        module_forward["asked"] = batch
        size = batch // 2
        while size > 16:
            size //= 2
        return size

    monkeypatch.setattr(trainer_mod.Trainer, "_fitting_batch", fitting)
    result = train(mlp(), {"epochs": 1, "batch_size": 128}, dataset=small_fashion)
    assert result.status == "failed"
    assert "ran out of memory with batch size 128" in result.reason and "--batch-size 16" in result.reason


def test_fitting_batch_probe_halves_until_it_fits(small_fashion, monkeypatch):
    """The real probe: forward/backward at halving sizes until no out-of-memory error."""
    from runtime import trainer as trainer_mod

    trainer = Trainer(mlp(), {**QUICK, "epochs": 1}, dataset=small_fashion)
    trainer.run()
    calls = []
    module = trainer.compiled.module
    real_forward = module.forward

    def forward(x):
        calls.append(len(x))
        if len(x) > 20:
            raise torch.OutOfMemoryError("out of memory")
        return real_forward(x)

    monkeypatch.setattr(module, "forward", forward)
    monkeypatch.setattr(trainer_mod, "free_memory", lambda device: None)
    fields = {"x": small_fashion.train.x[:128], "y": small_fashion.train.y[:128]}
    size = trainer._fitting_batch(fields, 128)
    assert calls == [64, 32, 16] and size == 16


def test_dataset_shape_mismatch_is_refused_before_training():
    project = lenet5()
    project.training["dataset"] = {"name": "xor"}
    result = train(project, {"epochs": 1})
    assert result.status == "failed"
    assert "(2,)" in result.reason and "(1, 28, 28)" in result.reason


def test_invalid_graph_is_refused_with_its_validation_message():
    project = lenet5()
    conv = project.graph.node_by_name("C3")
    project.graph.set_param(conv.id, "kernel", 50)
    result = train(project, {"epochs": 1})
    assert result.status == "failed" and "C3" in result.reason and "kernel" in result.reason


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "rmsprop"])
@pytest.mark.parametrize("schedule", ["none", "step", "cosine", "onecycle"])
def test_optimizers_and_schedules(optimizer, schedule, small_fashion):
    events = []
    result = train(mlp(), {"epochs": 2, "batch_size": 256, "optimizer": {"name": optimizer, "lr": 0.01,
                                                                          "nesterov": True},
                           "schedule": {"name": schedule, "step_size": 1, "gamma": 0.5},
                           "clip": {"mode": "norm", "value": 1.0}}, [events.append], dataset=small_fashion)
    assert result.status == "finished", result.reason
    lrs = [e["lr"] for e in events if e["event"] == "epoch"]
    if schedule == "none":
        assert lrs[0] == lrs[1] == 0.01
    elif schedule == "step":
        assert math.isclose(lrs[1], lrs[0] / 2)
    else:
        assert lrs[1] < lrs[0] or schedule == "onecycle"


def test_augmentation_and_clip_by_value(small_fashion):
    result = train(lenet5(), {"epochs": 1, "batch_size": 128, "clip": {"mode": "value", "value": 0.5},
                              "augment": {"hflip": True, "random_crop": 2, "affine": True}},
                   dataset=small_fashion)
    assert result.status == "finished", result.reason


def test_feature_maps_are_sent_for_watched_blocks(small_fashion):
    project = lenet5()
    control = RunControl()
    control.watch([project.graph.node_by_name("C1").id, project.graph.node_by_name("F6").id])
    maps = []
    train(project, {"epochs": 1, "batch_size": 128}, [lambda e: maps.append(e) if e["event"] == "feature_maps"
                                                      else None], control, small_fashion)
    assert maps
    last = maps[-1]["maps"]
    assert last[project.graph.node_by_name("C1").id].shape == (6, 28, 28)
    assert last[project.graph.node_by_name("F6").id].shape == (84,)
    weights = maps[-1]["weights"]  # the watched blocks' weights as they are now
    c1, f6 = weights[project.graph.node_by_name("C1").id], weights[project.graph.node_by_name("F6").id]
    assert c1["shape"] == (6, 1, 5, 5) and c1["kernels"].shape == (6, 1, 5, 5) and c1["counts"].sum() == 150
    assert f6["shape"] == (84, 120) and f6["kernels"] is None and len(f6["edges"]) == len(f6["counts"]) + 1


def test_record_run_puts_weights_and_history_into_the_project(small_fashion):
    project = mlp()
    result = train(project, {"epochs": 1, "batch_size": 256}, dataset=small_fashion)
    record_run(project, result)
    assert project.weights == result.weights
    run = project.history["runs"][-1]
    assert run["status"] == "finished" and run["classes"][0] == "T-shirt/top" and run["epochs"]


def test_gradient_norms_show_vanishing_gradients_in_a_deep_sigmoid_net(small_fashion):
    layers = [("input.image", "Input", {"channels": 1, "height": 28, "width": 28}), ("core.flatten", "Flatten", {})]
    layers += [("core.dense", f"D{i}", {"units": 32, "activation": "sigmoid"}) for i in range(1, 7)]
    layers += [("core.dense", "Out", {"units": 10}), ("head.classification", "Softmax", {})]
    project = Project(graph=chain(layers), training=complete_training({"epochs": 1, "batch_size": 64}))
    control = RunControl()
    control.watch_gradients()
    sent = []
    train(project, {"epochs": 1, "batch_size": 64, "log_every": 1}, [sent.append], control, small_fashion)
    norms = [e["norms"] for e in sent if e["event"] == "gradients"]
    assert norms, "no gradients event"
    names = {n.id: n.name for n in project.graph.nodes.values()}
    last = {names[nid]: v for nid, v in norms[-1].items()}
    assert list(last) == ["D1", "D2", "D3", "D4", "D5", "D6", "Out"]  # blocks with parameters, forward order
    assert all(math.isfinite(v) and v > 0 for v in last.values())
    assert last["D1"] < last["D6"] / 10 < last["Out"]  # each sigmoid shrinks the gradient on its way back


def test_gradient_norms_are_not_sent_unless_asked(small_fashion):
    sent = []
    train(mlp(), {"epochs": 1, "batch_size": 128}, [sent.append], dataset=small_fashion)
    assert "gradients" not in {e["event"] for e in sent}
