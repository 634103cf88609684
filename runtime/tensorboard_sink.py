"""TensorBoard event files of a run: a sink that writes every ``step`` record's metrics and learning
rates as ``step/<name>`` and every ``epoch`` record's training and validation metrics as
``epoch/<name>`` (``epoch/loss``, ``epoch/val_loss``...), all at the global step, into a folder of
its own per run so that runs can be compared. torch.utils.tensorboard is imported only here."""
from __future__ import annotations

import re
import time
from pathlib import Path

from projects.names import shown

from .events import END_EVENTS, Event

STEP_SKIP = {"event", "time", "epoch", "step", "total_steps", "samples_per_s", "elapsed_s", "eta_s"}
EPOCH_SKIP = {"event", "time", "epoch", "step", "elapsed_s"}


class TensorBoardError(Exception):
    """The event files cannot be written: one sentence, "what went wrong; what to do"."""


def tensorboard_sink(folder, project_name: str) -> "TensorBoardSink":
    """A sink writing into a new ``folder/<project_name>-<date-time>`` (the editor and the CLI call
    this); raises TensorBoardError."""
    return TensorBoardSink(folder, project_name)


def _scalars(record: Event, skip: set[str], lrs: bool) -> dict[str, float]:
    """The record's numbers worth a curve (learning rates only when ``lrs``)."""
    return {k: float(v) for k, v in record.items()
            if k not in skip and isinstance(v, (int, float)) and not isinstance(v, bool)
            and (lrs or not (k == "lr" or k.startswith("lr_")))}


class TensorBoardSink:
    """Writes a run's scalars through SummaryWriter; closes itself when the run ends."""

    def __init__(self, folder, project_name: str):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise TensorBoardError("writing TensorBoard files needs the tensorboard package, which is not "
                                   "installed; install it with 'pip install tensorboard'") from None
        self.folder = _new_run_folder(Path(folder), project_name or "run")
        try:
            self.writer = SummaryWriter(log_dir=str(self.folder), flush_secs=10)  # live enough to watch
        except OSError as e:
            raise _unwritable(folder, e) from None

    def __call__(self, e: Event) -> None:
        kind = e["event"]
        if kind == "step":
            for name, value in _scalars(e, STEP_SKIP, lrs=True).items():
                self.writer.add_scalar(f"step/{name}", value, e["step"])
        elif kind == "epoch":
            for name, value in _scalars(e, EPOCH_SKIP, lrs=False).items():
                self.writer.add_scalar(f"epoch/{name}", value, e["step"])
            self.writer.flush()
        elif kind == "run_started":
            self.writer.add_text("run", f"run {e.get('run_id')}: {e.get('task')} on '{e.get('dataset')}', "
                                 f"{e.get('device')} ({e.get('precision')}), {e.get('epochs')} epochs "
                                 f"x {e.get('steps_per_epoch')} steps of {e.get('batch_size')}", 0)
        elif kind in END_EVENTS:
            self.close()

    def close(self) -> None:
        self.writer.close()


def _new_run_folder(folder: Path, name: str) -> Path:
    """Create and return ``folder/<name>-<YYYYmmdd-HHMMSS>`` (with -2, -3... when taken)."""
    safe = re.sub(r"[^\w.-]+", "_", name).strip("._") or "run"  # an editor's project name may hold anything
    stem = f"{safe}-{time.strftime('%Y%m%d-%H%M%S')}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(1, 1000):
            path = folder / (stem if n == 1 else f"{stem}-{n}")
            try:
                path.mkdir()
                return path
            except FileExistsError:
                continue
    except OSError as e:
        raise _unwritable(folder, e) from None
    raise TensorBoardError(f"too many runs named {stem} in {shown(str(folder))}; name another folder")


def _unwritable(folder, e: OSError) -> TensorBoardError:
    return TensorBoardError(f"cannot write TensorBoard files into {shown(str(folder))} ({e.strerror or e}); "
                            "name a folder you can write to (it is created when missing)")
