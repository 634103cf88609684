"""Small dialogs: New from example (with thumbnails), and thumbnail rendering of a project."""
from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QListView, QListWidget, QListWidgetItem, QVBoxLayout

from projects.dlproj import read_project
from projects.examples import list_examples

from .theme import CATEGORY_COLORS

THUMB = QSize(240, 150)


def render_thumbnail(project, size: QSize = THUMB) -> QPixmap:
    """A small diagram of the graph: one box per block at its position, wires as lines."""
    pix = QPixmap(size)
    pix.fill(QColor("#f4f5f7"))
    positions = project.positions()
    graph = project.graph
    pts = [positions[n] for n in graph.nodes if n in positions]
    if not pts:
        return pix
    x0, y0 = min(p[0] for p in pts), min(p[1] for p in pts)
    x1, y1 = max(p[0] for p in pts) + 170, max(p[1] for p in pts) + 80
    scale = min((size.width() - 16) / max(x1 - x0, 1), (size.height() - 16) / max(y1 - y0, 1))
    ox = (size.width() - (x1 - x0) * scale) / 2
    oy = (size.height() - (y1 - y0) * scale) / 2

    def box(nid):
        x, y = positions.get(nid, [x0, y0])
        return QRectF(ox + (x - x0) * scale, oy + (y - y0) * scale, 170 * scale, 80 * scale)

    painter = QPainter(pix)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setPen(QPen(QColor("#7a818c"), 1.2))
    for w in graph.wires:
        a, b = box(w.src), box(w.dst)
        painter.drawLine(a.center().x() + a.width() / 2, a.center().y(), b.left(), b.center().y())
    for nid, node in graph.nodes.items():
        color = QColor(CATEGORY_COLORS.get(node.block.category if node.block else "", "#7d7d7d"))
        painter.setPen(QPen(color.darker(130), 1))
        painter.setBrush(color)
        painter.drawRoundedRect(box(nid), 2, 2)
    painter.end()
    return pix


def png_bytes(pix: QPixmap) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.WriteOnly)
    pix.save(buf, "PNG")
    return bytes(data)


def example_thumbnail(path) -> QPixmap:
    project, _ = read_project(path)
    if project.thumbnail:
        pix = QPixmap()
        if pix.loadFromData(project.thumbnail):
            return pix.scaled(THUMB, Qt.KeepAspectRatio, Qt.SmoothTransformation)
    return render_thumbnail(project)


class ExamplesDialog(QDialog):
    """Lists the bundled examples with thumbnails; ``chosen`` is the picked example's name."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("New from example")
        self.list = QListWidget()
        self.list.setViewMode(QListView.IconMode)
        self.list.setIconSize(THUMB)
        self.list.setGridSize(QSize(THUMB.width() + 24, THUMB.height() + 48))
        self.list.setResizeMode(QListView.Adjust)
        self.list.setMovement(QListView.Static)
        self.list.setWordWrap(True)
        for ex in list_examples():
            item = QListWidgetItem(QIcon(example_thumbnail(ex.path)), ex.title)
            item.setToolTip(ex.description)
            item.setData(Qt.UserRole, ex.name)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        buttons = QDialogButtonBox(QDialogButtonBox.Open | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(820, 460)

    @property
    def chosen(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.UserRole) if item else None
