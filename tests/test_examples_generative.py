"""The generative examples (GANs and VAEs): each shipped file opens, matches its builder in
projects/examples/build.py, validates, trains the task it is meant for, and trains a few steps
on tiny data to finite metrics."""
from __future__ import annotations

import math

import pytest

from projects.dlproj import read_project
from projects.examples import example_path
from projects.examples.build import EXAMPLES
from projects.training import complete_training

GENERATIVE = {"dcgan-fashion": "gan", "cgan-fashion": "gan", "gan-ring": "gan", "vae-fashion": "vae", "vae-2d": "vae"}


def structure(project) -> tuple:
    """What a builder decides: blocks (type, name, params), wires by block name, settings, title."""
    g = project.graph
    names = {nid: n.name for nid, n in g.nodes.items()}
    blocks = sorted((n.type_id, n.name, tuple(sorted(n.params.items()))) for n in g.nodes.values())
    wires = sorted((names[w.src], w.src_port, names[w.dst], w.dst_port) for w in g.wires)
    meta = (project.meta.get("title"), project.meta.get("description"))
    return blocks, wires, complete_training(project.training), meta


@pytest.mark.parametrize("name", sorted(GENERATIVE))
def test_example_opens_validates_and_matches_its_builder(name):
    from runtime.use import project_task

    project, errors = read_project(example_path(name))
    assert errors == []
    g = project.graph
    assert g.is_valid() and g.problems() == [] and g.graph_problems == []
    assert project.meta["title"] and len(project.meta["description"]) > 80
    assert structure(project) == structure(EXAMPLES[name]()), "run `python -m projects.examples.build " + name + "`"
    assert project_task(project).name == GENERATIVE[name]


def test_cgan_feeds_one_class_label_into_both_parts():
    from runtime.tasks import task_declaration
    from runtime.tasks.choice import model_parts

    g = read_project(example_path("cgan-fashion"))[0].graph
    (label,) = [n for n in g.nodes.values() if n.type_id == "input.label"]
    fed = sorted(g.nodes[w.dst].type_id for w in g.outputs_of(label.id))
    assert fed == ["gen.discriminator", "gen.generator"]
    parts = model_parts(g, task_declaration("gan"))
    assert parts.ok and label.id in parts.inputs["generator"] and label.id in parts.inputs["discriminator"]


def test_vae_2d_has_a_two_dimensional_latent():
    g = read_project(example_path("vae-2d"))[0].graph
    (latent,) = [n for n in g.nodes.values() if n.type_id == "gen.vae_encoder_head"]
    assert latent.params["latent"] == 2


@pytest.mark.parametrize("name", sorted(GENERATIVE))
def test_example_trains_a_few_steps_to_finite_metrics(name):
    from runtime.trainer import Trainer

    project = read_project(example_path(name))[0]
    epochs = []
    overrides = {"epochs": 1, "batch_size": 32, "device": "cpu", "log_every": 4, "dataset": {"limit": 256}}
    result = Trainer(project, overrides, [lambda e: epochs.append(e) if e["event"] == "epoch" else None]).run()
    assert result.status == "finished", result.reason
    assert result.run["task"] == GENERATIVE[name]
    (record,) = epochs
    keys = ("d_loss", "g_loss", "val_d_loss") if GENERATIVE[name] == "gan" else ("loss", "recon", "kl", "val_loss")
    for key in keys:
        assert math.isfinite(record[key]), (key, record)
