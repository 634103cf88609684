"""Start-up time of the editor: from process start to the main window shown (offscreen), in a
subprocess; also checks that torch is not imported on the way.

    python bench/startup.py [--runs 5]
prints `bench: <figure> = <value> <unit>` lines."""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = """
import time, sys
t0 = time.perf_counter()
from app.launcher import main
sys.exit(main([]))
"""


def run_once() -> tuple[float, bool]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", NETCANVAS_EXIT_AFTER_SHOW="1",
               XDG_CONFIG_HOME=tempfile.mkdtemp(), XDG_DATA_HOME=tempfile.mkdtemp())
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if line.startswith("shown after"):
            elapsed = time.perf_counter() - start
            torch = line.strip().endswith("True")
            proc.wait(30)
            return elapsed, torch
    proc.wait(30)
    raise RuntimeError("the editor did not report being shown")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    times, torch = [], False
    for _ in range(args.runs):
        t, loaded = run_once()
        times.append(t)
        torch |= loaded
    print(f"bench: startup_to_window_shown_median = {statistics.median(times):.3f} s")
    print(f"bench: startup_to_window_shown_max = {max(times):.3f} s")
    print(f"bench: torch_imported_at_startup = {int(torch)} bool")


if __name__ == "__main__":
    main()
