"""The editor window: assembles the palette, canvas, inspector and bottom panels, the status bar
and the remembered layout. Its actions and menus are window_actions.py's, its files (open, save,
recent, recovery) window_files.py's, starting the application launcher.py's. No model logic."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow, QTabWidget

from runtime.plan import task_choice

from .autosave import Autosave
from .canvas.scene import CanvasScene
from .canvas.view import CanvasView
from .canvas.welcome import WelcomeCard
from .controller import EditController
from .document import Document
from .inspector import Inspector
from .palette import Palette
from .panels import ProblemsPanel, SummaryPanel
from .theme import icon
from .training.runs import install as install_training
from .window_actions import WindowActions
from .window_files import WindowFiles


class MainWindow(WindowActions, WindowFiles, QMainWindow):
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
        self.welcome = WelcomeCard(self.view, self.actions["new_example"], self.actions["open"])
        self._connect()
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
        errors = len(graph.problems()) + (1 if self._task_problem() else 0)
        self.totals_label.setText(f"{len(graph.nodes)} blocks · {total:,} params · "
                                  f"{errors} problem{'s' if errors != 1 else ''}")

    def _task_problem(self) -> bool:
        """Whether the project's task has a problem the graph's own list lacks (two heads, a dataset)."""
        problem = task_choice(self.doc.project).problem
        return problem is not None and all(p.message != problem.message for p in self.doc.graph.problems())

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
        self.autosave.release()
        event.accept()


