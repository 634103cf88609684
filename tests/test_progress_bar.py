"""`netcanvas train`'s progress: a tqdm bar on a terminal (epoch, step, the task's metrics,
samples/s, ETA), the same plain lines as ever when stderr is a file or a pipe."""
from __future__ import annotations

import io
import os
import select
import struct
import sys

import pytest

from runtime.progress import ProgressPrinter

GAN_METRICS = [{"name": "d_loss", "label": "D loss", "short": "D", "goal": ""},
               {"name": "g_loss", "label": "G loss", "short": "G", "goal": ""}]


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def started(metrics=None, epochs=2) -> dict:
    return {"event": "run_started", "time": 0.0, "device": "CPU", "precision": "fp32", "train_samples": 1000,
            "dataset": "toy", "epochs": epochs, "steps_per_epoch": 5, "batch_size": 200, "params": 1234,
            "task": "gan" if metrics else "classification", **({"metrics": metrics} if metrics else {})}


def step(n: int, epoch: int = 1, **values) -> dict:
    return {"event": "step", "time": 0.0, "epoch": epoch, "step": n, "total_steps": 10, "samples_per_s": 5000.0,
            "eta_s": 75.0, "lr": 0.01, **(values or {"loss": 0.5, "accuracy": 0.8})}


def epoch_done(epoch: int) -> dict:
    return {"event": "epoch", "time": 0.0, "epoch": epoch, "step": 5 * epoch, "loss": 0.25, "accuracy": 0.9,
            "val_loss": 0.3, "val_accuracy": 0.875, "lr": 0.01, "elapsed_s": 62.0 * epoch}


def feed(printer, events) -> None:
    for e in events:
        printer(e)


RUN = [started(), step(2), step(4), epoch_done(1), step(7, 2), {"event": "paused", "time": 0.0, "epoch": 2, "step": 7},
       {"event": "resumed", "time": 0.0, "epoch": 2, "step": 7}, step(10, 2), epoch_done(2),
       {"event": "finished", "time": 0.0, "reason": "trained 2 epochs", "best": None}]

PLAIN = ("training on CPU (fp32): 1,000 samples of 'toy', 2 epochs x 5 steps of 200, 1,234 parameters\n"
         "epoch 1/2  step 2/10  loss 0.5000  acc 80.00%  5,000 samples/s  ETA 1:15\n"
         "epoch 1/2  loss 0.2500  acc 90.00%  val loss 0.3000  val acc 87.50%  1:02 elapsed\n"
         "paused\n"
         "resumed\n"
         "epoch 2/2  loss 0.2500  acc 90.00%  val loss 0.3000  val acc 87.50%  2:04 elapsed\n")


def test_not_a_terminal_prints_the_plain_lines_as_before():
    out = io.StringIO()  # a log file or a pipe: one line per epoch, a step line at most every 10 s
    feed(ProgressPrinter(out), RUN)
    assert out.getvalue() == PLAIN
    every = io.StringIO()
    feed(ProgressPrinter(every, plain_every_s=0.0), RUN)
    assert every.getvalue().count(" samples/s  ETA ") == 4  # every step record when asked


def test_a_terminal_gets_a_tqdm_bar_with_epoch_step_metrics_speed_and_eta(monkeypatch):
    from tqdm import tqdm

    monkeypatch.setenv("COLUMNS", "200")  # a fake terminal has no size of its own
    term = FakeTerminal()
    printer = ProgressPrinter(term)
    feed(printer, RUN[:3])
    assert isinstance(printer.bar, tqdm) and printer.bar.total == 10 and printer.bar.n == 4
    feed(printer, RUN[3:])
    assert printer.bar is None  # closed by the end of the run, leaving no bar behind
    text = term.getvalue()
    assert "\r" in text and "\x1b[K" not in text  # drawn in place by tqdm, not by the old escape codes
    assert "%|" in text and "epoch 1/2  step 2/10  loss 0.5000  acc 80.00%  5,000 samples/s  ETA 1:15" in text
    assert "epoch 2/2  step 10/10" in text
    lines = [line.rsplit("\r", 1)[-1] for line in text.split("\n")]  # what stays on screen: the messages
    assert [line for line in lines if line.strip()] == [line for line in PLAIN.splitlines() if "ETA" not in line]


def test_the_bar_shows_a_gans_losses_by_their_short_names(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    term = FakeTerminal()
    printer = ProgressPrinter(term)
    feed(printer, [started(GAN_METRICS), step(3, d_loss=1.25, g_loss=0.75)])
    drawn = printer.bar is not None
    printer.close()  # no bar left to the next test (tqdm stacks the bars that are open)
    assert drawn and "%|" in term.getvalue()
    assert "epoch 1/2  step 3/10  D 1.2500  G 0.7500  5,000 samples/s  ETA 1:15" in term.getvalue()


def on_pseudo_terminal(columns: int, events) -> str:
    """What ``events`` print on a pseudo-terminal ``columns`` wide (0: one that reports no size)."""
    import fcntl
    import pty
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24 if columns else 0, columns, 0, 0))
    with open(slave, "w", encoding="utf-8", closefd=True) as tty:
        printer = ProgressPrinter(tty)
        feed(printer, events[:-1])
        assert printer.bar is not None
        feed(printer, events[-1:])
    data = b""
    while select.select([master], [], [], 0.5)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal's other end is closed: all read
            break
        if not chunk:
            break
        data += chunk
    os.close(master)
    return data.decode("utf-8")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminals")
@pytest.mark.parametrize("columns, expect", [(60, 60), (0, 70)])
def test_a_real_pseudo_terminal_gets_the_bar_cut_to_its_width(columns, expect, monkeypatch):
    monkeypatch.setenv("COLUMNS", "70")  # the fallback of a terminal without a size (tqdm alone draws nothing there)
    text = on_pseudo_terminal(columns, RUN[:2] + RUN[-1:])
    assert "training on CPU" in text
    drawn = [part for line in text.split("\n") for part in line.split("\r") if "step 2/10" in part]
    assert drawn and all(len(part) == expect for part in drawn)  # cut to the width: no wrapped redraws
    assert drawn[0].startswith("epoch 1/2  step 2/10  loss 0.5000  acc 80.00%")  # the numbers first, the bar last


@pytest.mark.parametrize("tty", [False, True])
def test_a_perceptron_trace_is_printed_row_by_row_either_way(tty, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    out = FakeTerminal() if tty else io.StringIO()
    printer = ProgressPrinter(out)
    row = {"epoch": 1, "sample": 1, "e": [1, -1], "d": 1, "s": 0.5, "y": 1, "error": 0, "changed": False,
           "w": [0.1, 0.2], "b": 0.0}
    feed(printer, [started(), step(1), {"event": "samples", "time": 0.0, "trace": [row]},
                   {"event": "samples", "time": 0.0, "trace": [row, {**row, "sample": 2}]}])
    printer.close()
    text = out.getvalue()
    assert text.count("sample 1:") == 1 and text.count("sample 2:") == 1
