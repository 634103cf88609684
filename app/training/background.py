"""Runtime calls that may take more than a frame (loading a trained model, generating samples,
encoding test images), one at a time in a worker thread, their results delivered to the GUI
thread. Errors come back as one sentence."""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

EXPLAINED = ("EvaluationError", "DatasetError", "TaskError", "WeightsError", "CompileError", "ExportError",
             "ExploreError")


class JobError(str):
    """A job's failure, as the sentence to show."""


def sentence(e: Exception) -> JobError:
    """An exception as one sentence for the user (the runtime's own errors already are)."""
    text = str(e) if type(e).__name__ in EXPLAINED else f"that did not work ({type(e).__name__}: {e})"
    text = text[:1].upper() + text[1:]
    return JobError(text if text.endswith((".", "!", "?")) else text + ".")


class Jobs(QObject):
    """Runs submitted functions one after the other in a worker thread; ``done(result)`` is called
    in the GUI thread with the return value or a JobError. ``reset()`` drops pending jobs and the
    results of jobs submitted before it (the project they were for is gone)."""

    _arrived = Signal(int, object, object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._arrived.connect(self._deliver)
        self.generation = 0
        self.busy = False
        self._queue: list = []

    def submit(self, fn, done) -> None:
        self._queue.append((self.generation, fn, done))
        if not self.busy:
            self._next()

    def reset(self) -> None:
        self.generation += 1
        self._queue.clear()

    @property
    def idle(self) -> bool:
        return not self.busy and not self._queue

    def _next(self) -> None:
        if not self._queue:
            self.busy = False
            return
        self.busy = True
        generation, fn, done = self._queue.pop(0)
        threading.Thread(target=self._work, args=(generation, fn, done), name="netcanvas-samples",
                         daemon=True).start()

    def _work(self, generation: int, fn, done) -> None:
        try:
            result = fn()
        except Exception as e:  # a sentence in the view, never a dead thread
            result = sentence(e)
        try:
            self._arrived.emit(generation, done, result)
        except RuntimeError:  # the view was deleted with its window meanwhile
            pass

    def _deliver(self, generation: int, done, result) -> None:
        if generation == self.generation:
            done(result)
        self._next()
