"""The contract of a task's ``use`` module: what a model trained with the task does, with no run
needed (class methods, so the command line and the editor call them on a saved project).

``report`` measures the trained model on a split and returns a JSON-ready dict (its ``task``,
``split``, ``dataset``, ``samples`` and the task's own figures; pictures for the editor under
``transient``, never saved); the declaration's ``describe`` turns it into sections to show.
``predict`` answers for input files or makes samples; ``export_parts`` names the sub-models that
can be exported alone; ``explorer`` (generative tasks) backs the Samples tab's explorer.
"""
from __future__ import annotations

import threading
from typing import Any, Callable

from ..compiler import CompiledModel
from ..trained import EvaluationError
from .declaration import TaskDeclaration

TRANSIENT = "transient"  # report key of what is shown but not kept (pictures, long per-sample lists)


class Use:
    """Defaults: nothing to report, predict or export beyond the whole model."""

    @classmethod
    def report(cls, project, decl: TaskDeclaration, split: str = "test", data: str | None = None,
               best: bool = False, pictures: bool = False, notify: Callable[[str], None] | None = None,
               **options) -> dict[str, Any]:
        """The trained model measured on ``split``; ``pictures``: add the images the editor shows
        (under ``transient``); ``notify``: called with a sentence before a long step."""
        raise EvaluationError(f"a {decl.title} model has no evaluation report")

    @classmethod
    def predict(cls, project, decl: TaskDeclaration, inputs: list[str], best: bool = False,
                **options) -> dict[str, Any]:
        """{"task", "results": [...], "lines": [text for a terminal], optionally "file"} for the
        input files ``inputs`` (or samples, for a model that makes them)."""
        raise EvaluationError(decl.prediction.note or f"a {decl.title} model makes no predictions")

    @classmethod
    def export_parts(cls, compiled: CompiledModel, graph, decl: TaskDeclaration) -> dict[str, CompiledModel]:
        """Sub-models that can be exported alone (e.g. a GAN's generator), by name; ``model`` may
        replace the whole model."""
        return {}

    @classmethod
    def explorer(cls, project, decl: TaskDeclaration, best: bool = False):
        """An object the editor's Samples explorer calls (samples, walks, interpolations), or None."""
        return None


class LazyExplorer:
    """The base of a task's Samples explorer: the trained model (``trained_class(project, decl,
    best)``) and its dataset, loaded once, on first use, from the explorer's worker thread."""

    trained_class: type = object

    def __init__(self, project, decl: TaskDeclaration, best: bool = False):
        self.project, self.decl, self.best = project, decl, best
        self._trained = self._data = None
        self._lock = threading.Lock()

    def trained(self):
        with self._lock:
            if self._trained is None:
                self._trained = self.trained_class(self.project, self.decl, self.best)
            return self._trained

    def data(self):
        t = self.trained()
        with self._lock:
            if self._data is None:
                self._data = t.data()
            return self._data


def kept(report: dict) -> dict:
    """The part of a report that is saved with the run it measured (no pictures)."""
    return {k: v for k, v in report.items() if k != TRANSIENT}
