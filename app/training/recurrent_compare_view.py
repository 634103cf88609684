"""Train > Compare RNN / LSTM / GRU: the open graph (or the standard long-dependency task when it
has no recurrent block) trained three times, with its recurrent block a plain RNN, an LSTM and a
GRU, in a worker thread (runtime.compare_recurrent). Side by side: the validation accuracy per
epoch and the gradient norm reaching the recurrent block per logged step (log scale), then a
one-line verdict. The window never waits for the training."""
from __future__ import annotations

from runtime.settings import setting

import threading

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout

from ..theme import icon
from .background import sentence
from .plots import COLORS, curve, plot_widget

CELL_COLORS = {"RNN": COLORS[3], "LSTM": COLORS[0], "GRU": COLORS[2]}
MAX_SAMPLES = 5000  # training samples per cell: a user's large dataset stays a classroom-sized run


class _Relay(QObject):
    """Carries the worker thread's progress and result to the GUI thread."""

    progressed = Signal(object)
    finished = Signal(object)


class RecurrentCompareView(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Compare RNN / LSTM / GRU")
        self.resize(900, 420)
        self.project = None
        self.results: list = []
        self.verdict_text = ""
        self.running = False
        self._stop = threading.Event()
        self._relay = _Relay(self)
        self._relay.progressed.connect(self._show)
        self._relay.finished.connect(self._finished)
        self.max_samples = MAX_SAMPLES
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1000)
        self.epochs.setPrefix("epochs ")
        self.epochs.setToolTip("Epochs each cell trains (the same for all three)")
        self.run_button = QPushButton(icon("mdi6.play"), "Run")
        self.run_button.clicked.connect(lambda: self.start())
        self.stop_button = QPushButton(icon("mdi6.stop"), "Stop")
        self.stop_button.clicked.connect(self.stop)
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        self.verdict.setStyleSheet("QLabel { font-weight: bold; }")
        self.accuracy_plot = plot_widget("Validation accuracy", left="accuracy", bottom="epoch")
        self.accuracy_plot.addLegend(offset=(-10, 10), labelTextSize="8pt")
        self.gradient_plot = plot_widget("Gradient norm reaching the recurrent block", left="gradient norm",
                                         bottom="step", log_y=True)
        self.accuracy_curves = {c: curve(self.accuracy_plot, CELL_COLORS[c], c, symbol="o") for c in CELL_COLORS}
        self.gradient_curves = {c: curve(self.gradient_plot, CELL_COLORS[c], c, width=1) for c in CELL_COLORS}
        bar = QHBoxLayout()
        for w in (self.epochs, self.run_button, self.stop_button):
            bar.addWidget(w)
        bar.addWidget(self.caption, 1)
        plots = QHBoxLayout()
        plots.addWidget(self.accuracy_plot, 1)
        plots.addWidget(self.gradient_plot, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.verdict)
        lay.addLayout(plots, 1)
        self._sync_buttons()

    # ---- running -------------------------------------------------------------------------------------
    def set_project(self, project) -> None:
        """The project to compare (a frozen copy); its epochs are the default budget."""
        from runtime.compare_recurrent import recurrent_node, standard_project

        if recurrent_node(project.graph) is None:
            project = standard_project()
            what = "the standard task: remember the first of 64 steps (the open graph has no recurrent block)"
        else:
            what = f"'{project.title or 'this project'}' with its recurrent block swapped"
        self.project = project
        self.epochs.setValue(setting(project, None, "epochs"))
        self.caption.setText(f"Trains a plain RNN, an LSTM and a GRU on {what}: same hidden size, seed and data.")

    def start(self) -> bool:
        """Run the comparison in a worker thread (False while one runs)."""
        if self.running or self.project is None:
            return False
        self.running = True
        self._stop.clear()
        self.results, self.verdict_text = [], ""
        self.verdict.setText("Training the RNN first, then the LSTM, then the GRU…")
        for c in CELL_COLORS:
            self.accuracy_curves[c].setData([], [])
            self.gradient_curves[c].setData([], [])
        self._sync_buttons()
        args = (self.project, self.epochs.value(), self.max_samples)
        threading.Thread(target=self._work, args=args, name="netcanvas-compare", daemon=True).start()
        return True

    def stop(self) -> None:
        self._stop.set()

    def _work(self, project, epochs: int, max_samples: int) -> None:
        from runtime.compare_recurrent import compare_recurrent

        def progress(_cell, _epoch, _epochs, results):
            self._emit(self._relay.progressed, _snapshot(results))

        try:
            result = compare_recurrent(project, epochs, max_samples, progress=progress, stopping=self._stop.is_set)
        except Exception as e:  # one sentence in the dialog, never a dead thread
            result = sentence(e)
        self._emit(self._relay.finished, result)

    @staticmethod
    def _emit(signal, value) -> None:
        try:
            signal.emit(value)
        except RuntimeError:  # the dialog was deleted meanwhile
            pass

    def _finished(self, result) -> None:
        from runtime.compare_recurrent import verdict

        self.running = False
        self._sync_buttons()
        if isinstance(result, str):
            self.verdict.setText(result)
            return
        self._show(_snapshot(result))
        failed = next((r for r in result if r.status != "finished"), None)
        self.verdict_text = verdict(result)
        self.verdict.setText(self.verdict_text + (f" ({failed.cell} {failed.status}: {failed.reason})" if failed
                                                  else ""))

    def _show(self, results: list) -> None:
        self.results = results
        for r in results:
            scale = 100.0 if r.metric == "val_accuracy" else 1.0
            self.accuracy_curves[r.cell].setData(np.asarray(r.epochs, float), np.asarray(r.values, float) * scale)
            norms = np.asarray(r.grad_norms, float)
            keep = norms > 0  # a log axis cannot show 0
            self.gradient_curves[r.cell].setData(np.asarray(r.grad_steps, float)[keep], norms[keep])
        if results:
            r = results[-1]
            self.accuracy_plot.getPlotItem().setLabel("left", "accuracy (%)" if r.metric == "val_accuracy" else
                                                      "validation loss")
            if r.status == "running" and r.epochs:
                self.verdict.setText(f"Training the {r.cell}: epoch {r.epochs[-1]} of {self.epochs.value()}…")

    def _sync_buttons(self) -> None:
        self.run_button.setEnabled(not self.running)
        self.stop_button.setEnabled(self.running)

    def curve_count(self) -> tuple[int, int]:
        """(accuracy curves, gradient curves) with points (tests)."""
        def drawn(c) -> bool:
            x = c.getData()[0]
            return x is not None and len(x) > 0

        return (sum(map(drawn, self.accuracy_curves.values())), sum(map(drawn, self.gradient_curves.values())))

    def closeEvent(self, event) -> None:
        self.stop()
        super().closeEvent(event)


def _snapshot(results: list) -> list:
    """Copies of the results as they are now (the worker thread keeps appending to them)."""
    import copy

    return copy.deepcopy(list(results))
