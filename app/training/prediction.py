"""The prediction panel (the course's practical work): load a local image (dialog or drop), see it
as the network sees it (inverted and centred like light-on-dark training images, per the polarity
switch), the predicted class with its probability, a note when it looks unlike the training images,
a bar chart of all classes, and optionally the true class to compare, for a task whose prediction
gives classes (runtime.use.predict_project); for other tasks, the sentence their declaration says
instead."""
from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget)

from runtime.data import DatasetError
from runtime.use import EvaluationError, predict_project

from ..theme import icon
from .pictures import to_qimage
from .taskinfo import project_task
from .plots import COLORS, plot_widget

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp)"
POLARITIES = (("auto", "auto"), ("invert", "invert"), ("as is", "keep"))  # shown text, predict_images' value


def classes_of(project) -> list[str]:
    """The class names of the newest run with weights (no torch needed)."""
    runs = [r for r in project.history.get("runs", []) if r.get("status") in ("finished", "stopped")]
    return list((runs[-1].get("classes") if runs else None) or [])


class PredictionView(QWidget):
    predicted = Signal(object)  # the result dict or an error message
    title = "Prediction"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.project = None
        self.path: Path | None = None
        self.result: dict | None = None
        self.seen: np.ndarray | None = None  # the image as the network sees it
        self.open_button = QPushButton(icon("mdi6.image-search-outline"), "Open image…")
        self.truth = QComboBox()
        self.truth.setToolTip("Optionally, the true class of your image, to compare")
        self.polarity = QComboBox()
        for text, value in POLARITIES:
            self.polarity.addItem(text, value)
        self.polarity.setToolTip("Light-on-dark training images (Fashion-MNIST, MNIST): invert a photo with a "
                                 "light background (auto), always (invert) or never (as is)")
        self.picture = QLabel("Drop an image here\nor press Open image…")
        self.picture.setAlignment(Qt.AlignCenter)
        self.picture.setMinimumSize(160, 160)
        self.picture.setStyleSheet("QLabel { border: 1px dashed palette(mid); }")
        self.answer = QLabel(" ")
        self.answer.setWordWrap(True)
        self.answer.setTextFormat(Qt.RichText)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.PlainText)
        self.note.setStyleSheet("QLabel { color: #b06000; }")
        self.note.hide()
        self.bars_plot = plot_widget("Probability of each class")
        self.bars_plot.setMouseEnabled(False, False)
        self.bars = pg.BarGraphItem(x0=[], y=[], height=0.7, width=[], brush=COLORS[0])
        self.bars_plot.addItem(self.bars)
        self.bars_plot.getPlotItem().invertY(True)
        self.bars_plot.setXRange(0, 1, padding=0.02)
        top = QHBoxLayout()
        top.addWidget(self.open_button)
        self.class_controls = [QLabel("True class:"), self.truth, QLabel("Polarity:"), self.polarity]
        for w in self.class_controls:
            top.addWidget(w)
        top.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(QLabel("As the network sees it"))
        left.addWidget(self.picture, 1)
        left.addWidget(self.answer)
        left.addWidget(self.note)
        self.output = QLabel("")  # a model that gives images: what it made of the image
        self.output.setAlignment(Qt.AlignCenter)
        self.output.setMinimumSize(160, 160)
        self.output_box = QWidget()
        ol = QVBoxLayout(self.output_box)
        ol.setContentsMargins(0, 0, 0, 0)
        ol.addWidget(QLabel("What the network makes of it"))
        ol.addWidget(self.output, 1)
        self.output_box.hide()
        body = QHBoxLayout()
        body.addLayout(left, 2)
        body.addWidget(self.bars_plot, 3)
        body.addWidget(self.output_box, 3)
        self.generative_note = QLabel("")  # what the task says instead, when its prediction is not classes
        self.generative_note.setWordWrap(True)
        self.generative_note.hide()
        self.body = QWidget()
        inner = QVBoxLayout(self.body)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addLayout(top)
        inner.addLayout(body, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.generative_note)
        lay.addWidget(self.body, 1)
        self.generative = False
        self.task = None  # the open project's TaskDeclaration
        self.mode = "classes"  # what the task's prediction gives: "classes" or "images"
        self._shown = None  # (project, weights) last shown
        self.open_button.clicked.connect(self.open_dialog)
        self.truth.currentIndexChanged.connect(lambda _i: self._show_answer())
        self.polarity.currentIndexChanged.connect(lambda _i: self._repredict())

    # ---- the view protocol (views.py) -------------------------------------------------------------------
    def applies(self, state) -> bool:
        return True

    def show_state(self, state) -> None:
        """The open project's classes; another project or new weights: no earlier image or answer. A
        task whose prediction is not classes gets its own sentence instead of the panel."""
        task = state.task
        panel = task is not None and task.prediction.takes == "images" and task.prediction.gives in ("classes", "images")
        note = task.prediction.note if task is not None else (state.choice.problem.message if state.choice.problem
                                                               else "")
        self.set_generative(not panel, note)
        self.task = task
        self._set_mode(task.prediction.gives if panel else "classes")
        key = (id(state.project), id(state.weights))
        if key != self._shown:
            self._shown = key
            self.clear()
        self.set_project(state.project)

    def take_events(self, events: list[dict]) -> None:
        """A run's events change nothing here: its weights predict when it has ended."""

    def _set_mode(self, mode: str) -> None:
        """Classes: probabilities as bars, the true class to compare, the polarity switch; images: the
        picture the network makes of the image."""
        self.mode = mode
        for w in self.class_controls:
            w.setVisible(mode == "classes")
        self.bars_plot.setVisible(mode == "classes")
        self.output_box.setVisible(mode == "images")

    def clear(self) -> None:
        """No image, answer or bars (another project's, or older weights')."""
        self.path, self.result, self.seen = None, None, None
        self.picture.clear()
        self.picture.setText("Drop an image here\nor press Open image…")
        self.answer.setText(" ")
        self.note.hide()
        self.bars.setOpts(x0=[], y=[], width=[])
        self.bars_plot.getPlotItem().getAxis("left").setTicks(None)
        self.output.clear()

    def set_project(self, project) -> None:
        self.project = project
        self.task = project_task(project)
        classes = classes_of(project) if project is not None else []
        current = self.truth.currentText()
        self.truth.blockSignals(True)
        self.truth.clear()
        self.truth.addItem("—")
        self.truth.addItems(classes)
        i = self.truth.findText(current)
        self.truth.setCurrentIndex(max(i, 0))
        self.truth.blockSignals(False)

    def set_generative(self, on: bool, note: str = "") -> None:
        """A model whose prediction is not classes: one sentence (its task's) instead of the panel."""
        self.generative = on
        self.generative_note.setText(note)
        self.generative_note.setVisible(on)
        self.body.setVisible(not on)

    def ask_image_path(self) -> str:
        return QFileDialog.getOpenFileName(self, "Open an image", "", IMAGE_FILTER)[0]

    def open_dialog(self) -> None:
        path = self.ask_image_path()
        if path:
            self.predict(path)

    def dragEnterEvent(self, event) -> None:
        if not self.generative and event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.predict(files[0])

    def _repredict(self) -> None:
        """The polarity switch changed: predict the current image again."""
        if self.path is not None and self.project is not None and self.project.weights:
            self.predict(self.path)

    def predict(self, path) -> dict | None:
        self.path = Path(path)
        if self.project is None or not self.project.weights:
            return self._fail("This project has no trained weights yet: press Train first")
        declared = {o.name for o in (self.task.predict_options if self.task is not None else ())}
        options = {"polarity": self.polarity.currentData()} if "polarity" in declared else {}
        try:
            predicted = predict_project(self.project, [str(path)], **options)
            self.result = predicted["results"][0]
        except (EvaluationError, DatasetError, OSError) as e:
            return self._fail(str(e))
        pictures = self.result.get("transient") or {}
        self.seen = pictures.get("seen", pictures.get("input"))
        if self.seen is not None:
            self._draw(self.picture, self.seen)
        if self.mode == "images":
            if pictures.get("output") is not None:
                self._draw(self.output, pictures["output"])
            self.answer.setText("<br>".join(html.escape(line) for line in predicted["lines"]))
            self.predicted.emit(self.result)
            return self.result
        probs = self.result["probabilities"]
        names = list(probs)
        values = np.array([probs[n] for n in names])
        best = int(values.argmax())
        brushes = [pg.mkBrush(COLORS[1] if i == best else COLORS[0]) for i in range(len(names))]
        self.bars.setOpts(x0=np.zeros(len(names)), y=np.arange(len(names)), width=values, brushes=brushes)
        axis = self.bars_plot.getPlotItem().getAxis("left")
        axis.setTicks([list(enumerate(names))])
        self.bars_plot.setYRange(-0.5, len(names) - 0.5, padding=0)
        if self.truth.count() <= 1:
            self.truth.addItems(names)
        self._show_answer()
        self.predicted.emit(self.result)
        return self.result

    @staticmethod
    def _draw(label: QLabel, image) -> None:
        pix = QPixmap.fromImage(to_qimage(image))
        side = max(64, min(label.width(), label.height()) - 8)
        label.setPixmap(pix.scaled(side, side, Qt.KeepAspectRatio, Qt.FastTransformation))

    def _fail(self, message: str) -> None:
        self.result = None
        self.note.hide()
        self.answer.setText(message)
        self.predicted.emit(message)
        return None

    def _show_answer(self) -> None:
        r = self.result
        if not r:
            return
        text = f"<span style='font-size:14pt'><b>{r['class']}</b></span> — {r['probability']:.1%}"
        truth = self.truth.currentText() if self.truth.currentIndex() > 0 else ""
        if truth:
            ok = truth == r["class"]
            text += (f"<br><span style='color:{'#1e8e3e' if ok else '#d93025'}'>{'✓ right' if ok else '✗ wrong'}"
                     f"</span>: the true class is {truth}" +
                     ("" if ok else f" ({r['probabilities'].get(truth, 0):.1%} for it)"))
        self.answer.setText(text + f"<br><small>{self.path.name if self.path else ''}</small>")
        self.note.setText(f"Note: {r['note']}." if r.get("note") else "")
        self.note.setVisible(bool(r.get("note")))
