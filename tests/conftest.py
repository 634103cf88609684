"""Shared test setup: Qt runs offscreen, with settings and recovery files in a temporary folder
(set before Qt is imported anywhere)."""
import os
import tempfile

os.environ["QT_QPA_PLATFORM"] = "offscreen"
_tmp = tempfile.mkdtemp(prefix="netcanvas-tests-")
os.environ.setdefault("XDG_CONFIG_HOME", os.path.join(_tmp, "config"))
os.environ.setdefault("XDG_DATA_HOME", os.path.join(_tmp, "data"))

import pytest  # noqa: E402


@pytest.fixture
def window(qtbot, tmp_path):
    """An editor window with dialogs replaced (no modal box may block a test)."""
    from app.launcher import make_app
    from app.main_window import MainWindow

    make_app()
    w = MainWindow(recovery_dir=tmp_path / "recovery")
    w.ask_save_changes = lambda: "discard"
    w.errors = []
    w.show_error = w.errors.append
    w.training.ask_stop_on_close = lambda: True  # a test failing mid-run must not leave a modal box up
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    _dispose(w)


def _dispose(w):
    """Delete the window and its scene now, while the QApplication lives (not at interpreter exit)."""
    from PySide6.QtCore import QCoreApplication, QEvent

    w.doc.undo_stack.setClean()
    w.close()
    w.scene.clear()
    w.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)


def pytest_sessionfinish(session, exitstatus):
    """Drop cached Qt icons/colours before the QApplication goes away (else a crash at exit)."""
    import sys

    if "PySide6.QtGui" in sys.modules:  # clipboard data owned by Python crashes QApplication's teardown
        from PySide6.QtGui import QGuiApplication

        if QGuiApplication.instance() is not None:
            QGuiApplication.clipboard().clear()
    theme = sys.modules.get("app.theme")
    if theme is not None:
        theme.icon.cache_clear()
        theme.canvas_colors.cache_clear()
