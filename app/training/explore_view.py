"""Exploring a trained GAN or VAE in the Samples tab. GAN: new samples (seed, and class for a
conditional GAN) and a latent walk between two noise vectors. VAE: samples from the prior,
the interpolation between two chosen test images, and for a latent size of 2 the map of test
images in the latent plane, coloured by class. The runtime calls run in a worker thread
(background.Jobs); their failures are one sentence above the views."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QStackedWidget,
                               QVBoxLayout, QWidget)

from ..theme import icon
from .background import JobError, Jobs
from .explore_jobs import Explorer
from .pictures import PAD, PictureView, centers, class_cells, tile
from .plots import background, foreground, themed_plot
from .points_view import PointsPlot, Square

SAMPLES = 64
POINTS = 1000
CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
                "#17becf")
POINTS_NOTE = ("Purple: 1,000 new samples of the trained generator (fresh noise of the seed). Green: points of the "
               "test set. Orange: the latent walk, the generator's outputs along a straight line between two noise "
               "vectors, in order. A generator that covers every mode puts purple dots on every green cluster.")
WAITING = "Train the model, then explore it here: new samples, walks through its latent space, interpolations."


def _spin(lo: int, hi: int, value: int, tip: str, prefix: str = "") -> QSpinBox:
    s = QSpinBox()
    s.setRange(lo, hi)
    s.setValue(value)
    s.setToolTip(tip)
    s.setPrefix(prefix)
    s.setKeyboardTracking(False)
    return s


def _button(text: str, icon_name: str, tip: str) -> QPushButton:
    b = QPushButton(icon(icon_name), text)
    b.setToolTip(tip)
    return b


class ExploreView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.jobs = Jobs(self)
        self.explorer: Explorer | None = None
        self.info: dict | None = None
        self.available = True
        self.stale = False
        self._project = self._weights = None  # what the views show (a new run's weights refill them)
        self.results: dict = {}  # the latest result of each view (tests and the PNG of a view)
        self.message = QLabel(WAITING)
        self.message.setWordWrap(True)
        self.pages = QStackedWidget()
        self.pages.addWidget(QWidget())
        self.pages.addWidget(self._gan_page())
        self.pages.addWidget(self._vae_page())
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.message)
        lay.addWidget(self.pages, 1)

    # ---- pages ------------------------------------------------------------------------------------------
    def _gan_page(self) -> QWidget:
        self.new_button = _button("New samples", "mdi6.dice-multiple-outline",
                                  "New samples from fresh noise of this seed")
        self.seed = _spin(0, 2**31 - 1, 0, "Seed of the noise: the same seed gives the same samples", "seed ")
        self.label = QComboBox()
        self.label.setToolTip("The class a conditional generator is asked for")
        self.label.hide()
        self.walk_button = _button("Latent walk", "mdi6.vector-line", "Samples on the straight line between two noise "
                                   "vectors z1 and z2 of this seed: z_t = (1 − t) z1 + t z2")
        self.walk_steps = _spin(3, 24, 10, "Samples along the walk", "steps ")
        self.gan_grid = PictureView("New samples")
        self.gan_walk = PictureView("Latent walk from z1 (t = 0) to z2 (t = 1)")
        self.gan_points = PointsPlot(heat=False, walk=True)
        points_note = QLabel(POINTS_NOTE)
        points_note.setWordWrap(True)
        points_note.setTextFormat(Qt.RichText)
        points_note.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        points_page = Square(self.gan_points, points_note)
        self.gan_pictures = QWidget()
        pics = QHBoxLayout(self.gan_pictures)
        pics.setContentsMargins(0, 0, 0, 0)
        pics.addWidget(self.gan_grid, 1)
        pics.addWidget(self.gan_walk, 1)
        self.gan_views = QStackedWidget()
        self.gan_views.addWidget(self.gan_pictures)
        self.gan_views.addWidget(points_page)
        bar = QHBoxLayout()
        for w in (self.new_button, self.seed, self.label, self.walk_button, self.walk_steps):
            bar.addWidget(w)
        bar.addStretch(1)
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(bar)
        lay.addWidget(self.gan_views, 1)
        self.new_button.clicked.connect(lambda: self.new_samples())
        self.walk_button.clicked.connect(lambda: self.latent_walk())
        return page

    def _vae_page(self) -> QWidget:
        self.prior_button = _button("Samples from the prior", "mdi6.dice-multiple-outline",
                                    "The decoder on 64 latent vectors z drawn from N(0, 1)")
        self.prior_seed = _spin(0, 2**31 - 1, 0, "Seed of the latent vectors", "seed ")
        self.interp_button = _button("Interpolate", "mdi6.vector-line", "Decode z_t = (1 − t) z_A + t z_B between "
                                     "the encodings of two test images")
        self.image_a = _spin(0, 0, 0, "Test image A (its index in the test set)", "A #")
        self.image_b = _spin(0, 0, 1, "Test image B (its index in the test set)", "B #")
        self.interp_steps = _spin(3, 16, 9, "Images between A and B (t from 0 to 1)", "steps ")
        self.vae_grid = PictureView("Samples from the prior")
        self.vae_interp = PictureView("Interpolation")
        self.map_plot = pg.GraphicsLayoutWidget()
        self.map_plot.setBackground(background())
        self.map = self.map_plot.addPlot(0, 0)
        themed_plot(self.map, "Test images in the 2-D latent space (means)", left="z₂", bottom="z₁").hideButtons()
        self.map_legend = pg.LegendItem(labelTextSize="7pt", labelTextColor=foreground())
        self.map_plot.addItem(self.map_legend, 0, 1)  # beside the plot: inside, it would hide the points
        self.map_items: list = []
        self.map_note = QLabel("Latent map: with a latent size of 2 (set it in the VAE latent block), the test "
                               "images are drawn here where the encoder puts them, coloured by class.")
        self.map_note.setWordWrap(True)
        self.map_box = QStackedWidget()
        self.map_box.addWidget(self.map_note)
        self.map_box.addWidget(self.map_plot)
        page = QWidget()
        grid = QGridLayout(page)
        grid.setContentsMargins(0, 0, 0, 0)
        left = QHBoxLayout()
        for w in (self.prior_button, self.prior_seed):
            left.addWidget(w)
        left.addStretch(1)
        mid = QHBoxLayout()
        for w in (self.interp_button, self.image_a, self.image_b, self.interp_steps):
            mid.addWidget(w)
        mid.addStretch(1)
        grid.addLayout(left, 0, 0)
        grid.addLayout(mid, 0, 1)
        grid.addWidget(self.vae_grid, 1, 0)
        grid.addWidget(self.vae_interp, 1, 1)
        grid.addWidget(self.map_box, 0, 2, 2, 1)
        grid.setRowStretch(1, 1)
        for col, stretch in enumerate((2, 3, 3)):
            grid.setColumnStretch(col, stretch)
        self.prior_button.clicked.connect(lambda: self.prior_samples())
        self.interp_button.clicked.connect(lambda: self.interpolate())
        return page

    # ---- project ----------------------------------------------------------------------------------------------
    def set_project(self, project) -> None:
        """A trained GAN or VAE project (None: nothing to explore). The views refill when next shown."""
        if project is self._project and (project is None or project.weights is self._weights):
            return
        self._project, self._weights = project, (project.weights if project is not None else None)
        self.jobs.reset()
        self.results = {}
        self.info = None
        self.explorer = Explorer(project.copy()) if project is not None else None
        self.stale = project is not None
        self.pages.setCurrentIndex(0)
        self.message.setText(WAITING if project is None else "Loading the trained model…")
        if self.isVisible():
            self.fill_if_stale()

    def set_available(self, on: bool) -> None:
        """Off while a run trains (its weights are not the project's yet)."""
        self.available = on
        self.pages.setEnabled(on)
        if not on and self.explorer is not None:
            self.message.setText("The trained model can be explored when the run has ended.")
        elif on and self.info is not None:
            self.message.setText(self._ready_text())

    def fill_if_stale(self) -> None:
        """Load the model and fill every view with its first results (once per trained project)."""
        if not self.stale or not self.available or self.explorer is None:
            return
        self.stale = False
        self.jobs.submit(self.explorer.info, self._got_info)

    def _got_info(self, info) -> None:
        if self._failed(info):
            return
        self.info = info
        walks = "walk" in info["explore"]  # samples from noise and walks between noise vectors (a generator)
        self.pages.setCurrentIndex(1 if walks else 2)
        self.message.setText(self._ready_text())
        if walks:
            self.label.clear()
            self.label.addItem("classes in turn", None)
            for k in range(info["classes"]):
                self.label.addItem(info["names"][k] if k < len(info["names"]) else str(k), k)
            self.label.setVisible(info["classes"] > 0)
            self.gan_views.setCurrentIndex(1 if info["points"] else 0)
            self.new_samples()
            self.latent_walk()
        else:
            last = max(0, info["test"] - 1)
            for spin in (self.image_a, self.image_b):
                spin.setMaximum(last)
            self.image_b.setValue(min(1, last))
            mapped = "latent_map" in info["explore"] and info["latent"] == 2
            self.map_box.setCurrentIndex(1 if mapped else 0)
            self.prior_samples()
            self.interpolate()
            if mapped:
                self.latent_map()

    def _ready_text(self) -> str:
        return self.info["ready"]

    def _failed(self, result) -> bool:
        if isinstance(result, JobError):
            self.message.setText(str(result))
            return True
        return False

    def _submit(self, name: str, fn, show) -> bool:
        if self.explorer is None or not self.available:
            return False

        def done(result):
            if not self._failed(result):
                self.results[name] = result
                show(result)
        self.jobs.submit(fn, done)
        return True

    # ---- GAN ---------------------------------------------------------------------------------------------------
    def new_samples(self) -> bool:
        seed, label = self.seed.value(), self.label.currentData()
        n = POINTS if self.info and self.info["points"] else SAMPLES
        return self._submit("samples", lambda: self.explorer.samples(n, seed, label), self._show_samples)

    def latent_walk(self) -> bool:
        steps, seed, label = self.walk_steps.value(), self.seed.value(), self.label.currentData()
        return self._submit("walk", lambda: self.explorer.walk(steps, seed, label), self._show_walk)

    def _show_samples(self, r: dict) -> None:
        if "points" in r:
            self.gan_points.show_points(r["real"], r["points"])
            self.gan_points.fit(r["real"], r["points"])
            return
        images, labels = r["images"], r["labels"]
        h = images.shape[2]
        if labels and len(set(labels)) > 1:
            cells, _ = class_cells(labels)
            rows = max(labels) + 1
            names = [self.label.itemText(k + 1) for k in range(rows)]
            self.gan_grid.show_picture(tile(images, cells=cells, rows=rows), left=list(zip(centers(rows, h), names)))
        else:
            self.gan_grid.show_picture(tile(images, columns=8))
        what = f" of class {self.label.currentText()}" if labels and len(set(labels)) == 1 else ""
        self.gan_grid.set_title(f"New samples{what} · seed {self.seed.value()}")

    def _show_walk(self, r: dict) -> None:
        if "points" in r:
            self.gan_points.show_walk(r["points"])
            return
        self._row(self.gan_walk, r["images"], np.linspace(0, 1, len(r["images"])))
        label = self.label.currentData()
        what = f" (class {self.label.itemText(1 + (label or 0))})" if self.info and self.info["classes"] else ""
        self.gan_walk.set_title(f"Latent walk{what} from z1 (t = 0) to z2 (t = 1) · seed {self.seed.value()}")

    @staticmethod
    def _row(view: PictureView, images: np.ndarray, ts, ends=None) -> None:
        """One row of images labelled with t below; ``ends``: (image A, label, image B, label) around it."""
        row = list(images)
        labels = [f"{t:.2g}" for t in ts]
        if ends is not None:
            row = [ends[0], *row, ends[2]]
            labels = [ends[1], *labels, ends[3]]
        stack = np.stack(row)
        w = stack.shape[3]
        view.show_picture(tile(stack, columns=len(row)), bottom=list(zip(centers(len(row), w, PAD), labels)))

    # ---- VAE ---------------------------------------------------------------------------------------------------
    def prior_samples(self) -> bool:
        seed = self.prior_seed.value()
        return self._submit("prior", lambda: self.explorer.samples(SAMPLES, seed),
                            lambda r: self.vae_grid.show_picture(tile(r["images"], columns=8)))

    def interpolate(self) -> bool:
        a, b, steps = self.image_a.value(), self.image_b.value(), self.interp_steps.value()
        return self._submit("interpolation", lambda: self.explorer.interpolate(a, b, steps), self._show_interpolation)

    def _show_interpolation(self, r: dict) -> None:
        a, b = r["ids"]
        self._row(self.vae_interp, r["row"], r["ts"], (r["a"], f"#{a}", r["b"], f"#{b}"))
        self.vae_interp.set_title(f"Test image #{a} → #{b}: decoded z_t = (1 − t) z_A + t z_B (t below)")

    def latent_map(self) -> bool:
        return self._submit("latent_map", lambda: self.explorer.latent_map(), self._show_map)

    def _show_map(self, r: dict) -> None:
        for item in self.map_items:
            self.map.removeItem(item)
        self.map_legend.clear()
        self.map_items = []
        z, labels, names = r["z"], r["labels"], r["names"]
        for k in np.unique(labels):
            pts = z[labels == k]
            color = CLASS_COLORS[int(k) % len(CLASS_COLORS)]
            item = pg.ScatterPlotItem(pos=pts, size=4, pen=None, brush=pg.mkBrush(color))
            self.map.addItem(item)
            self.map_legend.addItem(item, names[int(k)] if int(k) < len(names) else str(int(k)))
            self.map_items.append(item)
        layout = self.map_plot.ci.layout
        layout.setColumnMinimumWidth(1, self.map_legend.boundingRect().width() + 4)
        self.map.autoRange()
