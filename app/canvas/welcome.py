"""The first-run welcome on an empty canvas: what to do, in two lines, with two buttons."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from ..theme import icon

TITLE = "Build a network by dragging blocks"
BODY = ("Drag a block from the Blocks list on the left onto this canvas (or double-click it), then wire an "
        "output port to an input port. Or start from one of the course's examples.")


class WelcomeCard(QFrame):
    """Shown over the canvas while the graph has fewer than two blocks; ``example`` and ``open``
    are the window's actions (New from example, Open)."""

    def __init__(self, view, example_action, open_action):
        super().__init__(view.viewport())
        self.setObjectName("welcome")
        self.setFrameShape(QFrame.StyledPanel)
        self.setStyleSheet("#welcome { background: palette(base); border: 1px solid palette(mid); border-radius: 8px; }")
        title = QLabel(f"<b>{TITLE}</b>")
        body = QLabel(BODY)
        body.setWordWrap(True)
        self.example_button = QPushButton(icon("mdi6.school-outline"), "Open an example…")
        self.open_button = QPushButton(icon("mdi6.folder-open-outline"), "Open a project…")
        self.example_button.clicked.connect(lambda: example_action.trigger())
        self.open_button.clicked.connect(lambda: open_action.trigger())
        buttons = QHBoxLayout()
        buttons.addWidget(self.example_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 12, 16, 12)
        lay.addWidget(title)
        lay.addWidget(body)
        lay.addLayout(buttons)
        self.setFixedWidth(420)
        self._view = view
        view.viewport().installEventFilter(self)
        self.hide()

    def update_for(self, graph) -> None:
        """Visible on an empty canvas (or one with a lone block), hidden once something is built."""
        self.setVisible(len(graph.nodes) < 2 and not graph.wires)
        self._place()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == event.Type.Resize:
            self._place()
        return False

    def _place(self) -> None:
        area = self._view.viewport().rect()
        self.setFixedWidth(max(200, min(420, area.width() - 16)))
        self.adjustSize()
        self.move(max(8, (area.width() - self.width()) // 2), max(8, area.height() - self.height() - 24))
        self.raise_()
        self.setAttribute(Qt.WA_TransparentForMouseEvents, False)
