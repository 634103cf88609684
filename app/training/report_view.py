"""A report's sections as widgets (runtime/reports.py says what the kinds are): the figures and
sentences on top, then side by side a heat map for a matrix (with its counts), a table for each
table and thumbnails for pictures, and a plot view below for a plot (the forecast's). The same
sections are the command line's text, so neither knows which task made a report."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTableWidgetItem, QVBoxLayout, QWidget

from ..theme import is_dark
from .forecast_view import ForecastView
from .pictures import to_qimage
from .report_widgets import read_only_table, scrolling_grid

PLOT_VIEWS = {"forecast": ForecastView}  # plot sections the editor draws, by their ``view``


class MatrixPlot(pg.PlotWidget):
    """A confusion matrix: each row's shares as colour, the counts written in the cells."""

    def __init__(self, parent=None):
        super().__init__(parent, background="#1e1f22" if is_dark() else "#ffffff")
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.heat_item = pg.ImageItem(axisOrder="row-major")
        self.heat_item.setLookupTable(pg.colormap.get("CET-L19" if not is_dark() else "viridis").getLookupTable(nPts=256))
        self.addItem(self.heat_item)
        item = self.getPlotItem()
        item.invertY(True)
        item.setLabel("left", "true class")
        item.setLabel("bottom", "predicted class (number)")
        item.setAspectLocked(True)
        self.count_items: list[pg.TextItem] = []

    def show_matrix(self, labels: list[str], values) -> None:
        cm = np.asarray(values, dtype=float)
        rows = cm.sum(1, keepdims=True)
        share = np.divide(cm, rows, out=np.zeros_like(cm), where=rows > 0)
        self.heat_item.setImage(share, autoLevels=False, levels=(0.0, 1.0))
        self.heat_item.setRect(-0.5, -0.5, cm.shape[1], cm.shape[0])
        for t in self.count_items:
            self.removeItem(t)
        self.count_items = []
        for r in range(cm.shape[0]):
            for c in range(cm.shape[1]):
                if cm[r, c] == 0:
                    continue
                t = pg.TextItem(f"{int(cm[r, c])}", color="#ffffff" if share[r, c] > 0.5 else "#202124",
                                anchor=(0.5, 0.5))
                t.setPos(c, r)
                self.addItem(t)
                self.count_items.append(t)
        # names on the left, their numbers below (long names side by side would overlap)
        item = self.getPlotItem()
        item.getAxis("bottom").setTicks([[(i, str(i)) for i in range(len(labels))]])
        item.getAxis("left").setTicks([[(i, f"{name} ({i})") for i, name in enumerate(labels)]])
        item.setRange(xRange=(-0.5, cm.shape[1] - 0.5), yRange=(-0.5, cm.shape[0] - 0.5), padding=0)


class ReportPage(QWidget):
    """The sections of one report (``show``); ``clear`` leaves it empty."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.text = QLabel(" ")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.PlainText)
        self.text.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.text.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.row = QHBoxLayout()
        self.below = QVBoxLayout()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.text)
        lay.addLayout(self.row, 3)
        lay.addLayout(self.below, 3)
        self.matrix: MatrixPlot | None = None
        self.tables: list = []
        self.galleries: list = []  # (title, grid layout)
        self.plots: dict[str, QWidget] = {}
        self.widgets: list[QWidget] = []

    def clear(self) -> None:
        self.text.setText(" ")
        for w in self.widgets:
            w.setParent(None)
            w.deleteLater()
        self.widgets, self.tables, self.galleries, self.plots, self.matrix = [], [], [], {}, None

    def show(self, sections: list[dict], transient: dict | None = None) -> None:
        """Draw ``sections``; pictures and plots take their data from ``transient`` (a fresh report's
        images: a report kept in a file has none, and its pictures are left out)."""
        self.clear()
        transient = transient or {}
        lines = []
        for s in sections:
            kind = s.get("kind")
            if kind == "figures":
                lines.append("   ".join(f"{label} {value}" for label, value in s["items"]))
            elif kind == "text":
                lines += s["lines"]
            elif kind == "table":
                self._table(s)
            elif kind == "matrix":
                self._matrix(s)
            elif kind == "pictures" and transient.get(s["key"]):
                self._pictures(s, transient[s["key"]])
            elif kind == "plot" and s.get("view") in PLOT_VIEWS and transient.get(s["key"]) is not None:
                self._plot(s, transient[s["key"]], sections)
        self.text.setText("\n\n".join(lines) or " ")

    def _add(self, widget: QWidget, layout, stretch: int = 3) -> None:
        layout.addWidget(widget, stretch)
        self.widgets.append(widget)

    def _titled(self, title: str, inner: QWidget) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        if title:
            lay.addWidget(QLabel(title))
        lay.addWidget(inner, 1)
        return box

    def _table(self, s: dict) -> None:
        table = read_only_table(s["columns"])
        table.setRowCount(len(s["rows"]))
        numeric = s.get("numeric") or []
        for r, row in enumerate(s["rows"]):
            for c, text in enumerate(row):
                item = QTableWidgetItem(str(text))
                if c < len(numeric) and numeric[c]:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                table.setItem(r, c, item)
        self.tables.append(table)
        self._add(self._titled(s.get("title", ""), table), self.row)

    def _matrix(self, s: dict) -> None:
        self.matrix = MatrixPlot()
        self.matrix.show_matrix(s["labels"], s["values"])
        self._add(self._titled(s.get("title", ""), self.matrix), self.row)

    def _pictures(self, s: dict, images) -> None:
        box, grid, scroll = scrolling_grid()
        for i, (caption, img) in enumerate(zip(s.get("captions") or [""] * len(images), images)):
            pic = QLabel()
            pic.setPixmap(QPixmap.fromImage(to_qimage(img)).scaled(64, 64, Qt.KeepAspectRatio, Qt.FastTransformation))
            text = QLabel(caption)
            text.setAlignment(Qt.AlignHCenter)
            cell = QWidget()
            cl = QVBoxLayout(cell)
            cl.setContentsMargins(0, 0, 0, 0)
            cl.addWidget(pic, 0, Qt.AlignHCenter)
            cl.addWidget(text, 0, Qt.AlignHCenter)
            grid.addWidget(cell, i // 4, i % 4)
        self.galleries.append((s.get("title", ""), grid))
        self._add(self._titled(s.get("title", ""), scroll), self.row)

    def _plot(self, s: dict, data, sections: list[dict]) -> None:
        view = PLOT_VIEWS[s["view"]]()
        view.show_data(data)
        self.plots[s["view"]] = view
        self._add(view, self.below)

    def export_matrix_png(self, path) -> bool:
        return self.matrix is not None and self.matrix.grab().save(str(path), "PNG")
