"""Training events: plain records (dicts with an ``event`` key) that a GUI worker, a progress
bar and a JSON log all consume, and RunControl, through which any thread pauses or stops a run.

Kinds: run_started, step, epoch, validation, feature_maps, gradients, checkpoint, paused,
resumed, finished, stopped, failed. Every record has ``event`` and ``time``; feature_maps
records carry numpy arrays (the JSON log writes their shapes only).
"""
from __future__ import annotations

import json
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

    def wait_while_paused(self, timeout: float = 0.1) -> None:
        while not self._running.wait(timeout):
            pass

    def watch(self, node_ids: Iterable[str]) -> None:
        """Choose the blocks whose feature maps are sent (takes effect at the next snapshot)."""
        self.feature_blocks = tuple(node_ids)

    def watch_gradients(self, on: bool = True) -> None:
        """Send ``gradients`` events (per-block gradient norms) while the run goes."""
        self.gradient_norms = bool(on)


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
