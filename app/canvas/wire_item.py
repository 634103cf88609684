"""A wire between two ports, drawn as a curve with the tensor shape it carries as a label."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainterPath, QPainterPathStroker, QPen, QStaticText
from PySide6.QtWidgets import QGraphicsItem

from ..theme import canvas_colors

LABEL_FONT = QFont()


def curve(a: QPointF, b: QPointF) -> QPainterPath:
    """A forward wire is one smooth S; a wire that runs back to the left (the next row of a
    wrapped layout) leaves to the right, returns along the gap between the rows and enters
    from the left, with rounded corners, instead of cutting diagonally across the blocks."""
    path = QPainterPath(a)
    if b.x() >= a.x() + 30 or abs(b.y() - a.y()) < 40:
        dx = max(abs(b.x() - a.x()) * 0.5, 40.0)
        path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b)
        return path
    out, r = 24.0, 12.0
    mid = (a.y() + b.y()) / 2
    corners = [QPointF(a.x() + out, a.y()), QPointF(a.x() + out, mid), QPointF(b.x() - out, mid),
               QPointF(b.x() - out, b.y())]
    prev = a
    for i, corner in enumerate(corners):
        nxt = corners[i + 1] if i + 1 < len(corners) else b
        path.lineTo(_towards(corner, prev, r))
        path.quadTo(corner, _towards(corner, nxt, r))
        prev = corner
    path.lineTo(b)
    return path


def _towards(p: QPointF, q: QPointF, dist: float) -> QPointF:
    """The point ``dist`` from ``p`` in the direction of ``q`` (a corner's tangent point)."""
    dx, dy = q.x() - p.x(), q.y() - p.y()
    length = max((dx * dx + dy * dy) ** 0.5, 1e-9)
    dist = min(dist, length / 2)
    return QPointF(p.x() + dx / length * dist, p.y() + dy / length * dist)


class WireItem(QGraphicsItem):
    def __init__(self, wire, src_port, dst_port):
        super().__init__()
        self.wire = wire
        self.src_port, self.dst_port = src_port, dst_port
        self.setFlags(QGraphicsItem.ItemIsSelectable)
        self.setZValue(0)
        self._path = QPainterPath()
        self._label: QStaticText | None = None
        self._label_size = QRectF()
        self._bounds = QRectF()
        self.update_path()

    def set_label(self, text: str) -> None:
        if not text:
            self._label = None
        else:
            LABEL_FONT.setPointSizeF(8.0)
            st = QStaticText(text)
            st.setTextFormat(Qt.PlainText)
            st.prepare(font=LABEL_FONT)
            self._label = st
            w = QFontMetricsF(LABEL_FONT).horizontalAdvance(text)
            self._label_size = QRectF(0, 0, w + 8, QFontMetricsF(LABEL_FONT).height() + 2)
        self.update_path()

    def update_path(self) -> None:
        a, b = self.src_port.scene_anchor(), self.dst_port.scene_anchor()
        self.prepareGeometryChange()
        self._path = curve(a, b)
        bounds = self._path.boundingRect().adjusted(-4, -4, 4, 4)
        if self._label is not None:
            bounds = bounds.united(self._label_rect())
        self._bounds = bounds

    def _label_rect(self) -> QRectF:
        mid = self._path.pointAtPercent(0.5)
        r = QRectF(self._label_size)
        r.moveCenter(mid - QPointF(0, r.height() * 0.5 + 3))
        return r

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        return stroker.createStroke(self._path)

    def paint(self, painter, option, widget=None):
        c = canvas_colors()
        painter.setBrush(Qt.NoBrush)
        painter.setPen(QPen(c["selected"] if self.isSelected() else c["wire"], 2.2 if self.isSelected() else 1.6))
        painter.drawPath(self._path)
        if self._label is not None:
            r = self._label_rect()
            painter.setPen(QPen(c["node_border"], 0.8))
            painter.setBrush(c["label_bg"])
            painter.drawRoundedRect(r, 4, 4)
            painter.setPen(c["text"])
            painter.setFont(LABEL_FONT)
            painter.drawStaticText(r.topLeft() + QPointF(4, 1), self._label)


class DraftWire(QGraphicsItem):
    """The wire following the mouse while a connection is being drawn."""

    def __init__(self, start: QPointF, from_input: bool):
        super().__init__()
        self.start, self.end, self.from_input = start, start, from_input
        self.setZValue(3)
        self._path = QPainterPath()

    def set_end(self, end: QPointF):
        self.prepareGeometryChange()
        self.end = end
        a, b = (end, self.start) if self.from_input else (self.start, end)
        self._path = curve(a, b)

    def boundingRect(self) -> QRectF:
        return self._path.boundingRect().adjusted(-3, -3, 3, 3)

    def paint(self, painter, option, widget=None):
        painter.setPen(QPen(canvas_colors()["selected"], 1.6, Qt.DashLine))
        painter.drawPath(self._path)
