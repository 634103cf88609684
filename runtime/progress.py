"""Training progress on a terminal: one live line with a bar, ETA, loss and accuracy; plain lines
(one per epoch, and a step line at most every few seconds) when the output is not a terminal."""
from __future__ import annotations

import time

from .events import Event


def _clock(seconds: float | None) -> str:
    if seconds is None or seconds != seconds:
        return "?"
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class ProgressPrinter:
    def __init__(self, stream, plain_every_s: float = 10.0, width: int = 24):
        self.stream = stream
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.plain_every_s = plain_every_s
        self.width = width
        self.last_plain = 0.0
        self.epochs = 0

    def __call__(self, e: Event) -> None:
        kind = e["event"]
        if kind == "run_started":
            self.epochs = e["epochs"]
            self._line(f"training on {e['device']} ({e['precision']}): {e['train_samples']:,} samples of "
                       f"'{e['dataset']}', {e['epochs']} epochs x {e['steps_per_epoch']} steps of {e['batch_size']}, "
                       f"{e['params']:,} parameters")
        elif kind == "step":
            self._step(e)
        elif kind == "epoch":
            parts = [f"epoch {e['epoch']}/{self.epochs}", f"loss {e['loss']:.4f}"]
            if e.get("accuracy") is not None:
                parts.append(f"acc {e['accuracy']:.2%}")
            if e.get("val_loss") is not None:
                parts.append(f"val_loss {e['val_loss']:.4f}")
            if e.get("val_accuracy") is not None:
                parts.append(f"val_acc {e['val_accuracy']:.2%}")
            parts.append(f"{_clock(e['elapsed_s'])} elapsed")
            self._line("  ".join(parts))
        elif kind in ("paused", "resumed"):
            self._line(kind)
        elif kind == "checkpoint":
            pass

    def _step(self, e: Event) -> None:
        frac = e["step"] / max(e["total_steps"], 1)
        acc = f"  acc {e['accuracy']:.2%}" if e.get("accuracy") is not None else ""
        text = (f"epoch {e['epoch']}/{self.epochs}  step {e['step']}/{e['total_steps']}  loss {e['loss']:.4f}{acc}  "
                f"{e['samples_per_s']:,.0f} samples/s  ETA {_clock(e['eta_s'])}")
        if self.tty:
            filled = int(frac * self.width)
            bar = "#" * filled + "." * (self.width - filled)
            self.stream.write(f"\r[{bar}] {frac:4.0%}  {text}\x1b[K")
            self.stream.flush()
        elif time.monotonic() - self.last_plain >= self.plain_every_s:
            self.last_plain = time.monotonic()
            self._line(text)

    def _line(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r\x1b[K")
        self.stream.write(text + "\n")
        self.stream.flush()
