"""One training run in the background: the runtime's Trainer in a thread or a spawned process.

The trainer's sinks only put records on a queue (never wait for the UI); the GUI drains the queue
with a QTimer. ``mode="thread"`` shares the interpreter (and the GIL) with the GUI;
``mode="process"`` trains in a spawned child (``child.py``) and sends events through a
multiprocessing queue. bench/gui_responsiveness.py measures both. No Qt here.
"""
from __future__ import annotations

import queue
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any

MODES = ("thread", "process")


@dataclass
class RunResult:
    """What a finished run hands back (the fields ``runtime.trainer.record_run`` reads)."""

    status: str
    reason: str
    run: dict[str, Any] | None
    weights: bytes | None = None
    checkpoint: bytes | None = None


class TrainingWorker:
    """Train ``project`` (a frozen copy) with ``overrides``; events are drained with ``drain()``."""

    def __init__(self, project, overrides: dict | None = None, mode: str = "thread", watch=(),
                 gradients: bool = False, samples_per_s: float = 0.0):
        if mode not in MODES:
            raise ValueError(f"unknown worker mode {mode!r}")
        self.project, self.overrides, self.mode = project, dict(overrides or {}), mode
        self.result: RunResult | None = None
        self.started_at = 0.0
        self._watch = tuple(watch)
        self._gradients = gradients
        self._samples_per_s = samples_per_s  # 0: no samples events
        self._thread: threading.Thread | None = None
        self._process = None

    # ---- start ------------------------------------------------------------------------------
    def start(self) -> None:
        self.started_at = time.perf_counter()
        if self.mode == "thread":
            from runtime.events import RunControl

            self.events = queue.SimpleQueue()
            self.control = RunControl()
            self.control.watch(self._watch)
            self.control.watch_gradients(self._gradients)
            if self._samples_per_s:
                self.control.watch_samples(True, self._samples_per_s)
            self._thread = threading.Thread(target=self._run_here, name="netcanvas-training", daemon=True)
            self._thread.start()
        else:
            import multiprocessing as mp

            from projects.dlproj import dumps_project
            from runtime.tasks import plugin_packages

            from .child import child_main

            ctx = mp.get_context("spawn")
            self.events, self._commands = ctx.Queue(), ctx.Queue()
            self._process = ctx.Process(target=child_main, name="netcanvas-training", daemon=True,
                                        args=(dumps_project(self.project), self.overrides, self.events,
                                              self._commands, self._watch, self._gradients,
                                              self._samples_per_s, plugin_packages()))
            self._process.start()

    def _run_here(self) -> None:
        try:
            from runtime.trainer import Trainer

            r = Trainer(self.project, self.overrides, [self.events.put], self.control).run()
            done = RunResult(r.status, r.reason, r.run, r.weights, r.checkpoint)
        except Exception as e:  # pragma: no cover - the trainer turns known failures into events
            traceback.print_exc()
            self.events.put({"event": "failed", "reason": f"internal error: {e}"})
            done = RunResult("failed", str(e), None)
        self.events.put({"event": "_done", "result": done})

    # ---- control (any thread) -----------------------------------------------------------------
    def _send(self, cmd: str, arg=None) -> None:
        if self.mode == "thread":
            self.control.apply(cmd, arg)
        elif self._process is not None and self._process.is_alive():
            self._commands.put((cmd, arg))

    def pause(self) -> None:
        self._send("pause")

    def resume(self) -> None:
        self._send("resume")

    def stop(self) -> None:
        self._send("stop")

    def watch(self, node_ids) -> None:
        self._watch = tuple(node_ids)
        self._send("watch", self._watch)

    def step_once(self, part: str | None = None) -> None:
        """While paused: one more training step (``part``: update only that part of a GAN)."""
        self._send("step_once", part)

    # ---- GUI side -------------------------------------------------------------------------------
    def drain(self, limit: int = 10_000) -> list[dict]:
        """Every event waiting now (the GUI thread calls this from its timer; never blocks)."""
        out, received = [], []
        while len(received) < limit:
            try:
                item = self.events.get_nowait()
            except queue.Empty:
                break
            except (EOFError, OSError):  # the child's end of the pipe went away
                break
            received.extend(item if isinstance(item, list) else (item,))  # the child sends batches
        for event in received:
            if event.get("event") == "_done" and "result" not in event:
                event = {"event": "_done", "result": RunResult(event["status"], event["reason"], event["run"],
                                                               event["weights"], event["checkpoint"])}
            if event.get("event") == "_done":
                self.result = event["result"]
                self._reap()
            out.append(event)
        if not out and self.mode == "process" and self.result is None and self._process is not None \
                and not self._process.is_alive() and self._process.exitcode not in (None, 0):
            self.result = RunResult("failed", f"the training process ended unexpectedly "
                                              f"(exit code {self._process.exitcode})", None)
            out = [{"event": "failed", "reason": self.result.reason}, {"event": "_done", "result": self.result}]
        return out

    def _reap(self) -> None:
        """Let the child exit, and wait for it off the GUI thread: a process takes ~0.5 s to
        tear torch down, which would freeze the window at the end of every run."""
        if self._process is not None:
            self._commands.put(("quit", None))
            threading.Thread(target=_join_or_kill, args=(self._process,), daemon=True).start()

    @property
    def running(self) -> bool:
        return self.result is None and self.started_at > 0

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run has ended (used when closing the window; tests)."""
        deadline = None if timeout is None else time.perf_counter() + timeout
        target = self._thread or self._process
        if target is None:
            return True
        target.join(None if deadline is None else max(0.0, deadline - time.perf_counter()))
        return not target.is_alive()


def _join_or_kill(process, timeout: float = 30.0) -> None:
    process.join(timeout)
    if process.is_alive():  # stuck in a driver call: it has already sent its results
        process.kill()
        process.join(5)
