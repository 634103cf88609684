"""The sequence examples (issue 10): the bidirectional GRU and the Transformer on Fashion-MNIST rows and
the LSTM on the bundled WordNet definitions open, validate, keep a sequence between their input and
their recurrent or attention blocks, and train a few steps on tiny data to finite metrics; the bundled
corpus loads as padded token ids and its build script parses WordNet's data.noun as documented."""
from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

from projects.dlproj import read_project
from projects.examples import example_path

SEQUENCE = ("gru-fashion-rows", "text-classify", "transformer-classify")
TINY = {"gru-fashion-rows": {"name": "fashion-mnist-small"}, "transformer-classify": {"name": "fashion-mnist-small"},
        "text-classify": {}}
CORPUS = Path(__file__).resolve().parents[1] / "resources" / "datasets" / "wordnet-glosses"


@pytest.mark.parametrize("name", SEQUENCE)
def test_example_opens_validates_and_reads_a_time_major_sequence(name):
    from runtime.use import project_task

    project, errors = read_project(example_path(name))
    assert errors == []
    g = project.graph
    assert g.is_valid() and g.problems() == [] and g.graph_problems == []
    assert project.meta["title"] and "%" in project.meta["description"]  # states the figure it reaches
    assert project.training["clip"] == {"mode": "norm", "value": 1.0}
    reader = next(n for n in g.nodes.values() if n.type_id.startswith(("rnn.", "attn.")))
    (wire,) = [w for w in g.wires if w.dst == reader.id]
    assert " steps x " in g.port_text(wire.src, wire.src_port)  # (N, T, F): steps first, then features
    assert project_task(project).name == "classification"


def test_row_examples_read_28_rows_of_28_pixels():
    for name in ("gru-fashion-rows", "transformer-classify"):
        g = read_project(example_path(name))[0].graph
        (rows,) = [n for n in g.nodes.values() if n.type_id == "core.reshape"]
        assert g.port_text(rows.id, "out") == "28 steps x 28"
        (pool,) = [n for n in g.nodes.values() if n.type_id == "pool.global_avg"] or [None]
        if pool is not None:  # the Transformer averages its tokens over time: (28, 64) -> (64)
            assert g.port_text(pool.id, "out") == "64"


@pytest.mark.parametrize("name", SEQUENCE)
def test_example_trains_a_few_steps_to_finite_metrics(name):
    from runtime.trainer import Trainer

    project = read_project(example_path(name))[0]
    epochs = []
    overrides = {"epochs": 1, "batch_size": 32, "device": "cpu", "log_every": 4,
                 "dataset": {**TINY[name], "limit": 128}}
    result = Trainer(project, overrides, [lambda e: epochs.append(e) if e["event"] == "epoch" else None]).run()
    assert result.status == "finished", result.reason
    (record,) = epochs
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert math.isfinite(record[key]), (key, record)


def test_bundled_corpus_loads_as_right_padded_token_ids():
    from runtime.data import list_datasets, load_dataset

    info = {d.name: d for d in list_datasets()}["wordnet-glosses"]
    assert info.available and not info.needs_path
    ds = load_dataset({"name": "wordnet-glosses", "vocabulary": 10000}, (32,))
    assert ds.classes == ["animal", "artifact", "food", "location", "person", "plant"] == info.classes
    assert len(ds.train) + len(ds.val) + len(ds.test) == 6000 and len(ds.test) == 1200
    x = ds.train.x
    assert x.shape[1] == 32 and int(x.max()) < 10000 and len(ds.extras["vocabulary"]) <= 10000
    lengths = (x != 0).sum(1)
    assert bool(((x != 0).cumprod(1).sum(1) == lengths).all())  # no id 0 before the last word
    assert (CORPUS / "LICENSE").read_text().count("WordNet 3.0 Copyright 2006 by Princeton University") == 1


def test_make_corpus_keeps_definitions_of_the_six_categories_without_examples(tmp_path):
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "data.noun").write_text(
        "  1 This software and database is being provided to you, the LICENSEE, by  \n"
        '01503061 05 n 01 bird 0 000 | warm-blooded egg-laying vertebrates; "a bird in the hand"  \n'
        "02958343 06 n 02 car 0 auto 0 000 | a motor vehicle with four wheels  \n"
        "05000000 07 n 01 size 0 000 | the physical magnitude of something  \n"
        "07000000 13 n 01 roe 0 000 | fish eggs;  \n"
        "08000000 15 n 01 city 0 000 | a large town  \n"
        "09000000 18 n 01 baker 0 000 | someone who bakes bread  \n"
        "12000000 20 n 01 oak 0 000 | a tree bearing acorns  \n", encoding="utf-8")
    found = module.definitions(tmp_path / "data.noun")
    assert found["animal"] == ["warm-blooded egg-laying vertebrates"]
    assert found["artifact"] == ["a motor vehicle with four wheels"] and found["food"] == ["fish eggs"]
    assert sum(map(len, found.values())) == 6  # noun.attribute (07) is not one of the six
    lines = module.build(tmp_path, 1, seed=0)
    assert sorted(lines) == sorted(f"{label}\t{texts[0]}" for label, texts in found.items())
    assert module.build(tmp_path, 1, seed=0) == lines  # seeded: the same file again
    with pytest.raises(SystemExit, match="only 1 animal synsets"):
        module.build(tmp_path, 2, seed=0)
