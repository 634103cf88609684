"""The confusion-matrix calculator of the Evaluation tab (the course's Practical Exercises 01,
Exercise 02): type or paste a matrix, read accuracy, per-class precision / recall / F1 and their
macro averages. The numbers come from runtime.metrics (parse_confusion_matrix, confusion_report),
the same code that scores a trained classifier."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QTableWidgetItem, QVBoxLayout, QWidget

from ..theme import icon
from .report_widgets import read_only_table

# the handbook's matrix (Practical Exercises 01, Exercise 02)
COURSE_MATRIX = "cat\t50\t5\t3\ndog\t10\t60\t5\nrabbit\t2\t4\t40\n"
CONVENTION = ("One line per <b>true</b> class: its name, then how many of its samples the model "
              "<b>predicted</b> as each class, in the same order as the lines (rows: true class, columns: "
              "predicted class). Separate the numbers with tabs, spaces, commas or semicolons; a header line "
              "without numbers is skipped, so a table pasted from a spreadsheet works.")


class ConfusionCalculator(QWidget):
    """A text box for the matrix, one sentence of status (the accuracy, or what is wrong with the
    input) and a table of per-class and macro precision, recall, F1 and support."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.report: dict | None = None
        note = QLabel(CONVENTION)
        note.setWordWrap(True)
        note.setTextFormat(Qt.RichText)
        self.editor = QPlainTextEdit()
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.editor.setTabChangesFocus(False)
        self.editor.setPlaceholderText("cat\t50\t5\t3\ndog\t10\t60\t5\nrabbit\t2\t4\t40")
        self.example = QPushButton(icon("mdi6.school-outline"), "Course example")
        self.example.setToolTip("The handbook's cats / dogs / rabbits matrix (Practical Exercises 01, Exercise 02)")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.table = read_only_table(["Class", "Precision", "Recall", "F1", "Support"])
        left = QVBoxLayout()
        left.addWidget(note)
        left.addWidget(self.editor, 1)
        row = QHBoxLayout()
        row.addWidget(self.example)
        row.addStretch(1)
        left.addLayout(row)
        right = QVBoxLayout()
        right.addWidget(self.status)
        right.addWidget(self.table, 1)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(left, 1)
        lay.addLayout(right, 1)
        self._stale = True  # computed when shown: the numbers need torch, which the editor's start does not load
        self.editor.textChanged.connect(self._changed)
        self.example.clicked.connect(self.show_course_example)
        self.show_course_example()

    def _changed(self) -> None:
        self._stale = True
        if self.isVisible():
            self.recompute()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.recompute()

    def show_course_example(self) -> None:
        self.editor.setPlainText(COURSE_MATRIX)

    def set_text(self, text: str) -> None:
        self.editor.setPlainText(text)

    def recompute(self) -> None:
        """Read the text box and show its scores, or one sentence on what is wrong with it."""
        from runtime.metrics import confusion_report, parse_confusion_matrix

        self._stale = False
        try:
            names, counts = parse_confusion_matrix(self.editor.toPlainText())
        except ValueError as e:
            self.report = None
            self.status.setText(str(e))
            self.table.setRowCount(0)
            return
        report = confusion_report(counts, names)
        if not report["count"]:
            self.report = None
            self.status.setText("Every count is 0: enter how many samples fell in each cell.")
            self.table.setRowCount(0)
            return
        self.report = report
        m = report["macro"]
        self.status.setText(f"Accuracy {report['accuracy']:.3f} ({sum(counts[i][i] for i in range(len(counts))):,} "
                            f"of {report['count']:,} samples on the diagonal) · macro precision {m['precision']:.3f}, "
                            f"recall {m['recall']:.3f}, F1 {m['f1']:.3f}")
        rows = report["per_class"] + [{"class": "Macro average", **m, "support": report["count"]}]
        self.table.setRowCount(len(rows))
        for r, pc in enumerate(rows):
            cells = (pc["class"], f"{pc['precision']:.3f}", f"{pc['recall']:.3f}", f"{pc['f1']:.3f}",
                     f"{pc['support']:,}")
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(r, c, item)
