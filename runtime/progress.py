"""Training progress on a terminal: one tqdm bar over the whole run with the epoch, step, the task's
metrics, samples/s and ETA, messages (epoch lines, pauses) printed above it; plain lines (one per
epoch, and a step line at most every few seconds) when the output is not a terminal.
The metrics shown are the ones ``run_started`` announces (loss and accuracy, a GAN's D and G
losses, a VAE's reconstruction and KL), with their short names."""
from __future__ import annotations

import os
import shutil
import time

from .events import END_EVENTS, Event
from .tasks import Metric, task_declaration


def clock(seconds: float | None) -> str:
    """Seconds as m:ss or h:mm:ss ("?" when unknown)."""
    if seconds is None or seconds != seconds:
        return "?"
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _have_tqdm() -> bool:
    """tqdm draws the bar; without it (a bare install) a terminal gets the plain lines."""
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def _size(stream) -> tuple[int, int]:
    """The terminal's columns and lines; $COLUMNS and $LINES, or 80 x 24, for a pseudo-terminal
    that reports no size (tqdm would draw nothing there)."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError):
        size = os.terminal_size((0, 0))
    fallback = shutil.get_terminal_size((80, 24))
    return size.columns or fallback.columns, size.lines or fallback.lines


class ProgressPrinter:
    def __init__(self, stream, plain_every_s: float = 10.0, width: int = 24, control=None):
        self.stream = stream
        self.control = control  # given: a traced task's samples are asked for, and their rows printed
        self.traced = 0  # trace rows printed so far
        self.tty = hasattr(stream, "isatty") and stream.isatty() and _have_tqdm()
        self.plain_every_s = plain_every_s
        self.width = width  # of the bar, in characters
        self.bar = None  # the tqdm bar while a run shows one
        self.last_plain = 0.0
        self.epochs = 0
        self.metrics: list[Metric] = [Metric("loss", "loss", "loss"),
                                      Metric("accuracy", "accuracy", "acc", goal="max", percent=True)]

    def __call__(self, e: Event) -> None:
        kind = e["event"]
        if kind == "run_started":
            self.epochs = e["epochs"]
            if e.get("metrics"):
                self.metrics = [Metric(**m) for m in e["metrics"]]
            decl = task_declaration(e.get("task"))
            if self.control is not None and decl is not None and decl.traced:
                self.control.watch_samples(True, 1e6)  # every logged step: the rows come in order
            self._line(f"training on {e['device']} ({e['precision']}): {e['train_samples']:,} samples of "
                       f"'{e['dataset']}', {e['epochs']} epochs x {e['steps_per_epoch']} steps of {e['batch_size']}, "
                       f"{e['params']:,} parameters")
        elif kind == "step":
            self._step(e)
        elif kind == "epoch":
            parts = [f"epoch {e['epoch']}/{self.epochs}", self._values(e)]
            val = self._values(e, "val_")
            if val:
                parts.append(val)
            parts.append(f"{clock(e['elapsed_s'])} elapsed")
            self._line("  ".join(parts))
        elif kind == "samples" and e.get("trace") is not None:
            self._trace(e["trace"])
        elif kind in ("paused", "resumed"):
            self._line(kind)
        elif kind in END_EVENTS:
            self.close()

    def _trace(self, rows: list[dict]) -> None:
        """The trace rows not printed yet (a perceptron's presentations: sample, s, y, d - y, new weights)."""
        for t in rows[self.traced:]:
            e = ", ".join(f"{v:g}" for v in t["e"])
            w = ", ".join(f"w{i + 1} {v:g}" for i, v in enumerate(t["w"]))
            change = f"d - y = {t['error']:g} -> {w}, b {t['b']:g}" if t["changed"] else "y = d, no change"
            self._line(f"  epoch {t['epoch']} sample {t['sample']}: e = ({e}) d = {t['d']:g}  s = {t['s']:g}  "
                       f"y = {t['y']:g}  {change}")
        self.traced = max(self.traced, len(rows))

    def _values(self, e: Event, prefix: str = "") -> str:
        """The metrics present in record ``e`` ("loss 0.1234  acc 95.00%"; val_ ones with ``prefix``)."""
        out = []
        for m in self.metrics:
            value = e.get(prefix + m.name)
            if value is not None:
                out.append(f"{prefix.replace('_', ' ')}{m.short} {m.text(value)}")
        return "  ".join(out)

    def _step(self, e: Event) -> None:
        text = (f"epoch {e['epoch']}/{self.epochs}  step {e['step']}/{e['total_steps']}  {self._values(e)}  "
                f"{e['samples_per_s']:,.0f} samples/s  ETA {clock(e['eta_s'])}")
        if self.tty:
            self._draw(e["step"], e["total_steps"], text)
        elif time.monotonic() - self.last_plain >= self.plain_every_s:
            self.last_plain = time.monotonic()
            self._line(text)

    def _draw(self, step: int, total: int, text: str) -> None:
        """Move the bar to global ``step`` of ``total`` after ``text``, the line cut to the terminal's width
        (the bar goes first, the numbers stay); tqdm throttles the redraws."""
        if self.bar is None:
            from tqdm import tqdm

            columns, lines = _size(self.stream)
            self.bar = tqdm(total=total, initial=step, desc=text, file=self.stream, leave=False, ncols=columns,
                            nrows=lines, bar_format=f"{{desc}}  {{percentage:3.0f}}%|{{bar:{self.width}}}|")
            return
        self.bar.total, (self.bar.ncols, self.bar.nrows) = total, _size(self.stream)  # cut to a width that may change
        self.bar.set_description_str(text, refresh=False)
        self.bar.update(step - self.bar.n)

    def close(self) -> None:
        """Take the bar off the terminal (at the end of a run)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def _line(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=self.stream)  # above the bar, which is drawn again below
            return
        self.stream.write(text + "\n")
        self.stream.flush()
