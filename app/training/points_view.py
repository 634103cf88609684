"""The 2-D GAN view, as GAN Lab shows it in a browser: real points and generated points over the
discriminator's decision map (what D thinks of every point of the plane), with a fixed extent.
Items are made once and fed with setData/setImage."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from ..theme import is_dark
from .plots import background, foreground


def point_colors() -> dict[str, str]:
    dark = is_dark()
    return {"real": "#58c27d" if dark else "#1e8e3e", "fake": "#c58af9" if dark else "#9334e6",
            "walk": "#f9ab00" if dark else "#e8710a", "test": "#8c8f94" if dark else "#b0b4ba"}


def decision_colormap() -> pg.ColorMap:
    """0 (D says generated) purple, 0.5 undecided (the background), 1 (D says real) green."""
    if is_dark():
        colors = ["#4a2f70", "#1e1f22", "#1f5232"]
    else:
        colors = ["#d6bff5", "#ffffff", "#bfe6cb"]
    return pg.ColorMap([0.0, 0.5, 1.0], colors)


class Square(QWidget):
    """Its child kept square at the left (a plane with equal axes uses the room best), and an
    optional ``side`` widget (a note) in the room to its right."""

    SIDE_MIN, SIDE_MAX = 220, 420

    def __init__(self, child: QWidget, side: QWidget | None = None, parent=None):
        super().__init__(parent)
        self.child, self.side = child, side
        for w in (child, side):
            if w is not None:
                w.setParent(self)

    def resizeEvent(self, event) -> None:
        room = self.width() - (self.SIDE_MIN + 12 if self.side is not None else 0)
        square = max(50, min(self.height(), room))
        self.child.setGeometry(0, 0, square, square)
        if self.side is not None:
            width = min(self.SIDE_MAX, self.width() - square - 12)
            self.side.setGeometry(square + 12, 0, max(width, 0), self.height())
        super().resizeEvent(event)


class PointsPlot(pg.PlotWidget):
    """Real and generated 2-D samples, optionally over a heat map and with a path through them."""

    def __init__(self, title: str = "", heat: bool = True, walk: bool = False, parent=None):
        super().__init__(parent, background=background())
        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setAspectLocked(True)
        fg = foreground()
        for name in ("left", "bottom"):
            item.getAxis(name).setPen(fg)
            item.getAxis(name).setTextPen(fg)
        if title:
            item.setTitle(title, color=fg, size="9pt")
        c = point_colors()
        self.heat = None
        if heat:
            self.heat = pg.ImageItem(axisOrder="row-major")
            self.heat.setLookupTable(decision_colormap().getLookupTable(nPts=256))
            self.heat.setZValue(-10)
            self.addItem(self.heat)
        legend = item.addLegend(offset=(-6, 6), labelTextSize="8pt")
        legend.setBrush(pg.mkBrush(30, 31, 34, 180) if is_dark() else pg.mkBrush(255, 255, 255, 200))
        self.real = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(c["real"]), name="real")
        self.fake = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(c["fake"]), name="generated")
        self.walk = pg.PlotDataItem([], [], pen=pg.mkPen(c["walk"], width=2), symbol="o", symbolSize=7,
                                    symbolBrush=c["walk"], symbolPen=None, name="latent walk" if walk else None)
        for it in (self.real, self.fake, self.walk):
            self.addItem(it)
        self.walk.setVisible(False)
        self._extent = None

    def show_points(self, real, fake, heat=None, extent=None, probability: bool = True) -> None:
        """Points as (n, 2) arrays; ``heat`` (rows: y from extent[2] to extent[3]) over ``extent``.
        With an extent (a live run), the real points are set with its first frame only: they are
        the same in every frame."""
        if real is not None and (extent is None or tuple(float(v) for v in extent) != self._extent):
            self.real.setData(pos=np.asarray(real, np.float32))
        self.fake.setData(pos=np.asarray(fake, np.float32))
        if heat is not None and self.heat is not None:
            h = np.asarray(heat, np.float32)
            if probability:
                levels = (0.0, 1.0)
            else:  # a critic's raw score: centred on 0, scaled to this frame
                m = float(np.nanmax(np.abs(h))) or 1.0
                levels = (-m, m)
            self.heat.setImage(h, autoLevels=False, levels=levels)
        if extent is not None and tuple(extent) != self._extent:
            self._extent = tuple(float(v) for v in extent)
            x0, x1, y0, y1 = self._extent
            if self.heat is not None:
                self.heat.setRect(x0, y0, x1 - x0, y1 - y0)
            self.getPlotItem().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def show_walk(self, path) -> None:
        """A latent walk's points in order, joined by a line (None: hide it)."""
        if path is None:
            self.walk.setVisible(False)
            return
        p = np.asarray(path, np.float32)
        self.walk.setData(p[:, 0], p[:, 1])
        self.walk.setVisible(True)

    def fit(self, *arrays) -> None:
        """Fit the view around the given point sets (no heat map to fix it)."""
        pts = np.concatenate([np.asarray(a, np.float64) for a in arrays if a is not None and len(a)])
        lo, hi = pts.min(0).tolist(), pts.max(0).tolist()  # Python floats: pyqtgraph casts numpy ones badly
        pad = [(b - a) * 0.1 + 0.05 for a, b in zip(lo, hi)]
        self.getPlotItem().setRange(xRange=(lo[0] - pad[0], hi[0] + pad[0]), yRange=(lo[1] - pad[1], hi[1] + pad[1]),
                                    padding=0)

    def reset(self) -> None:
        self._extent = None
        self.real.setData(pos=np.zeros((0, 2)))
        self.fake.setData(pos=np.zeros((0, 2)))
        if self.heat is not None:
            self.heat.clear()
        self.show_walk(None)
