"""The editor asks before following a data path outside the project's folder or a download server
that an opened file names, and follows only what the user allowed."""
import pytest

import hostile
from projects import trust


@pytest.fixture
def clean_trust():
    trust.reset()
    yield
    trust.reset()


def _far_project(tmp_path, dataset):
    docs = hostile.base_docs()
    docs["training.json"]["dataset"] = dataset
    folder = tmp_path / "project"
    folder.mkdir()
    path = folder / "far.dlproj"
    path.write_bytes(hostile.project_zip(docs, blobs={}))
    return path


@pytest.mark.parametrize("answer", [True, False])
def test_opening_a_file_that_names_outside_data_asks_first(window, tmp_path, clean_trust, answer):
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("a,b\n1,0\n2,1\n")
    path = _far_project(tmp_path, {"name": "csv", "path": str(outside), "mirror": "http://203.0.113.9/x"})
    asked = []
    window.ask_trust = lambda file, lines: asked.append((file, lines)) or answer
    assert window.open_file(path)
    assert asked and asked[0][0] == "far.dlproj"
    assert any(str(outside) in line for line in asked[0][1]) and any("203.0.113.9" in line for line in asked[0][1])
    settings = window.doc.project.training["dataset"]
    assert (trust.refusal(settings) is None) == answer


def test_a_file_whose_data_lies_in_its_own_folder_is_not_asked_about(window, tmp_path, clean_trust):
    path = _far_project(tmp_path, {"name": "fashion-mnist"})
    inside = path.parent / "t.csv"
    inside.write_text("a,b\n1,0\n")
    docs = hostile.base_docs()
    docs["training.json"]["dataset"] = {"name": "csv", "path": str(inside)}
    path.write_bytes(hostile.project_zip(docs, blobs={}))
    window.ask_trust = lambda file, lines: pytest.fail(f"asked about {lines}")
    assert window.open_file(path)
