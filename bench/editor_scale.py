"""Editor scale: open a generated 500-block project, drag a node with 20 wires, zoom with the wheel.

    QT_QPA_PLATFORM=offscreen python bench/editor_scale.py
prints `bench: <figure> = <value> <unit>` lines."""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp())
os.environ.setdefault("XDG_DATA_HOME", tempfile.mkdtemp())

from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QWheelEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from projects.dlproj import write_project  # noqa: E402
from projects.editing import generated_project  # noqa: E402


def main() -> None:
    from app.launcher import make_app
    from app.main_window import MainWindow

    app = make_app()
    window = MainWindow(recovery_dir=Path(tempfile.mkdtemp()))
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    path = Path(tempfile.mkdtemp()) / "generated-500.dlproj"
    write_project(generated_project(500, fan_out=20), path)

    t0 = time.perf_counter()
    window.open_file(path)
    window.summary.refresh()
    window.problems.refresh()
    app.processEvents()
    window.view.viewport().repaint()
    open_s = time.perf_counter() - t0
    print(f"bench: open_500_blocks = {open_s:.3f} s")

    view, scene = window.view, window.scene
    hub = window.doc.graph.node_by_name("Input").id
    item = scene.nodes[hub]
    print(f"bench: hub_wires = {len(item.wires)} wires")
    view.resetTransform()
    view.centerOn(item)
    app.processEvents()
    moves = 120
    t0 = time.perf_counter()
    for i in range(moves):  # what a mouse drag does per move event: setPos, then repaint the damage
        item.setPos(item.pos() + QPointF(2 if i % 40 < 20 else -2, 1 if i % 20 < 10 else -1))
        view.viewport().repaint()
    drag_ms = (time.perf_counter() - t0) / moves * 1000
    print(f"bench: drag_node_20_wires_per_move = {drag_ms:.2f} ms")

    view.frame_all()
    app.processEvents()
    steps = 40
    vp = view.viewport()
    t0 = time.perf_counter()
    for i in range(steps):
        delta = 120 if i % 20 < 10 else -120
        center = QPointF(vp.width() / 2, vp.height() / 2)
        ev = QWheelEvent(center, QPointF(vp.mapToGlobal(center.toPoint())), QPoint(0, 0), QPoint(0, delta),
                         Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
        QApplication.sendEvent(vp, ev)
        vp.repaint()
    zoom_ms = (time.perf_counter() - t0) / steps * 1000
    print(f"bench: wheel_zoom_step_whole_graph = {zoom_ms:.2f} ms")
    view.resetTransform()
    view.centerOn(item)
    t0 = time.perf_counter()
    for i in range(steps):
        delta = 120 if i % 20 < 10 else -120
        center = QPointF(vp.width() / 2, vp.height() / 2)
        ev = QWheelEvent(center, QPointF(vp.mapToGlobal(center.toPoint())), QPoint(0, 0), QPoint(0, delta),
                         Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
        QApplication.sendEvent(vp, ev)
        vp.repaint()
    print(f"bench: wheel_zoom_step_at_100_percent = {(time.perf_counter() - t0) / steps * 1000:.2f} ms")
    window.doc.undo_stack.setClean()
    window.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
