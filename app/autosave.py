"""Autosave to a recovery file (not the user's file) every 2 minutes while the document is
modified; the next start offers to restore it after a crash; a clean exit removes it.

Each window owns its own recovery file (``<id>.dlproj`` with ``<id>.json`` saying which project it
holds) and holds an exclusive lock on ``<id>.lock`` for as long as it lives. A file whose lock
can be taken belongs to no living window (its editor crashed or was killed: the system drops a
dead process's locks), so it is offered for recovery; another window's file is never offered, nor
deleted. Where file locks do not exist, the owner's process id tells the same.
"""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer

from projects.dlproj import dumps_project, loads_project

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: the process id stands in for the lock
    fcntl = None

INTERVAL_MS = 120_000
LEGACY = "autosave"  # the one recovery file of versions before 0.2


def recovery_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.AppDataLocation) or str(Path.home() / ".netcanvas")
    return Path(base) / "recovery"


class _Lock:
    """An exclusive lock on a file, held while the object lives (or until ``release``)."""

    def __init__(self, path: Path):
        self.path, self.fd = path, None

    def take(self) -> bool:
        """True when this process now holds the lock (no living window does)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return False
        if fcntl is None:
            os.write(self.fd, str(os.getpid()).encode())
            return True
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.release()
            return False
        return True

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _owned_by_another(lock_path: Path, info: dict) -> bool:
    """Whether a living window holds the recovery file whose lock is ``lock_path``."""
    if fcntl is None:
        pid = info.get("pid")
        if not isinstance(pid, int) or pid == os.getpid():
            return False
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
    probe = _Lock(lock_path)
    if probe.take():
        probe.release()
        return False
    return True


class Autosave(QObject):
    def __init__(self, document, directory: Path | None = None, interval_ms: int = INTERVAL_MS, parent=None):
        super().__init__(parent)
        self.doc = document
        self.dir = Path(directory) if directory else recovery_dir()
        self.id = uuid.uuid4().hex[:12]
        self.lock = _Lock(self.dir / f"{self.id}.lock")
        self.lock.take()
        self.found: Path | None = None  # the orphaned recovery file pending() found
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)
        self.timer.start()

    @property
    def file(self) -> Path:
        return self.dir / f"{self.id}.dlproj"

    @property
    def info_file(self) -> Path:
        return self.file.with_suffix(".json")

    def save_now(self) -> bool:
        """Write this window's recovery file when there are unsaved changes; returns whether it wrote."""
        if not self.doc.modified:
            return False
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.file.with_suffix(".tmp")
        tmp.write_bytes(dumps_project(self.doc.project))
        tmp.replace(self.file)
        self.info_file.write_text(json.dumps({"path": str(self.doc.path) if self.doc.path else None,
                                              "name": self.doc.display_name, "pid": os.getpid()}))
        return True

    def orphans(self) -> list[Path]:
        """Recovery files no living window holds (newest first): what a crash left behind."""
        if not self.dir.is_dir():
            return []
        out = []
        for path in self.dir.glob("*.dlproj"):
            if path == self.file:
                continue
            info = _read_info(path.with_suffix(".json"))
            if path.stem == LEGACY or not _owned_by_another(path.with_suffix(".lock"), info):
                out.append(path)
        return sorted(out, key=lambda p: p.stat().st_mtime, reverse=True)

    def pending(self) -> dict | None:
        """What a crashed window left behind ({"path", "name"}), or None."""
        found = self.orphans()
        if not found:
            return None
        self.found = found[0]
        info = _read_info(self.found.with_suffix(".json"))
        return {"path": info.get("path"), "name": info.get("name") or "Untitled"}

    def restore(self) -> bool:
        """Load the orphaned recovery file into the document as unsaved changes to its original file
        (it becomes this window's; the orphan is removed)."""
        info = self.pending()
        if info is None:
            return False
        try:
            project, problems = loads_project(self.found.read_bytes())
        except Exception:  # a damaged recovery file is dropped, never fatal
            self.discard_found()
            return False
        self.doc.set_project(project, Path(info["path"]) if info["path"] else None, modified=True,
                             problems=problems)
        self.discard_found()
        self.save_now()
        return True

    def discard_found(self) -> None:
        """Remove the orphaned recovery file ``pending`` found (the user declined it, or it was restored)."""
        if self.found is not None:
            _remove(self.found)
            self.found = None

    def discard(self) -> None:
        """Remove this window's own recovery file (saved, or closed cleanly)."""
        self.file.unlink(missing_ok=True)
        self.info_file.unlink(missing_ok=True)

    def release(self) -> None:
        """The window closed cleanly: no recovery file, no lock."""
        self.timer.stop()
        self.discard()
        self.lock.release()
        (self.dir / f"{self.id}.lock").unlink(missing_ok=True)


def _read_info(path: Path) -> dict:
    try:
        info = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _remove(path: Path) -> None:
    for p in (path, path.with_suffix(".json"), path.with_suffix(".lock")):
        p.unlink(missing_ok=True)
