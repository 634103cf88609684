"""The Training tab: run buttons, device choice, progress (epoch, step, samples/s, ETA), the device in
use, a banner for edits made during a run, and the live views (curves, samples of a generative
model, feature maps, attention maps, evaluation, gradients, prediction). A view only: TrainingSession (session.py) feeds it."""
from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QTabWidget, QToolButton,
                               QVBoxLayout, QWidget)

from .attention_view import AttentionView, has_attention
from .curves import CurvesView
from .evaluation import EvaluationView
from .feature_maps import FeatureMapView
from .perceptron_view import PerceptronView
from .gradients import GradientView
from .prediction import PredictionView
from .run_names import run_name
from .samples import SamplesView
from .taskinfo import is_generative, project_task

PROGRESS_INTERVAL_S = 0.25
DEVICES = (("Auto", "auto"), ("CPU", "cpu"), ("CUDA GPU", "cuda"), ("Apple MPS", "mps"))


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


def clock(seconds) -> str:
    if seconds is None or seconds != seconds:
        return "?"
    s = int(seconds)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class TrainingDashboard(QWidget):
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
        self.progress_text = QLabel("Press Train (F5) to train this network")
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
        self.curves = CurvesView()
        self.samples = SamplesView()
        self.perceptron = PerceptronView()
        self.feature_maps = FeatureMapView()
        self.attention = AttentionView()
        self.gradients = GradientView()
        self.evaluation = EvaluationView()
        self.prediction = PredictionView()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.curves, "Curves")
        self.tabs.addTab(self.samples, "Samples")
        self.tabs.setTabVisible(self.tabs.indexOf(self.samples), False)
        self.tabs.addTab(self.perceptron, "Perceptron")
        self.tabs.setTabVisible(self.tabs.indexOf(self.perceptron), False)
        self.tabs.addTab(self.feature_maps, "Feature maps")
        self.tabs.addTab(self.attention, "Attention")
        self.tabs.setTabVisible(self.tabs.indexOf(self.attention), False)
        self.tabs.addTab(self.gradients, "Gradients")
        self.tabs.addTab(self.evaluation, "Evaluation")
        self.tabs.addTab(self.prediction, "Prediction")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setSpacing(2)
        lay.addLayout(bar)
        lay.addWidget(self.banner)
        lay.addWidget(self.status)
        lay.addWidget(self.tabs, 1)

    def set_project(self, project) -> None:
        """The views that follow the open project's task and weights (the session calls this on open,
        new, and at the end of a run)."""
        self.evaluation.set_project(project)
        self.prediction.set_project(project)
        self.samples.set_project(project)
        self.perceptron.set_project(project)
        self.attention.set_project(project)
        self.set_attention(project.graph)
        self.set_task(project_task(project))

    def set_attention(self, graph) -> None:
        """A graph with an attention block shows the Attention tab."""
        self._show_tab(self.attention, has_attention(graph))

    def set_task(self, task: str | None) -> None:
        """A GAN or VAE shows the Samples tab, a perceptron its Perceptron tab (the rule stepped by
        hand, and a run's trace); the Prediction tab explains why it does not apply to a GAN or VAE."""
        generative = is_generative(task)
        self._show_tab(self.samples, generative)
        self.prediction.set_generative(generative)
        self._show_tab(self.perceptron, task == "perceptron")

    def _show_tab(self, page, shown: bool) -> None:
        """Show or hide a task-specific tab; hiding the current one moves to the curves."""
        index = self.tabs.indexOf(page)
        if self.tabs.isTabVisible(index) != shown:
            if not shown and self.tabs.currentIndex() == index:
                self.tabs.setCurrentWidget(self.curves)
            self.tabs.setTabVisible(index, shown)

    def device_choice(self) -> str:
        return self.device.currentData()

    def set_device_choice(self, value: str) -> None:
        i = self.device.findData(value or "auto")
        self.device.setCurrentIndex(max(i, 0))

    def show_last_run(self, project) -> None:
        """Progress bar, progress line, status and device label as ``project``'s last run left them
        (or ready for a first run): nothing of another project stays on screen."""
        runs = project.history.get("runs") or []
        last = runs[-1] if runs else None
        self.show_banner("")
        self._last_progress = 0.0
        self.progress.setRange(0, 100)
        if last is None:
            self.progress.setValue(0)
            self.progress_text.setText("Press Train (F5) to train this network")
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

    def show_paused(self, e: dict) -> None:
        """A paused event: the progress line and the status name the same step (the progress line is
        otherwise updated a few times a second and may lag behind)."""
        self.progress.setValue(min(e["step"], self.progress.maximum()))
        total = f"/{self.progress.maximum():,}" if self.progress.maximum() > 1 else ""
        self.progress_text.setText(f"epoch {e['epoch']}/{getattr(self, 'epochs', '?')} · step {e['step']:,}{total}"
                                   " · paused")
        self.status.setText(f"Paused at epoch {e['epoch']}, step {e['step']:,}: press Resume (F5) to go on")

    def show_started(self, e: dict) -> None:
        self._last_progress = 0.0
        self.progress.setRange(0, max(1, e["epochs"] * e["steps_per_epoch"]))
        self.progress.setValue(0)
        self.device_label.setText(f"on {e['device']}")
        self.progress_text.setText(f"{e['train_samples']:,} samples of '{e['dataset']}' · {e['epochs']} epochs × "
                                   f"{e['steps_per_epoch']} steps of {e['batch_size']} · {e['params']:,} parameters")
        self.epochs = e["epochs"]

    def show_step(self, e: dict, paused: bool = False) -> None:
        """Progress after a step record (``paused``: a single step while paused has no rate or ETA)."""
        # a few times a second is plenty for a person and keeps the GUI's CPU share off the training
        now = time.monotonic()
        if not paused and now - self._last_progress < PROGRESS_INTERVAL_S and e["step"] < e["total_steps"]:
            return
        self._last_progress = now
        self.progress.set_value_later(min(e["step"], self.progress.maximum()))
        where = f"epoch {e['epoch']}/{getattr(self, 'epochs', '?')} · step {e['step']:,}/{e['total_steps']:,}"
        self.progress_text.setText(f"{where} · paused" if paused else
                                   f"{where} · {e['samples_per_s']:,.0f} samples/s · ETA {clock(e['eta_s'])}")

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))
