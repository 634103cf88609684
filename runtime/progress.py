"""Training progress on a terminal: one live line with a bar, ETA and the task's metrics; plain lines
(one per epoch, and a step line at most every few seconds) when the output is not a terminal.
The metrics shown are the ones ``run_started`` announces (loss and accuracy, a GAN's D and G
losses, a VAE's reconstruction and KL), with their short names."""
from __future__ import annotations

import time

from projects.tasks import TASK_SPECS, Metric

from .events import Event


def _clock(seconds: float | None) -> str:
    if seconds is None or seconds != seconds:
        return "?"
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class ProgressPrinter:
    def __init__(self, stream, plain_every_s: float = 10.0, width: int = 24, control=None):
        self.stream = stream
        self.control = control  # given: a traced task's samples are asked for, and their rows printed
        self.traced = 0  # trace rows printed so far
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.plain_every_s = plain_every_s
        self.width = width
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
            spec = TASK_SPECS.get(e.get("task") or "")
            if self.control is not None and spec is not None and spec.traced:
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
            parts.append(f"{_clock(e['elapsed_s'])} elapsed")
            self._line("  ".join(parts))
        elif kind == "samples" and e.get("trace") is not None:
            self._trace(e["trace"])
        elif kind in ("paused", "resumed"):
            self._line(kind)
        elif kind == "checkpoint":
            pass

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
        frac = e["step"] / max(e["total_steps"], 1)
        text = (f"epoch {e['epoch']}/{self.epochs}  step {e['step']}/{e['total_steps']}  {self._values(e)}  "
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
