"""The editor window's files: New, New from example, Open, Open Recent, Save, Save As, Revert to
Saved, what opens at start-up, the recovery of unsaved work after a crash, and the questions these
ask (tests replace the ``ask_*`` methods). A mixin of MainWindow (``self`` is the window)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from projects.dlproj import ProjectFileError, ProjectSaveError, read_project
from projects.examples import example_path
from projects.layout import auto_layout, fitting_wrap
from projects.trust import confirm, describe, needing_consent

from .dialogs import ExamplesDialog, png_bytes, render_thumbnail

FILE_FILTER = "NetCanvas projects (*.dlproj)"
MAX_RECENT = 8


class WindowFiles:
    def show_error(self, message: str) -> None:
        QMessageBox.warning(self, "NetCanvas", message)

    def ask_save_changes(self) -> str:
        """'save', 'discard' or 'cancel' (tests replace this method)."""
        box = QMessageBox.question(self, "NetCanvas", f"Save the changes to {self.display_name}?",
                                   QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel)
        return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(box, "cancel")

    def ask_restore(self, name: str) -> bool:
        return QMessageBox.question(self, "NetCanvas", f"NetCanvas closed without saving {name}. Restore the "
                                    "automatically saved copy?") == QMessageBox.Yes

    def ask_file_locations(self, file: str) -> None:
        """Ask before following the data paths outside the project's folder and the download servers
        that the file's own settings name (docs/file-safety.md); No leaves them refused."""
        from runtime.data.download import cache_root
        from runtime.data.remotes import BUNDLE_DIR

        places = needing_consent(file, allowed=[cache_root(), BUNDLE_DIR.parent])
        if places and self.ask_trust(file, [describe(loc) for loc in places]):
            for loc in places:
                confirm(loc.value)

    def ask_trust(self, file: str, lines: list[str]) -> bool:
        listed = "\n".join(f"  {line}" for line in lines)
        return QMessageBox.question(
            self, "NetCanvas", f"{file} asks NetCanvas to use data from outside its folder:\n\n{listed}\n\n"
            "Allow this only if you trust the file. If you choose No, training and evaluation refuse these "
            "locations until you choose the data yourself in Training settings.",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.No) == QMessageBox.Yes

    def ask_open_path(self) -> str:
        return QFileDialog.getOpenFileName(self, "Open project", self._last_dir(), FILE_FILTER)[0]

    def ask_save_path(self) -> str:
        start = str(Path(self._last_dir()) / (self.doc.path.name if self.doc.path else
                                              (self.name_hint or "untitled.dlproj")))
        return QFileDialog.getSaveFileName(self, "Save project as", start, FILE_FILTER)[0]

    def _last_dir(self) -> str:
        return str(self.settings.value("last_dir", str(Path.home())))

    def maybe_save(self) -> bool:
        """True when the current work may be replaced (saved, discarded or unmodified)."""
        if not self.doc.modified:
            return True
        answer = self.ask_save_changes()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_file(self) -> None:
        if self.maybe_save():
            self.name_hint = ""
            self.doc.new_empty()

    def new_from_example(self) -> None:
        dialog = ExamplesDialog(self)
        if dialog.exec() and dialog.chosen and self.maybe_save():
            self.open_example(dialog.chosen)

    def open_example(self, name: str) -> None:
        project, problems = read_project(example_path(name))
        size = self.view.viewport().size()
        if self.isVisible() and len(project.graph.nodes) > 7:  # laid out to fit this window, readable
            wrap = fitting_wrap(project.graph, size.width(), size.height())
            project.view["positions"] = auto_layout(project.graph, wrap=wrap)
        elif 7 < len(project.graph.nodes) <= 16:  # not shown yet: the default window's two-row layout
            project.view["positions"] = auto_layout(project.graph, wrap=(len(project.graph.nodes) + 1) // 2)
        self.name_hint = f"{name}.dlproj"
        self.doc.set_project(project, None, problems=problems)

    def open_dialog(self) -> None:
        if self.maybe_save():
            path = self.ask_open_path()
            if path:
                self.open_file(path)

    def open_file(self, path: str | Path) -> bool:
        try:
            project, problems = read_project(path)
        except ProjectFileError as e:
            self.show_error(str(e))
            return False
        self.name_hint = ""
        self.ask_file_locations(Path(path).name)
        self.doc.set_project(project, Path(path), problems=problems)
        self._remember(Path(path))
        if problems:
            self.bottom.setCurrentWidget(self.problems)
            self.statusBar().showMessage(f"Opened with {len(problems)} problem(s): see the Problems tab", 10000)
        return True

    def revert(self) -> bool:
        """Reopen the saved file, dropping the changes since (after asking when there are any)."""
        if self.doc.path is None:
            self.statusBar().showMessage("This project has not been saved yet: there is nothing to revert to", 6000)
            return False
        if self.doc.modified and not self.ask_revert():
            return False
        return self.open_file(self.doc.path)  # a file that no longer opens leaves the work as it is

    def ask_revert(self) -> bool:
        return QMessageBox.question(self, "NetCanvas", f"Throw away the changes to {self.display_name} since it was "
                                    "last saved?", QMessageBox.Yes | QMessageBox.No, QMessageBox.No) == QMessageBox.Yes

    def save(self) -> bool:
        if self.doc.path is None:
            return self.save_as()
        return self._write(self.doc.path)

    def save_as(self) -> bool:
        path = self.ask_save_path()
        if not path:
            return False
        if not path.endswith(".dlproj"):
            path += ".dlproj"
        return self._write(Path(path))

    def _write(self, path: Path) -> bool:
        try:
            self.doc.save(path, thumbnail=png_bytes(render_thumbnail(self.doc.project)))
        except ProjectSaveError as e:  # one sentence with the reason; the old file is intact
            self.show_error(str(e))
            return False
        except OSError as e:
            self.show_error(f"{path.name} could not be saved ({e.strerror or e}); choose another folder")
            return False
        self.autosave.discard()
        self._remember(path)
        self.statusBar().showMessage(f"Saved {path.name}", 4000)
        return True

    def _remember(self, path: Path) -> None:
        self.settings.setValue("last_dir", str(path.resolve().parent))
        recent = [p for p in self.recent_files() if p != str(path.resolve())]
        self.settings.setValue("recent_files", [str(path.resolve()), *recent][:MAX_RECENT])

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_files():
            act = self.recent_menu.addAction(Path(path).name)
            act.setToolTip(path)
            act.triggered.connect(lambda _c=False, p=path: self.maybe_save() and self.open_file(p))
        self.recent_menu.setEnabled(True)

    def open_at_start(self, asked: str | None = None) -> str:
        """What the editor opens at start-up: the file asked for, else the last project (while it
        still exists), else, the first time, the course's LeNet-5. Returns what was opened."""
        last = next((p for p in self.recent_files() if Path(p).is_file()), None)
        start = asked or last
        if start and self.open_file(start):
            return str(start)
        self.open_example("lenet5-classic")
        return "lenet5-classic"

    def offer_recovery(self) -> bool:
        """Offer the unsaved work a crashed window left (never another open window's: autosave.py);
        No removes that file."""
        pending = self.autosave.pending()
        if pending is None:
            return False
        if self.ask_restore(pending["name"]):
            self.name_hint = "" if pending["path"] else pending["name"]
            return self.autosave.restore()
        self.autosave.discard_found()
        return False
