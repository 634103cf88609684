"""Gradient norms per block while training: a bar per block in forward order (log scale) for the
latest update, and each block's norm over the steps. Bars that shrink from the head towards the
input are vanishing gradients; bars that grow without bound are exploding ones."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .plots import COLORS, cache_static_parts, curve, plot_widget
from .series import Series


IDLE_CAPTION = "Train to see how large each block's gradients are after each update."


class GradientView(QWidget):
    title = "Gradients"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.caption = QLabel("Train to see how large each block's gradients are: the L2 norm of its parameter "
                              "gradients after an update, a few times a second.")
        self.caption.setWordWrap(True)
        self.bars_plot = plot_widget("Latest update", left="gradient norm")
        self.bars_plot.getPlotItem().getAxis("left").setLogMode(True)  # the bars hold log10 values
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7, brush=COLORS[0])
        self.bars_plot.addItem(self.bars)
        self.history_plot = plot_widget("Over the run", left="gradient norm", bottom="step", log_y=True)
        self.history_plot.addLegend(offset=(-10, 10), labelTextSize="8pt")
        cache_static_parts(self.history_plot)
        plots = QHBoxLayout()
        plots.addWidget(self.bars_plot, 1)
        plots.addWidget(self.history_plot, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.caption)
        lay.addLayout(plots, 1)
        self.names: dict[str, str] = {}
        self.order: list[str] = []
        self.history: dict[str, Series] = {}
        self.lines: dict[str, pg.PlotDataItem] = {}
        self.latest: dict[str, float] = {}
        self.step: int | None = None
        self.dirty = False
        self._shown = None  # (project, run) last shown

    # ---- the view protocol (views.py) -------------------------------------------------------------------
    def applies(self, state) -> bool:
        return True

    def show_state(self, state) -> None:
        """Another project or a new run: the old norms go (they are a run's, never kept)."""
        key = (id(state.project), state.run_number if state.live else None)
        if key != self._shown:
            self._shown = key
            self.start_run(state.project.graph, "Waiting for the first gradients of this run…" if state.live
                           else IDLE_CAPTION)

    def take_events(self, events: list[dict]) -> None:
        for e in events:
            if e["event"] == "gradients":
                self.add(e)
        if self.dirty and self.isVisible():
            self.refresh()

    def start_run(self, graph, caption: str = "Waiting for the first gradients of this run…") -> None:
        """Forget the last run; block names come from the graph the run trains."""
        self.names = {nid: node.name for nid, node in graph.nodes.items()}
        self.order, self.latest, self.step = [], {}, None
        self.history.clear()
        for item in self.lines.values():
            self.history_plot.removeItem(item)
        self.lines.clear()
        self.bars.setOpts(x=[], height=[])
        self.caption.setText(caption)
        self.dirty = False

    def add(self, event: dict) -> None:
        """A ``gradients`` event: {node id: norm} in forward order at ``step``."""
        norms = event["norms"]
        if not self.order:
            self.order = list(norms)
            self._make_lines()
        for nid, value in norms.items():
            if nid in self.history:
                self.history[nid].append(event["step"], value)
        self.latest, self.step = norms, event["step"]
        self.dirty = True

    def _make_lines(self) -> None:
        names = [self.names.get(nid, nid[:6]) for nid in self.order]
        for i, nid in enumerate(self.order):
            self.history[nid] = Series()
            self.lines[nid] = curve(self.history_plot, COLORS[i % len(COLORS)], names[i], width=1, antialias=True)
        axis = self.bars_plot.getPlotItem().getAxis("bottom")
        axis.setTicks([list(enumerate(names))])
        self.bars_plot.setXRange(-0.6, len(names) - 0.4, padding=0)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        """Redraw from the buffers (the session calls this when dirty and visible)."""
        if not self.dirty:
            return
        self.dirty = False
        values = [self.latest.get(nid, math.nan) for nid in self.order]
        logs = np.log10(np.maximum(np.asarray(values, float), 1e-12))
        self.bars.setOpts(x=np.arange(len(values)), height=logs - self.floor(logs), y0=self.floor(logs))
        for nid, item in self.lines.items():
            item.setData(*self.history[nid].data(smoothed=False))
        self.caption.setText(self.describe(values) + (f" · step {self.step}" if self.step is not None else ""))

    @staticmethod
    def floor(logs: np.ndarray) -> float:
        """Bars start one decade below the smallest norm, so every bar is visible on the log axis."""
        finite = logs[np.isfinite(logs)]
        return float(math.floor(finite.min()) - 1) if finite.size else 0.0

    def describe(self, values: list[float]) -> str:
        """One sentence a student can act on: the trend from the last block back to the first, and the spread."""
        pairs = [(self.names.get(n, n), v) for n, v in zip(self.order, values) if math.isfinite(v) and v > 0]
        if len(pairs) < 2:
            return "Gradient norm per block"
        (first, g0), (last, g1) = pairs[0], pairs[-1]
        ratio = g1 / g0
        if ratio >= 100:
            return (f"Gradients shrink {ratio:,.0f}× from {last} back to {first}: the first blocks barely learn "
                    "(vanishing gradients; ReLU, normalization or skip connections help)")
        if ratio <= 0.01:
            return (f"Gradients grow {1 / ratio:,.0f}× from {last} back to {first}: watch for exploding gradients "
                    "(lower the learning rate or clip gradients)")
        (low, lo), (high, hi) = min(pairs, key=lambda p: p[1]), max(pairs, key=lambda p: p[1])
        return (f"No vanishing or exploding trend from {last} back to {first}; norms range from {lo:.2g} ({low}) "
                f"to {hi:.2g} ({high}), smaller for blocks with few parameters")
