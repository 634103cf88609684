"""The editor window: assembles palette, canvas, inspector and bottom panels; menus, toolbar,
shortcuts, status bar, files (open/save/recent), remembered layout, autosave. No model logic."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QApplication, QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox,
                               QTabWidget)

from projects.dlproj import ProjectFileError, ProjectSaveError, read_project
from projects.trust import confirm, describe, needing_consent
from projects.examples import example_path
from projects.layout import auto_layout, fitting_wrap

from .autosave import Autosave
from .canvas.scene import CanvasScene
from .canvas.view import CanvasView
from .controller import EditController
from .dialogs import ExamplesDialog, png_bytes, render_thumbnail
from .document import Document
from .inspector import Inspector
from .palette import Palette
from .panels import ProblemsPanel, SummaryPanel
from .theme import icon

FILE_FILTER = "NetCanvas projects (*.dlproj)"
MAX_RECENT = 8


class MainWindow(QMainWindow):
    def __init__(self, recovery_dir: Path | None = None):
        super().__init__()
        self.settings = QSettings()
        self.doc = Document(self)
        self.name_hint = ""  # file name shown for an unsaved example
        self.scene = CanvasScene(self.doc, self)
        self.view = CanvasView(self.scene)
        self.setCentralWidget(self.view)
        self.controller = EditController(self.doc, self.scene, self.view, self)
        self.palette = Palette()
        self.inspector = Inspector(self.doc)
        self.summary = SummaryPanel(self.doc)
        self.problems = ProblemsPanel(self.doc)
        self.bottom = QTabWidget()
        self.bottom.setDocumentMode(True)
        self.bottom.addTab(self.summary, icon("mdi6.table"), "Summary")
        self.bottom.addTab(self.problems, icon("mdi6.alert-circle-outline"), "Problems")
        self._dock(self.palette, "Blocks", "palette_dock", Qt.LeftDockWidgetArea)
        self._dock(self.inspector, "Inspector", "inspector_dock", Qt.RightDockWidgetArea)
        self._dock(self.bottom, "Model", "bottom_dock", Qt.BottomDockWidgetArea)
        self._build_status_bar()
        self.actions = {}
        self._build_actions()
        from .canvas.welcome import WelcomeCard

        self.welcome = WelcomeCard(self.view, self.actions["new_example"], self.actions["open"])
        self._connect()
        from .training.session import install as install_training

        self.training = install_training(self)  # Train actions, the Training tab, File > Export
        self.autosave = Autosave(self.doc, recovery_dir, parent=self)
        self._restore_layout()
        self._update_title()

    # ---- assembly ------------------------------------------------------------------------------
    def _dock(self, widget, title: str, name: str, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        setattr(self, name, dock)
        return dock

    def add_bottom_tab(self, widget, title: str, icon_name: str = "mdi6.chart-line") -> int:
        """Place for later panels (the training dashboard) in the bottom area."""
        return self.bottom.addTab(widget, icon(icon_name), title)

    def _build_status_bar(self) -> None:
        self.selection_label = QLabel()
        self.totals_label = QLabel()
        self.statusBar().addPermanentWidget(self.selection_label)
        self.statusBar().addPermanentWidget(self.totals_label)

    def _action(self, key: str, text: str, slot, shortcut=None, icon_name: str | None = None,
                tip: str = "") -> QAction:
        act = QAction(text, self)
        if icon_name:
            act.setIcon(icon(icon_name))
        if shortcut is not None:
            seqs = shortcut if isinstance(shortcut, list) else [shortcut]
            act.setShortcuts([QKeySequence(s) for s in seqs])
        act.setShortcutContext(Qt.WindowShortcut)
        if tip:
            act.setStatusTip(tip)
        act.triggered.connect(lambda _checked=False: slot())
        self.addAction(act)
        self.actions[key] = act
        return act

    def _build_actions(self) -> None:
        c, a = self.controller, self._action
        stack = self.doc.undo_stack
        a("new", "&New", self.new_file, QKeySequence.New, "mdi6.file-outline", "Empty canvas with an image input")
        a("new_example", "New from &example…", self.new_from_example, None, "mdi6.school-outline")
        a("open", "&Open…", self.open_dialog, QKeySequence.Open, "mdi6.folder-open-outline")
        a("save", "&Save", self.save, QKeySequence.Save, "mdi6.content-save-outline")
        a("save_as", "Save &As…", self.save_as, "Ctrl+Shift+S", "mdi6.content-save-edit-outline")
        a("revert", "Re&vert to Saved", self.revert, None, "mdi6.file-restore-outline",
          "Throw away the changes since the last save and reopen the file")
        a("quit", "&Quit", self.close, QKeySequence.Quit)
        undo = stack.createUndoAction(self, "&Undo")
        undo.setShortcuts([QKeySequence("Ctrl+Z")])
        undo.setIcon(icon("mdi6.undo"))
        redo = stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        redo.setIcon(icon("mdi6.redo"))
        for act in (undo, redo):
            self.addAction(act)
        self.actions.update(undo=undo, redo=redo)
        a("cut", "Cu&t", c.cut, "Ctrl+X", "mdi6.content-cut")
        a("copy", "&Copy", c.copy, "Ctrl+C", "mdi6.content-copy")
        a("paste", "&Paste", c.paste, "Ctrl+V", "mdi6.content-paste")
        a("duplicate", "&Duplicate", c.duplicate, "Ctrl+D", "mdi6.content-duplicate")
        a("delete", "De&lete", c.delete_selection, ["Delete", "Backspace"], "mdi6.delete-outline")
        a("select_all", "Select &All", c.select_all, "Ctrl+A")
        a("frame", "&Frame All", self.view.frame_all, "F", "mdi6.fit-to-screen-outline")
        a("reset_zoom", "&Reset Zoom", self.view.reset_zoom, "Ctrl+0", "mdi6.magnify-scan")
        a("zoom_in", "Zoom &In", lambda: self.view.set_zoom(self.view.zoom() * 1.25), "Ctrl++",
          "mdi6.magnify-plus-outline")
        a("zoom_out", "Zoom &Out", lambda: self.view.set_zoom(self.view.zoom() / 1.25), "Ctrl+-",
          "mdi6.magnify-minus-outline")
        a("layout", "Auto &Layout", c.auto_layout, "Ctrl+L", "mdi6.sitemap-outline",
          "Arrange the blocks left to right by layers")
        a("expand", "E&xpand Composite Block", self.toggle_expand, "E", "mdi6.arrow-expand-vertical")
        a("find", "&Find Block…", self.palette.focus_search, "Ctrl+F", "mdi6.magnify")
        menus = self.menuBar()
        file_menu = self.file_menu = menus.addMenu("&File")
        for key in ("new", "new_example", "open"):
            file_menu.addAction(self.actions[key])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        for key in ("save", "save_as", "revert", None, "quit"):
            file_menu.addSeparator() if key is None else file_menu.addAction(self.actions[key])
        edit_menu = menus.addMenu("&Edit")
        for key in ("undo", "redo", None, "cut", "copy", "paste", "duplicate", "delete", None, "select_all"):
            edit_menu.addSeparator() if key is None else edit_menu.addAction(self.actions[key])
        view_menu = menus.addMenu("&View")
        for key in ("frame", "reset_zoom", "zoom_in", "zoom_out", None, "layout", "expand", "find"):
            view_menu.addSeparator() if key is None else view_menu.addAction(self.actions[key])
        view_menu.addSeparator()
        for dock in (self.palette_dock, self.inspector_dock, self.bottom_dock):
            view_menu.addAction(dock.toggleViewAction())
        bar = self.main_toolbar = self.addToolBar("Main")
        bar.setObjectName("main_toolbar")
        bar.setToolButtonStyle(Qt.ToolButtonIconOnly)
        for key in ("new", "open", "save", None, "undo", "redo", None, "delete", "layout", "frame",
                    "zoom_in", "zoom_out"):
            bar.addSeparator() if key is None else bar.addAction(self.actions[key])

    def _connect(self) -> None:
        self.doc.modified_changed.connect(lambda _m: self._update_title())
        self.doc.path_changed.connect(self._update_title)
        self.doc.graph_event.connect(lambda _ev: self._totals_timer.start())
        self.doc.graph_event.connect(lambda _ev: self.welcome.update_for(self.doc.graph))
        self.doc.project_replaced.connect(self._after_replace)
        self.scene.selectionChanged.connect(self._on_selection)
        self.controller.status_message.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.palette.block_activated.connect(self.controller.append_block)
        self.problems.node_requested.connect(self.select_node)
        self._totals_timer = QTimer(self)
        self._totals_timer.setSingleShot(True)
        self._totals_timer.setInterval(0)
        self._totals_timer.timeout.connect(self._update_status)

    # ---- status --------------------------------------------------------------------------------
    @property
    def display_name(self) -> str:
        """The name the title bar and every prompt use for the open project."""
        return self.doc.path.name if self.doc.path else (self.name_hint or "Untitled")

    def _update_title(self) -> None:
        self.setWindowTitle(f"NetCanvas — {self.display_name}[*]")
        self.setWindowModified(self.doc.modified)

    def _on_selection(self) -> None:
        ids = self.scene.selected_ids()
        self.inspector.show_selection(ids)
        self._update_status()

    def _update_status(self) -> None:
        graph = self.doc.graph
        ids = [i for i in self.scene.selected_ids() if i in graph.nodes]
        if len(ids) == 1:
            node, state = graph.nodes[ids[0]], graph.states.get(ids[0])
            shape = graph.outputs_text(ids[0])
            label = node.block.label(node.params) if node.block else ""
            self.selection_label.setText(f"{node.name}: {label + ' · ' if label else ''}→ {shape} · "
                                         f"{state.params if state else 0:,} params")
        else:
            self.selection_label.setText(f"{len(ids)} selected" if ids else "")
        total = sum(s.params for s in graph.states.values())
        errors = len(graph.problems())
        self.totals_label.setText(f"{len(graph.nodes)} blocks · {total:,} params · "
                                  f"{errors} problem{'s' if errors != 1 else ''}")

    def select_node(self, nid: str) -> None:
        self.scene.select_ids([nid])
        item = self.scene.nodes.get(nid)
        if item is not None:
            self.view.centerOn(item)

    def toggle_expand(self) -> None:
        for nid in self.scene.selected_ids():
            self.scene.toggle_expanded(nid)

    def _after_replace(self) -> None:
        self.inspector.show_selection([])
        self._update_status()
        self.welcome.update_for(self.doc.graph)
        QTimer.singleShot(0, lambda: self.view.frame_all(readable=True))

    # ---- files ----------------------------------------------------------------------------------
    def show_error(self, message: str) -> None:
        QMessageBox.warning(self, "NetCanvas", message)

    def ask_save_changes(self) -> str:
        """'save', 'discard' or 'cancel' (tests replace this method)."""
        box = QMessageBox.question(self, "NetCanvas", f"Save the changes to {self.display_name}?",
                                   QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel)
        return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(box, "cancel")

    def ask_restore(self, name: str) -> bool:
        return QMessageBox.question(self, "NetCanvas", f"NetCanvas closed without saving {name}. Restore the "
                                    "automatically saved copy?") == QMessageBox.Yes

    def ask_file_locations(self, file: str) -> None:
        """Ask before following the data paths outside the project's folder and the download servers
        that the file's own settings name (docs/file-safety.md); No leaves them refused."""
        from runtime.data.download import cache_root
        from runtime.data.remotes import BUNDLE_DIR

        places = needing_consent(file, allowed=[cache_root(), BUNDLE_DIR.parent])
        if places and self.ask_trust(file, [describe(loc) for loc in places]):
            for loc in places:
                confirm(loc.value)

    def ask_trust(self, file: str, lines: list[str]) -> bool:
        listed = "\n".join(f"  {line}" for line in lines)
        return QMessageBox.question(
            self, "NetCanvas", f"{file} asks NetCanvas to use data from outside its folder:\n\n{listed}\n\n"
            "Allow this only if you trust the file. If you choose No, training and evaluation refuse these "
            "locations until you choose the data yourself in Training settings.",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.No) == QMessageBox.Yes

    def ask_open_path(self) -> str:
        return QFileDialog.getOpenFileName(self, "Open project", self._last_dir(), FILE_FILTER)[0]

    def ask_save_path(self) -> str:
        start = str(Path(self._last_dir()) / (self.doc.path.name if self.doc.path else
                                              (self.name_hint or "untitled.dlproj")))
        return QFileDialog.getSaveFileName(self, "Save project as", start, FILE_FILTER)[0]

    def _last_dir(self) -> str:
        return str(self.settings.value("last_dir", str(Path.home())))

    def maybe_save(self) -> bool:
        """True when the current work may be replaced (saved, discarded or unmodified)."""
        if not self.doc.modified:
            return True
        answer = self.ask_save_changes()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_file(self) -> None:
        if self.maybe_save():
            self.name_hint = ""
            self.doc.new_empty()

    def new_from_example(self) -> None:
        dialog = ExamplesDialog(self)
        if dialog.exec() and dialog.chosen and self.maybe_save():
            self.open_example(dialog.chosen)

    def open_example(self, name: str) -> None:
        project, problems = read_project(example_path(name))
        size = self.view.viewport().size()
        if self.isVisible() and len(project.graph.nodes) > 7:  # laid out to fit this window, readable
            wrap = fitting_wrap(project.graph, size.width(), size.height())
            project.view["positions"] = auto_layout(project.graph, wrap=wrap)
        elif 7 < len(project.graph.nodes) <= 16:  # not shown yet: the default window's two-row layout
            project.view["positions"] = auto_layout(project.graph, wrap=(len(project.graph.nodes) + 1) // 2)
        self.name_hint = f"{name}.dlproj"
        self.doc.set_project(project, None, problems=problems)

    def open_dialog(self) -> None:
        if self.maybe_save():
            path = self.ask_open_path()
            if path:
                self.open_file(path)

    def open_file(self, path: str | Path) -> bool:
        try:
            project, problems = read_project(path)
        except ProjectFileError as e:
            self.show_error(str(e))
            return False
        self.name_hint = ""
        self.ask_file_locations(Path(path).name)
        self.doc.set_project(project, Path(path), problems=problems)
        self._remember(Path(path))
        if problems:
            self.bottom.setCurrentWidget(self.problems)
            self.statusBar().showMessage(f"Opened with {len(problems)} problem(s): see the Problems tab", 10000)
        return True

    def revert(self) -> bool:
        """Reopen the saved file, dropping the changes since (after asking when there are any)."""
        if self.doc.path is None:
            self.statusBar().showMessage("This project has not been saved yet: there is nothing to revert to", 6000)
            return False
        if self.doc.modified and not self.ask_revert():
            return False
        return self.open_file(self.doc.path)  # a file that no longer opens leaves the work as it is

    def ask_revert(self) -> bool:
        return QMessageBox.question(self, "NetCanvas", f"Throw away the changes to {self.display_name} since it was "
                                    "last saved?", QMessageBox.Yes | QMessageBox.No, QMessageBox.No) == QMessageBox.Yes

    def save(self) -> bool:
        if self.doc.path is None:
            return self.save_as()
        return self._write(self.doc.path)

    def save_as(self) -> bool:
        path = self.ask_save_path()
        if not path:
            return False
        if not path.endswith(".dlproj"):
            path += ".dlproj"
        return self._write(Path(path))

    def _write(self, path: Path) -> bool:
        try:
            self.doc.save(path, thumbnail=png_bytes(render_thumbnail(self.doc.project)))
        except ProjectSaveError as e:  # one sentence with the reason; the old file is intact
            self.show_error(str(e))
            return False
        except OSError as e:
            self.show_error(f"{path.name} could not be saved ({e.strerror or e}); choose another folder")
            return False
        self.autosave.discard()
        self._remember(path)
        self.statusBar().showMessage(f"Saved {path.name}", 4000)
        return True

    def _remember(self, path: Path) -> None:
        self.settings.setValue("last_dir", str(path.resolve().parent))
        recent = [p for p in self.recent_files() if p != str(path.resolve())]
        self.settings.setValue("recent_files", [str(path.resolve()), *recent][:MAX_RECENT])

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_files():
            act = self.recent_menu.addAction(Path(path).name)
            act.setToolTip(path)
            act.triggered.connect(lambda _c=False, p=path: self.maybe_save() and self.open_file(p))
        self.recent_menu.setEnabled(True)

    def open_at_start(self, asked: str | None = None) -> str:
        """What the editor opens at start-up: the file asked for, else the last project (while it
        still exists), else, the first time, the course's LeNet-5. Returns what was opened."""
        last = next((p for p in self.recent_files() if Path(p).is_file()), None)
        start = asked or last
        if start and self.open_file(start):
            return str(start)
        self.open_example("lenet5-classic")
        return "lenet5-classic"

    def offer_recovery(self) -> bool:
        pending = self.autosave.pending()
        if pending is None:
            return False
        if self.ask_restore(pending["name"]):
            self.name_hint = "" if pending["path"] else pending["name"]
            return self.autosave.restore()
        self.autosave.discard()
        return False

    # ---- layout memory and closing -------------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            screen = QApplication.primaryScreen()
            avail = screen.availableGeometry() if screen else None
            w, h = (min(1500, avail.width()), min(940, avail.height())) if avail else (1500, 940)
            self.setGeometry(avail.x() + (avail.width() - w) // 2 if avail else 0,
                             avail.y() + (avail.height() - h) // 2 if avail else 0, w, h)
            self.default_docks()
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)

    def default_docks(self) -> None:
        """The first start's dock sizes for the window's width: every block's name in full in the
        palette where the screen has room (a small screen keeps the canvas wide instead)."""
        palette = max(210, min(300, self.palette.preferred_width())) if self.width() >= 1200 else 210
        self.resizeDocks([self.palette_dock, self.inspector_dock], [palette, 300], Qt.Horizontal)
        self.resizeDocks([self.bottom_dock], [190], Qt.Vertical)

    def closeEvent(self, event) -> None:
        if not self.training.confirm_close() or not self.maybe_save():
            event.ignore()
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.autosave.timer.stop()
        self.autosave.discard()
        event.accept()


def make_app(argv: list[str] | None = None) -> QApplication:
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
