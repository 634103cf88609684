"""The scene draws the document and only listens to it: node and wire items are created, updated
and removed from the model's change events (undo, load and paste all take this one path).
Gestures (drawing a wire, finishing a move) are reported as signals; the controller turns them
into undo commands."""
from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QPointF, QTimer, Signal
from PySide6.QtWidgets import QGraphicsScene

from projects.parts import SHARED
from runtime.plan import task_choice
from runtime.tasks.choice import model_parts

from ..theme import canvas_colors
from .node_item import NodeItem, PortItem
from .wire_item import DraftWire, WireItem

GRID = 24.0



class CanvasScene(QGraphicsScene):
    connect_requested = Signal(str, str, str, str)  # src, src_port, dst, dst_port
    nodes_moved = Signal(dict)  # {node id: [x, y]} after a mouse move
    status_message = Signal(str)

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.setItemIndexMethod(QGraphicsScene.NoIndex)  # no BSP re-indexing while dragging
        self.doc = document
        self.nodes: dict[str, NodeItem] = {}
        self.wires: dict = {}
        self._draft: DraftWire | None = None
        self._draft_port: PortItem | None = None
        self._hover_port: PortItem | None = None
        document.graph_event.connect(self.on_graph_event)
        document.positions_changed.connect(self.on_positions_changed)
        document.project_replaced.connect(self.rebuild)
        document.training_changed.connect(lambda: self._parts_timer.start())  # the task may have changed
        self.setBackgroundBrush(canvas_colors()["background"])
        self._parts_timer = QTimer(self)  # parts follow the wiring, once per batch of edits
        self._parts_timer.setSingleShot(True)
        self._parts_timer.setInterval(0)
        self._parts_timer.timeout.connect(self.refresh_parts)
        self.rebuild()

    # ---- following the model -----------------------------------------------------------------
    def rebuild(self) -> None:
        self.clear()
        self.nodes.clear()
        self.wires.clear()
        self._draft = None
        graph = self.doc.graph
        for nid in graph.nodes:
            self._add_node(nid)
        for wire in graph.wires:
            self._add_wire(wire)
        self._refresh(graph.nodes)
        self.refresh_parts()
        self.setSceneRect(self.itemsBoundingRect().adjusted(-4000, -4000, 4000, 4000))

    def on_graph_event(self, ev) -> None:
        kind = ev.kind
        if kind in ("node_added", "node_removed", "wire_added", "wire_removed"):
            self._parts_timer.start()
        if kind == "node_added":
            self._add_node(ev.node)
            self._refresh([ev.node])
        elif kind == "node_removed":
            item = self.nodes.pop(ev.node, None)
            if item is not None:
                self.removeItem(item)
        elif kind == "wire_added":
            self._add_wire(ev.wire)
        elif kind == "wire_removed":
            item = self.wires.pop(ev.wire, None)
            if item is not None:
                for end in (item.src_port.node, item.dst_port.node):
                    if item in end.wires:
                        end.wires.remove(item)
                self.removeItem(item)
        elif kind in ("params_changed", "renamed", "trainable_changed"):
            self._refresh([ev.node])
        elif kind == "states_changed":
            self._refresh(ev.ids)

    def on_positions_changed(self, ids: list) -> None:
        positions = self.doc.positions()
        for nid in ids:
            item = self.nodes.get(nid)
            if item is not None and nid in positions:
                item.setPos(QPointF(*positions[nid]))

    def _add_node(self, nid: str) -> None:
        node = self.doc.graph.nodes[nid]
        item = NodeItem(nid, node.block)
        pos = self.doc.positions().get(nid, [0.0, 0.0])
        item.setPos(QPointF(*pos))
        self.nodes[nid] = item
        self.addItem(item)

    def _add_wire(self, wire) -> None:
        a, b = self.nodes.get(wire.src), self.nodes.get(wire.dst)
        if a is None or b is None:
            return
        sp, dp = a.port(wire.src_port, False), b.port(wire.dst_port, True)
        if sp is None or dp is None:
            return
        item = WireItem(wire, sp, dp)
        a.wires.append(item)
        b.wires.append(item)
        self.wires[wire] = item
        self.addItem(item)
        item.set_label(self.doc.graph.port_text(wire.src, wire.src_port))

    def _refresh(self, ids) -> None:
        graph = self.doc.graph
        for nid in ids:
            item, node = self.nodes.get(nid), graph.nodes.get(nid)
            if item is None or node is None:
                continue
            state = graph.states.get(nid)
            inner = ()
            if item.expanded and node.block and node.block.composite and state and state.outputs is not None:
                inner = node.block.inner_layers(node.params, [s for s in state.inputs if s is not None])
            item.set_content(node, state, inner)
            for wire in item.wires:
                if wire.wire.src == nid:
                    wire.set_label(graph.port_text(nid, wire.wire.src_port))

    def refresh_parts(self) -> None:
        """Badge each block with the part it belongs to (a GAN's generator or discriminator, a VAE's
        encoder or decoder): the parts the project's task declares, found from the wiring; and mark
        the block a problem of the task names (two heads, a dataset the task cannot learn from)."""
        choice = task_choice(self.doc.project)
        where = choice.problem.node if choice.problem is not None else None
        for nid, item in self.nodes.items():
            item.set_task_problem(choice.problem.message if nid == where else "")
        decl = choice.declaration
        rules = {r.name: (i, r) for i, r in enumerate(decl.parts)} if decl is not None else {}
        parts = model_parts(self.doc.graph, decl) if rules else None
        for nid, item in self.nodes.items():
            part = parts.members.get(nid, "") if parts is not None else ""
            if part == SHARED:
                readers = [rules[p][1].short for p, ids in parts.inputs.items() if nid in ids and p in rules]
                item.set_part(part, "+".join(readers), -1)
            elif part in rules:
                index, rule = rules[part]
                item.set_part(part, rule.short, index)
            else:
                item.set_part("", "", -1)

    def toggle_expanded(self, nid: str) -> None:
        item = self.nodes.get(nid)
        if item is not None and item.block is not None and item.block.composite:
            item.expanded = not item.expanded
            self._refresh([nid])

    # ---- selection helpers -------------------------------------------------------------------
    def selected_ids(self) -> list[str]:
        return [i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)]

    def selected_wires(self) -> list:
        return [i.wire for i in self.selectedItems() if isinstance(i, WireItem)]

    def select_ids(self, ids) -> None:
        wanted = set(ids)
        self.blockSignals(True)
        self.clearSelection()
        for nid in wanted:
            if nid in self.nodes:
                self.nodes[nid].setSelected(True)
        self.blockSignals(False)
        self.selectionChanged.emit()

    def wire_at(self, pos: QPointF):
        for item in self.items(pos):
            if isinstance(item, WireItem):
                return item.wire
        return None

    def port_at(self, pos: QPointF) -> PortItem | None:
        return next((i for i in self.items(pos) if isinstance(i, PortItem)), None)

    # ---- gestures ------------------------------------------------------------------------------
    def mousePressEvent(self, event):
        from PySide6.QtCore import Qt

        port = self.port_at(event.scenePos()) if event.button() == Qt.LeftButton else None
        if port is not None:
            self._draft_port = port
            self._draft = DraftWire(port.scene_anchor(), port.is_input)
            self._draft.set_end(event.scenePos())
            self.addItem(self._draft)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event):
        if self._draft is not None:
            self._draft.set_end(event.scenePos())
            port = self.port_at(event.scenePos())
            if port is not self._hover_port:
                if self._hover_port is not None:
                    self._hover_port.set_highlight(False)
                self._hover_port = port
                if port is not None and port.is_input != self._draft_port.is_input:
                    port.set_highlight(True)
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):
        if self._draft is not None:
            start, end = self._draft_port, self.port_at(event.scenePos())
            self.removeItem(self._draft)
            self._draft, self._draft_port = None, None
            if self._hover_port is not None:
                self._hover_port.set_highlight(False)
                self._hover_port = None
            if end is not None and end is not start:
                self.request_connection(start, end)
            event.accept()
            return
        super().mouseReleaseEvent(event)
        self.report_moves()

    def request_connection(self, a: PortItem, b: PortItem) -> None:
        if a.is_input == b.is_input:
            kind = "inputs" if a.is_input else "outputs"
            self.status_message.emit(f"Cannot wire two {kind} together: drag from an output (right side) "
                                     "to an input (left side)")
            return
        out, inp = (b, a) if a.is_input else (a, b)
        self.connect_requested.emit(out.node.node_id, out.name, inp.node.node_id, inp.name)

    def report_moves(self) -> None:
        positions = self.doc.positions()
        moved = {}
        for item in self.selectedItems():
            if isinstance(item, NodeItem):
                p = [item.pos().x(), item.pos().y()]
                old = positions.get(item.node_id)
                if old is None or abs(old[0] - p[0]) > 0.01 or abs(old[1] - p[1]) > 0.01:
                    moved[item.node_id] = p
        if moved:
            self.nodes_moved.emit(moved)

    def drawBackground(self, painter, rect):
        super().drawBackground(painter, rect)
        scale = painter.worldTransform().m11()
        if scale * GRID < 8:
            return
        painter.setPen(canvas_colors()["grid"])
        left, top = math.floor(rect.left() / GRID) * GRID, math.floor(rect.top() / GRID) * GRID
        lines = []
        x = left
        while x < rect.right():
            lines.append(QLineF(x, rect.top(), x, rect.bottom()))
            x += GRID
        y = top
        while y < rect.bottom():
            lines.append(QLineF(rect.left(), y, rect.right(), y))
            y += GRID
        painter.drawLines(lines)
