"""Run under a real X server (Xvfb): drag a palette entry onto the canvas with xdotool (real X
mouse events, so QDrag.exec runs for real) and report how many blocks the canvas holds."""
import subprocess
import sys
import threading
import time

from PySide6.QtCore import QPoint, QTimer

from app.launcher import make_app

from app.main_window import MainWindow


def main():
    app = make_app()
    window = MainWindow()
    window.new_file()
    window.setGeometry(0, 0, 1200, 800)
    window.show()
    result = {}

    def drive():
        tree = window.palette.tree
        item = window.palette.items["core.dropout"]
        tree.scrollToItem(item)
        rect = tree.visualItemRect(item)
        start = tree.viewport().mapToGlobal(rect.center())
        vp = window.view.viewport()
        end = vp.mapToGlobal(QPoint(vp.width() // 2 + 150, vp.height() // 2 + 100))
        result["before"] = len(window.doc.graph.nodes)
        cmds = ["xdotool", "mousemove", str(start.x()), str(start.y()), "sleep", "0.3", "mousedown", "1"]
        for i in range(1, 11):
            x = start.x() + (end.x() - start.x()) * i // 10
            y = start.y() + (end.y() - start.y()) * i // 10
            cmds += ["sleep", "0.08", "mousemove", str(x), str(y)]
        cmds += ["sleep", "0.3", "mouseup", "1"]
        threading.Thread(target=subprocess.run, args=(cmds,), daemon=True).start()
        QTimer.singleShot(4500, finish)

    def finish():
        g = window.doc.graph
        names = sorted(n.type_id for n in g.nodes.values())
        print(f"blocks before={result['before']} after={len(g.nodes)} types={names}", flush=True)
        window.doc.undo_stack.setClean()
        app.exit(0 if "core.dropout" in names else 1)

    QTimer.singleShot(1500, drive)
    sys.exit(app.exec())


if __name__ == "__main__":
    main()
