"""The Perceptron tab (tasks that want the "rule" view; the course's Practical Exercises 01, Exercise 01): the
perceptron rule stepped by hand, one sample, one epoch or up to convergence, with every
presentation in a table (sample, s = w.e + b, y, d - y, the new w1, w2, b) and the 2-D points
with the separating line w1 e1 + w2 e2 + b = 0 moving as the weights change.

The steps run runtime.tasks.perceptron.rule.PerceptronRule here, on the project's table and settings
(instant: a few samples); Train runs the same rule in the trainer, and its trace arrives as
``samples`` events and replaces the hand-stepped one. Stepping here does not change the
project's weights."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTableWidgetItem, QVBoxLayout, QWidget

from runtime.data import DatasetError, load_dataset
from runtime.plan import PlanError, plan_run
from runtime.tasks import TaskError
from runtime.tasks.perceptron.rule import VIEW, PerceptronRule, line_text, rule_settings, signed_targets

from ..theme import icon, is_dark
from .plots import COLORS, background, foreground
from .points_view import Square
from .report_widgets import read_only_table

COLUMNS = ["Epoch", "Sample", "e1", "e2", "d", "s = w·e + b", "y", "d − y", "w1", "w2", "b"]
STEP_LIMIT = 1000  # tables stepped by hand here; larger ones train with Train
BUTTONS = (("sample", "mdi6.step-forward", "One sample", "Present the next sample and apply the rule once"),
           ("epoch", "mdi6.skip-next", "One epoch", "Present the rest of this epoch (or a whole new one)"),
           ("converge", "mdi6.fast-forward", "Run to convergence",
            "Go on until an epoch changes nothing, or up to the project's epoch limit"),
           ("reset", "mdi6.restore", "Start over", "Back to the starting weights of the training settings"))


def _num(v) -> str:
    return f"{v:g}" if isinstance(v, int) else f"{round(float(v), 6):g}"


class PerceptronView(QWidget):
    title = "Perceptron"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.project = None
        self.rule = None  # the hand-stepped PerceptronRule
        self.max_epochs = 100
        self.data_name = "the data"
        self.source = "none"  # none | local (hand-stepped) | run (a training run's trace)
        self.state = "idle"
        self._key = None  # the settings the rule was built from
        self.trace: list[dict] = []
        self.w: list[float] = []
        self.b = 0.0
        self._run = None  # the run whose trace is shown
        self._build()

    # ---- the view protocol (views.py) -------------------------------------------------------------------
    def applies(self, state) -> bool:
        return state.wants(VIEW)

    def show_state(self, state) -> None:
        """A run of the project: its trace (a new run starts empty); idle: the rule stepped by hand on
        the project's table and settings."""
        if state.live:
            if self._run != state.run_number:
                self._run = state.run_number
                self.project = state.project
                self.start_run()
            self.set_run_state(state.run)
            return
        self._run = None
        self.set_run_state(state.run)
        self.set_project(state.project if self.applies(state) else None)

    def take_events(self, events: list[dict]) -> None:
        latest = next((e for e in reversed(events) if e["event"] == "samples" and e.get("view") == VIEW), None)
        if latest is not None:
            self.add(latest)

    def _build(self) -> None:
        bar = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, name, text, tip in BUTTONS:
            b = QPushButton(icon(name), text)
            b.setToolTip(tip)
            b.clicked.connect(lambda _c=False, key=key: self.act(key))
            bar.addWidget(b)
            self.buttons[key] = b
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        bar.addWidget(self.caption, 1)
        self.table = read_only_table(COLUMNS)
        self.plot = pg.PlotWidget(background=background())
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setAspectLocked(True)
        item.showGrid(x=True, y=True, alpha=0.2)
        fg = foreground()
        for name, label in (("left", "e2"), ("bottom", "e1")):
            item.getAxis(name).setPen(fg)
            item.getAxis(name).setTextPen(fg)
            item.setLabel(name, label, color=fg)
        item.addLegend(offset=(-6, 6), labelTextSize="8pt")
        self.positive = pg.ScatterPlotItem(size=11, pen=None, brush=pg.mkBrush(COLORS[0]), symbol="o", name="d = +1")
        self.negative = pg.ScatterPlotItem(size=11, pen=None, brush=pg.mkBrush(COLORS[1]), symbol="s", name="d = −1")
        self.current = pg.ScatterPlotItem(size=20, pen=pg.mkPen("#f2f2f2" if is_dark() else "#202124", width=2),
                                          brush=pg.mkBrush(0, 0, 0, 0), symbol="o")
        self.line = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen(COLORS[2], width=2))
        for it in (self.positive, self.negative, self.current, self.line):
            self.plot.addItem(it)
        self.line.setVisible(False)
        body = QHBoxLayout()
        body.addWidget(self.table, 3)
        body.addWidget(Square(self.plot), 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(bar)
        lay.addLayout(body, 1)
        self._sync_buttons()

    # ---- the project ------------------------------------------------------------------------------------
    def set_project(self, project) -> None:
        """The open project (or its settings changed): a perceptron project's table and starting
        weights, ready to step; kept as they are when nothing they depend on changed."""
        previous, self.project = self.project, project
        if self.state != "idle":
            return  # the run's trace stays until it ends
        plan = self._plan()
        if plan is None or VIEW not in plan.declaration.views:
            self._key = None
            self.rule = None
            self._show([], [], 0.0, None, None)
            if plan is not None or project is None:
                self.caption.setText("This tab steps the perceptron rule: set the task to perceptron (see the "
                                     "perceptron-and example)")
            self._sync_buttons()
            return
        key = repr((plan.dataset, rule_settings(plan), plan.seed, plan.epochs))
        if key != self._key or project is not previous:
            self._key = key
            self.start_over()

    def _plan(self):
        """The project's run plan (None, with the reason shown, when its settings do not make one)."""
        if self.project is None:
            return None
        try:
            return plan_run(self.project)
        except PlanError as e:
            self.caption.setText(str(e)[:1].upper() + str(e)[1:])
            return None

    def start_over(self) -> None:
        """Back to the starting weights, with an empty trace."""
        self.rule, self.source = None, "local"
        plan = self._plan()
        if plan is None or VIEW not in plan.declaration.views:
            return
        p = rule_settings(plan)
        self.max_epochs = plan.epochs
        try:
            ds = load_dataset(dict(plan.dataset), (2,))
            x = ds.train.x.reshape(len(ds.train.x), -1)
            if len(x) > STEP_LIMIT:
                raise TaskError(f"'{ds.name}' has {len(x):,} training samples: this tab steps tables of up to "
                                f"{STEP_LIMIT:,}; press Train to run the rule on it")
            d = signed_targets(ds.train.y, ds.classes, f"'{ds.name}'")
        except (DatasetError, TaskError) as e:
            self._show([], [], 0.0, None, None)
            self.caption.setText(str(e)[:1].upper() + str(e)[1:])
            self._sync_buttons()
            return
        self.data_name = f"'{ds.name}'"
        self.rule = PerceptronRule(x.tolist(), d, [p["w1"], p["w2"]], p["b"], p["eta"], p["order"], plan.seed)
        self._set_points(x.float().numpy(), np.asarray(self.rule.d))
        w, b = self.rule.weights
        self._show([], w, b, None, None)
        self.caption.setText(f"Start: w1 = {w[0]:g}, w2 = {w[1]:g}, b = {b:g}, eta = {p['eta']:g} · line "
                             f"{self._line_text(w, b)} · step through the rule, one sample at a time")
        self._sync_buttons()

    # ---- stepping -------------------------------------------------------------------------------------
    def act(self, key: str) -> None:
        """A button: one sample, one epoch, run to convergence, or start over."""
        if self.state != "idle":
            return
        if key == "reset" or self.source != "local" or self.rule is None:
            self.start_over()
            if key == "reset" or self.rule is None:
                return
        rule = self.rule
        if key == "sample":
            rule.step()
        elif key == "epoch":
            rule.run_epoch()
        else:
            rule.run(self.max_epochs)
        w, b = rule.weights
        verdict = None
        if rule.converged or (key == "converge" and rule.epoch >= self.max_epochs and rule.epoch_done):
            verdict = rule.verdict(self.data_name)
        self._show(rule.trace, w, b, verdict, rule.trace[-1] if rule.trace else None)
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        """Steps while idle on a perceptron project (a run's trace: the first step starts over); none
        once the hand-stepped rule converged, except Start over."""
        usable = self.state == "idle" and self._key is not None
        stuck = self.source == "local" and (self.rule is None or self.rule.converged)
        for key, b in self.buttons.items():
            b.setEnabled(usable and (key == "reset" or not stuck))

    # ---- a training run ---------------------------------------------------------------------------------
    def start_run(self) -> None:
        """Train was pressed: the run's trace replaces the hand-stepped one."""
        self.source = "run"
        self.trace = []
        self.table.setRowCount(0)
        self.caption.setText("Training: the run's updates come here as it presents the samples…")

    def set_run_state(self, state: str) -> None:
        self.state = state
        self._sync_buttons()

    def add(self, e: dict) -> None:
        """A perceptron ``samples`` event: the run's trace so far, its points and weights."""
        if e.get("view") != VIEW:
            return
        self.source = "run"
        self._set_points(np.asarray(e["points"], np.float32), np.asarray(e["labels"]))
        trace = e["trace"]
        text = e.get("verdict") or (f"Training: {e['updates']} weight update{'s' if e['updates'] != 1 else ''} "
                                    f"so far")
        self._show(trace, e["w"], e["b"], text, trace[-1] if trace else None)

    # ---- drawing ----------------------------------------------------------------------------------------
    def _set_points(self, x: np.ndarray, d: np.ndarray) -> None:
        self.positive.setData(pos=x[d > 0])
        self.negative.setData(pos=x[d <= 0])
        if len(x):
            lo, hi = x.min(0).tolist(), x.max(0).tolist()
            pad = [max((b - a) * 0.25, 0.5) for a, b in zip(lo, hi)]
            self.plot.getPlotItem().setRange(xRange=(lo[0] - pad[0], hi[0] + pad[0]),
                                             yRange=(lo[1] - pad[1], hi[1] + pad[1]), padding=0)

    def _show(self, trace: list[dict], w, b: float, verdict: str | None, last: dict | None) -> None:
        """The table (new rows appended), the line and the caption."""
        if len(trace) < self.table.rowCount():
            self.table.setRowCount(0)
        start = self.table.rowCount()
        self.trace = list(trace)
        self.table.setRowCount(len(trace))
        bold = QFont(self.table.font())
        bold.setBold(True)
        for r in range(start, len(trace)):
            t = trace[r]
            cells = (t["epoch"], t["sample"], *t["e"][:2], t["d"], t["s"], t["y"], t["error"], *t["w"][:2], t["b"])
            for c, value in enumerate(cells):
                item = QTableWidgetItem(_num(value))
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if t["changed"] and c >= 7:
                    item.setFont(bold)
                self.table.setItem(r, c, item)
        if len(trace) > start:
            self.table.scrollToBottom()
        self.w, self.b = list(w), float(b)
        self._draw_line()
        self.current.setData(pos=np.asarray([last["e"][:2]], np.float32) if last else np.zeros((0, 2)))
        if verdict is not None:
            self.caption.setText(verdict[:1].upper() + verdict[1:])
        elif last is not None:
            updates = sum(t["changed"] for t in trace)
            what = f"updated: d − y = {last['error']:g}" if last["changed"] else "no change (y = d)"
            self.caption.setText(f"Epoch {last['epoch']}, sample {last['sample']}: s = {_num(last['s'])}, "
                                 f"y = {last['y']}, {what} · {updates} update{'s' if updates != 1 else ''} so far · "
                                 f"line {self._line_text(self.w, self.b)}")

    def _draw_line(self) -> None:
        """w1 e1 + w2 e2 + b = 0 through its point nearest the origin, along (w2, -w1)."""
        if len(self.w) < 2 or (self.w[0] == 0 and self.w[1] == 0):
            self.line.setVisible(False)
            return
        w1, w2 = self.w[:2]
        norm2 = w1 * w1 + w2 * w2
        self.line.setPos(QPointF(-self.b * w1 / norm2, -self.b * w2 / norm2))
        self.line.setAngle(math.degrees(math.atan2(-w1, w2)))
        self.line.setVisible(True)

    def line_equation(self) -> tuple[float, float, float] | None:
        """(w1, w2, b) of the line drawn now (None: no line)."""
        return (self.w[0], self.w[1], self.b) if self.line.isVisible() else None

    @staticmethod
    def _line_text(w, b: float) -> str:
        return line_text(w[0], w[1], b)
