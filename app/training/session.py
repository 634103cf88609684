"""TrainingSession: the Train / Pause / Resume / Stop actions, the worker of the current run, the
timer that drains its events into the dashboard ~20 times a second, and recording the finished run
into the project. ``install(window)`` wires all of it into the main window."""
from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox

from runtime.attention import attention_nodes

from .dashboard import TrainingDashboard
from .taskinfo import is_generative, project_task, spec_of_event, spec_of_task
from .worker import TrainingWorker

TICK_MS = 50  # 20 refreshes a second at most
SAMPLES_PER_S = 1.0  # sample grids and reconstructions (a generator pass each, taken from training)
POINTS_PER_S = 4.0  # a 2-D GAN's points and decision map are cheap, and a student watches them move
PERCEPTRON_PER_S = 10.0  # a perceptron's trace is a few numbers per sample


def attention_ids(graph) -> list[str]:
    """The attention blocks a run watches (their maps travel with the feature snapshots)."""
    return [nid for nid, _name in attention_nodes(graph)]


def samples_rate(project) -> float:
    """How often a run of ``project`` sends samples events (0: neither a generative nor a perceptron task)."""
    if project_task(project) == "perceptron":
        return PERCEPTRON_PER_S
    if not is_generative(project_task(project)):
        return 0.0
    from projects.parts import model_parts

    parts = model_parts(project.graph)
    real = project.graph.nodes.get(parts.real_input) if parts.real_input else None
    points = real is not None and real.type_id == "input.vector" and real.params.get("features") == 2
    return POINTS_PER_S if points else SAMPLES_PER_S


class TrainingSession(QObject):
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
        self.state = "idle"  # idle | running | paused | stopping
        self._stepping: list[str | None] = []  # single steps asked for while paused, oldest first
        self._make_actions()
        self.dashboard = TrainingDashboard(window.actions)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        self._graph_timer = QTimer(self)
        self._graph_timer.setSingleShot(True)
        self._graph_timer.setInterval(0)
        self._graph_timer.timeout.connect(self._after_edit)
        d = self.dashboard
        self.doc.project_replaced.connect(self.on_project_replaced)
        self.doc.graph_event.connect(self._on_edit)
        self.doc.training_changed.connect(self._on_edit)
        window.scene.selectionChanged.connect(self._on_canvas_selection)
        d.feature_maps.block_chosen.connect(self._watch)
        d.evaluation.finished.connect(self._keep_evaluation)
        d.samples.step_requested.connect(self.step_once)
        d.device.currentIndexChanged.connect(lambda _i: self._device_changed())
        self.on_project_replaced()
        self._update_actions()

    # ---- actions --------------------------------------------------------------------------------
    def _make_actions(self) -> None:
        a = self.window._action
        a("train", "&Train", self.train, "F5", "mdi6.play", "Train the network on a frozen copy of the project")
        a("pause", "&Pause", self.pause, ["F6", "Pause"], "mdi6.pause", "Pause training after the current batch (F6)")
        a("resume", "&Resume", self.resume, None, "mdi6.play-pause", "Resume a paused run (F5)")
        a("stop", "&Stop", self.stop, "Shift+F5", "mdi6.stop", "Stop training and keep the weights trained so far")
        act = a("tensorboard", "Write &TensorBoard Logs…", self.choose_tensorboard, None, "mdi6.chart-timeline-variant",
                "Also write each run's scalars as TensorBoard event files (compare runs with: tensorboard --logdir)")
        act.setCheckable(True)
        self.tensorboard_dir = str(self.window.settings.value("training/tensorboard_dir", "") or "")
        act.setChecked(bool(self.tensorboard_dir))
        self.board = None  # the running run's TensorBoard sink
        a("compare_recurrent", "&Compare RNN / LSTM / GRU", self.compare_recurrent, None, "mdi6.compare-horizontal",
          "Train this graph (or the standard long-dependency task) with a plain RNN, an LSTM and a GRU side by side")

    def _update_actions(self) -> None:
        acts, s = self.window.actions, self.state
        acts["train"].setEnabled(s == "idle")
        acts["pause"].setEnabled(s == "running")
        acts["resume"].setEnabled(s == "paused")
        acts["stop"].setEnabled(s in ("running", "paused"))
        # F5 is the one key for "go": Train when idle, Resume when paused (one action holds it at a time)
        f5 = [QKeySequence("F5")]
        acts["train"].setShortcuts([] if s == "paused" else f5)
        acts["resume"].setShortcuts(f5 if s == "paused" else [])
        self.dashboard.samples.set_run_state(s)
        self.dashboard.feature_maps.set_running(s in ("running", "paused") and self.run_project is self.doc.project)
        self.dashboard.perceptron.set_run_state(s)

    @property
    def running(self) -> bool:
        return self.worker is not None and self.worker.running

    # ---- TensorBoard ----------------------------------------------------------------------------------
    def ask_tensorboard_folder(self) -> str:
        from PySide6.QtWidgets import QFileDialog

        return QFileDialog.getExistingDirectory(self.window, "Folder for TensorBoard logs", self.tensorboard_dir or "")

    def choose_tensorboard(self) -> None:
        """The Train menu's toggle: on asks for the folder (runs go into a subfolder each), off stops."""
        act = self.window.actions["tensorboard"]
        folder = self.ask_tensorboard_folder() if act.isChecked() else ""
        self.tensorboard_dir = folder
        act.setChecked(bool(folder))
        self.window.settings.setValue("training/tensorboard_dir", folder)

    def _open_board(self):
        if not self.tensorboard_dir:
            return None
        from runtime.tensorboard_sink import TensorBoardError, tensorboard_sink

        name = self.doc.path.stem if self.doc.path else Path(self.window.display_name).stem
        try:
            return tensorboard_sink(self.tensorboard_dir, name)
        except TensorBoardError as e:
            self.dashboard.show_banner(f"No TensorBoard logs for this run: {e}")
            return None

    def _to_board(self, events: list[dict]) -> None:
        for e in events:
            if e["event"] != "_done":
                try:
                    self.board(e)
                except Exception as exc:  # a full disk must not stop the run or the editor
                    self.dashboard.show_banner(f"TensorBoard logs stopped: {exc}")
                    self._close_board()
                    return

    def _close_board(self) -> None:
        if self.board is not None:
            try:
                self.board.close()
            finally:
                self.board = None

    # ---- run control ---------------------------------------------------------------------------------
    def overrides(self) -> dict:
        out = dict(self.extra_overrides)
        device = self.dashboard.device_choice()
        if device != (self.doc.project.training.get("device") or "auto"):
            out["device"] = device
        return out

    def train(self) -> bool:
        if self.state == "paused":
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
        d.gradients.start_run(self.doc.graph)
        d.samples.start_run()
        d.perceptron.start_run()
        d.attention.start_run()
        d.curves.clear()
        d.curves.refresh()
        d.show_banner("")
        self._close_board()
        self.board = self._open_board()
        d.status.setText("Starting: compiling the network and loading the data…")
        d.progress.setRange(0, 0)  # busy until run_started
        self.stop_latency = None
        self.state = "running"
        self._update_actions()
        self.window.bottom.setCurrentWidget(d)
        self.window.bottom_dock.show()
        dock, tall = self.window.bottom_dock, int(self.window.height() * 0.45)
        if dock.height() < tall and not dock.isFloating():  # room for the live curves
            self.window.resizeDocks([dock], [tall], Qt.Vertical)
        self.worker.start()
        self.timer.start()
        return True

    def pause(self) -> None:
        if self.state == "running":
            self.worker.pause()
            self.state = "paused"
            self.dashboard.status.setText("Pausing after the current batch…")
            self._update_actions()

    def resume(self) -> None:
        if self.state == "paused":
            self.worker.resume()
            self.state = "running"
            self._stepping = []
            self._update_actions()

    def step_once(self, part: str | None = None) -> bool:
        """While paused: train exactly one more step (``part``: "discriminator" or "generator" only)."""
        if self.state != "paused":
            return False
        self.worker.step_once(part)
        self._stepping.append(part)
        what = {"discriminator": "one discriminator update", "generator": "one generator update"}.get(part, "one step")
        self.dashboard.status.setText(f"Paused: training {what}…")
        return True

    def stop(self) -> None:
        if self.state in ("running", "paused"):
            self.stop_requested_at = time.perf_counter()
            self.worker.stop()
            self.state = "stopping"
            self.dashboard.status.setText("Stopping after the current batch; the weights trained so far are kept…")
            self._update_actions()

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
        from .evaluation import kept_report

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
            self.dashboard.status.setText("The device choice applies to the next run")

    # ---- the timer: events -> views ----------------------------------------------------------------------
    def tick(self) -> None:
        if self.worker is None:
            self.timer.stop()
            return
        events = self.worker.drain()
        if self.board is not None:
            self._to_board(events)
        d = self.dashboard
        # The views show the open project: a run of a project that is no longer open only moves the
        # progress line (its results still go to its own project, see _done).
        feed = self.run_project is self.doc.project
        last_step = maps = samples = attention = None
        for e in events:
            kind = e["event"]
            if not feed and kind not in ("step", "_done"):
                continue
            if kind == "step":
                last_step = e
                if not feed:
                    continue
                d.curves.add_step(e)
                if self._stepping and self.state == "paused":
                    d.status.setText(self._stepped_text(self._stepping.pop(0), e))
            elif kind == "epoch":
                d.curves.add_epoch(e)
                if self.state != "paused":  # a step that ended the epoch keeps its "after one ... update"
                    d.status.setText(d.curves.epoch_text(e))
            elif kind == "feature_maps":
                maps = e
            elif kind == "samples":
                samples = e
            elif kind == "attention":
                attention = e
            elif kind == "gradients":
                d.gradients.add(e)
            elif kind == "run_started":
                d.show_started(e)
                d.curves.set_spec(spec_of_event(e))
                d.curves.start_run(e)
                d.set_task(e.get("task"))
                d.samples.started(e)
                d.status.setText(f"Training {e['task']} on {e['device']} ({e['precision']})")
            elif kind == "paused":
                last_step = None  # older than the pause: the paused event names the step reached
                d.show_paused(e)
                d.samples.set_paused_at(e["step"])
            elif kind == "resumed":
                d.status.setText("Resumed")
            elif kind in ("finished", "stopped", "failed"):
                if kind == "stopped" and self.stop_requested_at:
                    self.stop_latency = time.perf_counter() - self.stop_requested_at
                d.status.setText(("Training failed: " if kind == "failed" else "") + e["reason"])
            elif kind == "_done":
                self._done(e["result"])
                if not feed:  # the open project's panels were just rebuilt: no stale progress after that
                    last_step = None
        if last_step is not None:
            d.show_step(last_step, paused=self.state == "paused")
        if maps is not None:
            d.feature_maps.show_maps(maps["maps"], maps.get("step"), maps.get("weights"))
        if samples is not None:
            (d.perceptron if samples.get("view") == "perceptron" else d.samples).add(samples)
        if attention is not None:
            d.attention.add(attention)
        if d.gradients.dirty and d.gradients.isVisible():
            d.gradients.refresh()
        if feed and d.curves.dirty and (d.curves.isVisible() or self.worker.result is not None):
            d.curves.refresh()
            self.frames += 1

    @staticmethod
    def _stepped_text(part: str | None, e: dict) -> str:
        what = {"discriminator": "one discriminator update", "generator": "one generator update"}.get(
            part, "one training step")
        return (f"Paused at epoch {e['epoch']}, step {e['step']:,}, after {what}: step again, or press Resume "
                "(F5) to go on")

    def _done(self, result) -> None:
        self.timer.stop()
        self._close_board()
        self.state = "idle"
        self._stepping = []
        self._update_actions()  # before the views follow the project: they ask whether a run is on
        target, self.run_project = self.run_project, None
        if result.run is not None:
            from runtime.trainer import record_run

            record_run(target, result)
        d = self.dashboard
        d.progress.setRange(0, max(1, d.progress.maximum()))
        if target is self.doc.project:
            if result.run is not None:
                self.doc.mark_modified()
            self._show_project_results()
            if result.status == "finished" and self.auto_evaluate:
                d.evaluation.evaluate(target)
        elif target is not None:
            d.show_last_run(self.doc.project)
            d.show_banner("The run ended after another project was opened: its results went to the project it "
                          "started from, not this one")
        self.run_finished.emit(result.status)

    # ---- project changes ------------------------------------------------------------------------------
    def on_project_replaced(self) -> None:
        """The one rule: every view is rebuilt from the open project and its runs (New, Open, an
        example, Revert to Saved); a run of the previous project goes on in the background."""
        d = self.dashboard
        project = self.doc.project
        d.set_device_choice(project.training.get("device") or "auto")
        d.feature_maps.reset(self.doc.graph, project)
        d.feature_maps.set_running(self.running and self.run_project is project)
        d.gradients.start_run(self.doc.graph, "Train to see how large each block's gradients are after each update.")
        runs = project.history.get("runs") or []
        if runs:
            d.curves.show_run(runs[-1])
        else:
            d.curves.set_spec(spec_of_task(project_task(project)))
            d.curves.clear()
            d.curves.refresh()
        if not self.running:
            d.show_last_run(project)
        self._show_project_results()
        if self.running:
            d.show_banner("Another project was opened during the run: it goes on in the background and its "
                          "results go to the project it started from, not this one")

    def _show_project_results(self) -> None:
        """Every view of the Training tab from the open project (one path: open, new, end of a run)."""
        d, project = self.dashboard, self.doc.project
        runs = project.history.get("runs") or []
        d.curves.set_runs(runs[:-1] if self.running and self.run_project is project else runs)
        d.set_project(project)
        d.feature_maps.show_weights(project if project.weights else None)
        if runs and runs[-1].get("device"):
            d.device_label.setText(f"last run on {runs[-1]['device']}")

    def _after_edit(self) -> None:
        """The canvas or the settings changed: block lists, and the views that depend on the task."""
        d = self.dashboard
        d.feature_maps.set_graph(self.doc.graph)
        if self.running:
            return
        task = project_task(self.doc.project)
        d.set_task(task)
        d.samples.set_task(task)
        d.perceptron.set_project(self.doc.project)  # its settings may have changed
        d.set_attention(self.doc.graph)
        d.attention.set_blocks(dict(attention_nodes(self.doc.graph)))
        if not self.doc.project.history.get("runs"):
            d.curves.set_spec(spec_of_task(task))

    def _on_edit(self, *_args) -> None:
        self._graph_timer.start()
        if self.running:
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


def install(window) -> TrainingSession:
    """Add the training actions (toolbar, Train menu), the Training tab and File > Export."""
    from .export_actions import install_export_menu

    session = TrainingSession(window)
    window.add_bottom_tab(session.dashboard, "Training", "mdi6.chart-line")
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
    install_export_menu(window, session)
    return session
