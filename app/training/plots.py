"""Shared pyqtgraph set-up: plot widgets in the editor's light or dark colours, fast curve items."""
from __future__ import annotations

import pyqtgraph as pg

from ..theme import is_dark

COLORS = ("#2f6fde", "#e8710a", "#1e8e3e", "#d93025", "#9334e6", "#12b5cb", "#e52592", "#7cb342")


def plot_widget(title: str = "", left: str = "", bottom: str = "") -> pg.PlotWidget:
    dark = is_dark()
    w = pg.PlotWidget(background="#1e1f22" if dark else "#ffffff")
    fg = "#c8ccd3" if dark else "#3b3f46"
    item = w.getPlotItem()
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
    return w


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
