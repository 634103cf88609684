"""Undo commands: each changes the projects/ model (through Graph methods or the Document's
position/training setters) and nothing else; the views follow the model's events."""
from __future__ import annotations

import copy
from typing import Any

from PySide6.QtGui import QUndoCommand

from projects.clipboard import PastePlan
from projects.graph import Node, Wire
from projects.trust import confirm, location_kind
from runtime.data.catalog import switched_source


class _Command(QUndoCommand):
    def __init__(self, doc, text: str):
        super().__init__(text)
        self.doc = doc

    @property
    def graph(self):
        return self.doc.graph


class AddNode(_Command):
    def __init__(self, doc, type_id: str, pos, name: str | None = None, params: dict | None = None):
        from nodes import resolve

        super().__init__(doc, f"Add {resolve(type_id).title}")
        self.type_id, self.pos, self.name, self.params = type_id, list(pos), name, params
        self.node: Node | None = None

    def redo(self):
        if self.node is None:
            import uuid

            node_id = uuid.uuid4().hex
            self.doc.positions()[node_id] = self.pos
            self.node = self.graph.add_node(self.type_id, self.name, self.params, node_id)
        else:
            self.doc.positions()[self.node.id] = self.pos
            self.graph.restore_node(self.node)

    def undo(self):
        self.graph.remove_node(self.node.id)
        self.doc.positions().pop(self.node.id, None)


class RemoveNodes(_Command):
    """Deletes blocks and their wires; undo puts each block, wire and view position back at its
    former place in the node order, the wire list and the positions, so the file reads as before."""

    def __init__(self, doc, ids: list[str], text: str = ""):
        super().__init__(doc, text or (f"Delete {len(ids)} blocks" if len(ids) > 1 else "Delete block"))
        self.ids = [i for i in doc.graph.nodes if i in set(ids)]
        self.removed: list[tuple[int, Node]] = []  # (place in the node order, node)
        self.wires: list[tuple[int, Wire]] = []  # (place in the wire list, wire)
        self.places: list[tuple[int, str, list[float]]] = []  # (place in the positions, id, position)

    def redo(self):
        ids, store = set(self.ids), self.doc.positions()
        node_at = {nid: i for i, nid in enumerate(self.graph.nodes)}
        view_at = {nid: i for i, nid in enumerate(store)}
        self.wires = [(i, w) for i, w in enumerate(self.graph.wires) if w.src in ids or w.dst in ids]
        self.places = sorted((view_at[nid], nid, store[nid]) for nid in self.ids if nid in store)
        self.removed = []
        with self.graph.batch():
            for nid in self.ids:
                node, _ = self.graph.remove_node(nid)
                self.removed.append((node_at[nid], node))
                store.pop(nid, None)

    def undo(self):
        store = self.doc.positions()
        items = list(store.items())
        for i, nid, pos in self.places:  # in ascending places: each lands where it was
            items.insert(i, (nid, pos))
        store.clear()
        store.update(items)
        self.graph.restore(self.removed, self.wires)


class RemoveWires(_Command):
    def __init__(self, doc, wires: list[Wire]):
        super().__init__(doc, "Delete wire" if len(wires) == 1 else f"Delete {len(wires)} wires")
        self.wires = list(wires)

    def redo(self):
        with self.graph.batch():
            for w in self.wires:
                self.graph.disconnect(w)

    def undo(self):
        with self.graph.batch():
            for w in self.wires:
                self.graph.connect(w.src, w.src_port, w.dst, w.dst_port, check=False)


class Connect(_Command):
    def __init__(self, doc, src: str, src_port: str, dst: str, dst_port: str):
        super().__init__(doc, "Connect")
        self.args = (src, src_port, dst, dst_port)
        self.wire: Wire | None = None

    def redo(self):
        self.wire = self.graph.connect(*self.args)

    def undo(self):
        self.graph.disconnect(self.wire)


class SetParam(_Command):
    def __init__(self, doc, node_id: str, name: str, value: Any):
        node = doc.graph.nodes[node_id]
        super().__init__(doc, f"Change {node.name} {name}")
        self.node_id, self.name, self.value = node_id, name, value
        self.old = node.params.get(name)

    def redo(self):
        self.graph.set_param(self.node_id, self.name, self.value)

    def undo(self):
        self.graph.set_param(self.node_id, self.name, self.old)


class SetTrainable(_Command):
    """Freeze a block's weights (they keep their values while the rest trains) or unfreeze them."""

    def __init__(self, doc, node_id: str, trainable: bool):
        node = doc.graph.nodes[node_id]
        super().__init__(doc, f"{'Unfreeze' if trainable else 'Freeze'} {node.name}")
        self.node_id, self.value, self.old = node_id, trainable, node.trainable

    def redo(self):
        self.graph.set_trainable(self.node_id, self.value)

    def undo(self):
        self.graph.set_trainable(self.node_id, self.old)


class Rename(_Command):
    def __init__(self, doc, node_id: str, name: str):
        self.old = doc.graph.nodes[node_id].name
        super().__init__(doc, f"Rename {self.old} to {name}")
        self.node_id, self.name = node_id, name

    def redo(self):
        self.graph.rename(self.node_id, self.name)

    def undo(self):
        self.graph.rename(self.node_id, self.old)


class MoveNodes(_Command):
    def __init__(self, doc, new: dict[str, list[float]], text: str = "Move"):
        super().__init__(doc, text)
        store = doc.positions()
        self.new = {k: list(v) for k, v in new.items()}
        self.old = {k: list(store.get(k, v)) for k, v in new.items()}

    def redo(self):
        self.doc.set_positions(self.new)

    def undo(self):
        self.doc.set_positions(self.old)


class Paste(_Command):
    def __init__(self, doc, plan: PastePlan, text: str = "Paste"):
        super().__init__(doc, text)
        self.plan = plan

    def redo(self):
        self.doc.positions().update({k: list(v) for k, v in self.plan.positions.items()})
        with self.graph.batch():
            for node in self.plan.nodes:
                self.graph.restore_node(node)
            for w in self.plan.wires:
                self.graph.connect(w.src, w.src_port, w.dst, w.dst_port, check=False)

    def undo(self):
        with self.graph.batch():
            for node in reversed(self.plan.nodes):
                self.graph.remove_node(node.id)
                self.doc.positions().pop(node.id, None)


class ChooseDataset(_Command):
    """Switch the data source: the common dataset settings stay, the old source's own options go."""

    def __init__(self, doc, name: str):
        super().__init__(doc, "Change dataset")
        self.old = copy.deepcopy(doc.project.training.get("dataset") or {})
        self.new = switched_source(self.old, name)

    def redo(self):
        self.doc.set_training_section("dataset", copy.deepcopy(self.new))

    def undo(self):
        self.doc.set_training_section("dataset", copy.deepcopy(self.old))


class SetTraining(_Command):
    def __init__(self, doc, section: str | None, name: str, value: Any):
        super().__init__(doc, f"Change training {name}")
        self.section, self.name, self.value = section, name, value
        src = doc.project.training.get(section, {}) if section else doc.project.training
        self.old = src.get(name)
        if isinstance(value, str) and location_kind(name):  # the user typed this path: no need to ask
            confirm(value)

    def redo(self):
        self.doc.set_training(self.section, self.name, self.value)

    def undo(self):
        self.doc.set_training(self.section, self.name, self.old)
