"""The first-run welcome on an empty canvas: what to do, in two lines, with two buttons."""
from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from ..theme import icon

TITLE = "Build a network by dragging blocks"
BODY = ("Drag a block from the list on the left onto the canvas (or double-click it), then drag from an "
        "output port to an input port to wire them.")


class WelcomeCard(QFrame):
    """Shown over the canvas while the graph has fewer than two blocks; ``example`` and ``open``
    are the window's actions (New from example, Open)."""

    def __init__(self, view, example_action, open_action):
        super().__init__(view)  # not the viewport: its children move when the view scrolls
        self.setObjectName("welcome")
        self.setFrameShape(QFrame.StyledPanel)
        self.setStyleSheet("#welcome { background: palette(base); border: 1px solid palette(mid); border-radius: 8px; }")
        body = QLabel(f"<b>{TITLE}</b><br>{BODY}")
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
        lay.setContentsMargins(12, 8, 12, 8)
        lay.setSpacing(4)
        lay.addWidget(body)
        lay.addLayout(buttons)
        self.setFixedWidth(420)
        self.setAcceptDrops(True)  # a block dragged over the card: the card steps aside (dragEnterEvent)
        self._view = view
        view.viewport().installEventFilter(self)
        self.hide()

    def update_for(self, graph) -> None:
        """Visible on an empty canvas (or one with a lone block), hidden once something is built."""
        self.setVisible(len(graph.nodes) < 2 and not graph.wires)
        if not self.isHidden():  # shown, or to be shown with the window
            self._place()

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """A block dragged from the palette over the card: hide, so that the canvas under it takes
        the drop (the next move of the drag reaches the canvas)."""
        self.hide()
        event.accept()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == event.Type.Resize and not self.isHidden():
            self._place()
        return False

    def _place(self) -> None:
        area = self._view.viewport().geometry()  # in the view's coordinates
        self.setFixedWidth(max(200, min(420, area.width() - 16)))
        self.adjustSize()
        self.move(area.x() + max(8, (area.width() - self.width()) // 2),
                  area.y() + max(8, area.height() - self.height() - 12))  # below the lone block, centred
        self.raise_()
