"""The course's numbers, reproduced by `netcanvas summary` and by the compiled models, and the
`netcanvas examples` / `new` commands with their one-line failures."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from projects.dlproj import read_project
from projects.examples import example_path, list_examples
from projects.examples.build import EXAMPLES, lenet5_classic, vgg16
from projects.summary import summarize
from runtime.cli import main

ROOT = Path(__file__).resolve().parent.parent

# LeNet-5 as in the course: (name, output, parameters, connections); C5 is a convolution whose
# 120 feature maps are 1x1; the Output layer's connections are not in the course's table.
LENET5_TABLE = [
    ("C1", "6x28x28", 156, 122_304),
    ("S2", "6x14x14", 12, 5_880),
    ("C3", "16x10x10", 1_516, 151_600),
    ("S4", "16x5x5", 32, 2_000),
    ("C5", "120x1x1", 48_120, 48_120),
    ("F6", "84", 10_164, 10_164),
    ("Output", "10", 850, None),
]
VGG16_PARAMS = 138_357_544


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def check_lenet_rows(rows: dict[str, dict]) -> None:
    for name, output, params, connections in LENET5_TABLE:
        row = rows[name]
        assert row["output"] == output, name
        assert row["params"] == params, name
        if connections is not None:
            assert row["connections"] == connections, name


def test_lenet5_classic_summary_command_reproduces_the_course_table(capsys):
    rc, out, err = run_cli(capsys, "summary", str(example_path("lenet5-classic")), "--json")
    assert rc == 0 and err == ""
    data = json.loads(out)
    check_lenet_rows({r["name"]: r for r in data["blocks"]})
    assert data["total_params"] == 60_850 and data["problems"] == []
    assert [r["name"] for r in data["blocks"]] == ["Input", "C1", "S2", "C3", "S4", "C5", "Flatten", "F6", "Output",
                                                   "Softmax"]


def test_lenet5_classic_rows_directly():
    """The same table from the builder (no file in between), and as text with thousands separators."""
    summary = summarize(lenet5_classic().graph)
    check_lenet_rows({r.name: vars(r) for r in summary.rows})
    text = summary.to_text()
    for value in ("122,304", "5,880", "151,600", "2,000", "48,120", "10,164", "1,516", "60,850"):
        assert value in text


def test_vgg16_has_138_357_544_parameters_in_summary_and_in_torch():
    project = vgg16()
    graph = project.graph
    image = graph.node_by_name("Input")
    assert graph.nodes[image.id].params == {"channels": 3, "height": 224, "width": 224, "field": "x"}
    assert graph.states[graph.node_by_name("fc8").id].outputs == [(1000,)]
    assert summarize(graph).total_params == VGG16_PARAMS

    from runtime.compiler import compile_graph

    model = compile_graph(graph)  # about 550 MB of float32 weights
    try:
        assert sum(p.numel() for p in model.module.parameters()) == VGG16_PARAMS
    finally:
        del model


def test_vgg16_summary_command(capsys):
    rc, out, _ = run_cli(capsys, "summary", str(example_path("vgg16")), "--json")
    assert rc == 0 and json.loads(out)["total_params"] == VGG16_PARAMS


def test_examples_command_lists_every_example(capsys):
    rc, out, err = run_cli(capsys, "examples")
    assert rc == 0 and err == ""
    listed = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert listed == [e.name for e in list_examples()]
    assert set(EXAMPLES) <= set(listed), "run `python -m projects.examples.build` to ship every example"
    rc, out, _ = run_cli(capsys, "examples", "--json")
    items = json.loads(out)
    assert {i["name"] for i in items} == set(listed)
    assert all(i["title"] and i["description"] for i in items)


def test_new_creates_a_project_that_opens(capsys, tmp_path):
    dest = tmp_path / "x.dlproj"
    rc, out, err = run_cli(capsys, "new", "--example", "lenet5", "-o", str(dest))
    assert rc == 0 and err == "" and "created" in out
    project, errors = read_project(dest)
    assert errors == [] and project.graph.is_valid()
    assert summarize(project.graph).total_params == 61_706


def _assert_one_line_failure(rc: int, out: str, err: str, *words: str) -> None:
    assert rc == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for w in words:
        assert w in lines[0], (w, lines[0])


def test_new_unknown_example(capsys, tmp_path):
    rc, out, err = run_cli(capsys, "new", "--example", "resnet-9000", "-o", str(tmp_path / "y.dlproj"))
    _assert_one_line_failure(rc, out, err, "resnet-9000", "lenet5")
    assert not (tmp_path / "y.dlproj").exists()


def test_new_refuses_to_overwrite(capsys, tmp_path):
    dest = tmp_path / "x.dlproj"
    dest.write_text("mine")
    rc, out, err = run_cli(capsys, "new", "--example", "lenet5", "-o", str(dest))
    _assert_one_line_failure(rc, out, err, "already exists", "--force")
    assert dest.read_text() == "mine"
    rc, _, _ = run_cli(capsys, "new", "--example", "lenet5", "-o", str(dest), "--force")
    assert rc == 0 and read_project(dest)[0].graph.is_valid()


def test_new_into_a_missing_folder(capsys, tmp_path):
    rc, out, err = run_cli(capsys, "new", "--example", "mlp", "-o", str(tmp_path / "nope" / "x.dlproj"))
    _assert_one_line_failure(rc, out, err, "does not exist")


@pytest.mark.parametrize("content", [b"just some text\n", b"PK\x03\x04 broken zip", b""])
def test_summary_of_a_non_project_file(capsys, tmp_path, content):
    bad = tmp_path / "notes.dlproj"
    bad.write_bytes(content)
    rc, out, err = run_cli(capsys, "summary", str(bad))
    _assert_one_line_failure(rc, out, err, "notes.dlproj", "not a NetCanvas project")


def test_summary_of_a_missing_file(capsys, tmp_path):
    rc, out, err = run_cli(capsys, "summary", str(tmp_path / "gone.dlproj"))
    _assert_one_line_failure(rc, out, err, "gone.dlproj")


def test_cli_failure_from_a_real_process(tmp_path):
    """The `netcanvas` entry point itself (app.launcher) prints one line and exits 2."""
    bad = tmp_path / "photo.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n")
    proc = subprocess.run([sys.executable, "-m", "app.launcher", "summary", str(bad)], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("netcanvas summary: photo.png")


def test_summary_of_an_invalid_model_exits_1_with_the_problems(capsys, tmp_path):
    from projects.dlproj import write_project
    from projects.examples.build import chain
    from projects.project import Project

    g = chain([("input.image", "Input", {"channels": 1, "height": 4, "width": 4}), ("conv.conv2d", "C1", {"kernel": 5}),
               ("core.flatten", "Flatten", {}), ("core.dense", "Out", {"units": 10}),
               ("head.classification", "Softmax", {})])
    path = tmp_path / "broken.dlproj"
    write_project(Project(graph=g), path)
    rc, out, err = run_cli(capsys, "summary", str(path))
    assert rc == 1 and err == ""
    assert out.splitlines()[-1] == ("! Conv2d 'C1': its 5x5 kernel is larger than its 4-pixel input (plus padding): "
                                    "use a smaller kernel or add padding")
    rc, out, _ = run_cli(capsys, "summary", str(path), "--json")
    data = json.loads(out)
    assert rc == 1 and data["problems"] == [out.strip() and data["blocks"][1]["problem"]]
    assert data["blocks"][1]["output"] == "?"
