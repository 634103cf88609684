"""The .dlproj format: round trips, atomic saves, the golden v1 file, the shipped examples, bad
files answered with one sentence, non-fatal problems collected, and the JSON Schema in docs/."""
from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest

import projects.dlproj as dlproj
from nodes import spec
from projects.dlproj import (FORMAT, FORMAT_VERSION, ProjectFileError, dumps_project, graph_to_json, loads_project,
                             read_project, write_project)
from projects.examples import example_path, list_examples
from projects.examples.build import EXAMPLES, lenet5_classic, mlp
from projects.project import Project
from projects.summary import summarize

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
SCHEMA_PATH = ROOT / "docs" / "dlproj.schema.json"
JSON_MEMBERS = ("manifest.json", "graph.json", "view.json", "training.json", "history.json")


def canonical(project: Project) -> dict:
    """A project by names instead of random ids: blocks in order, wires and positions by block names."""
    g = project.graph
    names = {nid: n.name for nid, n in g.nodes.items()}
    return {
        "nodes": [(n.name, n.type_id, n.type_version, n.params) for n in g.nodes.values()],
        "wires": sorted((names[w.src], w.src_port, names[w.dst], w.dst_port) for w in g.wires),
        "positions": {names[k]: v for k, v in project.view.get("positions", {}).items()},
        "view": {k: v for k, v in project.view.items() if k != "positions"},
        "training": project.training,
        "history": project.history,
        "meta": {k: project.meta.get(k) for k in ("title", "description", "created")},
    }


def members(path_or_bytes) -> dict:
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def make_zip(docs: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, doc in docs.items():
            zf.writestr(name, doc if isinstance(doc, (bytes, str)) else json.dumps(doc))
    return buf.getvalue()


def good_docs() -> dict:
    """The JSON members of the lenet5-classic example, parsed."""
    return {name: json.loads(raw) for name, raw in members(example_path("lenet5-classic")).items()
            if name.endswith(".json")}


# ---- round trips -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_round_trip_of_every_example(name, tmp_path):
    project = EXAMPLES[name]()
    path = tmp_path / f"{name}.dlproj"
    write_project(project, path)
    again, errors = read_project(path)
    assert errors == []
    assert graph_to_json(again.graph) == graph_to_json(project.graph)  # ids included
    assert again.training == project.training
    assert again.view["positions"] == project.view["positions"] and again.view == project.view
    assert again.history == project.history
    assert {k: again.meta.get(k) for k in ("title", "description", "created")} == \
        {k: project.meta.get(k) for k in ("title", "description", "created")}
    assert again.meta["app_version"] and again.meta["modified"]
    assert again.graph.is_valid() and summarize(again.graph).to_json() == summarize(project.graph).to_json()
    # and once more: reading what was read changes nothing
    third, _ = loads_project(dumps_project(again))
    assert canonical(third) == canonical(again) and graph_to_json(third.graph) == graph_to_json(again.graph)


def test_blobs_round_trip(tmp_path):
    def safetensors_bytes(n: int) -> bytes:  # one U8 tensor of random bytes (only safetensors are kept)
        header = json.dumps({"w": {"dtype": "U8", "shape": [n], "data_offsets": [0, n]}}).encode()
        return len(header).to_bytes(8, "little") + header + os.urandom(n)

    project = mlp()
    project.weights, project.checkpoint = safetensors_bytes(4096), safetensors_bytes(1000)
    project.thumbnail = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (64).to_bytes(4, "big") * 2 + os.urandom(64)
    project.history = {"runs": [{"id": "abc12345", "started": "2026-11-24T10:00:00+00:00", "status": "finished",
                                 "epochs": [{"epoch": 1, "loss": 0.5, "accuracy": None}], "steps": []}]}
    path = tmp_path / "blobs.dlproj"
    write_project(project, path)
    again, _ = read_project(path)
    assert (again.weights, again.checkpoint, again.thumbnail) == (project.weights, project.checkpoint,
                                                                   project.thumbnail)
    assert again.history == project.history
    with zipfile.ZipFile(path) as zf:  # the weights are stored, not deflated: they do not compress
        assert zf.getinfo("weights.safetensors").compress_type == zipfile.ZIP_STORED
    # no blob, no member
    assert "weights.safetensors" not in members(dumps_project(mlp()))


def test_real_weights_round_trip(tmp_path):
    torch = pytest.importorskip("torch")
    from runtime.compiler import compile_graph
    from runtime.weights import load_state_bytes, state_to_bytes

    project = lenet5_classic()
    trained = compile_graph(project.graph).module
    project.weights = state_to_bytes(trained)
    write_project(project, tmp_path / "w.dlproj")
    again, _ = read_project(tmp_path / "w.dlproj")
    fresh = compile_graph(again.graph).module
    load_state_bytes(fresh, again.weights)
    for (k, a), (k2, b) in zip(trained.state_dict().items(), fresh.state_dict().items()):
        assert k == k2 and torch.equal(a, b)


def test_copy_is_frozen(tmp_path):
    project = lenet5_classic()
    frozen = project.copy()
    project.graph.set_param(project.graph.node_by_name("C1").id, "out_channels", 8)
    project.view["positions"].clear()
    assert frozen.graph.node_by_name("C1").params["out_channels"] == 6
    assert frozen.view["positions"]


# ---- saving ------------------------------------------------------------------------------------------
def test_save_is_atomic_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "model.dlproj"
    write_project(lenet5_classic(), path)
    write_project(mlp(), path)  # replacing an existing file
    assert sorted(os.listdir(tmp_path)) == ["model.dlproj", "model.dlproj.bak"]  # and the previous version
    assert read_project(path)[0].meta["title"] == "MLP classifier"
    assert read_project(tmp_path / "model.dlproj.bak")[0].meta["title"] == "LeNet-5 (classic)"


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.dlproj"
    write_project(lenet5_classic(), path)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dlproj.os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_project(mlp(), path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.dlproj"]


@pytest.mark.skipif(not hasattr(os, "fchmod"), reason="POSIX permissions")
def test_saved_file_gets_ordinary_permissions(tmp_path):
    """mkstemp's private 0600 mode must not leak into the saved project."""
    path = tmp_path / "shared.dlproj"
    umask = os.umask(0o022)
    try:
        write_project(mlp(), path)
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644
    path.chmod(0o640)
    write_project(mlp(), path)  # replacing keeps the file's own mode
    assert path.stat().st_mode & 0o777 == 0o640


# ---- golden and shipped files -------------------------------------------------------------------------
def test_golden_v1_file_opens():
    path = GOLDEN / "lenet5-classic-v1.dlproj"
    manifest = json.loads(members(path)["manifest.json"])
    assert manifest["format"] == FORMAT and manifest["format_version"] == 1
    project, errors = read_project(path)
    assert errors == [] and project.graph.is_valid()
    rows = {r.name: r for r in summarize(project.graph).rows}
    assert (rows["C3"].output, rows["C3"].params, rows["C3"].connections) == ("16x10x10", 1516, 151_600)
    assert summarize(project.graph).total_params == 60_850
    assert project.meta["title"] == "LeNet-5 (classic)"
    assert set(project.view["positions"]) == set(project.graph.nodes)
    assert canonical(project)["nodes"] == canonical(lenet5_classic())["nodes"]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_shipped_example_equals_its_builder(name):
    shipped = {e.name for e in list_examples()}
    assert name in shipped, f"{name}.dlproj is not shipped: run `python -m projects.examples.build`"
    project, errors = read_project(example_path(name))
    assert errors == []
    built = EXAMPLES[name]()
    assert canonical(project) == canonical(built), \
        f"{name}.dlproj differs from projects/examples/build.py: run `python -m projects.examples.build`"


def test_every_shipped_example_has_a_builder():
    assert {e.name for e in list_examples()} <= set(EXAMPLES)


# ---- bad files: one sentence each -----------------------------------------------------------------------
def _bad_docs(change) -> bytes:
    docs = good_docs()
    change(docs)
    return make_zip(docs)


BAD_FILES = {
    "not a zip": (b"%PDF-1.7 not a project", "not a NetCanvas project (not a .dlproj zip archive)"),
    "empty file": (b"", "not a NetCanvas project"),
    "zip without manifest": (make_zip({"graph.json": {"nodes": [], "wires": []}}), "manifest.json missing"),
    "wrong format name": (_bad_docs(lambda d: d["manifest.json"].update(format="keras")), "of another format"),
    "newer reader needed": (_bad_docs(lambda d: d["manifest.json"].update(format_version=7, min_reader_version=5)),
                            "saved in format 7 by a newer NetCanvas"),
    "no format version": (_bad_docs(lambda d: d["manifest.json"].pop("format_version")), "no valid format_version"),
    "invalid JSON in graph.json": (_bad_docs(lambda d: d.update({"graph.json": '{"nodes": [,]}'})),
                                   "graph.json is not valid JSON"),
    "missing graph.json": (_bad_docs(lambda d: d.pop("graph.json")), "graph.json is missing"),
    "graph.json without nodes": (_bad_docs(lambda d: d.update({"graph.json": {"blocks": []}})),
                                 "graph.json has no list of nodes"),
    "manifest not JSON text": (_bad_docs(lambda d: d.update({"manifest.json": b"\xff\xfe\x00"})),
                               "manifest.json is not valid JSON"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_gives_one_sentence(case, tmp_path):
    data, words = BAD_FILES[case]
    path = tmp_path / "bad.dlproj"
    path.write_bytes(data)
    with pytest.raises(ProjectFileError) as info:
        read_project(path)
    msg = str(info.value)
    assert msg.startswith("bad.dlproj: ")
    assert words in msg
    assert "\n" not in msg and "Traceback" not in msg and ". " not in msg.rstrip(".")
    assert info.value.__cause__ is None and info.value.__suppress_context__  # raised `from None`


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ProjectFileError, match=r"^gone\.dlproj: no such file; check the path$"):
        read_project(tmp_path / "gone.dlproj")
    (tmp_path / "folder.dlproj").mkdir()
    with pytest.raises(ProjectFileError, match=r"^folder\.dlproj cannot be read"):
        read_project(tmp_path / "folder.dlproj")


def test_newer_file_that_older_readers_may_open():
    """format_version above ours but min_reader_version within reach: it opens (new members are ignored)."""
    data = _bad_docs(lambda d: (d["manifest.json"].update(format_version=FORMAT_VERSION + 1, min_reader_version=1),
                                d.update({"future.json": {"x": 1}})))
    project, errors = loads_project(data)
    assert errors == [] and project.graph.is_valid()


def test_migrations_run_one_version_at_a_time(monkeypatch):
    """A reader of format 3 opens the golden v1 file through MIGRATIONS[1] then MIGRATIONS[2]."""
    steps = []

    def v1_to_v2(docs):
        steps.append(1)
        for node in docs["graph.json"]["nodes"]:
            node["label"] = node.pop("name")
        return docs

    def v2_to_v3(docs):
        steps.append(2)
        for node in docs["graph.json"]["nodes"]:
            node["name"] = node.pop("label").lower()
        return docs

    monkeypatch.setattr(dlproj, "FORMAT_VERSION", 3)
    monkeypatch.setattr(dlproj, "MIGRATIONS", {1: v1_to_v2, 2: v2_to_v3})
    project, errors = read_project(GOLDEN / "lenet5-classic-v1.dlproj")
    assert steps == [1, 2] and errors == []
    assert project.graph.node_by_name("c3") is not None and project.graph.is_valid()


def test_missing_migration_is_one_sentence(monkeypatch):
    monkeypatch.setattr(dlproj, "FORMAT_VERSION", 2)
    monkeypatch.setattr(dlproj, "MIGRATIONS", {})
    with pytest.raises(ProjectFileError, match="format version 1 is not supported by this NetCanvas"):
        read_project(GOLDEN / "lenet5-classic-v1.dlproj")


def test_loader_never_unpickles_or_evaluates():
    source = Path(dlproj.__file__).read_text()
    for word in ("pickle", "eval(", "exec(", "torch.load", "__import__", "importlib"):
        assert word not in source


# ---- non-fatal problems --------------------------------------------------------------------------------
def _graph_change(change) -> tuple[Project, list[str]]:
    def edit(docs):
        change(docs["graph.json"])

    return loads_project(_bad_docs(edit))


def test_unknown_block_type_is_skipped_with_a_message():
    def change(g):
        g["nodes"][3]["type"] = "conv.hyper_conv"

    project, errors = _graph_change(change)
    assert errors[0] == "block 'C3' has the unknown type 'conv.hyper_conv' and was skipped"
    assert project.graph.node_by_name("C3") is None and len(project.graph.nodes) == 9
    # its two wires went with it, each with a message, and the gap is reported by validation
    assert errors[1:] == ["a wire in graph.json points at a block that does not exist and was skipped"] * 2
    assert "Subsampling (LeNet) 'S4' has nothing connected to its input 'in'" in \
        [p.message for p in project.graph.problems()][0]


def test_renamed_block_type_resolves_through_replaces(monkeypatch):
    monkeypatch.setitem(spec._ALIASES, "core.fully_connected", "core.dense")

    def change(g):
        for n in g["nodes"]:
            if n["type"] == "core.dense":
                n["type"] = "core.fully_connected"

    project, errors = _graph_change(change)
    assert errors == [] and project.graph.node_by_name("F6").type_id == "core.dense"
    assert project.graph.is_valid()


def test_bad_wires_are_skipped_with_a_message():
    def change(g):
        ids = {n["name"]: n["id"] for n in g["nodes"]}
        g["wires"] += [
            {"from": {"node": "0" * 32, "port": "out"}, "to": {"node": ids["C1"], "port": "in"}},
            {"from": {"node": ids["Input"], "port": "out"}, "to": {"node": ids["C1"], "port": "in"}},
            {"from": {"node": ids["S2"], "port": "out"}, "to": {"node": ids["Flatten"], "port": "sideways"}},
            {"from": {"node": ids["S2"]}},
            "not a wire",
        ]
        g["nodes"].append(["not", "a", "node"])

    project, errors = _graph_change(change)
    assert errors == [
        "node #11 in graph.json is not a block description and was skipped",
        "a wire in graph.json points at a block that does not exist and was skipped",
        "a second wire into 'C1' input 'in' was skipped",
        "a wire from 'S2' to 'Flatten' names a port they do not have and was skipped",
        "a wire in graph.json is missing its 'from' or 'to' end and was skipped",
        "a wire in graph.json is missing its 'from' or 'to' end and was skipped",
    ]
    assert project.graph.is_valid() and len(project.graph.wires) == 9


def test_duplicate_names_and_unknown_params_are_repaired():
    def change(g):
        g["nodes"][2]["name"] = "C1"  # S2 renamed to an existing name
        g["nodes"][1]["params"]["warp"] = 9
        g["nodes"][1]["params"].pop("stride")

    project, errors = _graph_change(change)
    assert errors == ["Subsampling (LeNet) 'C1' was renamed 'C2' because another block already has that name"]
    names = [n.name for n in project.graph.nodes.values()]
    assert len(set(names)) == len(names) and "C1" in names
    c1 = project.graph.node_by_name("C1")
    assert "warp" not in c1.params and c1.params["stride"] == 1


# ---- JSON Schema in docs/ -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def schema():
    jsonschema = pytest.importorskip("jsonschema")
    doc = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(doc)
    return doc


def member_validator(schema: dict, member: str):
    import jsonschema

    defs = {"manifest.json": "manifest", "graph.json": "graph", "view.json": "view", "training.json": "training",
            "history.json": "history"}
    return jsonschema.Draft202012Validator({"$defs": schema["$defs"], "$ref": f"#/$defs/{defs[member]}"})


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_saved_example_matches_the_schema(name, schema, tmp_path):
    import jsonschema

    path = tmp_path / f"{name}.dlproj"
    write_project(EXAMPLES[name](), path)
    docs = {k: json.loads(v) for k, v in members(path).items() if k.endswith(".json")}
    assert set(docs) == set(JSON_MEMBERS)
    jsonschema.Draft202012Validator(schema).validate(docs)
    for member, doc in docs.items():
        member_validator(schema, member).validate(doc)


def test_schema_accepts_a_trained_project(schema):
    import jsonschema

    project = mlp()
    run = {"id": "1a2b3c4d", "started": "2026-11-24T10:00:00+00:00", "finished": "2026-11-24T10:05:00+00:00",
           "status": "finished", "reason": "reached the last epoch", "settings": project.training,
           "epochs": [{"epoch": 1, "step": 430, "loss": 0.61, "accuracy": 0.78, "lr": None, "elapsed_s": 3.2,
                       "val_loss": 0.55, "val_accuracy": 0.8}],
           "steps": [{"epoch": 1, "step": 20, "loss": 1.2, "accuracy": 0.6, "lr": None}],
           "best": {"epoch": 1, "monitor": "val_loss", "value": 0.55}}
    project.history = {"runs": [run]}
    project.weights = b"weights"
    docs = {k: json.loads(v) for k, v in members(dumps_project(project)).items() if k.endswith(".json")}
    jsonschema.Draft202012Validator(schema).validate(docs)


def test_schema_rejects_what_the_format_forbids(schema):
    import jsonschema

    docs = {k: json.loads(v) for k, v in members(dumps_project(mlp())).items() if k.endswith(".json")}
    v = jsonschema.Draft202012Validator(schema)
    for member, change in [
        ("manifest.json", lambda d: d.update(format="other")),
        ("manifest.json", lambda d: d.pop("min_reader_version")),
        ("graph.json", lambda d: d["nodes"][0].pop("id")),
        ("graph.json", lambda d: d["wires"][0]["to"].pop("port")),
        ("view.json", lambda d: d["positions"].update(x=[1.0])),
        ("training.json", lambda d: d["optimizer"].update(name="newton")),
        ("training.json", lambda d: d.update(epochs=0)),
    ]:
        bad = json.loads(json.dumps(docs))
        change(bad[member])
        assert not v.is_valid(bad), (member, bad[member])


def test_schema_documents_every_training_setting(schema):
    """docs/dlproj.schema.json follows the settings schema (runtime/settings.py: the common settings, every
    task's sections, every data source's options): kinds, choices, bounds."""
    from runtime.settings import settings_schema

    kinds = {"bool": "boolean", "int": "integer", "float": "number", "str": "string"}
    training = schema["$defs"]["training"]["properties"]
    for section, p in settings_schema(None, data=True):
        where = training[section]["properties"] if section else training
        assert p.name in where, f"training setting {section}.{p.name} is missing from {SCHEMA_PATH.name}"
        entry = where[p.name]
        if p.kind == "choice":
            assert entry["enum"] == list(p.choices), p.name
        else:
            assert entry["type"] == kinds[p.kind], p.name
        assert entry.get("minimum") == p.min and entry.get("maximum") == p.max, p.name


def test_schema_training_part_is_generated_from_the_training_schema(schema):
    """One owner: `python -m runtime.json_schema` writes $defs.training from the settings schema."""
    from runtime.json_schema import training_schema

    assert schema["$defs"]["training"] == json.loads(json.dumps(training_schema())), \
        "docs/dlproj.schema.json is stale: run python -m runtime.json_schema"
