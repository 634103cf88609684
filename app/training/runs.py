"""The run controller: the Train / Pause / Resume / Stop actions, the worker of the current run, the
timer that drains its events into the Training tab ~20 times a second, and recording the finished
run into the project it started from. Whenever the open project, its runs or the run's state
change, it rebuilds the Training tab's state in one place (``refresh``). ``install(window)`` wires
it into the main window."""
from __future__ import annotations

import os
import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox

from runtime.attention import attention_nodes
from runtime.trainer import record_run

from .board import TensorBoardLog
from .dashboard import TrainingDashboard
from .evaluation import kept_report
from .state import IDLE, PAUSED, RUNNING, STOPPING, training_state
from .taskinfo import project_task
from .worker import TrainingWorker

TICK_MS = 50  # 20 refreshes a second at most


def attention_ids(graph) -> list[str]:
    """The attention blocks a run watches (their maps travel with the feature snapshots)."""
    return [nid for nid, _name in attention_nodes(graph)]


def samples_rate(project) -> float:
    """How often a run of ``project`` sends samples events (its task's declaration; 0: none)."""
    decl = project_task(project)
    return decl.samples_rate(project.graph) if decl is not None else 0.0


class RunController(QObject):
    run_finished = Signal(str)  # status

    def __init__(self, window):
        super().__init__(window)
        self.window, self.doc = window, window.doc
        self.worker: TrainingWorker | None = None
        self.run_project = None  # the project the running run's results go to
        self.mode = os.environ.get("NETCANVAS_WORKER", "process")  # bench/gui_responsiveness.py: faster, no GIL sharing
        self.extra_overrides: dict = {}
        self.auto_evaluate = True
        self.frames = 0  # curve refreshes (bench)
        self.stop_requested_at = 0.0
        self.stop_latency: float | None = None
        self.state = IDLE  # of the current run: idle | running | paused | stopping
        self.run_number = 0  # runs started: a view tells a new run from the same run paused
        self._make_actions()
        self.dashboard = TrainingDashboard(window.actions)
        self.board = TensorBoardLog(self.window, self.dashboard.show_banner)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        self._edit_timer = QTimer(self)
        self._edit_timer.setSingleShot(True)
        self._edit_timer.setInterval(0)
        self._edit_timer.timeout.connect(self.refresh)
        d = self.dashboard
        self.doc.project_replaced.connect(self._on_project_replaced)
        self.doc.graph_event.connect(self._on_edit)
        self.doc.training_changed.connect(self._on_edit)
        window.scene.selectionChanged.connect(self._on_canvas_selection)
        d.feature_maps.block_chosen.connect(self._watch)
        d.evaluation.finished.connect(self._keep_evaluation)
        d.samples.step_requested.connect(self.step_once)
        d.device.currentIndexChanged.connect(lambda _i: self._device_changed())
        self.refresh()

    # ---- actions --------------------------------------------------------------------------------
    def _make_actions(self) -> None:
        a = self.window._action
        a("train", "&Train", self.train, "F5", "mdi6.play", "Train the network on a frozen copy of the project")
        a("pause", "&Pause", self.pause, ["F6", "Pause"], "mdi6.pause", "Pause training after the current batch (F6)")
        a("resume", "&Resume", self.resume, None, "mdi6.play-pause", "Resume a paused run (F5)")
        a("stop", "&Stop", self.stop, "Shift+F5", "mdi6.stop", "Stop training and keep the weights trained so far")
        act = a("tensorboard", "Write &TensorBoard Logs…", lambda: self.board.choose(), None,
                "mdi6.chart-timeline-variant", "Also write each run's scalars as TensorBoard event files (compare runs "
                "with: tensorboard --logdir)")
        act.setCheckable(True)
        a("compare_recurrent", "&Compare RNN / LSTM / GRU", self.compare_recurrent, None, "mdi6.compare-horizontal",
          "Train this graph (or the standard long-dependency task) with a plain RNN, an LSTM and a GRU side by side")

    def _update_actions(self) -> None:
        acts, s = self.window.actions, self.state
        acts["train"].setEnabled(s == IDLE)
        acts["pause"].setEnabled(s == RUNNING)
        acts["resume"].setEnabled(s == PAUSED)
        acts["stop"].setEnabled(s in (RUNNING, PAUSED))
        # F5 is the one key for "go": Train when idle, Resume when paused (one action holds it at a time)
        f5 = [QKeySequence("F5")]
        acts["train"].setShortcuts([] if s == PAUSED else f5)
        acts["resume"].setShortcuts(f5 if s == PAUSED else [])

    @property
    def running(self) -> bool:
        return self.worker is not None and self.worker.running

    # ---- the one rebuild of the Training tab ----------------------------------------------------------
    def refresh(self) -> None:
        """Rebuild the Training tab from the open project's state (open, new, revert, an edit, a run
        starting, pausing or ending)."""
        ours = self.run_project is self.doc.project
        state = training_state(self.doc.project, self.state if ours else IDLE,
                               elsewhere=self.running and not ours, run_number=self.run_number)
        self._update_actions()
        self.dashboard.show_state(state)

    def _set_state(self, state: str) -> None:
        self.state = state
        self.refresh()

    # ---- run control ---------------------------------------------------------------------------------
    def overrides(self) -> dict:
        out = dict(self.extra_overrides)
        device = self.dashboard.device_choice()
        if device != (self.doc.project.training.get("device") or "auto"):
            out["device"] = device
        return out

    def train(self) -> bool:
        if self.state == PAUSED:
            self.resume()
            return True
        if self.running:
            return False
        d = self.dashboard
        self.run_project = self.doc.project
        watch = [d.feature_maps.current_id()] if d.feature_maps.current_id() else []
        watch += attention_ids(self.doc.graph)  # their attention maps come with the feature snapshots
        self.worker = TrainingWorker(self.doc.project.copy(), self.overrides(), self.mode, watch, gradients=True,
                                     samples_per_s=samples_rate(self.doc.project))
        d.show_banner("")
        self.board.start_run(self.doc.path)
        self.stop_latency = None
        self.run_number += 1
        self._set_state(RUNNING)
        d.header.starting()
        self.window.bottom.setCurrentWidget(d)
        self.window.bottom_dock.show()
        dock, tall = self.window.bottom_dock, int(self.window.height() * 0.45)
        if dock.height() < tall and not dock.isFloating():  # room for the live curves
            self.window.resizeDocks([dock], [tall], Qt.Vertical)
        self.worker.start()
        self.timer.start()
        return True

    def pause(self) -> None:
        if self.state == RUNNING:
            self.worker.pause()
            self._set_state(PAUSED)
            self._say("Pausing after the current batch…")

    def resume(self) -> None:
        if self.state == PAUSED:
            self.worker.resume()
            self.dashboard.header.stepping = []
            self._set_state(RUNNING)

    def step_once(self, part: str | None = None) -> bool:
        """While paused: train exactly one more step (``part``: "discriminator" or "generator" only)."""
        if self.state != PAUSED:
            return False
        self.worker.step_once(part)
        self.dashboard.header.stepping.append(part)
        what = {"discriminator": "one discriminator update", "generator": "one generator update"}.get(part, "one step")
        self._say(f"Paused: training {what}…")
        return True

    def stop(self) -> None:
        if self.state in (RUNNING, PAUSED):
            self.stop_requested_at = time.perf_counter()
            self.worker.stop()
            self._set_state(STOPPING)
            self._say("Stopping after the current batch; the weights trained so far are kept…")

    def _say(self, text: str) -> None:
        """A sentence about the run in the header, when the run is the open project's (another
        project's run shows nothing of itself here but the background banner)."""
        if self.run_project is self.doc.project:
            self.dashboard.header.say(text)

    def compare_recurrent(self):
        """Open the RNN / LSTM / GRU comparison on a copy of the open project and start it."""
        from .recurrent_compare_view import RecurrentCompareView

        view = getattr(self, "compare_view", None)
        if view is None:
            view = self.compare_view = RecurrentCompareView(self.window)
        if not view.running:
            view.set_project(self.doc.project.copy())
            view.start()
        if view.isVisible():
            view.raise_()  # already open behind the window
        view.show()
        return view

    def _keep_evaluation(self, report) -> None:
        """A new evaluation of the open project's weights is kept with its last run (saved in the file),
        so that reopening the project shows it."""
        project = self.dashboard.evaluation.measured
        runs = project.history.get("runs") if project is not None else None
        if not isinstance(report, dict) or project is not self.doc.project or not runs:
            return
        runs[-1]["evaluation"] = kept_report(report)
        self.doc.mark_modified()

    def _watch(self, nid: str) -> None:
        if self.worker is not None and self.running:
            self.worker.watch([nid, *attention_ids(self.run_project.graph if self.run_project else self.doc.graph)])

    def _device_changed(self) -> None:
        if self.running:
            self._say("The device choice applies to the next run")

    # ---- the timer: events -> views -------------------------------------------------------------------
    def tick(self) -> None:
        if self.worker is None:
            self.timer.stop()
            return
        events = self.worker.drain()
        self.board.write(events)
        done = next((e for e in events if e["event"] == "_done"), None)
        live = [e for e in events if e["event"] != "_done"]
        if self.run_project is self.doc.project:  # a run of another project feeds no view of this one
            if self.stop_requested_at and any(e["event"] == "stopped" for e in live):
                self.stop_latency = time.perf_counter() - self.stop_requested_at
            self.dashboard.take_events(live)
            if self.dashboard.curves.drawn_frame:
                self.frames += 1
        elif live:
            self._background_progress(live)
        if done is not None:
            self._done(done["result"])

    def _background_progress(self, events: list[dict]) -> None:
        step = next((e for e in reversed(events) if e["event"] == "step"), None)
        if step is not None:
            self.dashboard.show_banner(f"A run of the project opened before goes on in the background (epoch "
                                       f"{step['epoch']}, step {step['step']:,} of {step['total_steps']:,}); its "
                                       "results go to that project, not this one")

    def _done(self, result) -> None:
        self.timer.stop()
        self.board.close()
        target, self.run_project = self.run_project, None
        self.state = IDLE
        self.dashboard.header.ended()
        if result.run is not None:
            record_run(target, result)
        ours = target is self.doc.project
        if ours and result.run is not None:
            self.doc.mark_modified()
        self.refresh()
        if ours and result.status == "finished" and self.auto_evaluate:
            self.dashboard.evaluation.evaluate(target)
        elif not ours and target is not None:
            self.dashboard.show_banner("The run ended after another project was opened: its results went to the "
                                       "project it started from, not this one")
        self.run_finished.emit(result.status)

    # ---- project changes ------------------------------------------------------------------------------
    def _on_project_replaced(self) -> None:
        """New, Open, an example, Revert to Saved: every view follows the open project."""
        self.dashboard.show_banner("")
        self.refresh()
        if self.running:
            self.dashboard.show_banner("Another project was opened during the run: it goes on in the background and "
                                       "its results go to the project it started from, not this one")

    def _on_edit(self, *_args) -> None:
        self._edit_timer.start()
        if self.running and self.run_project is self.doc.project:
            self.dashboard.show_banner("You changed the project after this run started: those edits are not "
                                       "in this run (it trains the copy taken when you pressed Train).")

    def _on_canvas_selection(self) -> None:
        try:
            ids = self.window.scene.selected_ids()
        except RuntimeError:  # the scene is being torn down with its window
            return
        if len(ids) == 1:
            self.dashboard.feature_maps.choose(ids[0])

    # ---- closing --------------------------------------------------------------------------------------
    def ask_stop_on_close(self) -> bool:
        return QMessageBox.question(self.window, "NetCanvas", "A training run is in progress. Stop it (keeping "
                                    "the weights trained so far) and close?") == QMessageBox.Yes

    def confirm_close(self) -> bool:
        """True when the window may close: no run, or the user agreed and the run stopped cleanly."""
        if not self.running:
            return True
        if not self.ask_stop_on_close():
            return False
        self.finish_now()
        return True

    def finish_now(self, timeout: float = 60.0) -> None:
        """Stop the run and wait for its end (events still drained, results recorded)."""
        if not self.running:
            return
        self.stop()
        deadline = time.perf_counter() + timeout
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            while self.running and time.perf_counter() < deadline:
                self.tick()
                time.sleep(0.01)
        finally:
            QApplication.restoreOverrideCursor()
        self.tick()


def install(window) -> RunController:
    """Add the training actions (toolbar, Train menu), the Training tab and File > Export."""
    from .export_actions import install_export_menu

    controller = RunController(window)
    window.add_bottom_tab(controller.dashboard, "Training", "mdi6.chart-line")
    bar = window.main_toolbar
    bar.addSeparator()
    for key in ("train", "pause", "resume", "stop"):
        bar.addAction(window.actions[key])
    menu = window.menuBar().addMenu("&Train")
    for key in ("train", "pause", "resume", "stop"):
        menu.addAction(window.actions[key])
    menu.addSeparator()
    menu.addAction(window.actions["tensorboard"])
    menu.addAction(window.actions["compare_recurrent"])
    install_export_menu(window, controller)
    return controller
