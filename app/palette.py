"""The block palette: the catalog's blocks grouped by category, with icons, help tooltips and a
search field. Drag an entry onto the canvas, or double-click it to append it after the selection."""
from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from nodes import catalog

from .canvas.view import BLOCK_MIME
from .theme import icon

TYPE_ROLE = Qt.UserRole + 1


class _Tree(QTreeWidget):
    def mimeTypes(self):
        return [BLOCK_MIME]

    def mimeData(self, items):
        mime = QMimeData()
        type_id = items[0].data(0, TYPE_ROLE) if items else None
        if type_id:
            mime.setData(BLOCK_MIME, type_id.encode("utf-8"))
            mime.setText(type_id)
        return mime


class Palette(QWidget):
    block_activated = Signal(str)  # double-click: append after the selected block

    def __init__(self, parent=None):
        super().__init__(parent)
        self.search = QLineEdit(placeholderText="Search blocks (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.tree = _Tree()
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragOnly)
        self.tree.setIndentation(12)
        self.tree.setWordWrap(True)  # long titles ("Partial Conv (LeNet C3)") wrap instead of being cut
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.items: dict[str, QTreeWidgetItem] = {}
        self.populate()
        self.search.textChanged.connect(self.filter)
        self.tree.itemDoubleClicked.connect(self._activated)

    def populate(self) -> None:
        self.tree.clear()
        self.items.clear()
        for category, blocks in catalog().items():
            group = QTreeWidgetItem(self.tree, [category])
            group.setFlags(Qt.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            for block in blocks:
                item = QTreeWidgetItem(group, [block.title])
                item.setIcon(0, icon(block.icon))
                item.setData(0, TYPE_ROLE, block.type_id)
                item.setToolTip(0, f"<b>{block.title}</b><br>{block.help}" if block.help else block.title)
                item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled)
                self.items[block.type_id] = item
            group.setExpanded(True)

    def preferred_width(self) -> int:
        """The dock width at which the longest block title is shown whole (icon, indentation and
        scroll bar included)."""
        metrics = self.tree.fontMetrics()
        widest = max((metrics.horizontalAdvance(item.text(0)) for item in self.items.values()), default=120)
        return widest + 2 * self.tree.indentation() + self.tree.iconSize().width() + 16 + \
            self.tree.verticalScrollBar().sizeHint().width() + 24

    def filter(self, text: str) -> None:
        words = text.lower().split()
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            shown = 0
            for j in range(group.childCount()):
                item = group.child(j)
                hay = f"{item.text(0)} {group.text(0)} {item.data(0, TYPE_ROLE)} {item.toolTip(0)}".lower()
                hide = not all(w in hay for w in words)
                item.setHidden(hide)
                shown += not hide
            group.setHidden(shown == 0)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.ShortcutFocusReason)
        self.search.selectAll()

    def mime_for(self, type_id: str) -> QMimeData:
        """The MIME data a drag of this entry carries (tests synthesize drops with it)."""
        return self.tree.mimeData([self.items[type_id]])

    def _activated(self, item, _column) -> None:
        type_id = item.data(0, TYPE_ROLE)
        if type_id:
            self.block_activated.emit(type_id)
