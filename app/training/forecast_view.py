"""The plot of a forecasting model's report (its ``forecast`` plot section): a stretch of the test
series with the true values, the model's multi-step forecasts tiled along it (one every horizon
steps) and the forecast from a chosen start point in bold, with the naive and seasonal-naive
forecasts from that point on request (the report's text above it gives their test MAE)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from .plots import COLORS, background, curve, foreground, plot_widget


def tiled(forecasts: np.ndarray, window: int, every: int) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of the forecasts from every ``every``-th test window, joined into one curve with a
    NaN between them (window i's forecast starts at position ``window + i`` of the series)."""
    n, horizon = forecasts.shape
    starts = np.arange(0, n, max(1, every))
    xs = (window + starts)[:, None] + np.arange(horizon + 1)[None, :]
    ys = np.concatenate([forecasts[starts], np.full((len(starts), 1), np.nan)], axis=1)
    return xs.ravel().astype(float), ys.ravel()


class ForecastView(QWidget):
    """Truth and forecasts of a trained forecasting model on its test series."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.data: dict | None = None
        self.summary = QLabel(" ")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.RichText)
        self.start = QSpinBox()
        self.start.setToolTip("The test window whose forecast is drawn in bold: it starts right after the "
                              "window's last observed value (the dashed line)")
        self.all = QCheckBox("Model forecasts along the series")
        self.all.setToolTip("Also draw the model's forecast from every horizon-th test window (thin)")
        self.all.setChecked(True)
        self.naive = QCheckBox("Naive (last value)")
        self.naive.setToolTip("Repeat the last observed value for every step of the horizon")
        self.seasonal = QCheckBox("Seasonal naive")
        self.seasonal.setToolTip("Take the value one season (period) earlier")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Forecast from test window"))
        bar.addWidget(self.start)
        for box in (self.all, self.naive, self.seasonal):
            bar.addWidget(box)
        bar.addStretch(1)
        self.plot = plot_widget("", "value", "step of the test series")
        legend = self.plot.getPlotItem().addLegend(offset=(10, 10), labelTextSize="8pt",
                                                   labelTextColor=foreground())
        veil = pg.mkColor(background())
        veil.setAlpha(200)  # the curves behind the legend stay visible, its text readable
        legend.setBrush(veil)
        self.truth = curve(self.plot, "#9aa0a6", "true series", width=1)
        self.tiles = self.plot.plot([], [], pen=pg.mkPen(COLORS[0], width=1), connect="finite",
                                    name="model along the series")
        self.chosen = curve(self.plot, COLORS[0], "model from the chosen start", width=3)
        self.naive_item = curve(self.plot, COLORS[1], "naive", width=2, style=Qt.DashLine)
        self.seasonal_item = curve(self.plot, COLORS[2], "seasonal naive", width=2, style=Qt.DotLine)
        self.origin = pg.InfiniteLine(angle=90, pen=pg.mkPen(foreground(), width=1, style=Qt.DashLine))
        self.plot.addItem(self.origin)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.summary)
        lay.addLayout(bar)
        lay.addWidget(self.plot, 1)
        self.start.valueChanged.connect(self._draw)
        for box in (self.all, self.naive, self.seasonal):
            box.toggled.connect(self._draw)
        self.clear()

    def clear(self) -> None:
        self.data = None
        self.summary.setText(" ")
        for item in (self.truth, self.tiles, self.chosen, self.naive_item, self.seasonal_item):
            item.setData([], [])
        self.start.setRange(0, 0)
        self.origin.hide()

    def show_data(self, data: dict) -> None:
        """Draw a forecast stretch (runtime/tasks/forecasting/baselines.py ``forecast_stretch``)."""
        self.data = data
        self.summary.setText(f"The test series of {data.get('dataset', 'the dataset')} in its own units; the "
                             "forecast errors above are in the units the model was trained on")
        n = len(data["model"])
        self.start.blockSignals(True)
        self.start.setRange(0, max(0, n - 1))
        self.start.setValue(min(self.start.value(), max(0, n - 1)))
        self.start.blockSignals(False)
        seasonal = data.get("seasonal_naive") is not None
        self.seasonal.setEnabled(seasonal)
        self.seasonal.setToolTip("Take the value one season (period) earlier" if seasonal else
                                 f"Unavailable: {data.get('note') or 'no season'}")
        self.truth.setData(np.arange(len(data["truth"]), dtype=float), data["truth"])
        self._draw()

    def _draw(self, *_) -> None:
        data = self.data
        if data is None or not len(data["model"]):
            return
        i, window, horizon = self.start.value(), data["window"], data["horizon"]
        steps = np.arange(window + i, window + i + horizon, dtype=float)
        self.origin.setValue(window + i - 0.5)
        self.origin.show()
        self.chosen.setData(steps, data["model"][i])
        self.tiles.setData(*tiled(data["model"], window, horizon) if self.all.isChecked() else ([], []))
        self.naive_item.setData(*(steps, data["naive"][i]) if self.naive.isChecked() else ([], []))
        seasonal = data.get("seasonal_naive")
        shown = seasonal is not None and self.seasonal.isChecked()
        self.seasonal_item.setData(*(steps, seasonal[i]) if shown else ([], []))
