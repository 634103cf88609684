"""Render every screenshot the docs use from the real editor window: ``python docs/screenshots.py``
(on a virtual screen: offscreen Qt, or ``xvfb-run -a python docs/screenshots.py``).

Each picture NAME.png gets NAME.json beside it: what the window held when it was made (menus,
actions, tab names). tests/test_doc_screenshots.py compares that with today's window, so a picture
older than the widgets it shows fails the suite until this script is run again.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
SIZE = (1500, 940)
SMALL = {"name": "fashion-mnist-small", "limit": 3000, "val_fraction": 0.1}


def window_signature(window) -> dict:
    """What a picture of ``window`` shows of its structure: menus with their actions, the bottom
    tabs and the Training tab's views."""
    def clean(text: str) -> str:
        return text.replace("&", "").replace("…", "...")

    menus = {}
    for act in window.menuBar().actions():
        menu = act.menu()
        if menu is not None:
            menus[clean(act.text())] = [clean(a.text()) for a in menu.actions() if a.text()]
    tabs = window.bottom
    d = window.training.dashboard
    return {"menus": menus,
            "toolbar": [clean(a.text()) for a in window.main_toolbar.actions() if a.text()],
            "bottom_tabs": [tabs.tabText(i) for i in range(tabs.count())],
            "training_tabs": [d.tabs.tabText(i) for i in range(d.tabs.count())]}


def _pump(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def _wait(app, condition, timeout: float = 300.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the window did not reach the state the picture needs")
        app.processEvents()
        time.sleep(0.02)


def _save(window, name: str) -> Path:
    path = IMAGES / f"{name}.png"
    if not window.grab().save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    (IMAGES / f"{name}.json").write_text(json.dumps(window_signature(window), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")
    return path


def _fresh_window(app):
    from app.main_window import MainWindow

    window = MainWindow(recovery_dir=Path(tempfile.mkdtemp()) / "recovery")
    window.ask_save_changes = lambda: "discard"
    window.resize(*SIZE)
    window.default_docks()
    window.show()
    window.training.mode = "thread"
    _pump(app, 0.5)
    return window


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")
    os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp())  # not the user's recent files or layout
    sys.path.insert(0, str(ROOT))
    from app.launcher import make_app

    app = make_app([])
    IMAGES.mkdir(parents=True, exist_ok=True)
    window = _fresh_window(app)

    # the editor on the course's LeNet-5, one block selected
    window.open_example("lenet5-classic")
    _pump(app, 0.5)
    c3 = next(nid for nid, n in window.doc.graph.nodes.items() if n.name == "C3")
    window.select_node(c3)
    window.view.frame_all(readable=True)
    window.bottom.setCurrentWidget(window.summary)
    _pump(app, 0.5)
    _save(window, "editor")

    # a finished run: live curves, then its evaluation
    t = window.doc.project.training
    t.update(dataset=dict(SMALL), epochs=4, batch_size=64, log_every=5)
    session, d = window.training, window.training.dashboard
    window.bottom.setCurrentWidget(d)
    d.tabs.setCurrentWidget(d.curves)
    session.train()
    _wait(app, lambda: session.state == "idle")
    _wait(app, lambda: d.evaluation.report is not None)
    window.scene.select_ids([])
    _pump(app, 0.5)
    _save(window, "training")
    d.tabs.setCurrentWidget(d.evaluation)
    _pump(app, 0.5)
    _save(window, "evaluation")

    # a 2-D GAN paused after one discriminator step
    window.doc.undo_stack.setClean()
    window.open_example("gan-ring")
    session.auto_evaluate = False
    window.doc.project.training["epochs"] = 200
    d.tabs.setCurrentWidget(d.samples)
    session.train()
    _wait(app, lambda: d.curves.point_count() >= 30)
    session.pause()
    _wait(app, lambda: "Paused at epoch" in d.status.text())
    session.step_once("discriminator")
    _wait(app, lambda: "after one discriminator update" in d.status.text())
    _pump(app, 0.5)
    _save(window, "samples")
    session.finish_now()
    window.doc.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
