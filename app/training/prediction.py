"""The prediction panel (the course's practical work): load a local image (dialog or drop), see it
as the network sees it (inverted and centred like light-on-dark training images, per the polarity
switch), the predicted class with its probability, a note when it looks unlike the training images,
a bar chart of all classes, and optionally the true class to compare. Uses runtime.evaluate.predict_images."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget)

from ..theme import icon
from .evaluation import to_qimage
from .plots import COLORS, plot_widget

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp)"
POLARITIES = (("auto", "auto"), ("invert", "invert"), ("as is", "keep"))  # shown text, predict_images' value


def seen_image(project, path, polarity: str = "auto") -> np.ndarray | None:
    """The image as the model's input sees it (polarity and centring, fitted, gray if the input is),
    in [0, 1] for display; None without a single input."""
    from runtime.data import prepare_photo
    from runtime.evaluate import last_run

    inputs = [n for n in project.graph.nodes.values() if n.block and n.block.role == "input"]
    if len(inputs) != 1:
        return None
    shape = tuple(project.graph.states[inputs[0].id].outputs[0])
    return prepare_photo(path, shape, last_run(project), polarity).image.clamp(0, 1).numpy()


def classes_of(project) -> list[str]:
    """The class names of the newest run with weights (no torch needed)."""
    runs = [r for r in project.history.get("runs", []) if r.get("status") in ("finished", "stopped")]
    return list((runs[-1].get("classes") if runs else None) or [])


class PredictionView(QWidget):
    predicted = Signal(object)  # the result dict or an error message

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
        top.addWidget(QLabel("True class:"))
        top.addWidget(self.truth)
        top.addWidget(QLabel("Polarity:"))
        top.addWidget(self.polarity)
        top.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(QLabel("As the network sees it"))
        left.addWidget(self.picture, 1)
        left.addWidget(self.answer)
        left.addWidget(self.note)
        body = QHBoxLayout()
        body.addLayout(left, 2)
        body.addWidget(self.bars_plot, 3)
        self.generative_note = QLabel("A GAN or a VAE makes images instead of classifying them: explore this model "
                                      "in the Samples tab.")
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
        self.open_button.clicked.connect(self.open_dialog)
        self.truth.currentIndexChanged.connect(lambda _i: self._show_answer())
        self.polarity.currentIndexChanged.connect(lambda _i: self._repredict())

    def set_project(self, project) -> None:
        self.project = project
        classes = classes_of(project) if project is not None else []
        current = self.truth.currentText()
        self.truth.blockSignals(True)
        self.truth.clear()
        self.truth.addItem("—")
        self.truth.addItems(classes)
        i = self.truth.findText(current)
        self.truth.setCurrentIndex(max(i, 0))
        self.truth.blockSignals(False)

    def set_generative(self, on: bool) -> None:
        """A generative project has nothing to classify: one sentence points to the Samples tab."""
        self.generative = on
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
        from runtime.data import DatasetError
        from runtime.evaluate import EvaluationError, predict_images

        polarity = self.polarity.currentData()
        try:
            self.result = predict_images(self.project, [path], polarity=polarity)[0]
            seen = seen_image(self.project, path, polarity)
        except (EvaluationError, DatasetError, OSError) as e:
            return self._fail(str(e))
        self.seen = seen
        if seen is not None:
            pix = QPixmap.fromImage(to_qimage(seen))
            side = max(64, min(self.picture.width(), self.picture.height()) - 8)
            self.picture.setPixmap(pix.scaled(side, side, Qt.KeepAspectRatio, Qt.FastTransformation))
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
