"""The Attention tab (graphs with a self-attention or Transformer encoder block): for one sample,
how much each query step attends to each key step, as a heat map per head (rows: queries, columns:
keys; each row sums to 1). *During training*: the fixed validation sample, refreshed with the
feature snapshots. *Trained model*: any sample of the validation or test split, computed in a
worker thread (runtime.attention.AttentionProbe). Token strings label the axes when the dataset
has a vocabulary; padded steps (which get no attention) can be hidden."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QSpinBox,
                               QTabWidget, QVBoxLayout, QWidget)

from runtime.attention import AttentionProbe, attention_nodes

from ..theme import icon
from .background import JobError, Jobs
from .plots import background, themed_plot
from .report_widgets import live_or_trained

MAX_LABELS = 40  # at most this many tick labels per axis (every k-th step beyond)
WAITING = "Train to watch where each attention head looks for one validation sample"
SPLITS = (("Test", "test"), ("Validation", "val"))


class HeatMap(pg.PlotWidget):
    """One head's (T_query, T_key) weights: key positions across, query positions down."""

    def __init__(self, parent=None):
        super().__init__(parent, background=background())
        item = self.getPlotItem()
        themed_plot(item, left="query position (attending)", bottom="key position (attended to)")
        item.invertY(True)
        item.setMouseEnabled(False, False)
        item.hideButtons()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(pg.colormap.get("viridis").getLookupTable(nPts=256))
        item.addItem(self.image)
        self.weights: np.ndarray | None = None
        self.labels: list[str] = []
        self.readout = ""
        self.scene().sigMouseMoved.connect(self._hover)

    def show_weights(self, weights: np.ndarray, labels: list[str]) -> None:
        """``weights`` (T_query, T_key) in [0, 1]; ``labels`` one per step (tokens or positions)."""
        self.weights, self.labels = weights, labels
        top = float(weights.max()) if weights.size else 1.0
        self.image.setImage(weights, autoLevels=False, levels=(0.0, max(top, 1e-6)))
        n_q, n_k = weights.shape
        self.image.setRect(0, 0, n_k, n_q)
        item = self.getPlotItem()
        item.getAxis("bottom").setTicks([_ticks(labels[:n_k])])
        item.getAxis("left").setTicks([_ticks(labels[:n_q])])
        item.setRange(xRange=(0, n_k), yRange=(0, n_q), padding=0)

    def _hover(self, pos) -> None:
        if self.weights is None:
            return
        p = self.getPlotItem().vb.mapSceneToView(pos)
        q, k = int(np.floor(p.y())), int(np.floor(p.x()))
        if 0 <= q < self.weights.shape[0] and 0 <= k < self.weights.shape[1]:
            self.readout = f"query {self.labels[q]} → key {self.labels[k]}: {self.weights[q, k]:.3f}"
            self.setToolTip(self.readout)


def _ticks(labels: list[str]) -> list[tuple[float, str]]:
    every = max(1, -(-len(labels) // MAX_LABELS))
    return [(i + 0.5, text) for i, text in enumerate(labels) if i % every == 0]


class AttentionView(QWidget):
    title = "Attention"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.jobs = Jobs(self)
        self.project = None
        self.probe = None
        self.blocks: dict[str, str] = {}  # node id -> name, forward order
        self.latest: dict | None = None  # the newest live record
        self.shown: dict | None = None  # the record on screen
        self.trained_result: dict | None = None
        self.stale = False
        self.frames = 0
        self._shown = None  # (project, weights, run) last shown
        self._build()

    # ---- the view protocol (views.py) -------------------------------------------------------------------
    def applies(self, state) -> bool:
        return has_attention(state.project.graph)

    def show_state(self, state) -> None:
        """The project's attention blocks; its trained model's maps, or a new run's live ones."""
        if not self.applies(state):
            self._shown = None
            return
        key = (id(state.project), id(state.weights), state.run_number if state.live else None)
        if key == self._shown:
            self.set_blocks(dict(attention_nodes(state.project.graph)))  # an edit may have renamed one
            return
        new_run = state.live and (self._shown is None or self._shown[2] != state.run_number)
        self._shown = key
        if new_run:
            self.project = state.project
            self.set_blocks(dict(attention_nodes(state.project.graph)))
            self.start_run()
        else:
            self.set_project(state.project)

    def take_events(self, events: list[dict]) -> None:
        latest = next((e for e in reversed(events) if e["event"] == "attention"), None)
        if latest is not None:
            self.add(latest)

    def _build(self) -> None:
        self.live_button, self.trained_button, group = live_or_trained(self)
        group.idClicked.connect(lambda i: self.show_mode("trained" if i else "live"))
        self.block = QComboBox()
        self.block.setToolTip("The attention block whose weights are shown")
        self.block.currentIndexChanged.connect(lambda _i: self._draw(self.shown))
        self.split = QComboBox()
        for text, value in SPLITS:
            self.split.addItem(text, value)
        self.sample = QSpinBox()
        self.sample.setRange(0, 0)
        self.sample.setPrefix("sample #")
        self.sample.setKeyboardTracking(False)
        self.sample.setToolTip("The sample of the chosen split (its index)")
        self.show_button = QPushButton(icon("mdi6.eye-outline"), "Show")
        self.show_button.setToolTip("Compute the attention of the trained model on this sample")
        self.show_button.clicked.connect(lambda: self.request())
        self.sample.valueChanged.connect(lambda _v: self.request())
        self.split.currentIndexChanged.connect(lambda _i: self.request())
        self.hide_padding = QCheckBox("Hide padding")
        self.hide_padding.setChecked(True)
        self.hide_padding.setToolTip("Leave out the padded steps at the end of a short token sequence")
        self.hide_padding.toggled.connect(lambda _on: self._draw(self.shown))
        self.trained_controls = [self.split, self.sample, self.show_button]
        bar = QHBoxLayout()
        for w in (self.live_button, self.trained_button, QLabel("Block"), self.block, *self.trained_controls,
                  self.hide_padding):
            bar.addWidget(w)
        bar.addStretch(1)
        self.caption = QLabel(WAITING)
        self.caption.setWordWrap(True)
        self.heads = QTabWidget()
        self.heads.setDocumentMode(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(bar)
        lay.addWidget(self.caption)
        lay.addWidget(self.heads, 1)
        self.mode = "live"
        self._sync_controls()

    # ---- project and run ---------------------------------------------------------------------------
    def set_project(self, project) -> None:
        """The open project (or the one a run just trained): its attention blocks and, with
        weights, the trained-model page."""
        replaced = project is not self.project
        self.project = project
        self.set_blocks(dict(attention_nodes(project.graph)) if project is not None else {})
        trained = bool(project is not None and project.weights and self.blocks)
        self.jobs.reset()
        self.probe = None
        self.trained_result = None
        if trained:
            self.probe = AttentionProbe(project)
            self.stale = True
        if replaced:
            self.latest = self.shown = None
            self.frames = 0
            self._clear()
        self.trained_button.setEnabled(trained)
        self.show_mode("trained" if trained else "live")

    def set_blocks(self, blocks: dict[str, str]) -> None:
        current = self.block.currentData()
        self.blocks = dict(blocks)
        self.block.blockSignals(True)
        self.block.clear()
        for nid, name in self.blocks.items():
            self.block.addItem(name, nid)
        i = self.block.findData(current)
        self.block.setCurrentIndex(i if i >= 0 else (0 if self.blocks else -1))
        self.block.blockSignals(False)
        self.block.setVisible(len(self.blocks) > 1)

    def start_run(self) -> None:
        """Train was pressed: the live page, waiting for the run's first snapshot."""
        self.jobs.reset()
        self.latest = self.shown = None
        self._clear()
        self.trained_button.setEnabled(False)
        self.show_mode("live")
        self.caption.setText("Starting: the first attention maps come with the first snapshots…")

    def show_mode(self, mode: str) -> None:
        self.mode = mode
        (self.trained_button if mode == "trained" else self.live_button).setChecked(True)
        self._sync_controls()
        if mode == "live":
            self._draw(self.latest)
            if self.latest is None:
                self._clear()
                self.caption.setText(WAITING)
        elif self.trained_result is not None:
            self._draw(self.trained_result)
        elif self.isVisible():
            self.request()

    def _sync_controls(self) -> None:
        for w in self.trained_controls:
            w.setVisible(self.mode == "trained")

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.mode == "trained" and self.stale:
            self.request()
        elif self.mode == "live" and self.latest is not self.shown:
            self._draw(self.latest)

    # ---- live ----------------------------------------------------------------------------------------
    def add(self, e: dict) -> None:
        """An ``attention`` record from the run; drawn now when the tab is shown, else when it is."""
        self.latest = e
        if e.get("blocks") and set(e["blocks"]) - set(self.blocks):
            self.set_blocks({**self.blocks, **e["blocks"]})
        if self.mode == "live" and self.isVisible():
            self._draw(e)

    # ---- trained model ------------------------------------------------------------------------------
    def request(self) -> bool:
        """Compute the maps of the chosen sample of the trained model (in the worker thread)."""
        if self.probe is None or self.mode != "trained":
            return False
        self.stale = False
        probe, split, index = self.probe, self.split.currentData(), self.sample.value()
        self.caption.setText(f"Computing the attention of {split_name(split)} sample #{index}…")

        def job():
            return probe.maps(split, index), probe.count(split)

        self.jobs.submit(job, self._arrived)
        return True

    def _arrived(self, result) -> None:
        if isinstance(result, JobError):
            self.caption.setText(str(result))
            return
        maps, count = result
        self.sample.blockSignals(True)
        self.sample.setMaximum(max(count - 1, 0))
        self.sample.blockSignals(False)
        self.trained_result = maps
        if self.mode == "trained":
            self._draw(maps)

    # ---- drawing -------------------------------------------------------------------------------------
    def _clear(self) -> None:
        while self.heads.count():
            w = self.heads.widget(0)
            self.heads.removeTab(0)
            w.deleteLater()

    def _draw(self, e: dict | None) -> None:
        if e is None:
            return
        nid = self.block.currentData()
        weights = e["weights"]
        if nid not in weights:
            nid = next(iter(weights), None)
            if nid is None:
                return
        maps = np.asarray(weights[nid], np.float32)
        heads, steps = maps.shape[0], maps.shape[-1]
        length = e.get("length")
        cut = length if self.hide_padding.isChecked() and length and length < steps else steps
        self.hide_padding.setVisible(bool(length) and length < steps)
        tokens = e.get("tokens")
        labels = [f"{i}:{t}" for i, t in enumerate(tokens)] if tokens else [str(i) for i in range(steps)]
        while self.heads.count() > heads:
            w = self.heads.widget(self.heads.count() - 1)
            self.heads.removeTab(self.heads.count() - 1)
            w.deleteLater()
        while self.heads.count() < heads:
            self.heads.addTab(HeatMap(), f"Head {self.heads.count() + 1}")
        for h in range(heads):
            self.heads.widget(h).show_weights(maps[h, :cut, :cut], labels[:cut])
        self.shown = e
        self.frames += 1
        name = e.get("blocks", {}).get(nid) or self.blocks.get(nid, "")
        where = (f"step {e['step']:,}" if "step" in e else
                 f"{split_name(e.get('split'))} sample #{e.get('index', 0)}")
        label = f" · class {e['label']}" if e.get("label") is not None else ""
        self.caption.setText(f"{name}: {heads} head{'s' if heads > 1 else ''} over {steps} steps · {where}{label} · "
                             "each row (a query) sums to 1; bright = much attention, scaled to the map's largest")


def split_name(split: str | None) -> str:
    return {"val": "validation", "test": "test"}.get(split or "", "the")


def has_attention(graph) -> bool:
    """True when the graph has a block whose attention can be shown."""
    return bool(graph is not None and attention_nodes(graph))
