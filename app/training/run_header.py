"""The top of the Training tab: the run buttons, the device choice, the progress bar and line
(epoch, step, samples/s, ETA), the device in use, a banner and the status sentence. It follows
the same protocol as the views below it (views.py): it shows a TrainingState and takes the live
events of a run of the open project."""
from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from runtime.progress import clock

from .run_names import run_name
from .state import PAUSED, TrainingState

PROGRESS_INTERVAL_S = 0.25
DEVICES = (("Auto", "auto"), ("CPU", "cpu"), ("CUDA GPU", "cuda"), ("Apple MPS", "mps"))
READY = "Press Train (F5) to train this network"


class ProgressBar(QProgressBar):
    """A progress bar whose value changes are painted with the next frame.

    QProgressBar.setValue repaints at once (a synchronous paint and flush of the window, ~2 ms);
    while training that is CPU taken from the trainer, so the new value waits for the next paint
    together with the curves instead."""

    def set_value_later(self, value: int) -> None:
        self.setUpdatesEnabled(False)
        try:
            self.setValue(value)
        finally:
            self.setUpdatesEnabled(True)  # schedules an ordinary (coalesced) update


def stepped_text(part: str | None, e: dict) -> str:
    what = {"discriminator": "one discriminator update", "generator": "one generator update"}.get(
        part, "one training step")
    return (f"Paused at epoch {e['epoch']}, step {e['step']:,}, after {what}: step again, or press Resume "
            "(F5) to go on")


class RunHeader(QWidget):
    def __init__(self, actions: dict, parent=None):
        super().__init__(parent)
        bar = QHBoxLayout()
        for key in ("train", "pause", "resume", "stop"):
            b = QToolButton()
            b.setDefaultAction(actions[key])
            b.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
            bar.addWidget(b)
        self.device = QComboBox()
        for text, value in DEVICES:
            self.device.addItem(text, value)
        self.device.setToolTip("Where to train: Auto picks a CUDA GPU, then Apple MPS, then the CPU")
        bar.addWidget(QLabel("Device:"))
        bar.addWidget(self.device)
        self.progress = ProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("%p%")
        self.progress.setMinimumWidth(160)
        self._last_progress = 0.0
        bar.addWidget(self.progress, 1)
        self.progress_text = QLabel(READY)
        self.progress_text.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)  # no relayout per update
        self.progress_text.setMinimumWidth(420)
        bar.addWidget(self.progress_text, 2)
        self.device_label = QLabel("")
        self.device_label.setToolTip("The device the last run trained on")
        bar.addWidget(self.device_label)
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("QLabel { background: #fff4ce; color: #5c4400; padding: 3px 6px; "
                                  "border-radius: 3px; }")
        self.banner.hide()
        self.status = QLabel("")
        self.status.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(bar)
        lay.addWidget(self.banner)
        lay.addWidget(self.status)
        self.epochs = 0
        self.run = "idle"
        self.stepping: list[str | None] = []  # single steps asked for while paused, oldest first
        self.epoch_text = None  # the curves' epoch line (set by the dashboard)
        self._shown = None  # (project, runs) shown while idle
        self._ended = False  # a run of the open project has just ended

    # ---- the protocol -----------------------------------------------------------------------------------
    def show_state(self, state: TrainingState) -> None:
        """Idle: progress, status and device as the project's last run left them (or ready for a
        first run). During a run of this project the live events keep them."""
        self.run = state.run
        if state.run != "idle":
            self._ended = False
            return
        self.stepping = []
        key = (id(state.project), len(state.runs))
        if self._ended:  # the run just ended: its last sentence and progress stay
            self._ended, self._shown = False, key
            return
        if key == self._shown:
            return
        self._shown = key
        self.set_device_choice(state.project.training.get("device") or "auto")
        last = state.last_run
        self._last_progress = 0.0
        self.progress.setRange(0, 100)
        if last is None:
            self.progress.setValue(0)
            self.progress_text.setText(READY)
            self.status.setText("")
            self.device_label.setText("")
            return
        planned = (last.get("settings") or {}).get("epochs") or 0
        done = len(last.get("epochs") or [])
        self.progress.setValue(100 if last.get("status") == "finished" or not planned else
                               min(100, round(100 * done / planned)))
        self.progress_text.setText(f"Last run: {run_name(last)} · press Train (F5) to train again")
        reason = last.get("reason") or ""
        self.status.setText(f"Last run {last.get('status', '?')}: {reason}" if reason else "")
        self.device_label.setText(f"last run on {last['device']}" if last.get("device") else "")

    def take_events(self, events: list[dict]) -> None:
        last_step = None
        for e in events:
            kind = e["event"]
            if kind == "run_started":
                self.show_started(e)
            elif kind == "step":
                last_step = e
                if self.stepping and self.run == PAUSED:
                    self.status.setText(stepped_text(self.stepping.pop(0), e))
            elif kind == "epoch" and self.run != PAUSED and self.epoch_text is not None:
                self.status.setText(self.epoch_text(e))  # a step that ended the epoch keeps its "after one ..."
            elif kind == "paused":
                last_step = None  # older than the pause: the paused event names the step reached
                self.show_paused(e)
            elif kind == "resumed":
                self.status.setText("Resumed")
            elif kind in ("finished", "stopped", "failed"):
                self.status.setText(("Training failed: " if kind == "failed" else "") + e["reason"])
                self._ended = True
        if last_step is not None:
            self.show_step(last_step, paused=self.run == PAUSED)

    # ---- what a run says ---------------------------------------------------------------------------------
    def say(self, text: str) -> None:
        self.status.setText(text)

    def starting(self) -> None:
        self.say("Starting: compiling the network and loading the data…")
        self.progress.setRange(0, 0)  # busy until run_started

    def show_started(self, e: dict) -> None:
        self._last_progress = 0.0
        self.progress.setRange(0, max(1, e["epochs"] * e["steps_per_epoch"]))
        self.progress.setValue(0)
        self.device_label.setText(f"on {e['device']}")
        self.progress_text.setText(f"{e['train_samples']:,} samples of '{e['dataset']}' · {e['epochs']} epochs × "
                                   f"{e['steps_per_epoch']} steps of {e['batch_size']} · {e['params']:,} parameters")
        self.epochs = e["epochs"]
        self.say(f"Training {e['task']} on {e['device']} ({e['precision']})")

    def show_paused(self, e: dict) -> None:
        """A paused event: the progress line and the status name the same step (the progress line is
        otherwise updated a few times a second and may lag behind)."""
        self.progress.setValue(min(e["step"], self.progress.maximum()))
        total = f"/{self.progress.maximum():,}" if self.progress.maximum() > 1 else ""
        self.progress_text.setText(f"epoch {e['epoch']}/{self.epochs or '?'} · step {e['step']:,}{total} · paused")
        self.say(f"Paused at epoch {e['epoch']}, step {e['step']:,}: press Resume (F5) to go on")

    def show_step(self, e: dict, paused: bool = False) -> None:
        """Progress after a step record (``paused``: a single step while paused has no rate or ETA)."""
        # a few times a second is plenty for a person and keeps the GUI's CPU share off the training
        now = time.monotonic()
        if not paused and now - self._last_progress < PROGRESS_INTERVAL_S and e["step"] < e["total_steps"]:
            return
        self._last_progress = now
        self.progress.set_value_later(min(e["step"], self.progress.maximum()))
        where = f"epoch {e['epoch']}/{self.epochs or '?'} · step {e['step']:,}/{e['total_steps']:,}"
        self.progress_text.setText(f"{where} · paused" if paused else
                                   f"{where} · {e['samples_per_s']:,.0f} samples/s · ETA {clock(e['eta_s'])}")

    def ended(self) -> None:
        self.progress.setRange(0, max(1, self.progress.maximum()))

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def device_choice(self) -> str:
        return self.device.currentData()

    def set_device_choice(self, value: str) -> None:
        i = self.device.findData(value or "auto")
        self.device.setCurrentIndex(max(i, 0))
