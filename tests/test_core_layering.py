"""The arrows point one way: app -> runtime -> projects -> nodes.

Each check runs in a fresh interpreter whose import system refuses the blocked packages (a
meta path finder raising ImportError), then reports what ended up in ``sys.modules``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QT = ("PySide6", "shiboken6", "pyqtgraph", "qtawesome")

PRELUDE = """
import importlib, json, pkgutil, sys, time

BLOCKED = {blocked!r}


class Blocked(ImportError):
    pass


class BlockFinder:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise Blocked(f"layering: importing {{name}} is not allowed here")
        return None


sys.meta_path.insert(0, BlockFinder())


def walk(package):
    pkg = importlib.import_module(package)
    return [m.name for m in pkgutil.walk_packages(pkg.__path__, package + ".")]


def loaded(*roots):
    return sorted(m for m in sys.modules if m.split(".")[0] in roots)
"""


def run_isolated(code: str, blocked: tuple[str, ...]) -> dict:
    script = PRELUDE.format(blocked=set(blocked)) + textwrap.dedent(code)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(ROOT)
    env["QT_QPA_PLATFORM"] = "offscreen"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_nodes_and_projects_import_without_qt_or_torch():
    out = run_isolated("""
        import nodes, projects
        import projects.dlproj, projects.summary, projects.examples, projects.graph, projects.inference
        import projects.training, projects.layout, projects.project, projects.graphgen
        mods = walk("nodes") + [m for m in walk("projects") if m != "projects.examples.build"]
        for m in mods:
            importlib.import_module(m)
        import projects.examples.build  # builds examples through the API: no torch either
        print(json.dumps({"imported": mods, "torch": loaded("torch"), "qt": loaded(*BLOCKED)}))
    """, blocked=QT)
    assert "nodes.spec" in out["imported"] and "projects.dlproj" in out["imported"]
    assert out["torch"] == [], "nodes/projects must not import torch at import time"
    assert out["qt"] == []


def test_nodes_catalog_and_shape_rules_run_without_torch():
    """Inference, summaries and file I/O work on a machine whose torch cannot be imported."""
    out = run_isolated("""
        import io
        from projects.examples.build import lenet5_classic
        from projects.dlproj import dumps_project, loads_project
        from projects.summary import summarize
        project = lenet5_classic()
        again, errors = loads_project(dumps_project(project))
        print(json.dumps({"total": summarize(again.graph).total_params, "errors": errors,
                          "valid": again.graph.is_valid()}))
    """, blocked=QT + ("torch",))
    assert out == {"total": 60850, "errors": [], "valid": True}


def test_runtime_imports_without_qt():
    out = run_isolated("""
        import runtime, runtime.compiler, runtime.cli
        required = ["runtime", "runtime.compiler", "runtime.cli"]
        qt_users = []
        for m in walk("runtime"):
            try:
                importlib.import_module(m)
            except Blocked as e:
                qt_users.append(f"{m}: {e}")
            except Exception:
                pass  # a module still being written, or an optional dependency: not a layering matter
        print(json.dumps({"qt": loaded(*BLOCKED), "qt_users": qt_users, "required": required}))
    """, blocked=QT)
    assert out["qt_users"] == []
    assert out["qt"] == []


def test_runtime_compiles_with_qt_blocked():
    out = run_isolated("""
        from projects.examples.build import lenet5
        from runtime.compiler import compile_graph
        model = compile_graph(lenet5().graph)
        n = sum(p.numel() for p in model.module.parameters())
        print(json.dumps({"params": n, "qt": loaded(*BLOCKED)}))
    """, blocked=QT)
    assert out == {"params": 61706, "qt": []}


def test_app_imports_without_torch():
    out = run_isolated("""
        t0 = time.perf_counter()
        import app
        import app.launcher
        elapsed = time.perf_counter() - t0
        print(json.dumps({"seconds": elapsed, "torch": loaded("torch")}))
    """, blocked=("torch",))
    print(f"import app, app.launcher without torch: {out['seconds']:.3f} s")
    assert out["torch"] == [], "app must not import torch at import time (training runs in a worker)"
    assert out["seconds"] < 3.0


def test_summary_command_does_not_import_torch():
    out = run_isolated("""
        import contextlib, io
        from runtime.cli import main
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = main(["summary", "projects/examples/lenet5.dlproj", "--json"])
        print(json.dumps({"rc": rc, "total": json.loads(buf.getvalue())["total_params"],
                          "torch": loaded("torch"), "qt": loaded(*BLOCKED)}))
    """, blocked=QT + ("torch",))
    assert out == {"rc": 0, "total": 61706, "torch": [], "qt": []}
