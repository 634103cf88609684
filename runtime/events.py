"""Training events: plain records (dicts with an ``event`` key) that a GUI worker, a progress
bar and a JSON log all consume, and RunControl, through which any thread pauses or stops a run.

Kinds: run_started, step, epoch, validation, feature_maps, attention, gradients, samples,
checkpoint, paused, resumed, finished, stopped, failed. Every record has ``event`` and ``time``;
feature_maps, attention and samples records carry numpy arrays (the JSON log writes their shapes
only). An ``attention`` record comes with each feature snapshot in which an attention block is
watched: ``step``, ``blocks`` (node id -> name), ``weights`` (node id -> (heads, T, T) float32,
each query's row summing to 1, zero on padded keys), ``tokens``, ``length`` and ``label`` of the
fixed sample (None where they do not apply).
"""
from __future__ import annotations

import json
import queue
import threading
import time
from typing import Any, Callable, Iterable

Event = dict[str, Any]
Sink = Callable[[Event], None]

END_EVENTS = ("finished", "stopped", "failed")


def make_event(kind: str, **fields: Any) -> Event:
    return {"event": kind, "time": time.time(), **fields}


class RunControl:
    """Thread-safe pause / resume / stop, checked by the trainer once per batch."""

    def __init__(self):
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self.feature_blocks: tuple[str, ...] = ()  # node ids whose activations the GUI wants
        self.gradient_norms = False  # send per-block gradient norms (a few times a second)
        self.gradients_per_s = 2.0  # at most this often (set before the run starts)
        self.samples = False  # send the task's sample images (a GAN's grid, a VAE's reconstructions)
        self.samples_per_s = 1.0
        self._steps: queue.SimpleQueue = queue.SimpleQueue()

    def apply(self, cmd: str, arg=None) -> None:
        """One command from the editor (here, or in a training process): pause, resume, stop,
        step_once (``arg``: the part), watch (``arg``: node ids)."""
        if cmd == "watch":
            self.watch(arg)
        elif cmd == "step_once":
            self.step_once(arg)
        elif cmd in ("pause", "resume", "stop"):
            getattr(self, cmd)()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # wake a paused loop so it can stop

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def step_once(self, part: str | None = None) -> None:
        """While paused: train one more step (``part``: update only that part, e.g. "discriminator")."""
        self._steps.put(part)

    def wait_while_paused(self, timeout: float = 0.02) -> tuple[str, str | None] | None:
        """Block while paused; returns ("step", part) when one step was asked for, None when resumed."""
        while not self._running.wait(timeout):
            try:
                return "step", self._steps.get_nowait()
            except queue.Empty:
                pass
        return None

    def watch(self, node_ids: Iterable[str]) -> None:
        """Choose the blocks whose feature maps (and, for attention blocks, attention maps) are sent
        (takes effect at the next snapshot)."""
        self.feature_blocks = tuple(node_ids)

    def watch_gradients(self, on: bool = True) -> None:
        """Send ``gradients`` events (per-block gradient norms) while the run goes."""
        self.gradient_norms = bool(on)

    def watch_samples(self, on: bool = True, per_s: float = 1.0) -> None:
        """Send ``samples`` events (the task's sample images or points) at most ``per_s`` a second."""
        self.samples, self.samples_per_s = bool(on), max(float(per_s), 0.01)


class JsonLogSink:
    """Appends one JSON line per event to a file (arrays replaced by their shapes)."""

    def __init__(self, path):
        self._file = open(path, "w", encoding="utf-8")

    def __call__(self, event: Event) -> None:
        self._file.write(json.dumps(_jsonable(event)) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    shape = getattr(value, "shape", None)
    if shape is not None and hasattr(value, "dtype"):
        return {"array_shape": list(shape)}
    return value
