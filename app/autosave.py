"""Autosave to a recovery file (not the user's file) every 2 minutes while the document is
modified; the next start offers to restore it after a crash; a clean exit removes it."""
from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer

from projects.dlproj import dumps_project, loads_project

INTERVAL_MS = 120_000


def recovery_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.AppDataLocation) or str(Path.home() / ".netcanvas")
    return Path(base) / "recovery"


class Autosave(QObject):
    def __init__(self, document, directory: Path | None = None, interval_ms: int = INTERVAL_MS, parent=None):
        super().__init__(parent)
        self.doc = document
        self.dir = Path(directory) if directory else recovery_dir()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)
        self.timer.start()

    @property
    def file(self) -> Path:
        return self.dir / "autosave.dlproj"

    @property
    def info_file(self) -> Path:
        return self.dir / "autosave.json"

    def save_now(self) -> bool:
        """Write the recovery file when there are unsaved changes; returns whether it wrote."""
        if not self.doc.modified:
            return False
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.file.with_suffix(".tmp")
        tmp.write_bytes(dumps_project(self.doc.project))
        tmp.replace(self.file)
        self.info_file.write_text(json.dumps({"path": str(self.doc.path) if self.doc.path else None,
                                              "name": self.doc.display_name}))
        return True

    def pending(self) -> dict | None:
        """What a previous session left behind ({"path", "name"}), or None."""
        if not self.file.is_file():
            return None
        try:
            info = json.loads(self.info_file.read_text())
        except (OSError, ValueError):
            info = {}
        return {"path": info.get("path"), "name": info.get("name") or "Untitled"}

    def restore(self) -> bool:
        """Load the recovery file into the document as unsaved changes to its original file."""
        info = self.pending()
        if info is None:
            return False
        try:
            project, problems = loads_project(self.file.read_bytes())
        except Exception:  # a damaged recovery file is dropped, never fatal
            self.discard()
            return False
        self.doc.set_project(project, Path(info["path"]) if info["path"] else None, modified=True,
                             problems=problems)
        return True

    def discard(self) -> None:
        self.file.unlink(missing_ok=True)
        self.info_file.unlink(missing_ok=True)
