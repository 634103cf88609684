"""The Evaluation tab: the trained model measured on the test set in a background thread
(runtime.use.evaluate_project), shown as the sections its task's report declares (report_view.py:
a classifier's confusion matrix, per-class scores and most confidently wrong images; a GAN's
Frechet distance; a VAE's anomaly scores and unusual images; a forecast against the series), and
the confusion-matrix calculator of the course's Exercise 02. The evaluation kept with the
project's last run is shown when the project opens."""
from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from runtime.reports import headline
from runtime.use import EvaluationError, evaluate_project, kept, report_sections

from ..theme import icon
from .confusion_calculator import ConfusionCalculator
from .pictures import to_qimage  # noqa: F401 - prediction.py imports it from here
from .report_view import ReportPage

UNTRAINED_HINT = "Train, then evaluate the model on test data it has never seen"
TRAINED_HINT = ("This project has trained weights but no saved evaluation: press Evaluate on the test set to "
                "measure them (the result is kept in the project)")
LIVE_HINT = "A run of this project is training: evaluate its weights when it has ended"


def kept_report(report: dict) -> dict:
    """The part of an evaluation report that is saved with the run it measured (no pictures)."""
    return kept(report)


def evaluate_in_background(project, best: bool, done) -> threading.Thread:
    """evaluate_project with the pictures the editor shows -> done(report or error str)."""
    def work():
        try:
            done(evaluate_project(project, "test", None, best, pictures=True))
        except EvaluationError as e:
            done(str(e))
        except Exception as e:  # a message in the view, never a dead thread
            done(f"evaluation failed: {e}")

    t = threading.Thread(target=work, name="netcanvas-evaluate", daemon=True)
    t.start()
    return t


class EvaluationView(QWidget):
    finished = Signal(object)  # the report (dict) or an error message (str); emitted in the GUI thread
    _arrived = Signal(object)
    title = "Evaluation"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.project = None
        self.report: dict | None = None
        self._thread = None
        self._shown = None  # (project, weights, run) last shown
        self.live = False
        self.button = QPushButton(icon("mdi6.clipboard-check-outline"), "Evaluate on the test set")
        self.best = QCheckBox("Best checkpoint")
        self.status = QLabel(UNTRAINED_HINT)
        self.status.setWordWrap(True)
        self.calculator_button = QPushButton(icon("mdi6.calculator-variant-outline"), "Confusion-matrix calculator")
        self.calculator_button.setCheckable(True)
        self.calculator_button.setToolTip("Type or paste any confusion matrix and read its accuracy, precision, "
                                          "recall and F1 (the course's Exercise 02)")
        top = QHBoxLayout()
        top.addWidget(self.button)
        top.addWidget(self.best)
        top.addWidget(self.status, 1)
        top.addWidget(self.calculator_button)
        self.page = ReportPage()
        self.calculator = ConfusionCalculator()
        self.empty = QLabel(UNTRAINED_HINT)  # no report yet: a sentence, not an empty heat map
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)
        self.pages = QStackedWidget()
        for w in (self.page, self.calculator, self.empty):
            self.pages.addWidget(w)
        self._report_page = self.pages.indexOf(self.empty)  # the page the calculator button returns to
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.pages, 1)
        self.button.clicked.connect(lambda: self.evaluate())
        self.calculator_button.toggled.connect(self.show_calculator)
        self._arrived.connect(self._on_arrived)
        self.measured = None  # the project the last evaluation started measured
        self.pages.setCurrentWidget(self.empty)

    # ---- the view protocol (views.py) -------------------------------------------------------------------
    def applies(self, state) -> bool:
        return True

    def show_state(self, state) -> None:
        """The evaluation kept with the project's last run, or what to do to get one; nothing of
        another project or of older weights stays."""
        self.live = state.live
        key = (id(state.project), id(state.weights), len(state.runs), state.live)
        if key != self._shown:
            self._shown = key
            self.project = state.project
            self.clear()
            if state.live:
                self._hint(LIVE_HINT)
            elif state.evaluation is not None:
                self._show(state.evaluation, saved=True)
            else:
                self._hint(TRAINED_HINT if state.trained else UNTRAINED_HINT)
        self.button.setEnabled(state.trained and not state.live and not self.busy)

    def take_events(self, events: list[dict]) -> None:
        """A run's events change nothing here: its weights are evaluated when it has ended."""

    # ---- the report ---------------------------------------------------------------------------------
    def show_calculator(self, on: bool = True) -> None:
        """The confusion-matrix calculator in place of the report (and back)."""
        if on and self.pages.currentWidget() is not self.calculator:
            self._report_page = self.pages.currentIndex()
        self.pages.setCurrentWidget(self.calculator if on else self.pages.widget(self._report_page))
        if self.calculator_button.isChecked() != on:
            self.calculator_button.setChecked(on)

    def clear(self) -> None:
        self.calculator_button.setChecked(False)
        self.report = None
        self.page.clear()
        self._hint(UNTRAINED_HINT)

    def _hint(self, text: str) -> None:
        self.status.setText(text)
        self.empty.setText(text)
        self.pages.setCurrentWidget(self.empty)
        self._report_page = self.pages.currentIndex()

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def evaluate(self, project=None) -> bool:
        project = project or self.project
        if project is None or not project.weights:
            self.status.setText("This project has no trained weights yet: press Train first")
            return False
        if self.busy:
            return False
        self.status.setText("Evaluating on the test set…")
        self.button.setEnabled(False)
        self.measured = project
        self._thread = evaluate_in_background(project.copy(), self.best.isChecked(), self._arrived.emit)
        return True

    def _on_arrived(self, report) -> None:
        if self.measured is not self.project or self.live:  # another project, or a new run, meanwhile
            self.button.setEnabled(bool(self.project is not None and self.project.weights) and not self.live)
            return
        self._show(report)

    def _show(self, report, saved: bool = False) -> None:
        """Show a report: a new one (then ``finished`` is emitted, and the controller keeps it with the
        run) or, ``saved``, the one kept in the project file."""
        self.button.setEnabled(True)
        if isinstance(report, str):
            self.status.setText(report)
            self.report = None
            self.finished.emit(report)
            return
        self.report = report
        self.show_calculator(False)
        sections = report_sections(report)
        self.page.show(sections, report.get("transient"))
        self.pages.setCurrentWidget(self.page)
        self._report_page = self.pages.currentIndex()
        note = " (saved with the project; Evaluate again to recompute)" if saved else ""
        self.status.setText((headline(sections) or "Evaluated") + note)
        if not saved:
            self.finished.emit(report)

    def export_png(self, path) -> Path:
        path = Path(path)
        if not self.page.export_matrix_png(path):
            raise OSError(f"could not write {path}")
        return path
