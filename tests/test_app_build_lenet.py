"""Build LeNet-5 from an empty canvas as a user would (palette drops, port drags, inspector edits),
check every shape and count against the course's table, undo to the start, redo, save and reopen."""
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import QApplication

import pytest

from projects.dlproj import graph_to_json

# QDragEnterEvent/QDragMoveEvent only have the QPoint constructor that PySide6 marks deprecated
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

COURSE = [  # name, output, params, connections (the course's LeNet-5 table)
    ("C1", "6x28x28", "156", "122,304"), ("S2", "6x14x14", "12", "5,880"),
    ("C3", "16x10x10", "1,516", "151,600"), ("S4", "16x5x5", "32", "2,000"),
    ("C5", "120x1x1", "48,120", "48,120"), ("F6", "84", "10,164", "10,164"), ("Output", "10", "850", "850"),
]

LAYERS = [  # type id, name, params set in the inspector
    ("conv.conv2d", "C1", {"out_channels": 6, "kernel": 5, "activation": "tanh"}),
    ("pool.subsampling", "S2", {"kernel": 2, "activation": "tanh"}),
    ("conv.lenet_c3", "C3", {"kernel": 5, "activation": "tanh"}),
    ("pool.subsampling", "S4", {"kernel": 2, "activation": "tanh"}),
    ("conv.conv2d", "C5", {"out_channels": 120, "kernel": 5, "activation": "tanh"}),
    ("core.flatten", "Flatten", {}),
    ("core.dense", "F6", {"units": 84, "activation": "tanh"}),
    ("core.dense", "Output", {"units": 10}),
    ("head.classification", "Softmax", {}),
]


def drop(window, type_id, viewport_point):
    """A synthesized drop carrying the palette's MIME data (QDrag.exec blocks in tests)."""
    mime = window.palette.mime_for(type_id)
    vp = window.view.viewport()
    for kind in (QDragEnterEvent, QDragMoveEvent):
        ev = kind(viewport_point, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
        QApplication.sendEvent(vp, ev)
        assert ev.isAccepted()
    ev = QDropEvent(QPointF(viewport_point), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(vp, ev)
    assert ev.isAccepted()
    return window.scene.selected_ids()[0]


def mouse_drag(view, a: QPointF, b: QPointF):
    """Press on scene point ``a``, move, release on ``b`` (as a mouse would)."""
    vp = view.viewport()
    pa, pb = view.mapFromScene(a), view.mapFromScene(b)
    def send(kind, p, buttons):
        QApplication.sendEvent(vp, QMouseEvent(kind, QPointF(p), QPointF(vp.mapToGlobal(p)), Qt.LeftButton,
                                               buttons, Qt.NoModifier))
    send(QEvent.MouseButtonPress, pa, Qt.LeftButton)
    mid = QPoint((pa.x() + pb.x()) // 2, (pa.y() + pb.y()) // 2)
    send(QEvent.MouseMove, mid, Qt.LeftButton)
    send(QEvent.MouseMove, pb, Qt.LeftButton)
    send(QEvent.MouseButtonRelease, pb, Qt.NoButton)


def wire(window, src_id, dst_id):
    scene = window.scene
    a = scene.nodes[src_id].out_ports[0].scenePos()
    b = scene.nodes[dst_id].in_ports[0].scenePos()
    mouse_drag(window.view, a, b)


def edit(window, node_id, name, params):
    window.scene.select_ids([node_id])
    insp = window.inspector
    insp.name_edit.setText(name)
    insp.name_edit.editingFinished.emit()
    for key, value in params.items():
        widget = insp.rows[key].editor.widget
        if hasattr(widget, "findData"):
            widget.setCurrentIndex(widget.findData(value))
        elif hasattr(widget, "setChecked"):
            widget.setChecked(value)
        else:
            widget.setValue(value)


def summary_rows(window):
    window.summary.refresh()
    return {r[0]: r for r in window.summary.cell_texts()}


def test_build_lenet5_like_a_user(window, tmp_path, monkeypatch):
    window.new_file()
    doc, view = window.doc, window.view
    view.resetTransform()
    view.set_zoom(0.35)
    view.centerOn(0, 0)
    (input_id,) = doc.graph.nodes
    edit(window, input_id, "Input", {"height": 32, "width": 32})
    vp = view.viewport().rect()
    ids, prev = [], input_id
    for i, (type_id, name, params) in enumerate(LAYERS):
        col, row = (i + 1) % 5, (i + 1) // 5
        nid = drop(window, type_id, QPoint(60 + col * (vp.width() - 120) // 5, vp.height() // 3 + row * 120))
        wire(window, prev, nid)
        edit(window, nid, name, params)
        ids.append(nid)
        prev = nid
    graph = doc.graph
    assert len(graph.nodes) == 10 and len(graph.wires) == 9
    assert graph.is_valid(), graph.problems()
    rows = summary_rows(window)
    for name, output, params, conns in COURSE:
        assert rows[name][2:5] == (output, params, conns), name
    assert rows["Total"][3] == "60,850"
    assert not any(item.has_problem for item in window.scene.nodes.values())
    labels = [w._label.text() for w in window.scene.wires.values() if w._label]
    assert {"6x28x28", "6x14x14", "16x10x10", "16x5x5", "120x1x1", "120", "84", "10"} <= set(labels)
    built = graph_to_json(graph)

    stack = doc.undo_stack
    steps = stack.count()
    while stack.canUndo():
        stack.undo()
    assert len(doc.graph.nodes) == 1 and not doc.graph.wires
    assert len(window.scene.nodes) == 1 and not window.scene.wires
    assert doc.graph.nodes[input_id].params["height"] == 28 and not doc.modified
    while stack.canRedo():
        stack.redo()
    assert stack.count() == steps and graph_to_json(doc.graph) == built
    assert len(window.scene.wires) == 9
    assert summary_rows(window) == rows

    path = tmp_path / "lenet.dlproj"
    monkeypatch.setattr(window, "ask_save_path", lambda: str(path))
    assert window.save() and path.exists() and not doc.modified
    assert window.windowTitle() == "NetCanvas — lenet.dlproj[*]"
    window.new_file()
    assert window.open_file(path)
    assert graph_to_json(window.doc.graph) == built
    assert summary_rows(window) == rows
    assert window.doc.project.thumbnail[:4] == b"\x89PNG"
