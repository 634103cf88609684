"""The Samples tab of a GAN or VAE: what the model makes while it trains (the generator's samples
on fixed noise, a VAE's reconstructions of fixed validation images, or a 2-D GAN's points over
the discriminator's decision map), step-by-step training while paused, and, after training,
the explorer of the trained model (explore_view.py). Frames are drawn only while the tab is
shown; the latest one waits for it."""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget)

from ..theme import icon
from .explore_view import ExploreView
from .pictures import PictureView, centers, class_cells, tile
from .points_view import PointsPlot, Square
from .report_widgets import live_or_trained

VIEW = "samples"  # what a task's declaration lists when it wants this tab
DRAWN = ("grid", "points", "reconstructions")  # the ``view`` of the samples events this tab draws
WHOLE_STEP = "One normal training step (every part as training updates it)"
POINTS_NOTE = ("<b>How to read it</b><br>Green dots: real samples. Purple dots: what the generator makes of 1,000 "
               "fixed noise vectors. Background: the discriminator's verdict on every point of the plane, green "
               "where it says <i>real</i>, purple where it says <i>generated</i>.<br><br><b>Step by step</b><br>"
               "Pause, then press <b>D step</b>: only the discriminator learns, and the background moves. "
               "<b>G step</b>: only the generator learns, and the purple dots move towards what D calls real. "
               "<b>Step</b>: one of each.")


class SamplesView(QWidget):
    step_requested = Signal(object)  # None (a whole step) or the name of the one part to update
    title = "Samples"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.task = None  # the TaskDeclaration shown
        self.project = None
        self.classes: list[str] = []
        self.latest: dict | None = None  # the newest samples event
        self.drawn: dict | None = None  # the one on screen
        self.frames = 0
        self.state = "idle"
        self._run = None  # the run whose frames are shown
        self._build()

    # ---- the view protocol (views.py) -------------------------------------------------------------------
    def applies(self, state) -> bool:
        return state.wants(VIEW)

    def show_state(self, state) -> None:
        """A run of the project: its frames (a new run starts empty) and step buttons while paused;
        idle: the explorer of the trained model."""
        if state.live and self._run != state.run_number:
            self._run = state.run_number
            self.set_task(state.task)
            self.start_run()
        self.set_run_state(state.run)
        if not state.live:
            self._run = None
            self.set_project(state.project if self.applies(state) else None, state.task)

    def take_events(self, events: list[dict]) -> None:
        latest = None
        for e in events:
            if e["event"] == "run_started":
                self.started(e)
            elif e["event"] == "samples" and e.get("view") in DRAWN:
                latest = e
            elif e["event"] == "paused":
                self.set_paused_at(e["step"])
        if latest is not None:
            self.add(latest)

    def _build(self) -> None:
        self.live_button, self.explore_button, group = live_or_trained(self)
        self.caption = QLabel("Train to watch what the model makes as it learns")
        self.caption.setWordWrap(True)
        self.step_buttons: dict = {}
        bar = QHBoxLayout()
        bar.addWidget(self.live_button)
        bar.addWidget(self.explore_button)
        bar.addWidget(self.caption, 1)
        bar.addStretch(0)  # keeps the page buttons left when the caption is hidden
        self.bar = bar
        self._add_step_button(None, "Step", WHOLE_STEP)
        self.grid = PictureView()
        self.points = PointsPlot()  # no title: a long one would widen the square plot past its room
        self.points_note = QLabel(POINTS_NOTE)
        self.points_note.setWordWrap(True)
        self.points_note.setTextFormat(Qt.RichText)
        self.points_note.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        points_page = Square(self.points, self.points_note)
        self.live = QStackedWidget()
        self.live.addWidget(self.grid)
        self.live.addWidget(points_page)
        self.explore = ExploreView()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.live)
        self.pages.addWidget(self.explore)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(bar)
        lay.addWidget(self.pages, 1)
        group.idClicked.connect(self.show_page)

    # ---- project and run -----------------------------------------------------------------------------
    def _add_step_button(self, part: str | None, text: str, tip: str) -> None:
        b = QPushButton(icon("mdi6.step-forward"), text)
        b.setToolTip(tip + " (while paused)")
        b.setEnabled(self.state == "paused")
        b.clicked.connect(lambda _c=False, part=part: self.step_requested.emit(part))
        self.bar.insertWidget(self.bar.count() - len(self.step_buttons), b)
        self.step_buttons[part] = b

    def set_project(self, project, task=None) -> None:
        """The open project (or the one a run just trained): another project's frames are dropped,
        and the explorer follows the weights."""
        if self.state != "idle":
            return  # the run's task and frames stay until it ends
        self.set_task(task)
        replaced = project is not self.project
        self.project = project
        if replaced:
            self._clear_live()
            self.caption.setText("Train to watch what the model makes as it learns")
        trained = bool(project is not None and project.weights and task is not None and task.generative)
        self.explore.set_project(project if trained else None)
        if replaced:
            self.show_page(1 if trained else 0)

    def _clear_live(self) -> None:
        self.latest = self.drawn = None
        self.frames = 0
        self.points.reset()
        self.grid.clear_picture()

    def set_task(self, task, names=()) -> None:
        """The task shown (a TaskDeclaration): one step button per part it trains with its own
        optimizer (a GAN's D step and G step), besides the whole step."""
        if task is not self.task:
            self.task = task
            for part, b in list(self.step_buttons.items()):
                if part is not None:
                    self.bar.removeWidget(b)
                    b.deleteLater()
                    del self.step_buttons[part]
            if task is not None and len(task.optimizers) > 1:
                for rule in task.parts:
                    self._add_step_button(rule.name, f"{rule.short} step", f"Update only the {rule.title} once "
                                          "(the other parts stay as they are)")
        if names:
            self.classes = list(names)
        self._sync_bar()

    def _sync_bar(self) -> None:
        """The caption and step buttons belong to the live page."""
        live = self.pages.currentIndex() == 0
        self.caption.setVisible(live)
        for b in self.step_buttons.values():
            b.setVisible(live)

    def start_run(self) -> None:
        """Train was pressed: forget the previous run's frames."""
        self._clear_live()
        self.caption.setText("Starting: the first samples come after the first steps…")
        self.show_page(0)

    def started(self, e: dict) -> None:
        """The run_started event: the class names of its grid."""
        self.set_task(self.task, e.get("classes") or ())

    def set_run_state(self, state: str) -> None:
        """idle | running | paused | stopping: step buttons work while paused; the explorer after a run."""
        self.state = state
        for b in self.step_buttons.values():
            b.setEnabled(state == "paused")
        self.explore.set_available(state == "idle")

    def set_paused_at(self, step: int) -> None:
        if self.latest is not None:
            self.caption.setText(f"Paused at step {step:,}: step the training one update at a time, or Resume")

    def show_page(self, index: int) -> None:
        (self.live_button if index == 0 else self.explore_button).setChecked(True)
        self.pages.setCurrentIndex(index)
        self._sync_bar()
        if index == 0:
            self._draw()
        else:
            self.explore.fill_if_stale()

    # ---- live frames --------------------------------------------------------------------------------------
    def add(self, e: dict) -> None:
        """A ``samples`` event; drawn now when the tab is shown, else when it is."""
        self.latest = e
        if self.isVisible() and self.pages.currentIndex() == 0:
            self._draw()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.pages.currentIndex() == 0:
            self._draw()
        else:
            self.explore.fill_if_stale()

    def _draw(self) -> None:
        e = self.latest
        if e is None or e is self.drawn:
            return
        self.drawn = e
        view = e.get("view")
        when = f"step {e['step']:,} (epoch {math.floor(e['epoch']) + 1})"
        if view == "points":
            self.live.setCurrentIndex(1)
            self.points.show_points(e["real"], e["fake"], e["heat"], e["extent"], e.get("probability", True))
            self.caption.setText(f"{len(e['fake']):,} generated points (fixed noise) and real ones · {when}")
        elif view == "reconstructions":
            self.live.setCurrentIndex(0)
            self._reconstructions(e)
            kl = e.get("kl_weight")
            self.caption.setText(f"Fixed validation images (top) and their reconstructions (bottom) · {when}"
                                 + (f" · KL weight {kl:.3g}" if kl is not None else ""))
        else:
            self.live.setCurrentIndex(0)
            self._grid(e)
            what = "one row per class" if e.get("labels") else "64 fixed noise vectors"
            self.caption.setText(f"The generator's samples ({what}) · {when}")
        self.frames += 1

    def _grid(self, e: dict) -> None:
        images = np.asarray(e["images"], np.float32)
        labels = e.get("labels")
        _, _, h, w = images.shape
        if labels:
            cells, _cols = class_cells(labels)
            rows = max(labels) + 1
            names = [self.classes[k] if k < len(self.classes) else str(k) for k in range(rows)]
            self.grid.show_picture(tile(images, cells=cells, rows=rows), left=list(zip(centers(rows, h), names)))
        else:
            self.grid.show_picture(tile(images, columns=8))

    def _reconstructions(self, e: dict) -> None:
        originals = np.asarray(e["originals"], np.float32)
        recon = np.asarray(e["images"], np.float32)
        n, _, h, _ = originals.shape
        cells = [(0, i) for i in range(n)] + [(1, i) for i in range(len(recon))]
        picture = tile(np.concatenate([originals, recon]), cells=cells, rows=2)
        self.grid.show_picture(picture, left=list(zip(centers(2, h), ("original", "rebuilt"))))
