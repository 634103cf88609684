"""Start-up costs of the Qt-free core: ``python bench/startup_cli.py``.

Figures (median of 5 fresh processes, perf_counter):
  * ``import nodes, projects`` (with projects.graph, the editing model), timed inside the
    subprocess around the import (target <= 0.3 s);
  * ``netcanvas summary`` on the lenet5 example, wall time of a cold process from spawn to
    exit (target <= 2 s).
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5

IMPORT_SNIPPET = """
import time
t0 = time.perf_counter()
import nodes, projects, projects.graph
print(time.perf_counter() - t0)
"""


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def import_time() -> float:
    out = subprocess.run([sys.executable, "-c", IMPORT_SNIPPET], capture_output=True, text=True, check=True,
                         cwd=ROOT, env=_env())
    return float(out.stdout.strip().splitlines()[-1])


def summary_wall_time() -> float:
    example = ROOT / "projects" / "examples" / "lenet5.dlproj"
    t0 = time.perf_counter()
    # app.launcher:main is the `netcanvas` console script
    subprocess.run([sys.executable, "-m", "app.launcher", "summary", str(example)], capture_output=True,
                   check=True, cwd=ROOT, env=_env())
    return time.perf_counter() - t0


def main() -> None:
    imports = statistics.median(import_time() for _ in range(RUNS))
    print(f"bench: import nodes, projects (fresh process) = {imports:.3f} s")
    wall = statistics.median(summary_wall_time() for _ in range(RUNS))
    print(f"bench: netcanvas summary lenet5 (cold process, wall) = {wall:.3f} s")


if __name__ == "__main__":
    main()
