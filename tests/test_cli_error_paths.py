"""Every error path of the command line a user can reach ends with one line in the form
"what went wrong; what to do" (or "...: what to do") and a non-zero exit code, never a traceback."""
from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from projects.dlproj import write_project
from projects.examples.build import chain
from projects.project import Project
from runtime.cli import main as cli


def tiny_mlp(**training) -> Project:
    graph = chain([("input.image", "Image", {"channels": 1, "height": 28, "width": 28}),
                   ("core.flatten", "Flatten", {}), ("core.dense", "Out", {"units": 10}),
                   ("head.classification", "Head", {})])
    return Project(graph=graph, training={"dataset": {"name": "fashion-mnist-small", "limit": 200},
                                          "epochs": 1, "batch_size": 50, **training})


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    untrained = root / "untrained.dlproj"
    write_project(tiny_mlp(), untrained)
    trained = root / "trained.dlproj"
    assert cli(["train", str(untrained), "-o", str(trained), "--quiet", "--device", "cpu"]) == 0
    (root / "notes.txt").write_text("not an image\n")
    (root / "half.png").write_bytes(b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + b"\x00" * 6)
    (root / "zip.dlproj").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    (root / "folder.dlproj").mkdir()
    (root / "empty.csv").write_text("")
    (root / "ragged.csv").write_text("a,b,label\n1,2\n3,4,5,6\n")
    (root / "noclasses").mkdir()
    return root


# (name, argv with {root} for the fixture folder); each must fail with one clear line
CASES = [
    ("missing project", ["summary", "{root}/nothere.dlproj"]),
    ("folder as project", ["train", "{root}/folder.dlproj"]),
    ("damaged zip", ["evaluate", "{root}/zip.dlproj"]),
    ("text file as project", ["summary", "{root}/notes.txt"]),
    ("output in a missing folder", ["train", "{root}/untrained.dlproj", "-o", "{root}/no/such/dir/out.dlproj"]),
    ("missing data path", ["train", "{root}/untrained.dlproj", "--data", "{root}/nothere/"]),
    ("empty csv", ["train", "{root}/untrained.dlproj", "--data", "{root}/empty.csv"]),
    ("ragged csv", ["train", "{root}/untrained.dlproj", "--data", "{root}/ragged.csv"]),
    ("folder without classes", ["train", "{root}/untrained.dlproj", "--data", "{root}/noclasses"]),
    ("unknown dataset", ["train", "{root}/untrained.dlproj", "--data", "imagenet-99"]),
    ("zero epochs", ["train", "{root}/untrained.dlproj", "--epochs", "0"]),
    ("negative batch", ["train", "{root}/untrained.dlproj", "--batch-size", "-4"]),
    ("negative learning rate", ["train", "{root}/untrained.dlproj", "--lr", "-1"]),
    ("no GPU", ["train", "{root}/untrained.dlproj", "--device", "cuda", "--epochs", "1"]),
    ("log into a missing folder", ["train", "{root}/untrained.dlproj", "--log-json", "{root}/no/dir/log.jsonl"]),
    ("evaluate untrained", ["evaluate", "{root}/untrained.dlproj"]),
    ("predict untrained", ["predict", "{root}/untrained.dlproj", "{root}/notes.txt"]),
    ("predict missing image", ["predict", "{root}/trained.dlproj", "{root}/nothere.jpg"]),
    ("predict a text file", ["predict", "{root}/trained.dlproj", "{root}/notes.txt"]),
    ("predict a truncated png", ["predict", "{root}/trained.dlproj", "{root}/half.png"]),
    ("predict without images", ["predict", "{root}/trained.dlproj"]),
    ("evaluate on missing data", ["evaluate", "{root}/trained.dlproj", "--data", "{root}/gone.csv"]),
    ("export into a missing folder", ["export", "{root}/trained.dlproj", "-f", "onnx", "-o", "{root}/no/m.onnx"]),
    ("export untrained", ["export", "{root}/untrained.dlproj", "-f", "torchscript", "-o", "{root}/m.pt"]),
    ("new from unknown example", ["new", "--example", "nosuch", "-o", "{root}/x.dlproj"]),
    ("new into a missing folder", ["new", "--example", "mlp", "-o", "{root}/no/dir/x.dlproj"]),
    ("new over an existing file", ["new", "--example", "mlp", "-o", "{root}/untrained.dlproj"]),
    ("test file for a non-CSV source", ["train", "{root}/untrained.dlproj", "--test-data", "{root}/ragged.csv"]),
    ("tensorboard under a file", ["train", "{root}/untrained.dlproj", "--tensorboard", "{root}/notes.txt/tb"]),
    ("zero processes", ["train", "{root}/untrained.dlproj", "--nproc", "0"]),
    ("anomaly scores of a classifier", ["evaluate", "{root}/trained.dlproj", "--scores", "{root}/s.csv"]),
    ("generated samples of a classifier", ["evaluate", "{root}/trained.dlproj", "--samples", "5"]),
    ("export a part a classifier lacks", ["export", "{root}/trained.dlproj", "-f", "onnx", "--part", "generator",
                                          "-o", "{root}/g.onnx"]),
    ("summary of a folder", ["summary", "{root}/folder.dlproj"]),
]

FORM = re.compile(r"^netcanvas [a-z]+: \S.*[;:] \S.*$")  # "netcanvas CMD: what went wrong; what to do"


@pytest.mark.parametrize("argv", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_error_path_is_one_line_and_nonzero(argv, files, capsys):
    code = cli([a.format(root=files) for a in argv])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("warning: ")]
    assert code not in (0, None), err
    assert "Traceback" not in err and len(lines) == 1, err
    assert FORM.match(lines[0]), lines[0]
