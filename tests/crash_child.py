"""An editor window that makes unsaved changes, writes its recovery file and then waits to be killed
(a crash: nothing is cleaned up). Run by tests/test_app_recovery.py with the recovery folder as its
argument; it prints "saved" once the recovery file is on disk."""
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.launcher import make_app  # noqa: E402
from app.main_window import MainWindow  # noqa: E402


def main(folder: str) -> None:
    make_app()
    window = MainWindow(recovery_dir=folder)
    window.open_example("lenet5-classic")
    flatten = next(n.id for n in window.doc.graph.nodes.values() if n.name == "Flatten")
    window.scene.select_ids([flatten])
    window.controller.delete_selection()
    assert window.doc.modified and window.autosave.save_now()
    print("saved", flush=True)
    time.sleep(120)  # killed long before


if __name__ == "__main__":
    main(sys.argv[1])
