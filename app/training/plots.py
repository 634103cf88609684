"""Shared pyqtgraph set-up: plot widgets in the editor's light or dark colours, fast curve items."""
from __future__ import annotations

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
