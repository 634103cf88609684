"""Shared pyqtgraph set-up: plot widgets in the editor's light or dark colours, fast curve items."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from ..theme import is_dark

COLORS = ("#2f6fde", "#e8710a", "#1e8e3e", "#d93025", "#9334e6", "#12b5cb", "#e52592", "#7cb342")


class SparseLogAxis(pg.AxisItem):
    """A log axis that labels the decades and, within a narrow range, the 2s and 5s: pyqtgraph
    labels every 2..9 tick of a decade, which crowds the labels into one another."""

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        lo, hi = self.range
        keep = (1,) if hi - lo >= 1.5 else (1, 2, 5)
        strings = super().logTickStrings(values, scale, spacing)
        out = []
        for v, text in zip(values, strings):
            mantissa = round(10 ** (v - np.floor(v + 1e-9)), 3)
            out.append(text if round(mantissa) in keep and abs(mantissa - round(mantissa)) < 1e-3 else "")
        return out


def foreground() -> str:
    """The colour of axes and titles in the current theme."""
    return "#c8ccd3" if is_dark() else "#3b3f46"


def background() -> str:
    """The plots' background colour in the current theme."""
    return "#1e1f22" if is_dark() else "#ffffff"


def plot_widget(title: str = "", left: str = "", bottom: str = "", log_y: bool = False,
                log_axis: bool = False) -> pg.PlotWidget:
    """A themed plot; ``log_y`` gives it a logarithmic y axis with sparse labels (``log_axis``: an
    axis that labels sparsely once the plot is switched to log mode)."""
    axes = {"left": SparseLogAxis("left")} if log_y or log_axis else None
    w = pg.PlotWidget(background=background(), axisItems=axes)
    themed_plot(w.getPlotItem(), title, left, bottom)
    if log_y:
        w.setLogMode(y=True)
    return w


def themed_plot(item: pg.PlotItem, title: str = "", left: str = "", bottom: str = "") -> pg.PlotItem:
    """Axes, labels and title of ``item`` in the theme's colours; no grid, no context menu."""
    fg = foreground()
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(fg)
        axis.setTextPen(fg)
    if title:
        item.setTitle(title, color=fg, size="10pt")
    if left:
        item.setLabel("left", left, color=fg)
    if bottom:
        item.setLabel("bottom", bottom, color=fg)
    # no grid: a grid belongs to the axis items, so every curve update would repaint them (slow text)
    item.setMenuEnabled(False)
    return item


def cache_static_parts(plot: pg.PlotWidget) -> None:
    """Paint axes, title and legend from pixmaps kept by Qt: a live curve repaints the view about
    20 times a second, and these parts change only when the range or the legend does."""
    from PySide6.QtWidgets import QGraphicsItem

    item = plot.getPlotItem()
    parts = [item.getAxis(name) for name in ("left", "bottom")] + [item.titleLabel]
    if item.legend is not None:
        parts.append(item.legend)
    for part in parts:
        part.setCacheMode(QGraphicsItem.DeviceCoordinateCache)


def curve(plot: pg.PlotWidget, color: str, name: str | None = None, width: float = 2.0, style=None,
          symbol: str | None = None, antialias: bool = False) -> pg.PlotDataItem:
    """A curve item made once and fed with setData: no finite check, clipped, peak-downsampled.

    Dense live curves should use ``width=1``: Qt strokes wider pens about ten times slower, and
    that time is taken from the trainer on a small machine."""
    from PySide6.QtCore import Qt

    pen = pg.mkPen(color, width=width, style=style or Qt.SolidLine)
    item = plot.plot([], [], pen=pen, name=name, antialias=antialias, skipFiniteCheck=True,
                     symbol=symbol, symbolSize=6, symbolBrush=color, symbolPen=None)
    item.setClipToView(True)
    item.setDownsampling(auto=True, method="peak")
    return item


def feed(item: pg.PlotDataItem, x, y) -> None:
    """``item.setData(x, y)``; a curve made without symbols shows them while it has fewer than two
    points (a line through one point draws nothing)."""
    item.setData(x, y, skipFiniteCheck=True)
    own = item.property("own_symbol")
    if own is None:  # the first feed: remember whether the item was made with symbols
        own = bool(item.opts["symbol"])
        item.setProperty("own_symbol", own)
    lone = "o" if len(x) < 2 else None
    if not own and item.opts["symbol"] != lone:
        item.setSymbol(lone)


def least_height(lo: float, hi: float, log: bool = False) -> float:
    """The least y span a view of values from ``lo`` to ``hi`` shows: a tenth of their size (1 around
    zero), so that one value or a flat series reads +-5% of it; on a log axis +-5% (in decades)."""
    if log:
        return 2 * math.log10(1.05)
    return 0.1 * max(abs(lo), abs(hi)) or 1.0


def value_range(lo: float, hi: float, pad: float = 0.15) -> tuple[float, float]:
    """A y range for values from ``lo`` to ``hi`` with ``pad`` of their span on each side, at least
    least_height tall: never a sliver of float noise around one value."""
    least = least_height(lo, hi)
    if (hi - lo) * (1 + 2 * pad) >= least:
        return lo - pad * (hi - lo), hi + pad * (hi - lo)
    mid = (lo + hi) / 2
    return mid - least / 2, mid + least / 2


def histogram(plot: pg.PlotWidget, color: str) -> pg.PlotDataItem:
    """A filled bar item for :func:`show_histogram`: not clipped to the view nor downsampled (either
    cuts edges and counts to one length, and keeps the previous range's bins)."""
    return plot.plot([], [], pen=pg.mkPen(color, width=1), fillLevel=0, brush=pg.mkBrush(color + "80"))


def show_histogram(item: pg.PlotDataItem, edges, counts, fit: bool = True) -> None:
    """Draw ``counts`` between ``edges`` (one more than counts); ``fit``: range the view on them. The
    values of a histogram all (but float noise) alike are drawn as one bar, in value_range's range."""
    edges, counts = np.asarray(edges, float), np.asarray(counts, float)
    if len(counts) == 0:
        item.setData([], [], stepMode=None)
        if item.getViewBox() is not None:  # no axes of a previous block's or project's weights
            item.getViewBox().setRange(xRange=(-1, 1), yRange=(0, 1), padding=0)
        return
    lo, hi = float(edges[0]), float(edges[-1])
    alike = hi - lo <= 1e-5 * max(abs(lo), abs(hi), 1.0)
    if alike:
        bottom, top = value_range(lo, hi)
        mid, half = (lo + hi) / 2, (top - bottom) / 80
        edges, counts = np.array([mid - half, mid + half]), np.array([counts.sum()])
    item.setData(edges, counts, stepMode="center")
    if fit and item.getViewBox() is not None:
        view = item.getViewBox()
        view.enableAutoRange()
        if alike:
            view.setXRange(*value_range(lo, hi), padding=0)
