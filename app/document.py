"""The open document: a Project, its file path and its undo stack, as a QObject whose signals
re-emit the model's change events. Views listen to these signals; they never edit the model."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from projects.dlproj import read_project, write_project
from projects.graph import Graph, GraphEvent
from projects.project import Project


class Document(QObject):
    graph_event = Signal(object)  # projects.graph.GraphEvent
    positions_changed = Signal(list)  # node ids whose view position changed
    training_changed = Signal()
    project_replaced = Signal()  # a new project (new, open, recover): rebuild every view
    modified_changed = Signal(bool)
    path_changed = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.project = Project()
        self.path: Path | None = None
        self.load_problems: list[str] = []
        self._forced_modified = False
        self.project.graph.subscribe(self._on_graph_event)

    # ---- state -----------------------------------------------------------------------------
    @property
    def graph(self) -> Graph:
        return self.project.graph

    @property
    def modified(self) -> bool:
        return self._forced_modified or not self.undo_stack.isClean()

    @property
    def display_name(self) -> str:
        return self.path.name if self.path else "Untitled"

    def positions(self) -> dict[str, list[float]]:
        return self.project.positions()

    def _on_clean_changed(self, _clean: bool) -> None:
        try:
            self.modified_changed.emit(self.modified)
        except RuntimeError:  # the stack is being destroyed with the window
            pass

    def mark_modified(self) -> None:
        """The project changed outside the undo stack (a training run recorded its results)."""
        self._forced_modified = True
        self.modified_changed.emit(True)

    # ---- replacing the project ---------------------------------------------------------------
    def set_project(self, project: Project, path: Path | None, modified: bool = False,
                    problems: list[str] | None = None) -> None:
        self.project.graph.unsubscribe(self._on_graph_event)
        self.project = project
        self.path = Path(path) if path else None
        self.load_problems = list(problems or [])
        self.undo_stack.clear()
        self._forced_modified = modified
        project.graph.subscribe(self._on_graph_event)
        self.project_replaced.emit()
        self.path_changed.emit()
        self.modified_changed.emit(self.modified)

    def new_empty(self) -> None:
        """An empty canvas with one image input, ready to build on."""
        project = Project()
        node = project.graph.add_node("input.image", "Input")
        project.positions()[node.id] = [0.0, 0.0]
        self.set_project(project, None)

    def open(self, path: str | Path) -> list[str]:
        """Open a .dlproj (raises ProjectFileError and keeps the current work when it cannot)."""
        project, problems = read_project(path)
        self.set_project(project, Path(path), problems=problems)
        return problems

    def save(self, path: str | Path | None = None, thumbnail: bytes | None = None) -> None:
        target = Path(path) if path else self.path
        if target is None:
            raise ValueError("no file name to save to")
        if thumbnail:
            self.project.thumbnail = thumbnail
        write_project(self.project, target)
        changed = target != self.path
        self.path = target
        self._forced_modified = False
        self.undo_stack.setClean()
        if changed:
            self.path_changed.emit()
        self.modified_changed.emit(self.modified)

    # ---- model -> Qt signals -----------------------------------------------------------------
    def _on_graph_event(self, event: GraphEvent) -> None:
        self.graph_event.emit(event)

    def set_positions(self, positions: dict[str, list[float]]) -> None:
        """Set view positions (called by undo commands only) and tell the views."""
        store = self.positions()
        for nid, pos in positions.items():
            store[nid] = [float(pos[0]), float(pos[1])]
        self.positions_changed.emit(list(positions))

    def set_training_section(self, section: str, values: dict) -> None:
        """Replace one section of the training settings whole."""
        self.project.training[section] = values
        self.training_changed.emit()

    def set_training(self, section: str | None, name: str, value) -> None:
        target = self.project.training.setdefault(section, {}) if section else self.project.training
        target[name] = value
        self.training_changed.emit()
