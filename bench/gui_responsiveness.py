"""GUI responsiveness while LeNet-5 trains at full speed on full Fashion-MNIST, in one run:

    QT_QPA_PLATFORM=offscreen python bench/gui_responsiveness.py [--epochs 3] [--modes process,thread] [--rounds 3]

The LeNet-5 example with these settings is saved once as a temporary .dlproj, and both sides
train that same file:
1. headless: `netcanvas train FILE --epochs 2 --log-json LOG` in its own process (as a user
   runs it, progress lines on a pipe); its rate comes from the step events in LOG;
2. for each worker mode: the editor window with FILE open, the Training tab showing live curves,
   C1's feature maps and gradient norms on, training started with the Train action. Measured: a 10 ms QTimer heartbeat
   in the GUI thread (p99 and max interval), curve frames actually painted per second, training
   throughput (samples/s over the warm epoch 2, from the step events' clocks) against the
   headless figure, and how long Stop takes to end the run (Stop pressed -> 'stopped' event
   shown in the GUI) during epoch 3 (at a different point in each round).
Headless and editor runs alternate (``--rounds`` editor runs, a headless run before and after
each): each editor run is compared with the mean of its two neighbours, so that a shared machine
drifting during the run does not decide the ratio. Reported: the median ratio and throughput, the
worst heartbeat, frame rate and stop latency over the rounds.
Each figure is printed as `bench: <figure> = <value> <unit>`.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp())  # window layout not saved into the user's settings
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

EXAMPLE = "lenet5-classic"


def settings(epochs: int) -> dict:
    return {"dataset": {"name": "fashion-mnist", "val_fraction": 0.1}, "epochs": epochs, "batch_size": 128,
            "log_every": 1, "early_stopping": {"enabled": False}, "device": "auto"}


def epoch_rate(steps: list[dict], batch: int, epoch: int = 2) -> float:
    """Training samples per second within one epoch, from the step events' own clocks."""
    ev = [e for e in steps if e["epoch"] == epoch]
    if len(ev) < 2:
        raise SystemExit(f"too few step events in epoch {epoch}")
    return (ev[-1]["step"] - ev[0]["step"]) * batch / (ev[-1]["elapsed_s"] - ev[0]["elapsed_s"])


def bench_project(epochs: int) -> Path:
    """The example with the bench's training settings, written to a temporary .dlproj."""
    from projects.dlproj import read_project, write_project
    from projects.examples import example_path
    from projects.training import complete_training

    project, _ = read_project(example_path(EXAMPLE))
    project.training = complete_training({**project.training, **settings(epochs)})
    path = Path(tempfile.mkdtemp(prefix="netcanvas-bench-")) / f"{EXAMPLE}.dlproj"
    write_project(project, path)
    return path


def headless(path: Path) -> float:
    """`netcanvas train` on ``path`` for 2 epochs in a fresh process; epoch 2's rate from its JSON log."""
    import json
    import subprocess

    log, out = path.with_suffix(".log.jsonl"), path.with_name("trained.dlproj")
    cmd = [sys.executable, "-c", "import sys; from app.launcher import main; sys.exit(main())",
           "train", str(path), "--epochs", "2", "--log-json", str(log), "-o", str(out)]
    done = subprocess.run(cmd, cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"netcanvas train failed: {done.stderr.strip()[-500:]}")
    steps = [e for e in map(json.loads, log.read_text().splitlines()) if e["event"] == "step"]
    return epoch_rate(steps, 128)


def percentile(values, q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def in_editor(mode: str, path: Path, epochs: int, stop_after_s: float = 1.0) -> dict:
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer

    from app.launcher import make_app, release_clipboard
    from app.main_window import MainWindow

    app = make_app()
    window = MainWindow(recovery_dir=Path(os.environ.get("TMPDIR", "/tmp")) / "netcanvas-bench-recovery")
    window.ask_save_changes = lambda: "discard"
    assert window.open_file(path)
    window.resize(1500, 940)
    window.show()
    session, d = window.training, window.training.dashboard
    session.mode, session.auto_evaluate = mode, False
    session.extra_overrides = {"epochs": epochs}
    window.select_node(next(i for i, n in window.doc.graph.nodes.items() if n.name == "C1"))
    for _ in range(20):
        app.processEvents()

    class PaintCounter(QObject):
        count = 0

        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Paint:
                PaintCounter.count += 1
            return False

    counter = PaintCounter()
    d.curves.loss_plot.viewport().installEventFilter(counter)
    beats: list[float] = []
    heart = QTimer()
    heart.setInterval(10)
    heart.timeout.connect(lambda: beats.append(time.perf_counter()))
    steps: list[dict] = []
    original_add = d.curves.add_step

    def add_step(e):
        steps.append(e)
        original_add(e)

    d.curves.add_step = add_step
    marks: dict = {}

    def watch():  # checked 10 times a second from the event loop, like a user would act
        now = time.perf_counter()
        if "t0" not in marks and steps:
            heart.start()
            marks.update(t0=now, paints0=PaintCounter.count, frames0=session.frames)
        elif "end" not in marks and steps and steps[-1]["epoch"] >= 3:
            marks.update(end=now, paints=PaintCounter.count - marks["paints0"], beats=len(beats),
                         frames=session.frames - marks["frames0"])
        elif "end" in marks and "stop" not in marks and now - marks["end"] > stop_after_s:
            marks["stop"] = now
            session.stop()
        if not session.running:
            loop.quit()

    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(100)
    poll.timeout.connect(watch)
    poll.start()
    window.actions["train"].trigger()
    loop.exec()
    poll.stop()
    t0, measuring_end, paints, n_beats = marks["t0"], marks["end"], marks["paints"], marks["beats"]
    heart.stop()
    gaps = [(b - a) * 1000 for a, b in zip(beats[:n_beats], beats[1:n_beats])]
    out = {"rate": epoch_rate(steps, 128), "p99": percentile(gaps, 99), "max": max(gaps),
           "fps": paints / (measuring_end - t0), "stop": session.stop_latency,
           "ticks": marks["frames"] / (measuring_end - t0)}
    window.doc.undo_stack.setClean()
    window.doc._forced_modified = False
    window.close()
    window.deleteLater()
    app.processEvents()
    release_clipboard()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=3, help="epochs per run (>= 3: epoch 2 is measured, Stop in 3)")
    p.add_argument("--modes", default="process,thread", help="worker modes to measure")
    p.add_argument("--rounds", type=int, default=3, help="editor runs per mode, each between two headless runs")
    args = p.parse_args()
    import statistics

    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, "
          f"CUDA: {torch.cuda.get_device_name() if torch.cuda.is_available() else 'none'}", flush=True)
    path = bench_project(max(3, args.epochs))
    bases = [headless(path)]
    for mode in args.modes.split(","):
        runs = []
        for i in range(max(1, args.rounds)):  # Stop pressed at a different point of epoch 3 each round
            r = in_editor(mode, path, max(3, args.epochs), stop_after_s=0.5 + 0.6 * i)
            bases.append(headless(path))
            r["ratio"] = r["rate"] / statistics.mean(bases[-2:])
            runs.append(r)
            print(f"  {mode}: editor {r['rate']:.0f} samples/s, headless {bases[-2]:.0f} / {bases[-1]:.0f}, "
                  f"ratio {r['ratio']:.3f}", flush=True)
        med = lambda k: statistics.median(r[k] for r in runs)  # noqa: E731
        print(f"bench: headless netcanvas train throughput = {statistics.median(bases):.0f} samples/s")
        print(f"bench: editor throughput ({mode} worker) = {med('rate'):.0f} samples/s")
        print(f"bench: editor/headless throughput ({mode} worker) = {med('ratio'):.2f} x")
        print(f"bench: heartbeat p99 interval ({mode} worker) = {max(r['p99'] for r in runs):.1f} ms")
        print(f"bench: heartbeat max interval ({mode} worker) = {max(r['max'] for r in runs):.1f} ms")
        print(f"bench: curve frames painted ({mode} worker) = {min(r['fps'] for r in runs):.1f} fps")
        stops = [r["stop"] for r in runs if r["stop"] is not None]
        if stops:
            print(f"bench: stop latency ({mode} worker) = {max(stops):.3f} s", flush=True)
        else:
            print(f"  {mode}: every run ended before Stop was pressed: run again with more --epochs", flush=True)


if __name__ == "__main__":
    main()
