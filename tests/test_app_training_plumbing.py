"""The parts between the trainer and the Training tab that keep the editor light while a run goes:
step events sent in batches, batches unpacked in order, the finished child process waited for
off the GUI thread, curves redrawn only where a series changed, progress painted with the frame."""
from __future__ import annotations

import queue
import threading

from PySide6.QtCore import QEvent, QObject

from app.training.child import EventBatcher
from app.training.worker import TrainingWorker


class ListQueue:
    def __init__(self):
        self.items = []

    def put(self, item):
        self.items.append(item)


def step(n: int) -> dict:
    return {"event": "step", "epoch": 1, "step": n, "loss": 1.0 / n, "accuracy": 0.1 * n}


def test_batcher_holds_steps_and_sends_other_events_at_once_in_order():
    q = ListQueue()
    batcher = EventBatcher(q, max_age_s=3600)
    for n in (1, 2, 3):
        batcher(step(n))
    assert q.items == []  # young steps wait for company
    batcher({"event": "epoch", "epoch": 1})
    assert q.items == [[step(1), step(2), step(3), {"event": "epoch", "epoch": 1}]]
    batcher(step(4))
    batcher.flush()
    batcher.flush()  # nothing left: no empty batch
    assert q.items[1:] == [[step(4)]]


def test_batcher_sends_steps_once_the_oldest_is_old_enough():
    q = ListQueue()
    batcher = EventBatcher(q, max_age_s=0.0)
    batcher(step(1))
    batcher(step(2))
    assert q.items == [[step(1)], [step(2)]]


def test_drain_unpacks_batches_in_order_and_records_the_result():
    worker = TrainingWorker(project=None, mode="process")
    worker.events = queue.SimpleQueue()
    worker.events.put([step(1), step(2)])
    worker.events.put({"event": "paused", "epoch": 1, "step": 2})
    worker.events.put([step(3), {"event": "_done", "status": "stopped", "reason": "by the user", "run": {"id": "r"},
                                 "weights": b"w", "checkpoint": None}])
    events = worker.drain()
    assert [e.get("step") for e in events[:4]] == [1, 2, 2, 3]
    assert events[-1]["event"] == "_done" and worker.result.status == "stopped" and worker.result.weights == b"w"


def test_finished_child_is_waited_for_off_the_gui_thread():
    release = threading.Event()

    class SlowExit:  # a child that takes a while to tear down after sending its results
        joined = threading.Event()

        def join(self, timeout=None):
            release.wait(timeout)
            SlowExit.joined.set()

        def is_alive(self):
            return not release.is_set()

    worker = TrainingWorker(project=None, mode="process")
    worker._process, worker._commands = SlowExit(), ListQueue()
    worker._reap()  # returns while the child is still exiting
    assert worker._commands.items == [("quit", None)] and not SlowExit.joined.is_set()
    release.set()
    assert SlowExit.joined.wait(5)


def test_curves_redraw_only_the_series_that_changed(qtbot):
    from app.training.curves import CurvesView

    view = CurvesView()
    qtbot.addWidget(view)
    calls = []
    for key, item in view.items.items():
        original = item.setData
        item.setData = lambda *a, _k=key, _o=original, **kw: (calls.append(_k), _o(*a, **kw))
    view.start_run({"epochs": 2, "steps_per_epoch": 10})
    view.add_step(step(1))
    view.add_epoch({"epoch": 1, "step": 1, "loss": 0.9, "accuracy": 0.5, "val_loss": 0.8, "val_accuracy": 0.6})
    view.refresh()
    assert sorted(calls) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    calls.clear()
    view.add_step(step(2))
    view.refresh()
    assert sorted(calls) == ["accuracy", "loss"]  # validation points come once an epoch
    calls.clear()
    view.refresh()
    assert calls == []
    view.x_mode.setCurrentIndex(1)  # per epoch: other series behind every item
    assert sorted(calls) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    x, y = view.items["val_loss"].getData()
    assert list(x) == [1] and list(y) == [0.8]


def test_progress_value_is_painted_with_the_next_frame_not_at_once(qtbot):
    from app.training.run_header import ProgressBar

    bar = ProgressBar()
    bar.setRange(0, 100)
    qtbot.addWidget(bar)
    bar.show()
    qtbot.waitExposed(bar)
    qtbot.wait(100)  # the first paint is done

    class Paints(QObject):
        count = 0

        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Paint:
                Paints.count += 1
            return False

    paints = Paints()
    bar.installEventFilter(paints)
    bar.setValue(10)
    assert Paints.count == 1  # Qt's own setValue paints synchronously
    bar.set_value_later(60)
    assert bar.value() == 60 and Paints.count == 1
    qtbot.waitUntil(lambda: Paints.count == 2, timeout=2_000)


def test_gradient_view_names_vanishing_and_exploding_gradients(qtbot):
    from types import SimpleNamespace

    from app.training.gradients import GradientView

    view = GradientView()
    qtbot.addWidget(view)
    graph = SimpleNamespace(nodes={i: SimpleNamespace(name=n) for i, n in (("a", "D1"), ("b", "D2"), ("c", "Out"))})
    view.start_run(graph)
    view.add({"event": "gradients", "step": 10, "norms": {"a": 1e-5, "b": 1e-3, "c": 0.5}})
    view.refresh()
    heights = list(view.bars.opts["height"])
    assert heights == sorted(heights) and heights[0] > 0  # log bars from one decade below the smallest
    assert "shrink 50,000× from Out back to D1" in view.caption.text() and "step 10" in view.caption.text()
    view.add({"event": "gradients", "step": 20, "norms": {"a": 40.0, "b": 2.0, "c": 0.1}})
    view.refresh()
    assert "grow 400× from Out back to D1" in view.caption.text()
    assert view.history["a"].n == 2
    view.add({"event": "gradients", "step": 30, "norms": {"a": 0.2, "b": 0.3, "c": 0.5}})
    view.refresh()
    assert "No vanishing or exploding trend from Out back to D1; norms range from 0.2 (D1) to 0.5 (Out)" \
        in view.caption.text()
    view.start_run(graph)  # a new run forgets the old one
    assert view.order == [] and view.history == {} and "Waiting" in view.caption.text()
