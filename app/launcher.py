"""Entry point of the `netcanvas` command: subcommands go to runtime.cli (no Qt is imported for
them), anything else starts the editor: the Qt application, its theme, one window, the recovery
of unsaved work, and what opens at start-up."""
from __future__ import annotations

import os
import sys
import time


def make_app(argv: list[str] | None = None):
    """The QApplication (made once), named and themed."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0], *(argv or [])])
    app.setOrganizationName("NetCanvas")
    app.setApplicationName("NetCanvas")
    from .theme import apply_theme

    apply_theme(app)
    app.styleHints().colorSchemeChanged.connect(lambda _s: apply_theme(app))
    return app


def release_clipboard() -> None:
    """Drop block data we put on the clipboard before Qt tears down (PySide6 crashes otherwise)."""
    from PySide6.QtGui import QGuiApplication

    from projects.clipboard import MIME_TYPE

    board = QGuiApplication.clipboard()
    data = board.mimeData()
    if data is not None and data.hasFormat(MIME_TYPE):
        board.clear()


def run_editor(argv: list[str]) -> int:
    """`netcanvas [FILE.dlproj]`: the editor on FILE, or on the course's LeNet-5 example."""
    started = time.perf_counter()
    app = make_app([])
    from PySide6.QtCore import QTimer

    from .main_window import MainWindow

    window = MainWindow()
    if not window.offer_recovery():
        window.open_at_start(argv[0] if argv else None)
    window.show()
    app.aboutToQuit.connect(release_clipboard)
    if os.environ.get("NETCANVAS_EXIT_AFTER_SHOW"):  # bench/startup.py
        def report():
            print(f"shown after {time.perf_counter() - started:.3f} s; torch loaded: {'torch' in sys.modules}",
                  flush=True)
            window.autosave.timer.stop()
            app.quit()
        QTimer.singleShot(0, report)
    return app.exec()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    from runtime.cli import COMMANDS

    if argv and (argv[0] in COMMANDS or argv[0].startswith("-")):
        from runtime.cli import main as cli_main

        return cli_main(argv)
    return run_editor(argv)


if __name__ == "__main__":
    sys.exit(main())
