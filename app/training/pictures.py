"""Image grids for the Samples and Evaluation tabs: tiling (N, C, H, W) images in [0, 1] into one
picture with transparent gaps, and a plot that shows such a picture with labelled rows and
columns (axis ticks, so the labels never overlap the images). One ImageItem per view, fed with
setImage(levels=(0, 1)); the view range moves only when the picture's shape does."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QImage

from .plots import background, foreground

PAD = 2  # pixels between tiles (transparent)


def tile(images, columns: int | None = None, cells=None, rows: int | None = None, pad: int = PAD) -> np.ndarray:
    """(N, C, H, W) (or (N, H, W)) images -> one (H', W') gray or (H', W', 3) colour picture.

    ``cells`` puts image i at (row, column) ``cells[i]`` (e.g. one row per class); by default the
    images fill ``columns`` per row. Gaps are NaN, which ImageItem draws transparent."""
    a = np.asarray(images, dtype=np.float32)
    if a.ndim == 3:
        a = a[:, None]
    n, c, h, w = a.shape
    if cells is None:
        columns = columns or max(1, math.ceil(math.sqrt(n)))
        cells = [divmod(i, columns) for i in range(n)]
    rows = rows if rows is not None else (max(r for r, _ in cells) + 1 if cells else 1)
    columns = max([col for _, col in cells] + [(columns or 1) - 1]) + 1
    colour = c >= 3
    out = np.full((rows * (h + pad) - pad, columns * (w + pad) - pad) + ((3,) if colour else ()), np.nan, np.float32)
    for i, (r, col) in enumerate(cells):
        y, x = r * (h + pad), col * (w + pad)
        out[y:y + h, x:x + w] = a[i, :3].transpose(1, 2, 0) if colour else a[i, 0]
    return np.clip(out, 0.0, 1.0)


def class_cells(labels) -> tuple[list[tuple[int, int]], int]:
    """Positions that put samples of class k in row k (in their order), and the number of columns."""
    counts: dict[int, int] = {}
    cells = []
    for k in labels:
        cells.append((int(k), counts.get(int(k), 0)))
        counts[int(k)] = counts.get(int(k), 0) + 1
    return cells, max(counts.values(), default=1)


def centers(count: int, size: int, pad: int = PAD) -> list[float]:
    """Centre coordinates of ``count`` tiles of ``size`` pixels along one axis."""
    return [i * (size + pad) + size / 2 for i in range(count)]


def to_qimage(img: np.ndarray) -> QImage:
    """(C, H, W) or (H, W) floats in [0, 1] -> an 8-bit QImage (gray or RGB)."""
    a = np.asarray(img, dtype=np.float32)
    if a.ndim == 3 and a.shape[0] == 1:
        a = a[0]
    b = np.ascontiguousarray((np.clip(a, 0, 1) * 255).astype(np.uint8))
    if b.ndim == 2:
        return QImage(b.data, b.shape[1], b.shape[0], b.shape[1], QImage.Format_Grayscale8).copy()
    b = np.ascontiguousarray(b[:3].transpose(1, 2, 0))
    return QImage(b.data, b.shape[1], b.shape[0], 3 * b.shape[1], QImage.Format_RGB888).copy()


class PictureView(pg.PlotWidget):
    """A picture with optional labels on its left (rows) and bottom (columns); no mouse zoom."""

    def __init__(self, title: str = "", parent=None):
        super().__init__(parent, background=background())
        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        self.setMouseEnabled(False, False)
        item.invertY(True)
        item.setAspectLocked(True)
        fg = foreground()
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(fg)
            axis.setTextPen(fg)
            axis.setStyle(tickLength=0)
        if title:
            item.setTitle(title, color=fg, size="9pt")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.addItem(self.image)
        self._shape = None
        self._ticks: tuple = ()
        self.set_ticks(None, None)

    def set_title(self, title: str) -> None:
        self.getPlotItem().setTitle(title, color=foreground(), size="9pt")

    def set_ticks(self, left, bottom) -> None:
        """Row labels [(y, text)] on the left and column labels [(x, text)] below (None: no axis)."""
        key = (tuple(left) if left else None, tuple(bottom) if bottom else None)
        if key == self._ticks:
            return
        self._ticks = key
        item = self.getPlotItem()
        for name, ticks in (("left", left), ("bottom", bottom)):
            item.showAxis(name, bool(ticks))
            if ticks:
                item.getAxis(name).setTicks([list(ticks)])

    def show_picture(self, picture: np.ndarray, left=None, bottom=None) -> None:
        """Show a tiled picture (values in [0, 1]); fit the view when its shape changed."""
        self.image.setImage(picture, autoLevels=False, levels=(0.0, 1.0))
        self.set_ticks(left, bottom)
        if picture.shape[:2] != self._shape:
            self._shape = picture.shape[:2]
            h, w = self._shape
            self.getPlotItem().setRange(xRange=(0, w), yRange=(0, h), padding=0.02)

    def clear_picture(self) -> None:
        self.image.clear()
        self._shape = None
        self.set_ticks(None, None)
