"""The process worker's child: trains a project sent as .dlproj bytes, events back on a queue.

No Qt here. A small thread applies the GUI's commands (pause, resume, stop, watch) to the run's
RunControl, so the runtime's trainer is used unchanged."""
from __future__ import annotations

import threading


def child_main(project_bytes: bytes, overrides: dict, events, commands, watch: tuple) -> None:
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

    def listen():
        while True:
            cmd, arg = commands.get()
            if cmd == "quit":
                return
            if cmd == "watch":
                control.watch(arg)
            else:
                getattr(control, cmd)()

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
        project, _ = loads_project(project_bytes)
        from runtime.trainer import Trainer

        result = Trainer(project, overrides, [events.put], control).run()
        done = {"event": "_done", "status": result.status, "reason": result.reason, "run": result.run,
                "weights": result.weights, "checkpoint": result.checkpoint}
    except Exception as e:  # an internal error is still one message, never a silent hang
        events.put({"event": "failed", "reason": f"internal error: {e}"})
        done = {"event": "_done", "status": "failed", "reason": str(e), "run": None,
                "weights": None, "checkpoint": None}
    events.put(done)
    events.close()
    events.join_thread()
