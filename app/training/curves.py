"""Live learning curves of any task: the metrics the task declares (projects.tasks), each as a
train curve (per step or per epoch) and a validation curve, in two plots titled by the task
(loss and accuracy for a classifier, G and D losses and D(x), D(G(z)) for a GAN...), with
smoothing, log scale, a hover read-out, export to PNG/CSV, and earlier runs overlaid."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QSplitter, QVBoxLayout, QWidget)

from ..theme import icon
from .run_names import run_name, started_text
from .plots import (COLORS, background, cache_static_parts, curve, feed, foreground, least_height, plot_widget,
                    value_range)
from .series import Series
from .taskinfo import CurveSpec, spec_of_event, spec_of_run, spec_of_task

FIXED_FIELDS = ("kind", "epoch", "step")
METRIC_COLORS = (COLORS[0], COLORS[1], COLORS[2], COLORS[4])  # several metrics in one plot
COMPARE_STYLES = (Qt.DashLine, Qt.DotLine, Qt.DashDotLine, Qt.DashDotDotLine)


def run_tooltip(run: dict) -> str:
    s = run.get("settings") or {}
    keys = ("epochs", "batch_size", "seed", "device", "precision")
    lines = [f"run {run.get('id')} started {run.get('started', '?')} on {run.get('device', '?')}",
             f"task: {run.get('task', '?')}", f"dataset: {(s.get('dataset') or {}).get('name', '?')}",
             f"optimizer: {s.get('optimizer')}", f"schedule: {s.get('schedule')}"]
    for key, value in s.items():  # the sections a task adds (a GAN's discriminator optimizer)
        if key.endswith("optimizer") and key != "optimizer":
            lines.append(f"{key}: {value}")
    lines += [f"{k}: {s.get(k)}" for k in keys]
    lines.append(f"status: {run.get('status')} ({run.get('reason', '')})")
    return "\n".join(lines)


class CurvesView(QWidget):
    exported = Signal(str)  # a file written
    title = "Curves"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.spec: CurveSpec | None = None
        self.series: dict[str, Series] = {}  # "step:<m>", "epoch:<m>", "val:<m>", "val_step:<m>"
        self.items: dict[str, pg.PlotDataItem] = {}  # "<m>" (train) and "val_<m>"
        self.rows: list[dict] = []  # raw step and epoch records of the shown run (for CSV)
        self.x_span: dict[str, float] | None = None  # fixed x ranges during a run (axes repaint less)
        self._ranges: dict[int, tuple[float, float] | None] = {0: None, 1: None}
        self._least: dict[int, float | None] = {}  # least y span of a self-ranging plot (plots.least_height)
        self.runs: list[dict] = []
        self.compare_items: list = []
        self._drawn: dict[str, tuple[str, int]] = {}  # plot item -> (series, version) it shows
        self.dirty = False
        self.drawn_frame = False  # the last batch of events was drawn (the controller counts frames)
        self._shown = None  # what show_state drew: a new run, another project or a new record redraws
        self._build()
        self.set_spec(spec_of_task(None))

    # ---- the view protocol (views.py) -------------------------------------------------------------------
    def applies(self, state) -> bool:
        return True

    def show_state(self, state) -> None:
        """Idle: the project's last run (or empty axes for its task); a new run of it: cleared until
        its first records arrive."""
        last = state.last_run
        key = (id(state.project), state.run_number if state.live else None, id(last), len(state.runs),
               state.task.name if state.task else None)
        if key == self._shown:
            return
        self._shown = key
        self.set_runs(list(state.runs))
        if state.live:
            self.clear()
            self.refresh()
        elif last is not None:
            self.show_run(last)
        else:
            self.set_spec(spec_of_task(state.task))
            self.clear()
            self.refresh()

    def take_events(self, events: list[dict]) -> None:
        ended = False
        for e in events:
            kind = e["event"]
            if kind == "step":
                self.add_step(e)
            elif kind == "epoch":
                self.add_epoch(e)
            elif kind == "run_started":
                self.set_spec(spec_of_event(e))
                self.start_run(e)
            elif kind in ("finished", "stopped", "failed"):
                ended = True
        self.drawn_frame = bool(self.dirty and (self.isVisible() or ended))
        if self.drawn_frame:
            self.refresh()

    # ---- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.x_mode = QComboBox()
        self.x_mode.addItems(["Per step", "Per epoch"])
        self.smoothing = QDoubleSpinBox()
        self.smoothing.setRange(0.0, 0.99)
        self.smoothing.setSingleStep(0.1)
        self.smoothing.setValue(0.6)
        self.smoothing.setPrefix("Smoothing ")
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.setToolTip("Logarithmic y axis for losses and other positive metrics (not for accuracy or R²)")
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
        # the left and right plots (bench/gui_responsiveness.py watches loss_plot)
        self.loss_plot = plot_widget("Loss", bottom="step", log_axis=True)
        self.acc_plot = plot_widget("Accuracy", bottom="step", log_axis=True)
        self.plot_widgets = (self.loss_plot, self.acc_plot)
        # legends where the curves are not: losses fall from the top left, accuracy rises to the top right
        for p, corner in ((self.loss_plot, (-10, 10)), (self.acc_plot, (-10, -10))):
            p.addLegend(offset=corner, labelTextSize="8pt")
            cache_static_parts(p)
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
        self._hover = [pg.SignalProxy(p.scene().sigMouseMoved, rateLimit=30, slot=lambda ev, p=p: self._on_hover(p, ev))
                       for p in self.plot_widgets]

    @property
    def per_epoch(self) -> bool:
        return self.x_mode.currentIndex() == 1

    # ---- which curves ------------------------------------------------------------------------------
    def set_spec(self, spec: CurveSpec) -> None:
        """Show the curves of ``spec``'s task: plot items are made here, once per task, not per frame."""
        if spec == self.spec:
            return
        self.spec = spec
        self._remove_comparison()
        for p in self.plot_widgets:
            item = p.getPlotItem()
            for it in list(self.items.values()):
                if it in item.items:
                    item.removeItem(it)
            if item.legend is not None:
                item.legend.clear()
        self.items, self.series, self._drawn = {}, {}, {}
        self._step_keys = [(f"step:{m.name}", m.name) for m in spec.step_metrics]  # add_step runs per step
        self._row_names = {"epoch", "step"} | {n for m in spec.metrics for n in (m.name, f"val_{m.name}")}
        for i, (p, title) in enumerate(zip(self.plot_widgets, spec.titles)):
            p.getPlotItem().setTitle(title, color=foreground(), size="10pt")
            metrics = [m for m in spec.metrics if m.plot == i]
            single = len(metrics) == 1
            for k, m in enumerate(metrics):
                color = COLORS[0] if single else METRIC_COLORS[k % len(METRIC_COLORS)]
                if m.step:
                    self.items[m.name] = curve(p, color, "train" if single else m.label, width=1, antialias=True)
                    for kind in ("step", "epoch"):
                        self.series[f"{kind}:{m.name}"] = Series()
                val_color = COLORS[1] if single else color
                self.items[f"val_{m.name}"] = curve(p, val_color, "validation" if single else f"validation {m.label}",
                                                    width=2 if single else 1.5, symbol="o",
                                                    style=None if single else Qt.DashLine)
                for kind in ("val", "val_step"):
                    self.series[f"{kind}:{m.name}"] = Series()
            legend = p.getPlotItem().legend
            legend.setColumnCount(1 if single else 2)  # several metrics: two rows of pairs, not a tall column
            veil = pg.mkColor(background())
            veil.setAlpha(200)  # curves behind a larger legend stay visible, its text stays readable
            legend.setBrush(None if single else veil)
            if metrics and all(m.percent for m in metrics):
                p.setYRange(0, 1)
        self._apply_log()
        self._set_smoothing(self.smoothing.value())
        self._relayout()

    def _log_plot(self, plot: int) -> bool:
        """Log scale applies to plots of losses and other positive metrics, not to scores such as
        accuracy or R² (goal "max")."""
        metrics = [m for m in self.spec.metrics if m.plot == plot]
        return bool(metrics) and not any(m.goal == "max" or m.percent for m in metrics)

    def _is_log(self, plot: int) -> bool:
        return self.log_scale.isChecked() and self._log_plot(plot)

    def _apply_log(self) -> None:
        for i, p in enumerate(self.plot_widgets):
            p.setLogMode(y=self._is_log(i))

    def _fixed_y(self, plot: int) -> bool:
        metrics = [m for m in self.spec.metrics if m.plot == plot]
        return bool(metrics) and all(m.percent for m in metrics)

    # ---- live data --------------------------------------------------------------------------------
    def clear(self) -> None:
        for s in self.series.values():
            s.clear()
        self.rows = []
        self.dirty = True
        self.x_span = None
        self._ranges = {0: None, 1: None}
        self._apply_ranges()

    def start_run(self, e: dict) -> None:
        """A run_started event: fix the x axes to the whole run so that they are not redrawn per frame."""
        self.x_span = {"step": float(e["epochs"] * e["steps_per_epoch"]), "epoch": float(e["epochs"])}
        self._apply_ranges()

    def _apply_ranges(self) -> None:
        for p in self.plot_widgets:
            if self.x_span is None:
                p.enableAutoRange(axis="x")
            elif self.per_epoch:
                p.setXRange(0.8, max(self.x_span["epoch"], 1) + 0.2, padding=0)
            else:
                p.setXRange(0, self.x_span["step"], padding=0.01)
        for i, p in enumerate(self.plot_widgets):
            if self._fixed_y(i):
                continue
            if self.x_span is None or self._is_log(i):
                p.enableAutoRange(axis="y")
                self._ranges[i] = None

    def _fit_range(self, plot: int, ys: list[np.ndarray]) -> None:
        """During a run move a y axis only when the data leaves it or fills less than half of it; an
        axis that ranges itself (no run, log scale) is kept from zooming onto float noise."""
        if self._fixed_y(plot):
            self._set_least(plot, None)
            return
        finite = [y[np.isfinite(y)] for y in ys if len(y)]
        finite = [f for f in finite if len(f)]
        if not finite:
            return
        lo, hi = min(float(f.min()) for f in finite), max(float(f.max()) for f in finite)
        auto = self.x_span is None or self._is_log(plot)
        self._set_least(plot, least_height(lo, hi, self._is_log(plot)) if auto else None)
        if auto:
            return
        old = self._ranges.get(plot)
        bottom, top = value_range(lo, hi)  # one point or a flat start: +-5% of it
        if old is None or lo < old[0] or hi > old[1] or (old[1] - old[0]) > 1.9 * (top - bottom):
            self._ranges[plot] = (max(0.0, bottom) if lo >= 0 else bottom, top)
            self.plot_widgets[plot].setYRange(*self._ranges[plot], padding=0)

    def _set_least(self, plot: int, height: float | None) -> None:
        """The least y span the view of ``plot`` may show while it ranges itself (None: any)."""
        if self._least.get(plot) != height:
            self._least[plot] = height
            self.plot_widgets[plot].getPlotItem().vb.setLimits(minYRange=height)

    def _keep(self, e: dict) -> dict:
        """The fields of a record the CSV may write: epoch, step, metrics, validation metrics, rates."""
        return {k: v for k, v in e.items() if k in self._row_names or k.startswith("lr")}

    def add_step(self, e: dict) -> None:
        for key, name in self._step_keys:
            self.series[key].append(e["step"], e.get(name))
        self.rows.append({"kind": "step", **self._keep(e)})
        self.dirty = True

    def add_epoch(self, e: dict) -> None:
        s = self.series
        for m in self.spec.metrics:
            if m.step:
                s[f"epoch:{m.name}"].append(e["epoch"], e.get(m.name))
            s[f"val:{m.name}"].append(e["epoch"], e.get(f"val_{m.name}"))
            s[f"val_step:{m.name}"].append(e["step"], e.get(f"val_{m.name}"))
        self.rows.append({"kind": "epoch", **self._keep(e)})
        self.dirty = True

    def show_run(self, run: dict) -> None:
        """Replace the shown curves with a recorded run (re-opening a file shows its last run)."""
        self.set_spec(spec_of_run(run))
        self.clear()
        for rec in run.get("steps") or ():
            self.add_step(rec)
        for rec in run.get("epochs") or ():
            self.add_epoch(rec)
        self.refresh()

    def point_count(self) -> int:
        first = next(iter(self.spec.step_metrics), None)
        if first is None:
            return 0
        return self.series[f"step:{first.name}"].n + self.series[f"epoch:{first.name}"].n

    def epoch_text(self, e: dict) -> str:
        """The status line after an epoch: its train and validation metrics."""
        train = [f"{m.label} {m.text(e[m.name])}" for m in self.spec.step_metrics if e.get(m.name) is not None]
        val = [f"validation {m.label} {m.text(e[f'val_{m.name}'])}" for m in self.spec.metrics
               if e.get(f"val_{m.name}") is not None]
        return f"Epoch {e['epoch']}: " + ", ".join(train + val)

    def _series_of(self, item: str) -> str:
        if item.startswith("val_"):
            return f"{'val' if self.per_epoch else 'val_step'}:{item[4:]}"
        return f"{'epoch' if self.per_epoch else 'step'}:{item}"

    def refresh(self) -> None:
        """Push the buffers into the plot items (the dashboard's timer calls this when dirty)."""
        self.dirty = False
        ys: dict[int, list[np.ndarray]] = {0: [], 1: []}
        for item, it in self.items.items():
            key = self._series_of(item)
            s = self.series[key]
            x, y = s.data(smoothed=key.startswith("step"))
            if self._drawn.get(item) != (key, s.version):  # validation changes once an epoch
                feed(it, x, y)  # a lone point gets a symbol
                self._drawn[item] = (key, s.version)
            ys[self.spec.metric(item).plot].append(y)
        for plot, values in ys.items():
            self._fit_range(plot, values)

    def _set_log(self, _on: bool) -> None:
        self._apply_log()
        self._ranges = {0: None, 1: None}
        self._apply_ranges()
        self.refresh()

    def _set_smoothing(self, value: float) -> None:
        for key, s in self.series.items():
            if key.startswith("step:"):
                s.set_smoothing(value)
        self.refresh()

    def _relayout(self) -> None:
        unit = "epoch" if self.per_epoch else "step"
        for p in self.plot_widgets:
            p.getPlotItem().setLabel("bottom", unit)
        for m in self.spec.step_metrics:  # per step: dense, a thin line is cheap; per epoch: few points, bold
            item = self.items[m.name]
            item.setPen(pg.mkPen(item.opts["pen"].color(), width=2 if self.per_epoch else 1))
        self._ranges = {0: None, 1: None}
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
        unit, kind = ("epoch", "epoch") if self.per_epoch else ("step", "step")
        vkind = "val" if self.per_epoch else "val_step"
        metrics = self.spec.step_metrics
        base = self.series[f"{kind}:{metrics[0].name}"] if metrics else None
        if base is None or base.nearest(x) is None:
            return " "
        at = base.x[base.nearest(x)]
        parts = []
        for m in metrics:
            s = self.series[f"{kind}:{m.name}"]
            j = s.nearest(at)
            if j is not None:
                parts.append(f"{m.label} {m.text(s.y[j])}")
        text = f"{unit} {at:.0f}: " + ", ".join(parts)
        vals = []
        for m in self.spec.metrics:
            s = self.series[f"{vkind}:{m.name}"]
            k = s.nearest(at)
            if k is not None:
                vals.append(f"{m.label} {m.text(s.y[k])}")
        if vals:
            text += " · validation " + ", ".join(vals)
        return text

    # ---- earlier runs ---------------------------------------------------------------------------------
    def set_runs(self, runs: list[dict]) -> None:
        self.runs = [r for r in runs if r.get("epochs") or r.get("steps")]
        self.run_list.blockSignals(True)
        self.run_list.clear()
        for run in self.runs:
            item = QListWidgetItem(run_name(run))
            item.setToolTip(run_tooltip(run))
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Unchecked)
            self.run_list.addItem(item)
        self.run_list.blockSignals(False)
        self._draw_comparison()

    def compare(self, indices) -> None:
        for i in range(self.run_list.count()):
            self.run_list.item(i).setCheckState(Qt.Checked if i in indices else Qt.Unchecked)

    def _remove_comparison(self) -> None:
        for plot, item in self.compare_items:
            plot.removeItem(item)
        self.compare_items = []

    def _draw_comparison(self) -> None:
        """Each ticked run's curves of the metrics shown now: its validation per epoch, its training per step."""
        self._remove_comparison()
        shown = {m.name: m for m in self.spec.metrics}
        for i, run in enumerate(self.runs):
            if self.run_list.item(i).checkState() != Qt.Checked:
                continue
            color = COLORS[(i + 2) % len(COLORS)]
            for k, m in enumerate(mm for mm in spec_of_run(run).metrics if mm.name in shown):
                key = f"val_{m.name}" if self.per_epoch else m.name
                recs = run.get("epochs" if self.per_epoch else "steps") or []
                points = [(r["epoch" if self.per_epoch else "step"], r[key]) for r in recs if r.get(key) is not None]
                if not points:
                    continue
                plot = self.plot_widgets[shown[m.name].plot]
                alone = sum(1 for mm in shown.values() if mm.plot == shown[m.name].plot) == 1
                name = started_text(run) if alone else f"{started_text(run)} {m.short}"
                item = curve(plot, color, name, width=1.5, style=COMPARE_STYLES[k % len(COMPARE_STYLES)])
                xy = np.asarray(points, float)
                feed(item, xy[:, 0], xy[:, 1])
                self.compare_items.append((plot, item))

    # ---- export ------------------------------------------------------------------------------------
    def export_png(self, path) -> Path:
        path = Path(path)
        if not self.plots.grab().save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
        self.exported.emit(str(path))
        return path

    def csv_fields(self) -> list[str]:
        """kind, epoch, step, then the task's metrics, their validation values and the learning rates
        that the shown run has."""
        present = {k for row in self.rows for k, v in row.items() if v is not None}
        names = [m.name for m in self.spec.step_metrics] + [f"val_{m.name}" for m in self.spec.metrics]
        lrs = sorted((k for k in present if k.startswith("lr")), key=lambda k: (k != "lr", k))
        return list(FIXED_FIELDS) + [n for n in names if n in present] + lrs

    def export_csv(self, path) -> Path:
        path = Path(path)
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, self.csv_fields(), extrasaction="ignore")
            writer.writeheader()
            for row in self.rows:
                writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
        self.exported.emit(str(path))
        return path
