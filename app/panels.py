"""Bottom-area panels: the model summary table and the problems list (click a problem to select
its block). Both refresh lazily (coalesced on the next event-loop turn) after model changes."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QListWidget, QListWidgetItem, QTableWidget, \
    QTableWidgetItem

from projects.summary import summarize
from runtime.plan import task_choice

from .theme import icon

HEADERS = ("Block", "Type", "Output", "Params", "Connections", "MACs")


class _Lazy:
    def _init_lazy(self, doc):
        self.doc = doc
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)
        doc.graph_event.connect(lambda ev: self._timer.start())
        doc.project_replaced.connect(self._timer.start)
        doc.training_changed.connect(self._timer.start)


class SummaryPanel(QTableWidget, _Lazy):
    def __init__(self, document, parent=None):
        super().__init__(0, len(HEADERS), parent)
        self._init_lazy(document)
        self.setHorizontalHeaderLabels(HEADERS)
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setAlternatingRowColors(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.Stretch)  # the type takes the spare width, numbers stay tight
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.refresh()

    def refresh(self) -> None:
        summary = summarize(self.doc.graph)
        rows = summary.rows
        self.setRowCount(len(rows) + 1)
        for r, row in enumerate(rows):
            cells = ("    " * row.depth + row.name, row.type, row.output, f"{row.params:,}",
                     f"{row.connections:,}" if not row.depth else "", f"{row.macs:,}" if not row.depth else "")
            self._set_row(r, cells, row.problem)
        total = ("Total", "", "", f"{summary.total_params:,}", f"{summary.total_connections:,}",
                 f"{summary.total_macs:,}")
        self._set_row(len(rows), total, "", bold=True)

    def _set_row(self, r: int, cells, problem: str, bold: bool = False) -> None:
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if c >= 3:
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            if bold:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            if problem:
                item.setToolTip(problem)
                if c == 0:
                    item.setIcon(icon("mdi6.alert-circle-outline"))
            self.setItem(r, c, item)

    def cell_texts(self) -> list[tuple[str, ...]]:
        return [tuple(self.item(r, c).text() for c in range(self.columnCount())) for r in range(self.rowCount())]


class ProblemsPanel(QListWidget, _Lazy):
    node_requested = Signal(str)
    count_changed = Signal(int)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self._init_lazy(document)
        self.setWordWrap(True)
        self.itemClicked.connect(self._clicked)
        self.itemActivated.connect(self._clicked)
        self.refresh()

    def refresh(self) -> None:
        """The graph's problems, then the one that stops the project's task (two heads, a dataset the task
        cannot learn from, parts wired wrongly: runtime.plan.task_choice), then what opening the file met."""
        self.clear()
        problems = list(self.doc.graph.problems())
        task = task_choice(self.doc.project).problem
        if task is not None and all(p.message != task.message for p in problems):
            problems.append(task)
        for p in problems:
            item = QListWidgetItem(icon("mdi6.alert-circle-outline" if p.severity == "error" else
                                        "mdi6.alert-outline"), p.message)
            item.setData(Qt.UserRole, p.node)
            self.addItem(item)
        for message in self.doc.load_problems:
            item = QListWidgetItem(icon("mdi6.file-alert-outline"), f"While opening: {message}")
            self.addItem(item)
        self.count_changed.emit(len(problems))

    def _clicked(self, item) -> None:
        nid = item.data(Qt.UserRole)
        if nid:
            self.node_requested.emit(nid)
