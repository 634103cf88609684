"""The docs' pictures come from the app (docs/screenshots.py) and are not older than the widgets
they show: each picture's record of the window it was made from must match today's window."""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"


def screenshots_module():
    spec = importlib.util.spec_from_file_location("doc_screenshots", ROOT / "docs" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pictures_in_docs() -> set[str]:
    names = set()
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        names |= set(re.findall(r"images/([A-Za-z0-9_-]+)\.png", doc.read_text(encoding="utf-8")))
    return names


def test_every_picture_the_docs_use_was_made_by_the_script():
    used = pictures_in_docs()
    assert used, "the docs show no pictures?"
    for name in used:
        assert (IMAGES / f"{name}.png").is_file(), f"docs/images/{name}.png is missing"
        assert (IMAGES / f"{name}.json").is_file(), (f"docs/images/{name}.png was not made by docs/screenshots.py; "
                                                    "run python docs/screenshots.py")
    made = {p.stem for p in IMAGES.glob("*.json")}
    assert made == used, f"pictures made but not used: {sorted(made - used)}"


def test_no_picture_is_older_than_the_window_it_shows(window):
    now = screenshots_module().window_signature(window)
    for name in sorted(pictures_in_docs()):
        then = json.loads((IMAGES / f"{name}.json").read_text(encoding="utf-8"))
        assert then == now, (f"docs/images/{name}.png shows an older window (menus, actions or tabs changed); "
                             "run python docs/screenshots.py to make it again")
