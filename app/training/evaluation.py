"""Test-set evaluation of the trained model (runtime.evaluate) in a background thread: the confusion
matrix as a heat map with counts, per-class precision / recall / F1, and the test images the model
was most confidently wrong about, with their true and predicted classes; a GAN's or a VAE's
report on its own page (generative_report.py)."""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QPushButton, QStackedWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from ..theme import icon, is_dark
from .confusion_calculator import ConfusionCalculator
from .forecast_view import ForecastView
from .generative_report import GenerativeReport
from .pictures import to_qimage  # noqa: F401 - prediction.py imports it from here
from .report_widgets import read_only_table, scrolling_grid

UNTRAINED_HINT = "Train, then evaluate the model on test images it has never seen"
TRAINED_HINT = ("This project has trained weights but no saved evaluation: press Evaluate on the test set to "
                "measure them (the result is kept in the project)")
# Report parts that are pictures or long per-sample lists: shown, but not kept in the project file.
NOT_KEPT = ("wrong_images", "unusual_images", "forecast", "anomaly_scores")


def kept_report(report: dict) -> dict:
    """The part of an evaluation report that is saved with the run it measured."""
    return {k: v for k, v in report.items() if k not in NOT_KEPT}


def saved_evaluation(project) -> dict | None:
    """The evaluation kept with the project's last run, when the project still has that run's weights."""
    runs = project.history.get("runs") or [] if project is not None else []
    report = runs[-1].get("evaluation") if runs and project.weights else None
    return report if isinstance(report, dict) else None


GENERATIVE_HINT = ("Evaluate to measure the trained model on the test set. A GAN gets the Frechet distance between "
                   "its samples and test images (a small classifier is trained on the dataset for it the first "
                   "time, which takes a while) or, on 2-D points, the modes it covers; a VAE gets its negative "
                   "ELBO and the test images it finds most unusual.")


def evaluate_in_background(project, best: bool, done) -> threading.Thread:
    """evaluate_project plus the wrong images (denormalized, [0, 1]) -> done(report or error str)."""
    def work():
        try:
            from runtime.evaluate import EvaluationError, evaluate_project

            try:
                report = evaluate_project(project, "test", None, best)
            except EvaluationError as e:
                done(str(e))
                return
            if report.get("task") == "vae":
                from .explore_jobs import unusual_images

                report["unusual_images"] = unusual_images(project, report, best)
            elif "baselines" in report:  # a forecast: the test series and the forecasts, for the plot
                from runtime.forecast import forecast_stretch

                report["forecast"] = forecast_stretch(project, best)
            elif report.get("task") != "gan":
                report["wrong_images"] = _wrong_images(project, report.get("most_confident_wrong") or [])
            done(report)
        except Exception as e:  # a message in the view, never a dead thread
            done(f"evaluation failed: {e}")

    t = threading.Thread(target=work, name="netcanvas-evaluate", daemon=True)
    t.start()
    return t


def _wrong_images(project, wrong: list[dict]) -> list:
    if not wrong:
        return []
    from projects.training import complete_training
    from runtime.data import load_dataset
    from runtime.weights import trained_model

    model = trained_model(project)
    shape = tuple(project.graph.states[model.input_ids[0]].outputs[0])
    ds = load_dataset(complete_training(project.training)["dataset"], shape)
    if not ds.is_image:
        return []
    idx = [w["index"] for w in wrong]
    x = ds.test.x[idx].reshape(len(idx), *ds.extras["image_shape"]).float()
    if ds.normalization:
        import torch

        mean = torch.tensor(ds.normalization["mean"]).view(1, -1, 1, 1)
        std = torch.tensor(ds.normalization["std"]).view(1, -1, 1, 1)
        x = x * std + mean
    return list(x.clamp(0, 1).numpy())


class EvaluationView(QWidget):
    finished = Signal(object)  # the report (dict) or an error message (str); emitted in the GUI thread
    _arrived = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.project = None
        self.report: dict | None = None
        self._thread = None
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
        self.heat = pg.PlotWidget(background="#1e1f22" if is_dark() else "#ffffff")
        self.heat.setMenuEnabled(False)
        self.heat.setMouseEnabled(False, False)
        self.heat_item = pg.ImageItem(axisOrder="row-major")
        self.heat_item.setLookupTable(pg.colormap.get("CET-L19" if not is_dark() else "viridis").getLookupTable(nPts=256))
        self.heat.addItem(self.heat_item)
        self.heat.getPlotItem().invertY(True)
        self.heat.getPlotItem().setLabel("left", "true class")
        self.heat.getPlotItem().setLabel("bottom", "predicted class (number)")
        self.heat.getPlotItem().setAspectLocked(True)
        self.count_items: list[pg.TextItem] = []
        self.table = read_only_table(["Class", "Precision", "Recall", "F1", "Support"])
        self.wrong_box, self.wrong_grid, scroll = scrolling_grid()
        right = QVBoxLayout()
        right.addWidget(QLabel("Most confidently wrong test images"))
        right.addWidget(scroll, 1)
        classifier = QWidget()
        body = QHBoxLayout(classifier)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.heat, 3)
        body.addWidget(self.table, 3)
        body.addLayout(right, 3)
        self.generative = GenerativeReport()
        self.pages = QStackedWidget()
        self.pages.addWidget(classifier)
        self.pages.addWidget(self.generative)
        self.forecast = ForecastView()
        self.pages.addWidget(self.forecast)
        self.calculator = ConfusionCalculator()
        self.pages.addWidget(self.calculator)
        self.empty = QLabel(UNTRAINED_HINT)  # no report yet: a sentence, not an empty heat map
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)
        self.pages.addWidget(self.empty)
        self._report_page = 0  # the page the calculator button returns to
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.pages, 1)
        self.button.clicked.connect(lambda: self.evaluate())
        self.calculator_button.toggled.connect(self.show_calculator)
        self._arrived.connect(self._on_arrived)
        self.measured = None  # the project the last evaluation started measured

    def show_calculator(self, on: bool = True) -> None:
        """The confusion-matrix calculator in place of the report (and back)."""
        if on and self.pages.currentWidget() is not self.calculator:
            self._report_page = self.pages.currentIndex()
        self.pages.setCurrentWidget(self.calculator if on else self.pages.widget(self._report_page))
        if self.calculator_button.isChecked() != on:
            self.calculator_button.setChecked(on)

    def set_project(self, project) -> None:
        """The open project: another one's report is cleared (a view never shows a previous project);
        a trained project shows the evaluation kept with its last run, or says how to make one."""
        if project is not self.project:
            self.project = project
            self.clear()
            from .taskinfo import is_generative, project_task

            saved = saved_evaluation(project)
            if saved is not None:
                self._show(saved, saved=True)
            elif project is not None and is_generative(project_task(project)):
                self.pages.setCurrentWidget(self.generative)
                self.generative.details.setText(GENERATIVE_HINT)
        self.project = project
        self.button.setEnabled(bool(project is not None and project.weights) and not self.busy)

    def clear(self) -> None:
        self.calculator_button.setChecked(False)
        self.report = None
        hint = TRAINED_HINT if self.project is not None and self.project.weights else UNTRAINED_HINT
        self.status.setText(hint)
        self.empty.setText(hint)
        self.heat_item.clear()
        for item in self.count_items:
            self.heat.removeItem(item)
        self.count_items = []
        self.table.setRowCount(0)
        self._wrong([], [])
        self.generative.clear()
        self.forecast.clear()
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
        if self.measured is not self.project:  # another project was opened meanwhile: not its report
            self.button.setEnabled(bool(self.project is not None and self.project.weights))
            return
        self._show(report)

    def _show(self, report, saved: bool = False) -> None:
        """Show a report: a new one (then ``finished`` is emitted, and the session keeps it with the
        run) or, ``saved``, the one kept in the project file."""
        self.button.setEnabled(True)
        if isinstance(report, str):
            self.status.setText(report)
            self.report = None
            self.finished.emit(report)
            return
        self.report = report
        self.show_calculator(False)
        done = (lambda: None) if saved else (lambda: self.finished.emit(report))
        note = " (saved with the project; Evaluate again to recompute)" if saved else ""
        if report.get("task") in ("gan", "vae"):
            self.pages.setCurrentWidget(self.generative)
            self.status.setText(self.generative.show_report(report) + note)
            done()
            return
        self.pages.setCurrentIndex(0)
        if "confusion_matrix" not in report:
            sign = report.get("sign_accuracy")
            self.status.setText(f"{report['samples']:,} test samples of '{report['dataset']}': "
                                + (f"sign accuracy {sign:.2%} (outputs with their -1/+1 target's sign), "
                                   if sign is not None else "")
                                + f"loss {report['loss']:.4f}, MAE {report['mae']:.4f}, R² {report['r2']:.3f}")
            if report.get("forecast") is not None:
                self.pages.setCurrentWidget(self.forecast)
                self.forecast.show_report(report)
            else:
                self.empty.setText("This regression's figures are in the line above.")
                self.pages.setCurrentWidget(self.empty)
            self.status.setText(self.status.text() + note)
            done()
            return
        self.pages.setCurrentIndex(0)
        m = report["macro"]
        self.status.setText(f"{report['samples']:,} test samples of '{report['dataset']}': accuracy "
                            f"{report['accuracy']:.2%}, loss {report['loss']:.4f}, macro F1 {m['f1']:.3f}" + note)
        self._heat(report["classes"], np.asarray(report["confusion_matrix"], dtype=float))
        self._table(report)
        self._wrong(report.get("most_confident_wrong") or [], report.get("wrong_images") or [])
        done()

    def _heat(self, classes: list[str], cm: np.ndarray) -> None:
        rows = cm.sum(1, keepdims=True)
        share = np.divide(cm, rows, out=np.zeros_like(cm), where=rows > 0)
        self.heat_item.setImage(share, autoLevels=False, levels=(0.0, 1.0))
        self.heat_item.setRect(-0.5, -0.5, cm.shape[1], cm.shape[0])
        for item in self.count_items:
            self.heat.removeItem(item)
        self.count_items = []
        for r in range(cm.shape[0]):
            for c in range(cm.shape[1]):
                if cm[r, c] == 0:
                    continue
                color = "#ffffff" if share[r, c] > 0.5 else "#202124"
                t = pg.TextItem(f"{int(cm[r, c])}", color=color, anchor=(0.5, 0.5))
                t.setPos(c, r)
                self.heat.addItem(t)
                self.count_items.append(t)
        # names on the left, their numbers below (long names side by side would overlap)
        self.heat.getPlotItem().getAxis("bottom").setTicks([[(i, str(i)) for i in range(len(classes))]])
        self.heat.getPlotItem().getAxis("left").setTicks([[(i, f"{name} ({i})") for i, name in enumerate(classes)]])
        self.heat.getPlotItem().setRange(xRange=(-0.5, cm.shape[1] - 0.5), yRange=(-0.5, cm.shape[0] - 0.5),
                                         padding=0)

    def _table(self, report: dict) -> None:
        rows = list(zip(report["classes"], report["per_class"]))
        self.table.setRowCount(len(rows) + 1)
        m = report["macro"]
        for r, (name, pc) in enumerate(rows + [("Macro average", {**m, "support": report["samples"]})]):
            cells = (name, f"{pc['precision']:.3f}", f"{pc['recall']:.3f}", f"{pc['f1']:.3f}", f"{pc['support']:,}")
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(r, c, item)

    def _wrong(self, wrong: list[dict], images: list) -> None:
        while self.wrong_grid.count():
            w = self.wrong_grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        for i, (info, img) in enumerate(zip(wrong, images)):
            pic = QLabel()
            pic.setPixmap(QPixmap.fromImage(to_qimage(img)).scaled(72, 72, Qt.KeepAspectRatio,
                                                                   Qt.FastTransformation))
            text = QLabel(f"true: <b>{info['true']}</b><br>predicted: <b>{info['predicted']}</b><br>"
                          f"{info['probability']:.0%} sure")
            cell = QWidget()
            cl = QVBoxLayout(cell)
            cl.setContentsMargins(0, 0, 0, 0)
            cl.addWidget(pic, 0, Qt.AlignHCenter)
            cl.addWidget(text, 0, Qt.AlignHCenter)
            self.wrong_grid.addWidget(cell, i // 4, i % 4)

    def export_png(self, path) -> Path:
        path = Path(path)
        if not self.heat.grab().save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
        return path
