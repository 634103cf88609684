"""The process worker's child: trains a project sent as .dlproj bytes, events back on a queue.

No Qt here. A small thread applies the GUI's commands (pause, resume, stop, watch, step_once) to the run's
RunControl, so the runtime's trainer is used unchanged."""
from __future__ import annotations

import threading
import time

BATCH_S = 0.03  # step events travel in batches at most this old (one pipe write instead of several)


class EventBatcher:
    """A trainer sink that sends step events to the GUI in lists, every other event at once.

    One queue message per batch keeps the queue's feeder thread (which competes with the training
    loop for the GIL) and the GUI's reads to about 20 a second however fast steps come."""

    def __init__(self, events, max_age_s: float = BATCH_S):
        self.events, self.max_age_s = events, max_age_s
        self.pending: list[dict] = []
        self.since = 0.0

    def __call__(self, event: dict) -> None:
        if event.get("event") == "step":
            if not self.pending:
                self.since = time.perf_counter()
            self.pending.append(event)
            if time.perf_counter() - self.since < self.max_age_s:
                return
        else:
            self.pending.append(event)
        self.flush()

    def flush(self) -> None:
        if self.pending:
            self.events.put(self.pending)
            self.pending = []


def child_main(project_bytes: bytes, overrides: dict, events, commands, watch: tuple,
               gradients: bool = False, samples_per_s: float = 0.0, plugins: tuple = ()) -> None:
    import os

    nice = int(os.environ.get("NETCANVAS_TRAIN_NICE", "0"))
    if nice:
        os.nice(nice)
    threads = int(os.environ.get("NETCANVAS_TRAIN_THREADS", "0"))
    if threads:
        import torch

        torch.set_num_threads(threads)
    from projects.dlproj import loads_project
    from runtime.events import RunControl

    control = RunControl()
    control.watch(watch)
    control.watch_gradients(gradients)
    if samples_per_s:
        control.watch_samples(True, samples_per_s)

    def listen():
        while True:
            cmd, arg = commands.get()
            if cmd == "quit":
                return
            control.apply(cmd, arg)

    def orphaned():  # the editor was killed: stop (no one will read the results) and leave
        import multiprocessing
        import time

        parent = multiprocessing.parent_process()
        if parent is not None:
            parent.join()
            control.stop()
            time.sleep(3)
            os._exit(0)

    threading.Thread(target=listen, daemon=True).start()
    threading.Thread(target=orphaned, daemon=True).start()
    try:
        from runtime.tasks import load_task_package

        for package in plugins:  # the task packages the editor loaded beyond the built-in ones
            load_task_package(package)
        project, _ = loads_project(project_bytes)
        from runtime.trainer import Trainer

        batcher = EventBatcher(events)
        try:
            result = Trainer(project, overrides, [batcher], control).run()
        finally:
            batcher.flush()
        done = {"event": "_done", "status": result.status, "reason": result.reason, "run": result.run,
                "weights": result.weights, "checkpoint": result.checkpoint}
    except Exception as e:  # an internal error is still one message, never a silent hang
        events.put({"event": "failed", "reason": f"internal error: {e}"})
        done = {"event": "_done", "status": "failed", "reason": str(e), "run": None,
                "weights": None, "checkpoint": None}
    events.put(done)
    events.close()
    events.join_thread()
