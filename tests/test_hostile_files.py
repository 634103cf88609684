"""Opening a stranger's .dlproj is as safe as opening a PNG: every file of the hostile corpus
(tests/hostile.py) is refused with one ProjectFileError sentence naming the file, or opens with
its damaged parts dropped; nothing is unpickled, executed, written or contacted; bombs are
refused without inflating them; names from the file are shown escaped; weights are checked
against the graph before they are used; data locations a file names need the user's consent."""
from __future__ import annotations

import os
import sys
import tracemalloc
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hostile  # noqa: E402
from projects import trust  # noqa: E402
from projects.dlproj import ProjectFileError, dumps_project, loads_project, read_project  # noqa: E402
from projects.summary import summarize  # noqa: E402

SAMPLE = list(hostile.corpus(sample=True))


def _open(path: Path):
    """read_project, with the Guard recording anything forbidden; returns (outcome, message)."""
    with hostile.Guard() as guard:
        try:
            project, errors = read_project(path)
            outcome = ("opened", errors, project)
        except ProjectFileError as e:
            outcome = ("refused", str(e), None)
    assert guard.events == [], guard.events
    return outcome


@pytest.fixture(scope="module")
def corpus_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    hostile.CANARY.unlink(missing_ok=True)
    results = {}
    for case in SAMPLE:
        path = folder / "case.dlproj"
        path.write_bytes(case.data)
        before = hostile.watched_writes(folder)
        results[case.name] = (case, _open(path))
        assert hostile.watched_writes(folder) == before, case.name
    return results


def test_every_hostile_file_is_refused_in_one_sentence_or_opens(corpus_results):
    refused = 0
    for name, (case, (outcome, detail, project)) in corpus_results.items():
        if outcome == "refused":
            refused += 1
            assert detail.startswith("case.dlproj: "), (name, detail)
            assert "\n" not in detail and "Traceback" not in detail and "\x1b" not in detail, (name, detail)
        else:
            assert not case.must_refuse, f"{name} opened: {detail[:3]}"
            # what the editor and `netcanvas summary` do next must not fail either
            summarize(project.graph).to_text()
            again, _ = loads_project(dumps_project(project))
            assert len(again.graph.nodes) == len(project.graph.nodes)
    assert refused > len(corpus_results) / 4


def test_no_pickle_in_any_hostile_file_ran(corpus_results):
    assert any(name.startswith(("pickle", "torch")) for name in corpus_results)
    assert not hostile.CANARY.exists()


@pytest.mark.parametrize("name", [f"slip-{i:02d}" for i in range(len(hostile.SLIP_NAMES))] +
                         ["slip-shadow-only", "symlink-entry", "duplicate-name", "duplicate-name-case",
                          "encrypted-entry", "bzip2-method", "unknown-method-99"])
def test_zip_slip_names_and_odd_entries_are_refused(name, corpus_results):
    outcome, message, _ = corpus_results[name][1]
    assert outcome == "refused", message
    assert "member" in message or "twice" in message


def test_a_nul_shadow_member_is_refused_not_read_in_place_of_the_real_one():
    data = hostile.project_zip(extra=[hostile.member(b"graph.json\x00shadow", b'{"nodes": [], "wires": []}')])
    with pytest.raises(ProjectFileError, match="control characters"):
        loads_project(data)


@pytest.mark.parametrize("name", ["bomb-classic", "bomb-lying-size", "bomb-lying-local", "bomb-ratio",
                                  "bomb-zip64-huge", "bomb-zip64-2e62", "bomb-overlap", "bomb-entries",
                                  "bomb-entries-declared", "bomb-entries-zip64", "local-name-differs",
                                  "local-method-differs", "stored-sizes-differ", "crc-wrong", "offset-outside"])
def test_bombs_are_refused_without_inflating_them(name):
    case = next(c for c in hostile.bombs() if c.name == name)
    tracemalloc.start()
    try:
        with pytest.raises(ProjectFileError):
            loads_project(case.data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * len(case.data) + 8 * 2**20, f"{name}: {peak / 2**20:.0f} MB allocated"


@pytest.mark.parametrize("name", ["deep-list", "deep-dict", "deep-unclosed", "deep-in-params", "nan", "infinity",
                                  "float-overflow", "huge-int-digits", "duplicate-key", "not-utf8", "utf16-bom",
                                  "min-reader-float", "min-reader-string", "min-reader-too-new",
                                  "format-version-bool", "wires-not-list"])
def test_json_attacks_are_refused(name):
    case = next(c for c in hostile.json_attacks() if c.name == name)
    with pytest.raises(ProjectFileError) as info:
        loads_project(case.data)
    if name == "min-reader-too-new":
        assert "format 9" in str(info.value) and "reader of format 7" in str(info.value) \
            and "reads format 1" in str(info.value)


def test_out_of_bounds_parameters_are_problems_on_their_block():
    case = next(c for c in hostile.huge_numbers() if c.name == "huge--1")
    project, _ = loads_project(case.data)
    messages = [p.message for p in project.graph.problems()]
    assert any("must be at least" in m for m in messages), messages


def test_a_model_too_large_for_memory_is_refused_before_anything_is_allocated():
    case = next(c for c in hostile.huge_numbers() if c.name == "model-larger-than-memory")
    with pytest.raises(ProjectFileError, match="parameters, whose weights alone need"):
        loads_project(case.data)


def test_not_a_regular_file_is_refused_before_reading(tmp_path):
    fifo = tmp_path / "pipe.dlproj"
    os.mkfifo(fifo)
    with pytest.raises(ProjectFileError, match="not a regular file"):
        read_project(fifo)  # opened non-blocking: no writer needed for this not to hang
    with pytest.raises(ProjectFileError, match="not a regular file"):
        read_project("/dev/zero")
    with pytest.raises(ProjectFileError, match="it is a folder"):
        read_project(tmp_path)


def test_damaged_weights_are_dropped_with_a_sentence_and_the_model_opens():
    for name, blob in hostile.broken_safetensors():
        project, errors = loads_project(hostile.project_zip(blobs={"weights.safetensors": blob}))
        assert project.weights is None and len(project.graph.nodes) == 10, name
        assert any(e.startswith("weights.safetensors holds weights that are") for e in errors), (name, errors)


def test_block_names_are_escaped_and_renames_are_reported(capsys, tmp_path):
    docs = hostile.base_docs()
    nodes = docs["graph.json"]["nodes"]
    nodes[1]["name"] = "\x1b[2J\x1b[31mC1\nfake line"
    nodes[2]["name"] = nodes[3]["name"]
    path = tmp_path / "names.dlproj"
    path.write_bytes(hostile.project_zip(docs))
    project, errors = read_project(path)
    names = [n.name for n in project.graph.nodes.values()]
    assert all(name.isprintable() for name in names) and len(set(names)) == len(names)
    assert any("was renamed" in e and "control characters" in e for e in errors)
    assert any("another block already has that name" in e for e in errors)
    from runtime.cli import main

    main(["summary", str(path)])
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err and "\\x1b[2J" in out
    assert all(not line.startswith("fake line") for line in out.splitlines())


def test_loader_modules_never_unpickle_or_evaluate():
    root = Path(__file__).resolve().parent.parent / "projects"
    for module in ("archive.py", "strict_json.py", "weights_check.py", "file_checks.py", "trust.py", "names.py"):
        source = (root / module).read_text()
        for word in ("pickle", "eval(", "exec(", "torch.load", "__import__", "importlib", "import zipfile"):
            assert word not in source, (module, word)
    assert "ZipFile(" not in (root / "dlproj.py").read_text().split("# ---- writing")[0]  # reading is archive.py's


def test_name_index_stays_right_through_edits():
    from projects.graph import Graph

    g = Graph()
    a = g.add_node("core.dense", "Dense")
    b = g.add_node("core.dense")
    assert g.unique_name("Dense") == "Dense2" and g.node_by_name("Dense1") is b
    g.rename(b.id, "Other")
    assert g.node_by_name("Dense1") is None and g.node_by_name("Other") is b and g.unique_name("Dense") == "Dense1"
    node, wires = g.remove_node(a.id)
    assert g.node_by_name("Dense") is None
    g.restore_node(node, wires)
    assert g.node_by_name("Dense") is a


# ---- weights checked against the graph -----------------------------------------------------------------
@pytest.fixture(scope="module")
def lenet():
    from projects.examples.build import lenet5_classic

    return lenet5_classic()


@pytest.mark.parametrize("name", ["missing-tensor", "extra-tensor", "wrong-shape", "integer-relabelled",
                                  "half-precision", "renamed"])
def test_weights_that_do_not_fit_are_refused_before_the_full_model_is_built(name, lenet, monkeypatch):
    import torch

    import runtime.weights as weights

    blob = dict(hostile.mismatched_weights(lenet.graph))[name]
    project, _ = loads_project(hostile.project_zip(blobs={"weights.safetensors": blob}))
    assert project.weights == blob  # well-formed: kept, and checked when used
    built = []
    real = weights.compile_graph
    monkeypatch.setattr(weights, "compile_graph", lambda g: built.append(torch.empty(0).device.type) or real(g))
    with pytest.raises(weights.WeightsError, match="train again") as info:
        weights.trained_model(project)
    assert built == ["meta"]  # only the shape-only model on the meta device was built
    if name == "integer-relabelled":
        assert "stored as I32 but the model holds F32" in str(info.value)


def test_evaluate_on_broken_weights_is_one_line(lenet, tmp_path, capsys):
    from runtime.cli import main

    for name, blob in [*hostile.mismatched_weights(lenet.graph), ("garbage", b"\0" * 100)]:
        path = tmp_path / "broken.dlproj"
        path.write_bytes(hostile.project_zip(blobs={"weights.safetensors": blob}))
        code = main(["evaluate", str(path)])
        err = capsys.readouterr().err.strip()
        assert code != 0 and "Traceback" not in err and len(err.splitlines()) <= 2, (name, err)
        assert "train" in err.splitlines()[-1], (name, err)


# ---- data locations named by a file -----------------------------------------------------------------
@pytest.fixture
def clean_trust():
    trust.reset()
    yield
    trust.reset()


def _with_dataset(tmp_path: Path, dataset: dict, name: str = "far.dlproj") -> Path:
    docs = hostile.base_docs()
    docs["training.json"]["dataset"] = dataset
    path = tmp_path / name
    path.write_bytes(hostile.project_zip(docs, blobs={}))
    return path


def test_a_mirror_from_a_file_is_never_contacted_without_consent(tmp_path, clean_trust, monkeypatch):
    import urllib.request

    from runtime.data import DatasetError, load_dataset

    def no_network(*a, **k):
        raise AssertionError("the network was contacted")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.setenv("NETCANVAS_DATA", str(tmp_path / "cache"))
    path = _with_dataset(tmp_path, {"name": "mnist", "mirror": "http://203.0.113.9/steal"})
    project, _ = read_project(path)
    with pytest.raises(DatasetError, match=r"far\.dlproj asks to download data from the server .*--trust-file-paths"):
        load_dataset(project.training["dataset"])


def test_a_data_path_outside_the_project_folder_needs_consent(tmp_path, clean_trust):
    from runtime.data import DatasetError, load_dataset

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "t.csv").write_text("a,b\n1,0\n2,1\n3,0\n4,1\n5,0\n")
    project_dir = tmp_path / "project"
    project_dir.mkdir()
    path = _with_dataset(project_dir, {"name": "csv", "path": str(outside / "t.csv")})
    project, _ = read_project(path)
    with pytest.raises(DatasetError, match="outside the project's folder"):
        load_dataset(project.training["dataset"])
    trust.confirm(str(outside / "t.csv"))  # the editor's dialog, or a path the user typed (--data)
    assert load_dataset(project.training["dataset"]).name == "csv"


def test_a_data_path_inside_the_project_folder_is_followed(tmp_path, clean_trust):
    from runtime.data import load_dataset

    (tmp_path / "t.csv").write_text("a,b\n1,0\n2,1\n3,0\n4,1\n5,0\n")
    path = _with_dataset(tmp_path, {"name": "csv", "path": str(tmp_path / "t.csv")})
    project, _ = read_project(path)
    assert load_dataset(project.training["dataset"]).name == "csv"


def test_root_as_data_path_is_refused_on_the_command_line_unless_trusted(tmp_path, clean_trust, capsys):
    from runtime.cli import main

    path = _with_dataset(tmp_path, {"name": "image-folder", "path": "/"})
    assert main(["train", str(path), "--epochs", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "asks to read data from '/'" in err and "--trust-file-paths" in err and len(err.strip().splitlines()) == 1
    assert trust.refusal({"name": "image-folder", "path": "/"}) is not None
    trust.trust_all()
    assert trust.refusal({"name": "image-folder", "path": "/"}) is None


def test_fuzz_target_runs_a_bounded_budget():
    """CI's budget of the loader fuzz target (bench/fuzz_loader.py runs 100,000 and more)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import fuzz_loader

    stats = fuzz_loader.run(300, seed=1)
    assert stats.inputs == 300
    assert stats.unexpected == [] and stats.hangs == 0 and stats.forbidden == []
    assert stats.refused > 0 and stats.opened > 0


@pytest.mark.parametrize("vocabulary", [[1, 2], {"a": 1}, "many", True, 1.5])
def test_an_id_count_of_the_wrong_type_is_a_problem_not_a_type_error(vocabulary):
    """Found by bench/fuzz_loader.py: the Embedding's id-range rule compared a list with an int."""
    docs = hostile.base_docs()
    docs["graph.json"] = {"nodes": [
        {"id": "t", "type": "input.tokens", "name": "Tokens", "params": {"vocabulary": vocabulary}},
        {"id": "e", "type": "core.embedding", "name": "Embed", "params": {"vocabulary": [3]}}],
        "wires": [{"from": {"node": "t", "port": "out"}, "to": {"node": "e", "port": "in"}}]}
    project, _ = loads_project(hostile.project_zip(docs, blobs={}))
    messages = [p.message for p in project.graph.problems()]
    assert any("'Tokens'" in m and "vocabulary" in m for m in messages), messages
