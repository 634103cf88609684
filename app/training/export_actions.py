"""File > Export: the model through the runtime's exporters (TorchScript, ONNX, PyTorch source,
state dict, HDF5 weights), one part of a GAN or VAE alone (the generator, the decoder...), and
the learning curves (PNG, CSV), the confusion matrix (PNG) and the model summary (CSV) from the
editor's views. Exports run in the GUI thread (the ONNX exporter
redirects stdout while it works, which must not race another thread's output)."""
from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu

from runtime.tasks.choice import model_parts

from .taskinfo import project_task

MODEL_FORMATS = (("torchscript", "TorchScript…", "TorchScript (*.torchscript *.pt)", ".torchscript"),
                 ("onnx", "ONNX…", "ONNX (*.onnx)", ".onnx"),
                 ("python", "PyTorch source…", "Python source (*.py)", ".py"),
                 ("pt", "PyTorch state dict…", "PyTorch state dict (*.pt)", ".pt"),
                 ("h5", "HDF5 weights…", "HDF5 weights (*.h5)", ".h5"))


def export_parts_of(project) -> list[tuple[str, str]]:
    """(name, title) of the parts of ``project`` that export alone: those its task declares, when the
    graph makes them (runtime.export.export_parts gives the same names, with torch)."""
    decl = project_task(project)
    if decl is None or not decl.parts or not model_parts(project.graph, decl).ok:
        return []
    return [(rule.name, f"{rule.title.capitalize()} alone") for rule in decl.parts]


class ExportActions:
    def __init__(self, window, session):  # session: the run controller (runs.py)
        self.window, self.session = window, session
        self._pending_matrix: str | None = None
        self.part_menus: dict = {}
        self.parts_menu = None  # File > Export > (a part alone): filled from the task's parts
        session.dashboard.evaluation.finished.connect(self._evaluated)
        session.dashboard.curves.png_button.clicked.connect(lambda: self.export_curves_png())
        session.dashboard.curves.csv_button.clicked.connect(lambda: self.export_curves_csv())

    def ask_path(self, title: str, suggested: str, file_filter: str) -> str:
        """A path to write (tests replace this)."""
        start = str(Path(self.window._last_dir()) / suggested)
        return QFileDialog.getSaveFileName(self.window, title, start, file_filter)[0]

    def _stem(self) -> str:
        doc = self.window.doc
        return doc.path.stem if doc.path else (Path(self.window.name_hint).stem or "model")

    def _done(self, paths) -> None:
        names = ", ".join(Path(p).name for p in paths)
        self.window.statusBar().showMessage(f"Exported {names}", 8000)

    # ---- model -----------------------------------------------------------------------------------
    def export_model(self, fmt: str, path: str | None = None, part: str | None = None) -> list[Path]:
        """Export the trained model (``part``: only that part of a GAN or VAE) as ``fmt``."""
        title, file_filter, suffix = next((t, f, s) for k, t, f, s in MODEL_FORMATS if k == fmt)
        what = f"the {part} as " if part else ""
        path = path or self.ask_path(f"Export {what}{title.rstrip('…')}", self._stem() + (f"-{part}" if part else "")
                                     + suffix, file_filter)
        if not path:
            return []
        from runtime.export import ExportError, export_model

        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            written = export_model(self.window.doc.project, fmt, path, part=part)
        except ExportError as e:
            self.window.show_error(str(e))
            return []
        finally:
            QApplication.restoreOverrideCursor()
        self._done(written)
        return written

    # ---- views -----------------------------------------------------------------------------------
    def export_curves_png(self, path: str | None = None) -> Path | None:
        path = path or self.ask_path("Export learning curves", self._stem() + "-curves.png", "PNG image (*.png)")
        return self._write(lambda p: self.session.dashboard.curves.export_png(p), path)

    def export_curves_csv(self, path: str | None = None) -> Path | None:
        path = path or self.ask_path("Export learning curves", self._stem() + "-curves.csv", "CSV (*.csv)")
        return self._write(lambda p: self.session.dashboard.curves.export_csv(p), path)

    def export_confusion_png(self, path: str | None = None) -> Path | None:
        view = self.session.dashboard.evaluation
        path = path or self.ask_path("Export confusion matrix", self._stem() + "-confusion.png",
                                     "PNG image (*.png)")
        if not path:
            return None
        if view.report is None or "confusion_matrix" not in view.report:
            self._pending_matrix = path  # evaluate first, then write
            self.window.bottom.setCurrentWidget(self.session.dashboard)
            self.session.dashboard.tabs.setCurrentWidget(view)
            if not view.evaluate(self.window.doc.project) and not view.busy:
                self._pending_matrix = None
                self.window.show_error("Train the network first: the confusion matrix needs trained weights")
            return None
        return self._write(view.export_png, path)

    def _evaluated(self, report) -> None:
        path, self._pending_matrix = self._pending_matrix, None
        if path and isinstance(report, dict) and "confusion_matrix" in report:
            self._write(self.session.dashboard.evaluation.export_png, path)
        elif path:
            self.window.show_error(report if isinstance(report, str) else
                                   "This model is not a classifier: it has no confusion matrix")

    def show_parts(self) -> None:
        """Offer the parts the open project has (the Export menu calls this before it opens)."""
        for menu in self.part_menus.values():
            self.parts_menu.removeAction(menu.menuAction())
            menu.deleteLater()
        self.part_menus = {}
        for part, part_title in export_parts_of(self.window.doc.project):
            sub = QMenu(part_title, self.parts_menu)
            self.parts_menu.insertMenu(self.parts_anchor, sub)
            for fmt, title, _f, _s in MODEL_FORMATS:
                act = sub.addAction(title)
                act.triggered.connect(lambda _c=False, fmt=fmt, part=part: self.export_model(fmt, part=part))
            self.part_menus[part] = sub

    def export_summary_csv(self, path: str | None = None) -> Path | None:
        path = path or self.ask_path("Export model summary", self._stem() + "-summary.csv", "CSV (*.csv)")
        return self._write(self._summary_csv, path)

    def _summary_csv(self, path) -> Path:
        from projects.summary import summarize

        summary = summarize(self.window.doc.graph)
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["block", "type", "output", "params", "connections", "macs", "problem"])
            for row in summary.rows:
                w.writerow(["    " * row.depth + row.name, row.type, row.output, row.params,
                            row.connections if not row.depth else "", row.macs if not row.depth else "",
                            row.problem])
            w.writerow(["Total", "", "", summary.total_params, summary.total_connections, summary.total_macs, ""])
        return Path(path)

    def _write(self, writer, path) -> Path | None:
        if not path:
            return None
        try:
            out = writer(path)
        except OSError as e:
            self.window.show_error(f"{Path(path).name} could not be written ({e.strerror or e}); "
                                   "choose another folder")
            return None
        self._done([out])
        return out


def install_export_menu(window, session) -> ExportActions:
    exports = ExportActions(window, session)
    menu = window.file_menu.addMenu("&Export")
    quit_action = window.actions["quit"]
    window.file_menu.insertMenu(quit_action, menu)
    window.file_menu.insertSeparator(quit_action)
    for fmt, title, _f, _s in MODEL_FORMATS:
        act = menu.addAction(title)
        act.triggered.connect(lambda _c=False, fmt=fmt: exports.export_model(fmt))
    exports.parts_menu = menu
    exports.parts_anchor = menu.addSeparator()  # the parts' submenus go above it
    menu.aboutToShow.connect(exports.show_parts)
    exports.show_parts()
    window.doc.project_replaced.connect(exports.show_parts)
    for title, slot in (("Learning curves (PNG)…", exports.export_curves_png),
                        ("Learning curves (CSV)…", exports.export_curves_csv),
                        ("Confusion matrix (PNG)…", exports.export_confusion_png),
                        ("Model summary (CSV)…", exports.export_summary_csv)):
        act = menu.addAction(title)
        act.triggered.connect(lambda _c=False, slot=slot: slot())
    session.exports = exports
    return exports
