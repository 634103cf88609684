"""Data locations named by a project file, followed only once the user has agreed.

A .dlproj can carry dataset settings that point somewhere: a ``path`` (a folder or file to read)
or a ``mirror`` (a server to download from). Reading a file notes every such value here
(:func:`note_file_settings`); loading a dataset asks :func:`refusal` first, which refuses a
noted value unless the user confirmed it (:func:`confirm`, ``--trust-file-paths`` on the
command line, a dialog in the editor) or, for a path, unless it lies inside the project's own
folder or a folder the user chose for data (the dataset cache, ``NETCANVAS_TRUSTED_DATA``).
Values the user typed (``--data``, the editor's dataset fields) are not noted, so they pass.
The state is mirrored into the environment (``NETCANVAS_TRUST_STATE``), so that processes
started later (the editor's training process, torchrun's ranks) apply the same decisions.
The standard datasets still download from NetCanvas' own built-in mirrors: a file can name the
dataset, never the server.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from .names import shown

TRUSTED_ENV = "NETCANVAS_TRUSTED_DATA"  # folders (os.pathsep-separated) the user reads data from
STATE_ENV = "NETCANVAS_TRUST_STATE"


@dataclass(frozen=True)
class Location:
    kind: str  # "path" (read from disk) or "url" (contact a server)
    key: str  # the setting's name
    value: str
    file: str  # the project file that named it
    folder: str | None  # that file's folder (paths inside it are the project's own)


_lock = threading.Lock()
_noted: dict[str, Location] = {}
_confirmed: set[str] = set()
_trust_all = False


def _publish() -> None:
    """Mirror the state into the environment, for the processes this one starts."""
    os.environ[STATE_ENV] = json.dumps({"noted": [list(vars(loc).values()) for loc in _noted.values()],
                                        "confirmed": sorted(_confirmed), "all": _trust_all})


def _inherit() -> None:
    global _trust_all
    try:
        state = json.loads(os.environ.get(STATE_ENV, "") or "{}")
        _noted.update({fields[2]: Location(*fields) for fields in state.get("noted", [])})
        _confirmed.update(state.get("confirmed", []))
        _trust_all = bool(state.get("all", False))
    except (ValueError, TypeError, AttributeError):
        pass  # not ours to judge: start with nothing noted


_inherit()


def location_kind(key: str) -> str | None:
    """"path", "url" or None for a setting named ``key``."""
    key = key.lower()
    if key in ("mirror", "url") or key.endswith(("_url", "_mirror")):
        return "url"
    if key in ("path", "folder", "file", "dir") or key.endswith(("_path", "_folder", "_file", "_dir")):
        return "path"
    return None


def _walk(doc: Any, out: list[tuple[str, str, str]], depth: int = 0) -> None:
    if depth > 80:  # strict_json bounds the depth already
        return
    if isinstance(doc, dict):
        for key, value in doc.items():
            kind = location_kind(str(key))
            if kind and isinstance(value, str) and value.strip():
                out.append((kind, str(key), value))
            else:
                _walk(value, out, depth + 1)
    elif isinstance(doc, list):
        for value in doc:
            _walk(value, out, depth + 1)


def note_file_settings(docs: Iterable[Any], file: str, folder: str | os.PathLike | None) -> list[Location]:
    """Note every location the documents of ``file`` name; returns them (an editor can list them)."""
    found: list[tuple[str, str, str]] = []
    for doc in docs:
        _walk(doc, found)
    where = str(Path(folder).resolve()) if folder is not None else None
    out = [Location(kind, key, value, file, where) for kind, key, value in found]
    with _lock:
        for loc in out:
            _noted.setdefault(loc.value, loc)
        _publish()
    return out


def confirm(value: str) -> None:
    """The user agreed to follow ``value`` (a dialog's Yes, or a path they typed themselves)."""
    with _lock:
        _confirmed.add(value)
        _publish()


def trust_all(on: bool = True) -> None:
    """Follow every location files name for the rest of this process (``--trust-file-paths``)."""
    global _trust_all
    with _lock:
        _trust_all = on
        _publish()


def reset() -> None:
    """Forget what was noted and confirmed (tests)."""
    global _trust_all
    with _lock:
        _noted.clear()
        _confirmed.clear()
        _trust_all = False
        os.environ.pop(STATE_ENV, None)


def trusted_folders(extra: Iterable[str | os.PathLike] = ()) -> list[Path]:
    """The folders the user reads data from: ``extra`` (the dataset cache) and NETCANVAS_TRUSTED_DATA."""
    env = [p for p in os.environ.get(TRUSTED_ENV, "").split(os.pathsep) if p.strip()]
    return [Path(p).expanduser().resolve() for p in [*extra, *env]]


def _inside(value: str, folders: list[Path]) -> bool:
    try:
        where = Path(value).expanduser().resolve()
    except (OSError, RuntimeError, ValueError):
        return False
    return any(where == f or where.is_relative_to(f) for f in folders)


def _may_follow(loc: Location, folders: list[Path]) -> bool:
    return (_trust_all or loc.value in _confirmed
            or (loc.kind == "path" and _inside(loc.value, folders + ([Path(loc.folder)] if loc.folder else []))))


def needing_consent(file: str, allowed: Iterable[str | os.PathLike] = ()) -> list[Location]:
    """The locations ``file`` named that would be refused now: what an editor asks the user about."""
    folders = trusted_folders(allowed)
    with _lock:
        noted = [loc for loc in _noted.values() if loc.file == file]
    return [loc for loc in noted if not _may_follow(loc, folders)]


def describe(loc: Location) -> str:
    """One line for a consent dialog: the setting and where it points, escaped."""
    what = "read data from" if loc.kind == "path" else "download data from the server"
    return f"{loc.key}: {what} {shown(loc.value)!r}"


def refusal(settings: Any, allowed: Iterable[str | os.PathLike] = ()) -> str | None:
    """Why ``settings`` (a dataset's) may not be followed yet, in one sentence; None when they may."""
    if _trust_all or not isinstance(settings, dict):
        return None
    found: list[tuple[str, str, str]] = []
    _walk(settings, found)
    folders = trusted_folders(allowed)
    for kind, key, value in found:
        with _lock:
            loc = _noted.get(value)
        if loc is None or _may_follow(loc, folders):
            continue
        what = (f"asks to read data from {shown(value)!r}, outside the project's folder" if kind == "path" else
                f"asks to download data from the server {shown(value)!r}")
        return (f"{shown(loc.file)} {what} ({key} in its dataset settings): if you trust the file, allow it "
                "with --trust-file-paths (or confirm it in the editor), else choose the data yourself with --data")
    return None
