"""Live learning curves: loss and accuracy of training (per step or per epoch) and validation,
with smoothing, log scale, a hover read-out, export to PNG/CSV, and earlier runs overlaid."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QSplitter, QVBoxLayout, QWidget)

from ..theme import icon
from .plots import COLORS, cache_static_parts, curve, plot_widget
from .series import Series

CSV_FIELDS = ("kind", "epoch", "step", "loss", "accuracy", "val_loss", "val_accuracy", "lr")


def run_label(run: dict) -> str:
    s = run.get("settings") or {}
    opt = s.get("optimizer") or {}
    last = (run.get("epochs") or [{}])[-1]
    acc = last.get("val_accuracy")
    tail = f", val acc {acc:.1%}" if isinstance(acc, float) else ""
    return (f"{run.get('id', '?')} · {opt.get('name', '?')} lr {opt.get('lr', '?')} · bs {s.get('batch_size', '?')}"
            f" · {len(run.get('epochs') or [])} ep · {run.get('status', '?')}{tail}")


def run_tooltip(run: dict) -> str:
    s = run.get("settings") or {}
    keys = ("epochs", "batch_size", "seed", "device", "precision")
    lines = [f"run {run.get('id')} started {run.get('started', '?')} on {run.get('device', '?')}",
             f"dataset: {(s.get('dataset') or {}).get('name', '?')}",
             f"optimizer: {s.get('optimizer')}", f"schedule: {s.get('schedule')}"]
    lines += [f"{k}: {s.get(k)}" for k in keys]
    lines.append(f"status: {run.get('status')} ({run.get('reason', '')})")
    return "\n".join(lines)


class CurvesView(QWidget):
    exported = Signal(str)  # a file written

    def __init__(self, parent=None):
        super().__init__(parent)
        self.series = {k: Series() for k in ("step_loss", "step_acc", "ep_loss", "ep_acc", "val_loss",
                                             "val_acc", "val_loss_step", "val_acc_step")}
        self.rows: list[dict] = []  # raw step and epoch records of the shown run (for CSV)
        self.x_span: dict[str, float] | None = None  # fixed x ranges during a run (axes repaint less)
        self._loss_range: tuple[float, float] | None = None
        self.runs: list[dict] = []
        self.compare_items: list = []
        self._drawn: dict[str, tuple[str, int]] = {}  # plot item -> (series, version) it shows
        self.dirty = False
        self._build()

    # ---- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.x_mode = QComboBox()
        self.x_mode.addItems(["Per step", "Per epoch"])
        self.smoothing = QDoubleSpinBox()
        self.smoothing.setRange(0.0, 0.99)
        self.smoothing.setSingleStep(0.1)
        self.smoothing.setValue(0.6)
        self.smoothing.setPrefix("Smoothing ")
        self.log_scale = QCheckBox("Log loss")
        self.png_button = QPushButton(icon("mdi6.image-outline"), "PNG…")
        self.csv_button = QPushButton(icon("mdi6.file-delimited-outline"), "CSV…")
        self.readout = QLabel(" ")
        self.readout.setTextInteractionFlags(Qt.TextSelectableByMouse)
        bar = QHBoxLayout()
        for w in (self.x_mode, self.smoothing, self.log_scale):
            bar.addWidget(w)
        bar.addWidget(self.readout, 1)
        bar.addWidget(self.png_button)
        bar.addWidget(self.csv_button)
        self.loss_plot = plot_widget("Loss", bottom="step")
        self.acc_plot = plot_widget("Accuracy", bottom="step")
        self.acc_plot.setYRange(0, 1)
        # legends where the curves are not: loss falls from the top left, accuracy rises to the top right
        for p, corner in ((self.loss_plot, (-10, 10)), (self.acc_plot, (-10, -10))):
            p.addLegend(offset=corner, labelTextSize="8pt")
            cache_static_parts(p)
        self.items = {
            "loss": curve(self.loss_plot, COLORS[0], "train", width=1, antialias=True),
            "val_loss": curve(self.loss_plot, COLORS[1], "validation", symbol="o"),
            "acc": curve(self.acc_plot, COLORS[0], "train", width=1, antialias=True),
            "val_acc": curve(self.acc_plot, COLORS[1], "validation", symbol="o"),
        }
        self.plots = QWidget()
        pl = QHBoxLayout(self.plots)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addWidget(self.loss_plot)
        pl.addWidget(self.acc_plot)
        self.run_list = QListWidget()
        self.run_list.setToolTip("Tick earlier runs to overlay their curves (hover for their settings)")
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(QLabel("Compare runs"))
        sl.addWidget(self.run_list)
        split = QSplitter()
        split.addWidget(self.plots)
        split.addWidget(side)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(bar)
        lay.addWidget(split, 1)
        self.x_mode.currentIndexChanged.connect(lambda _i: self._relayout())
        self.smoothing.valueChanged.connect(self._set_smoothing)
        self.log_scale.toggled.connect(self._set_log)
        self.run_list.itemChanged.connect(lambda _i: self._draw_comparison())
        self._set_smoothing(self.smoothing.value())
        self._hover = [pg.SignalProxy(p.scene().sigMouseMoved, rateLimit=30, slot=lambda ev, p=p: self._on_hover(p, ev))
                       for p in (self.loss_plot, self.acc_plot)]

    @property
    def per_epoch(self) -> bool:
        return self.x_mode.currentIndex() == 1

    # ---- live data --------------------------------------------------------------------------------
    def clear(self) -> None:
        for s in self.series.values():
            s.clear()
        self.rows = []
        self.dirty = True
        self.x_span = None
        self._loss_range = None
        self._apply_ranges()

    def start_run(self, e: dict) -> None:
        """A run_started event: fix the x axes to the whole run so that they are not redrawn per frame."""
        self.x_span = {"step": float(e["epochs"] * e["steps_per_epoch"]), "epoch": float(e["epochs"])}
        self._apply_ranges()

    def _apply_ranges(self) -> None:
        for p in (self.loss_plot, self.acc_plot):
            if self.x_span is None:
                p.enableAutoRange(axis="x")
            elif self.per_epoch:
                p.setXRange(0.8, max(self.x_span["epoch"], 1) + 0.2, padding=0)
            else:
                p.setXRange(0, self.x_span["step"], padding=0.01)
        if self.x_span is None or self.log_scale.isChecked():
            self.loss_plot.enableAutoRange(axis="y")
            self._loss_range = None

    def _fit_loss_range(self, ys: list[np.ndarray]) -> None:
        """Move the loss axis only when the data leaves it or fills less than half of it."""
        if self.x_span is None or self.log_scale.isChecked():
            return
        finite = [y[np.isfinite(y)] for y in ys if len(y)]
        finite = [f for f in finite if len(f)]
        if not finite:
            return
        lo, hi = min(float(f.min()) for f in finite), max(float(f.max()) for f in finite)
        old = self._loss_range
        span = max(hi - lo, 1e-6)
        if old is None or lo < old[0] or hi > old[1] or (old[1] - old[0]) > 2.5 * span:
            self._loss_range = (max(0.0, lo - 0.15 * span), hi + 0.15 * span)
            self.loss_plot.setYRange(*self._loss_range, padding=0)

    def add_step(self, e: dict) -> None:
        self.series["step_loss"].append(e["step"], e.get("loss"))
        self.series["step_acc"].append(e["step"], e.get("accuracy"))
        self.rows.append({"kind": "step", **{k: e.get(k) for k in CSV_FIELDS[1:]}})
        self.dirty = True

    def add_epoch(self, e: dict) -> None:
        s = self.series
        s["ep_loss"].append(e["epoch"], e.get("loss"))
        s["ep_acc"].append(e["epoch"], e.get("accuracy"))
        s["val_loss"].append(e["epoch"], e.get("val_loss"))
        s["val_acc"].append(e["epoch"], e.get("val_accuracy"))
        s["val_loss_step"].append(e["step"], e.get("val_loss"))
        s["val_acc_step"].append(e["step"], e.get("val_accuracy"))
        self.rows.append({"kind": "epoch", **{k: e.get(k) for k in CSV_FIELDS[1:]}})
        self.dirty = True

    def show_run(self, run: dict) -> None:
        """Replace the shown curves with a recorded run (re-opening a file shows its last run)."""
        self.clear()
        for rec in run.get("steps") or ():
            self.add_step(rec)
        for rec in run.get("epochs") or ():
            self.add_epoch(rec)
        self.refresh()

    def point_count(self) -> int:
        return self.series["step_loss"].n + self.series["ep_loss"].n

    def refresh(self) -> None:
        """Push the buffers into the plot items (the dashboard's timer calls this when dirty)."""
        self.dirty = False
        s, it = self.series, self.items
        if self.per_epoch:
            pairs = (("loss", "ep_loss"), ("acc", "ep_acc"), ("val_loss", "val_loss"), ("val_acc", "val_acc"))
        else:
            pairs = (("loss", "step_loss"), ("acc", "step_acc"), ("val_loss", "val_loss_step"),
                     ("val_acc", "val_acc_step"))
        loss_ys = []
        for item, key in pairs:
            x, y = s[key].data(smoothed=key.startswith("step"))
            if self._drawn.get(item) != (key, s[key].version):  # validation changes once an epoch
                it[item].setData(x, y, skipFiniteCheck=True)
                self._drawn[item] = (key, s[key].version)
            if item in ("loss", "val_loss"):
                loss_ys.append(y)
        self._fit_loss_range(loss_ys)

    def _set_log(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        self._loss_range = None
        self._apply_ranges()
        self.refresh()

    def _set_smoothing(self, value: float) -> None:
        for key in ("step_loss", "step_acc"):
            self.series[key].set_smoothing(value)
        self.refresh()

    def _relayout(self) -> None:
        unit = "epoch" if self.per_epoch else "step"
        for p in (self.loss_plot, self.acc_plot):
            p.getPlotItem().setLabel("bottom", unit)
        for key in ("loss", "acc"):  # per step: dense, a thin line is cheap; per epoch: few points, bold
            pen = pg.mkPen(COLORS[0], width=2 if self.per_epoch else 1)
            self.items[key].setPen(pen)
        self._loss_range = None
        self._apply_ranges()
        self.refresh()
        self._draw_comparison()

    # ---- hover read-out ---------------------------------------------------------------------------------
    def _on_hover(self, plot, ev) -> None:
        pos = ev[0]
        if not plot.sceneBoundingRect().contains(pos):
            return
        x = plot.getPlotItem().vb.mapSceneToView(pos).x()
        self.readout.setText(self.readout_at(x))

    def readout_at(self, x: float) -> str:
        if self.per_epoch:
            loss, acc, unit = self.series["ep_loss"], self.series["ep_acc"], "epoch"
        else:
            loss, acc, unit = self.series["step_loss"], self.series["step_acc"], "step"
        i = loss.nearest(x)
        if i is None:
            return " "
        text = f"{unit} {loss.x[i]:.0f}: loss {loss.y[i]:.4f}"
        j = acc.nearest(loss.x[i])
        if j is not None:
            text += f", accuracy {acc.y[j]:.2%}"
        vx = "val_loss" if self.per_epoch else "val_loss_step"
        k = self.series[vx].nearest(loss.x[i])
        if k is not None:
            text += f" · validation loss {self.series[vx].y[k]:.4f}"
            va = self.series["val_acc" if self.per_epoch else "val_acc_step"]
            if va.n > k:
                text += f", accuracy {va.y[k]:.2%}"
        return text

    # ---- earlier runs ---------------------------------------------------------------------------------
    def set_runs(self, runs: list[dict]) -> None:
        self.runs = [r for r in runs if r.get("epochs") or r.get("steps")]
        self.run_list.blockSignals(True)
        self.run_list.clear()
        for run in self.runs:
            item = QListWidgetItem(run_label(run))
            item.setToolTip(run_tooltip(run))
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Unchecked)
            self.run_list.addItem(item)
        self.run_list.blockSignals(False)
        self._draw_comparison()

    def compare(self, indices) -> None:
        for i in range(self.run_list.count()):
            self.run_list.item(i).setCheckState(Qt.Checked if i in indices else Qt.Unchecked)

    def _draw_comparison(self) -> None:
        for plot, item in self.compare_items:
            plot.removeItem(item)
        self.compare_items = []
        for i, run in enumerate(self.runs):
            if self.run_list.item(i).checkState() != Qt.Checked:
                continue
            color = COLORS[(i + 2) % len(COLORS)]
            for plot, (key, vkey) in ((self.loss_plot, ("loss", "val_loss")),
                                      (self.acc_plot, ("accuracy", "val_accuracy"))):
                if self.per_epoch:
                    recs = run.get("epochs") or []
                    x = [r["epoch"] for r in recs if r.get(vkey) is not None]
                    y = [r[vkey] for r in recs if r.get(vkey) is not None]
                else:
                    recs = run.get("steps") or []
                    x = [r["step"] for r in recs if r.get(key) is not None]
                    y = [r[key] for r in recs if r.get(key) is not None]
                item = curve(plot, color, f"run {run.get('id')}", width=1.5, style=Qt.DashLine)
                item.setData(np.asarray(x, float), np.asarray(y, float))
                self.compare_items.append((plot, item))

    # ---- export ------------------------------------------------------------------------------------
    def export_png(self, path) -> Path:
        path = Path(path)
        if not self.plots.grab().save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
        self.exported.emit(str(path))
        return path

    def export_csv(self, path) -> Path:
        path = Path(path)
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, CSV_FIELDS, extrasaction="ignore")
            writer.writeheader()
            for row in self.rows:
                writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
        self.exported.emit(str(path))
        return path
