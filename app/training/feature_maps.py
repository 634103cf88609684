"""Feature maps: the activations of one chosen block for a fixed sample, refreshed while training
(one ImageItem fed a mosaic), the learned filters of a convolution and a histogram of a block's
weights (live while training, and from the project's trained weights after)."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .plots import COLORS, histogram, plot_widget, show_histogram


def mosaic(maps: np.ndarray, per_map: bool = True, max_cols: int | None = None) -> np.ndarray:
    """(n, H, W) maps -> one 2-D image with a 1-pixel NaN gap (transparent); each map scaled to
    [0, 1] on its own so that weak and strong maps are both visible. (features,) -> a square grid."""
    a = np.asarray(maps, dtype=np.float32)
    if a.ndim == 1:
        side = int(math.ceil(math.sqrt(len(a))))
        padded = np.full(side * side, np.nan, np.float32)
        padded[: len(a)] = a
        return _scale(padded.reshape(side, side))
    if a.ndim > 3:
        a = a.reshape(-1, *a.shape[-2:])
    if a.ndim == 2:
        a = a[None]
    n, h, w = a.shape
    cols = max_cols or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / cols))
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan, np.float32)
    if not per_map:
        a = _scale(a)
    for i in range(n):
        r, c = divmod(i, cols)
        out[r * (h + 1): r * (h + 1) + h, c * (w + 1): c * (w + 1) + w] = _scale(a[i]) if per_map else a[i]
    return out


def _scale(a: np.ndarray) -> np.ndarray:
    finite = a[np.isfinite(a)]
    if finite.size == 0:
        return np.zeros_like(a)
    lo, hi = float(finite.min()), float(finite.max())
    return (a - lo) / (hi - lo) if hi > lo else np.where(np.isfinite(a), 0.5, np.nan).astype(np.float32)


def image_view() -> tuple[pg.GraphicsLayoutWidget, pg.ImageItem]:
    from ..theme import is_dark

    w = pg.GraphicsLayoutWidget()
    w.setBackground("#1e1f22" if is_dark() else "#ffffff")
    vb = w.addViewBox(lockAspect=True, invertY=True, enableMouse=True)
    vb.setMenuEnabled(False)
    img = pg.ImageItem(axisOrder="row-major")
    img.setLookupTable(pg.colormap.get("viridis").getLookupTable(nPts=256))
    vb.addItem(img)
    return w, img


PICK_HINT = "Pick a block (or click its node) to see its activations for one validation image"


class FeatureMapView(QWidget):
    block_chosen = Signal(str)  # node id to watch
    title = "Feature maps"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.block = QComboBox()
        self.block.setMinimumContentsLength(14)
        self.caption = QLabel(PICK_HINT)
        self.caption.setWordWrap(True)
        self.maps_widget, self.maps_image = image_view()
        self.filters_widget, self.filters_image = image_view()
        self.filters_caption = QLabel("Learned filters appear here for a trained convolution")
        self.hist_plot = plot_widget("Weights", left="count")
        self.hist_curve = histogram(self.hist_plot, COLORS[0])
        top = QHBoxLayout()
        top.addWidget(QLabel("Block"))
        top.addWidget(self.block)
        top.addWidget(self.caption, 1)
        left = QVBoxLayout()
        left.addWidget(QLabel("Activations"))
        left.addWidget(self.maps_widget, 1)
        mid = QVBoxLayout()
        mid.addWidget(self.filters_caption)
        mid.addWidget(self.filters_widget, 1)
        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addLayout(mid, 2)
        body.addWidget(self.hist_plot, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addLayout(body, 1)
        self.block.currentIndexChanged.connect(self._on_choice)
        self.graph = None
        self.project = None
        self.last_maps: dict | None = None
        self.frames = 0
        self.running = False
        self._shown = None  # (project, weights, run) last shown

    # ---- the view protocol (views.py) -------------------------------------------------------------------
    def applies(self, state) -> bool:
        return True

    def show_state(self, state) -> None:
        """The project's blocks; a new project, new weights or a new run: no old activations; the
        learned filters of the project's weights."""
        self.set_graph(state.project.graph)
        key = (id(state.project), id(state.weights), state.run_number if state.live else None)
        if key != self._shown:
            self._shown = key
            self.maps_image.clear()
            self.last_maps = None
            self.project = state.project
            self.show_weights(state.project if state.trained else None)
        self.set_running(state.live)

    def take_events(self, events: list[dict]) -> None:
        maps = next((e for e in reversed(events) if e["event"] == "feature_maps"), None)
        if maps is not None:
            self.show_maps(maps["maps"], maps.get("step"), maps.get("weights"))

    # ---- blocks ---------------------------------------------------------------------------------
    def set_graph(self, graph) -> None:
        self.graph = graph
        current = self.current_id()
        self.block.blockSignals(True)
        self.block.clear()
        for nid in graph.topological_order() if hasattr(graph, "topological_order") else graph.nodes:
            node = graph.nodes[nid]
            if node.block is not None and node.block.role != "head":
                self.block.addItem(node.name, nid)
        i = self.block.findData(current)
        self.block.setCurrentIndex(i if i >= 0 else -1)
        self.block.blockSignals(False)

    def current_id(self) -> str | None:
        return self.block.currentData()

    def choose(self, nid: str) -> bool:
        i = self.block.findData(nid)
        if i < 0:
            return False
        if i == self.block.currentIndex():
            return True
        self.block.setCurrentIndex(i)
        return True

    def _on_choice(self, _i: int) -> None:
        nid = self.current_id()
        if nid:
            self.maps_image.clear()  # another block's activations are not this one's
            self.last_maps = None
            self.caption.setText(self._waiting_text())
            self.block_chosen.emit(nid)
            self.show_weights(self.project)

    def _waiting_text(self) -> str:
        name = self.block.currentText()
        if self.running:
            return f"{name}: waiting for the next snapshot from the running training"
        return f"{name}: train to see its activations for one validation image" if name else PICK_HINT

    def set_running(self, on: bool) -> None:
        """Whether a run of the open project feeds this view (the caption says what to expect)."""
        self.running = on
        if self.last_maps is None:
            self.caption.setText(self._waiting_text())

    # ---- live activations ----------------------------------------------------------------------------
    def show_maps(self, maps: dict, step: int | None = None, weights: dict | None = None) -> bool:
        """A feature_maps event's maps (and weights); shows the chosen block's if present."""
        nid = self.current_id()
        if nid not in maps:
            return False
        if weights and nid in weights:
            self.show_weight_summary(weights[nid], step)
        a = maps[nid]
        img = mosaic(a)
        self.maps_image.setImage(img, autoLevels=False, levels=(0.0, 1.0))
        name = self.block.currentText()
        if a.ndim == 2:  # a sequence, drawn as one map
            count = f"{a.shape[0]} steps × {a.shape[1]} features (rows: steps)"
        elif a.ndim > 2:
            count = f"{a.shape[0]} maps of " + "×".join(str(d) for d in a.shape[1:])
        else:
            count = f"{a.shape[0]} features"
        self.caption.setText(f"{name}: {count}" + (f" · step {step}" if step is not None else "") +
                             " (each map scaled on its own; yellow = strong)")
        self.last_maps = {nid: a}
        self.frames += 1
        return True

    # ---- learned weights -----------------------------------------------------------------------------
    def show_weights(self, project) -> None:
        """Filters and weight histogram of the chosen block from ``project``'s trained weights."""
        self.project = project
        nid = self.current_id()
        self.show_weight_summary(self._weight(project, nid) if project is not None and nid else None)

    def show_weight_summary(self, summary: dict | None, step: int | None = None) -> None:
        """A ``runtime.snapshots.weight_summary``: from the project, or live from a run at ``step``."""
        if summary is None:
            self.filters_image.clear()
            show_histogram(self.hist_curve, [], [])
            self.filters_caption.setText("Learned filters appear here for a trained convolution")
            return
        shape, kernels = summary["shape"], summary["kernels"]
        when = f" · step {step}" if step is not None else ""
        if kernels is not None:  # (out, in, kh, kw): one row per output channel
            self.filters_image.setImage(mosaic(kernels.reshape(-1, *shape[2:]), per_map=False,
                                               max_cols=kernels.shape[1]), autoLevels=False, levels=(0.0, 1.0))
            self.filters_caption.setText(f"Learned filters: {shape[0]} × {shape[1]} kernels of "
                                         f"{shape[2]}×{shape[3]} (rows: output channels){when}")
        else:
            self.filters_image.clear()
            self.filters_caption.setText(f"Weights of shape {tuple(shape)} (filters are shown for convolutions){when}")
        show_histogram(self.hist_curve, summary["edges"], summary["counts"], fit=True)  # each time its own range

    @staticmethod
    def _weight(project, nid: str) -> dict | None:
        if not project.weights or nid not in project.graph.nodes:
            return None
        try:
            from runtime.snapshots import weight_summary
            from runtime.weights import trained_model

            return weight_summary(trained_model(project), nid)
        except Exception:  # weights from before an edit, or a block without a module
            return None
