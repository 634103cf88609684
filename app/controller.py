"""Turns user gestures on the canvas and palette into undo commands: place, append, insert on a
wire, connect (refusals explained with Graph.connect_problem), delete, copy/cut/paste/duplicate
through the system clipboard, select all and auto-layout."""
from __future__ import annotations

import json

from PySide6.QtCore import QMimeData, QObject, QPointF, Signal
from PySide6.QtGui import QGuiApplication

from nodes import resolve
from projects.clipboard import MIME_TYPE, copy_selection, paste_plan
from projects.editing import insertion_moves, position_after
from projects.layout import auto_layout, fitting_wrap

from . import commands
from .canvas.node_item import WIDTH


class EditController(QObject):
    status_message = Signal(str)

    def __init__(self, document, scene, view, parent=None):
        super().__init__(parent)
        self.doc, self.scene, self.view = document, scene, view
        self._paste_count = 0
        scene.connect_requested.connect(self.connect_ports)
        scene.nodes_moved.connect(self.move)
        scene.status_message.connect(self.status_message)
        view.block_dropped.connect(self.drop_block)

    @property
    def stack(self):
        return self.doc.undo_stack

    # ---- placing blocks --------------------------------------------------------------------------
    def drop_block(self, type_id: str, scene_pos: QPointF) -> str | None:
        """A palette block dropped at ``scene_pos``: placed there, or inserted into the wire under it."""
        block = resolve(type_id)
        if block is None:
            self.status_message.emit(f"Unknown block type '{type_id}'")
            return None
        pos = [scene_pos.x() - WIDTH / 2, scene_pos.y() - 30]
        wire = self.scene.wire_at(scene_pos)
        if wire is not None and block.inputs and block.outputs:
            return self.insert_on_wire(type_id, wire, pos)
        cmd = commands.AddNode(self.doc, type_id, pos)
        self.stack.push(cmd)
        self.scene.select_ids([cmd.node.id])
        return cmd.node.id

    def insert_on_wire(self, type_id: str, wire, pos) -> str:
        """Insert into ``wire``: the block takes the column after the wire's source, and the blocks
        downstream move right to make room (one undo step)."""
        block = resolve(type_id)
        pos, moves = insertion_moves(self.doc.graph, self.doc.positions(), wire.src, wire.dst, pos)
        self.stack.beginMacro(f"Insert {block.title}")
        if moves:
            self.stack.push(commands.MoveNodes(self.doc, moves, "Make room"))
        add = commands.AddNode(self.doc, type_id, pos)
        self.stack.push(add)
        self.stack.push(commands.RemoveWires(self.doc, [wire]))
        nid = add.node.id
        self.stack.push(commands.Connect(self.doc, wire.src, wire.src_port, nid, block.inputs[0].name))
        self.stack.push(commands.Connect(self.doc, nid, block.outputs[0].name, wire.dst, wire.dst_port))
        self.stack.endMacro()
        self.scene.select_ids([nid])
        return nid

    def append_block(self, type_id: str) -> str | None:
        """Palette double-click: add after the selected block and wire it (or at the view's centre)."""
        block = resolve(type_id)
        if block is None:
            return None
        sel = self.scene.selected_ids()
        if len(sel) != 1:
            center = self.view.mapToScene(self.view.viewport().rect().center())
            return self.drop_block(type_id, center)
        src = sel[0]
        src_node = self.doc.graph.nodes[src]
        self.stack.beginMacro(f"Append {block.title}")
        add = commands.AddNode(self.doc, type_id, position_after(self.doc.positions(), src))
        self.stack.push(add)
        nid = add.node.id
        if src_node.block.outputs and block.inputs:
            sp, dp = src_node.block.outputs[0].name, block.inputs[0].name
            reason = self.doc.graph.connect_problem(src, sp, nid, dp)
            if reason is None:
                self.stack.push(commands.Connect(self.doc, src, sp, nid, dp))
            else:
                self.status_message.emit(f"Added {block.title} without a wire: {reason}")
        self.stack.endMacro()
        self.scene.select_ids([nid])
        item = self.scene.nodes.get(nid)
        if item is not None:
            self.view.reveal(item)  # appended one column right: possibly past the window's edge
        return nid

    # ---- wires and moves -------------------------------------------------------------------------
    def connect_ports(self, src: str, sp: str, dst: str, dp: str) -> bool:
        reason = self.doc.graph.connect_problem(src, sp, dst, dp)
        if reason:
            self.status_message.emit(f"Cannot connect: {reason}")
            return False
        self.stack.push(commands.Connect(self.doc, src, sp, dst, dp))
        return True

    def move(self, positions: dict) -> None:
        self.stack.push(commands.MoveNodes(self.doc, positions,
                                           "Move block" if len(positions) == 1 else f"Move {len(positions)} blocks"))

    def auto_layout(self) -> None:
        """Rows of columns that fit the window at a readable zoom (a long chain wraps into bands)."""
        size = self.view.viewport().size()
        wrap = fitting_wrap(self.doc.graph, size.width(), size.height())
        positions = auto_layout(self.doc.graph, wrap=wrap)
        if positions:
            self.stack.push(commands.MoveNodes(self.doc, positions, "Auto layout"))
            self.view.frame_all(readable=True)

    # ---- selection edits -------------------------------------------------------------------------
    def delete_selection(self) -> None:
        ids, wires = self.scene.selected_ids(), self.scene.selected_wires()
        if not ids and not wires:
            return
        self.stack.beginMacro("Delete")
        wires = [w for w in wires if w.src not in ids and w.dst not in ids]
        if wires:
            self.stack.push(commands.RemoveWires(self.doc, wires))
        if ids:
            self.stack.push(commands.RemoveNodes(self.doc, ids))
        self.stack.endMacro()

    def select_all(self) -> None:
        self.scene.select_ids(list(self.doc.graph.nodes))

    def copy(self) -> bool:
        ids = self.scene.selected_ids()
        if not ids:
            return False
        data = copy_selection(self.doc.graph, self.doc.positions(), ids)
        mime = QMimeData()
        payload = json.dumps(data).encode("utf-8")
        mime.setData(MIME_TYPE, payload)
        mime.setText(", ".join(n["name"] for n in data["nodes"]))
        QGuiApplication.clipboard().setMimeData(mime)
        self._paste_count = 0
        return True

    def cut(self) -> None:
        if self.copy():
            ids = self.scene.selected_ids()
            self.stack.push(commands.RemoveNodes(self.doc, ids, "Cut"))

    def paste(self) -> list[str]:
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None or not mime.hasFormat(MIME_TYPE):
            self.status_message.emit("Nothing to paste: copy some blocks first")
            return []
        try:
            data = json.loads(bytes(mime.data(MIME_TYPE)).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            self.status_message.emit("The clipboard holds damaged block data")
            return []
        self._paste_count += 1
        return self._paste(data, 40.0 * self._paste_count, "Paste")

    def duplicate(self) -> list[str]:
        ids = self.scene.selected_ids()
        if not ids:
            return []
        return self._paste(copy_selection(self.doc.graph, self.doc.positions(), ids), 40.0, "Duplicate")

    def _paste(self, data, offset: float, text: str) -> list[str]:
        plan = paste_plan(self.doc.graph, data, (offset, offset))
        if not plan.nodes:
            return []
        self.stack.push(commands.Paste(self.doc, plan, text))
        ids = [n.id for n in plan.nodes]
        self.scene.select_ids(ids)
        return ids
