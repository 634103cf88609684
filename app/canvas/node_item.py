"""A block on the canvas: name, type, key parameters, output shape and parameter count, typed
ports; outlined in red with the problem in its tooltip when validation fails; a badge and a
strip in the part's colour when it belongs to a GAN's generator or discriminator or a VAE's
encoder or decoder. Text is laid out once per change (QStaticText), so zooming and dragging
only blit it."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainterPath, QPen, QStaticText
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject

from nodes import axes_text, dims_text, shape_text


from ..theme import CATEGORY_COLORS, PART_COLORS, SHARED_COLOR, canvas_colors, icon

WIDTH = 172.0
HEADER = 26.0
LINE = 17.0
PORT_R = 5.5
BADGE_H = 14.0


class PortItem(QGraphicsItem):
    """One input (left edge) or output (right edge) port of a node."""

    def __init__(self, node: "NodeItem", name: str, is_input: bool, index: int, count: int):
        super().__init__(node)
        self.node, self.name, self.is_input = node, name, is_input
        self.index, self.count = index, count
        self.highlight = False
        self.setAcceptHoverEvents(True)
        self.place()

    def place(self):
        h = self.node.height
        y = h * (self.index + 1) / (self.count + 1)
        self.setPos(0.0 if self.is_input else WIDTH, y)

    def boundingRect(self) -> QRectF:
        r = PORT_R + 3
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter, option, widget=None):
        c = canvas_colors()
        painter.setPen(QPen(c["node_border"], 1.2))
        painter.setBrush(c["port_ok"] if self.highlight else c["port"])
        painter.drawEllipse(QPointF(0, 0), PORT_R, PORT_R)

    def scene_anchor(self) -> QPointF:
        return self.scenePos()

    def set_highlight(self, on: bool):
        if on != self.highlight:
            self.highlight = on
            self.update()


class NodeItem(QGraphicsObject):
    def __init__(self, node_id: str, block):
        super().__init__()
        self.node_id, self.block = node_id, block
        self.setFlags(QGraphicsItem.ItemIsMovable | QGraphicsItem.ItemIsSelectable
                      | QGraphicsItem.ItemSendsGeometryChanges)
        self.setZValue(1)
        self.wires: list = []  # WireItems attached, updated when the node moves
        self.expanded = False
        self.has_problem = False
        self._own_problem = False  # the block's own (shape, parameter) problems
        self.task_problem = ""  # why the project's task cannot train this graph, when it is about this block
        self.part = ""  # the part of a task's graph it belongs to ("generator", "encoder"...), "shared" or ""
        self.part_color = -1  # the part's place in its task's parts (-1: shared or none)
        self._short = ""  # the part's badge text
        self._badge: QStaticText | None = None
        self._name = ""
        self._tip = ""
        self._texts: list[tuple[QStaticText, QFont, str]] = []
        self._params: QStaticText | None = None
        self._inner: list[QStaticText] = []
        self.height = HEADER + 3 * LINE + 8
        self._icon = icon(block.icon).pixmap(16, 16) if block else None
        self._accent = QColor(CATEGORY_COLORS.get(block.category if block else "", "#7d7d7d"))
        ins = block.inputs if block else ()
        outs = block.outputs if block else ()
        self.in_ports = [PortItem(self, p.name, True, i, len(ins)) for i, p in enumerate(ins)]
        self.out_ports = [PortItem(self, p.name, False, i, len(outs)) for i, p in enumerate(outs)]

    # ---- content ----------------------------------------------------------------------------
    def set_content(self, node, state, inner_layers=()) -> None:
        """Re-lay out the texts from the model (called on rename, parameter change, new shapes)."""
        block = self.block
        bold, small = QFont(), QFont()
        bold.setBold(True)
        bold.setPointSizeF(9.5)
        small.setPointSizeF(8.5)
        label = block.label(node.params) if block else ""
        params = ""
        if state is not None and state.outputs is not None:
            layout = block.output_layout(node.params) if block else ""
            stats = "→ " + ", ".join(axes_text(s, layout) for s in state.outputs)
            params = f"{state.params:,} params" if state.params else ""
        else:
            stats = "→ ?"
        if params:  # the shape line holds both: a long shape gets the short count, then is elided
            params, stats = _fit_shape_line(stats, params, state.params, small, WIDTH - 22)
        kind = (block.title if block else node.type_id) + ("" if node.trainable else " · frozen")
        lines = [(node.name, bold, "text"), (kind, small, "muted"),
                 (label or " ", small, "text"), (stats, small, "text")]
        self._texts = []
        self._name = node.name
        for text, font, color in lines:
            self._texts.append((_static(_elide(text, font, WIDTH - 16), font), font, color))
        self._layout_name()  # the name line leaves room for the icon and the part badge
        self._params = None
        if params:  # right-aligned on the shape line, so neither has to be elided
            self._params = QStaticText(params)
            self._params.setTextFormat(Qt.PlainText)
            self._params.prepare(font=small)
            self._params_font = small
        self._inner = []
        if self.expanded:
            for layer in inner_layers:
                st = QStaticText(_elide(f"{layer.name}: {layer.type} → {dims_text(layer.shape)}", small, WIDTH - 20))
                st.prepare(font=small)
                self._inner.append(st)
        problems = state.problems if state is not None else []
        self._own_problem = bool(problems)
        self.has_problem = bool(problems) or bool(self.task_problem)
        tip = [f"<b>{node.name}</b> — {block.title if block else node.type_id}"]
        if not node.trainable:
            tip.append("frozen: its weights keep their values while the rest trains")
        if state is not None:
            ins = ", ".join(shape_text(s) for s in state.inputs) if state.inputs else "none"
            outs = ", ".join(shape_text(s) for s in state.outputs) if state.outputs is not None else "?"
            tip.append(f"in: {ins}<br>out: {outs}<br>params: {state.params:,}")
        tip += [f"<span style='color:#d93025'>⚠ {_esc(p.message)}</span>" for p in problems]
        self._tip = "<br>".join(tip)
        self._set_tooltip()
        height = HEADER + 3 * LINE + 8 + (len(self._inner) * (LINE - 2) + 4 if self._inner else 0)
        if height != self.height:
            self.prepareGeometryChange()
            self.height = height
            for port in self.in_ports + self.out_ports:
                port.place()
            for wire in self.wires:
                wire.update_path()
        self.update()

    def set_task_problem(self, message: str) -> None:
        """Mark the block with a problem of the project's task (two heads, a dataset its task cannot
        learn from, parts wired wrongly); "" clears it."""
        if message == self.task_problem:
            return
        self.task_problem = message
        self.has_problem = self._own_problem or bool(message)
        self._set_tooltip()
        self.update()

    def set_part(self, part: str, short: str = "", index: int = -1) -> None:
        """The part of a task's graph this block belongs to ("" for none), shown as a badge (``short``:
        "G", "enc") and a strip in the colour of the part's place (``index``; -1: shared, grey)."""
        if (part, short, index) == (self.part, self._short, self.part_color):
            return
        self.part, self._short, self.part_color = part, short, index
        self._badge = None
        if part:
            font = _badge_font()
            self._badge = _static(short or part, font)
        self._layout_name()
        self._set_tooltip()
        self.update()

    def _layout_name(self) -> None:
        if not self._texts:
            return
        _old, font, color = self._texts[0]
        room = WIDTH - 16 - 22 - (self._badge_width() + 4 if self._badge is not None else 0)
        self._texts[0] = (_static(_elide(self._name, font, room), font), font, color)

    def _badge_width(self) -> float:
        return self._badge.size().width() + 8 if self._badge is not None else 0.0

    def _set_tooltip(self) -> None:
        part = f"<br>part: {self.part}" if self.part else ""
        task = f"<br><span style='color:#d93025'>⚠ {_esc(self.task_problem)}</span>" if self.task_problem else ""
        self.setToolTip(self._tip + part + task)

    def port(self, name: str, is_input: bool) -> PortItem | None:
        return next((p for p in (self.in_ports if is_input else self.out_ports) if p.name == name), None)

    # ---- painting -----------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return QRectF(-2, -2, WIDTH + 4, self.height + 4)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, WIDTH, self.height), 6, 6)
        return path

    def paint(self, painter, option, widget=None):
        c = canvas_colors()
        rect = QRectF(0, 0, WIDTH, self.height)
        if self.has_problem:
            pen = QPen(c["error"], 2.5)
        elif self.isSelected():
            pen = QPen(c["selected"], 2.5)
        else:
            pen = QPen(c["node_border"], 1.0)
        painter.setPen(pen)
        painter.setBrush(c["node"])
        painter.drawRoundedRect(rect, 6, 6)
        painter.fillRect(QRectF(1, 1, 5, self.height - 2), self._accent)
        if self._badge is not None:
            colour = QColor(PART_COLORS[self.part_color % len(PART_COLORS)] if self.part_color >= 0 else SHARED_COLOR)
            painter.fillRect(QRectF(8, 1.5, WIDTH - 14, 3), colour)  # seen from afar, when text is not
            w = self._badge_width()
            badge = QRectF(WIDTH - 6 - w, 6, w, BADGE_H)
            painter.setPen(Qt.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(badge, 4, 4)
            painter.setFont(_badge_font())
            painter.setPen(QColor("#ffffff"))
            size = self._badge.size()
            painter.drawStaticText(QPointF(badge.x() + (w - size.width()) / 2,
                                           badge.y() + (BADGE_H - size.height()) / 2), self._badge)
        if self.isSelected() and self.has_problem:
            painter.setPen(QPen(c["selected"], 1.0, Qt.DashLine))
            painter.setBrush(Qt.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-4, -4, 4, 4), 8, 8)
        if self._icon is not None:
            painter.drawPixmap(12, 6, self._icon)
        y = 5.0
        for i, (st, font, color) in enumerate(self._texts):
            painter.setFont(font)
            painter.setPen(c[color])
            painter.drawStaticText(QPointF(34 if i == 0 else 12, y), st)
            y += HEADER - 2 if i == 0 else LINE
        if self._params is not None:
            painter.setFont(self._params_font)
            painter.setPen(c["muted"])
            w = self._params.size().width()
            painter.drawStaticText(QPointF(WIDTH - 10 - w, y - LINE), self._params)
        if self._inner:
            painter.setPen(QPen(c["node_border"], 0.8))
            painter.drawLine(QPointF(10, y + 1), QPointF(WIDTH - 10, y + 1))
            painter.setPen(c["muted"])
            for st in self._inner:
                painter.drawStaticText(QPointF(14, y + 3), st)
                y += LINE - 2

    def itemChange(self, change, value):
        if change == QGraphicsItem.ItemPositionHasChanged:
            for wire in self.wires:
                wire.update_path()
        return super().itemChange(change, value)


def _static(text: str, font: QFont) -> QStaticText:
    st = QStaticText(text)
    st.setTextFormat(Qt.PlainText)
    st.prepare(font=font)
    return st


def _badge_font() -> QFont:
    font = QFont()
    font.setBold(True)
    font.setPointSizeF(7.5)
    return font


def _fit_shape_line(stats: str, params: str, count: int, font: QFont, width: float) -> tuple[str, str]:
    """(params text, shape text) that fit side by side in ``width``."""
    from PySide6.QtGui import QFontMetricsF

    metrics = QFontMetricsF(font)
    if metrics.horizontalAdvance(stats) + metrics.horizontalAdvance(params) + 8 <= width:
        return params, stats
    params = f"{compact_count(count)} params"
    return params, _elide(stats, font, width - metrics.horizontalAdvance(params) - 8)


def compact_count(n: int) -> str:
    """1234 -> "1.2k", 390181 -> "390k", 2500000 -> "2.5M"."""
    for size, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= size:
            value = n / size
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
    return str(n)


def _elide(text: str, font: QFont, width: float) -> str:
    from PySide6.QtGui import QFontMetricsF

    return QFontMetricsF(font).elidedText(text, Qt.ElideRight, width)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def accent(block) -> QBrush:
    return QBrush(QColor(CATEGORY_COLORS.get(block.category, "#7d7d7d")))
