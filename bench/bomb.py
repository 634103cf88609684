"""Zip bombs and huge graphs against the loader: ``python bench/bomb.py``.

Every bomb of tests/hostile.py (classic 1,000:1, lying sizes, lying local header, ratio, zip64
with huge sizes, overlapping entries, too many entries) is written to a file and opened by a
fresh process, which reports how long the refusal took and how much its peak memory grew
(VmHWM after the imports vs after the refusal; Linux). Then generated graphs of 10,000 and
100,000 blocks are opened the same way (loading is linear in the file's size). Figures:

  bench: bomb refused in = X s            (the slowest bomb; target < 1 s)
  bench: bomb peak memory growth = X MB   (the largest growth; target: tens of MB, not GB)
  bench: open 10,000-block graph = X s
  bench: open 100,000-block graph = X s
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from projects.dlproj import ProjectFileError, read_project

def peak_kb():  # VmHWM: this process's peak resident memory (ru_maxrss would include the parent's)
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))

before = peak_kb()
t = time.perf_counter()
try:
    project, _ = read_project(sys.argv[1])
    outcome = f"opened ({{len(project.graph.nodes):,}} blocks)"
except ProjectFileError as e:
    outcome = "refused: " + str(e)
took = time.perf_counter() - t
after = peak_kb()
print(json.dumps({{"s": took, "grew_mb": (after - before) / 1024, "outcome": outcome}}))
"""


def open_in_child(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), str(path)], capture_output=True,
                         text=True, timeout=600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    import hostile
    from projects.dlproj import dumps_project
    from projects.graphgen import generate_graph
    from projects.project import Project

    with tempfile.TemporaryDirectory(prefix="bomb-bench-") as folder:
        worst_s, worst_mb = 0.0, 0.0
        for case in hostile.bombs():
            path = Path(folder) / f"{case.name}.dlproj"
            path.write_bytes(case.data)
            r = open_in_child(path)
            worst_s, worst_mb = max(worst_s, r["s"]), max(worst_mb, r["grew_mb"])
            print(f"  {case.name:<24} {len(case.data) / 2**20:7.2f} MB file  {r['s']:.3f} s  "
                  f"+{r['grew_mb']:.0f} MB  {r['outcome'][:90]}", file=sys.stderr)
            path.unlink()
        print(f"bench: bomb refused in = {worst_s:.3f} s")
        print(f"bench: bomb peak memory growth = {worst_mb:.0f} MB")
        for n in (10_000, 100_000):
            path = Path(folder) / f"graph-{n}.dlproj"
            path.write_bytes(dumps_project(Project(generate_graph(n, seed=0))))
            r = open_in_child(path)
            print(f"  {n:,} blocks: {path.stat().st_size / 2**20:.1f} MB file, +{r['grew_mb']:.0f} MB, "
                  f"{r['outcome']}", file=sys.stderr)
            print(f"bench: open {n:,}-block graph = {r['s']:.2f} s")


if __name__ == "__main__":
    main()
