"""The bundled example projects (.dlproj files beside this module; ``build.py`` regenerates them)."""
from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ExampleInfo:
    name: str
    title: str
    description: str
    path: Path


def list_examples() -> list[ExampleInfo]:
    """Examples with their titles (read from the manifests only: fast)."""
    out = []
    for path in sorted(EXAMPLES_DIR.glob("*.dlproj")):
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read("manifest.json"))
        out.append(ExampleInfo(path.stem, manifest.get("title", path.stem), manifest.get("description", ""), path))
    return out


def example_path(name: str) -> Path:
    path = EXAMPLES_DIR / f"{name}.dlproj"
    if not path.is_file():
        names = ", ".join(e.name for e in list_examples())
        raise KeyError(f"there is no example named '{name}'; choose one of: {names}")
    return path


def copy_example(name: str, dest: str | Path) -> Path:
    dest = Path(dest)
    shutil.copyfile(example_path(name), dest)
    return dest
