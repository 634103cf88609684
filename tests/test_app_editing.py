"""Editor behaviours: refused wires, validation outlines, copy/paste (also across windows),
drop onto a wire, inspector refusals, autosave recovery, bad files, and every example opening."""
import os

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QGuiApplication

from projects.examples import list_examples

from app.main_window import MainWindow


def _lenet(window):
    window.open_example("lenet5-classic")
    return window.doc.graph


def _id(graph, name):
    return graph.node_by_name(name).id


def test_refused_wire_says_why(window):
    g = _lenet(window)
    assert not window.controller.connect_ports(_id(g, "C1"), "out", _id(g, "C3"), "in")
    assert "already wired" in window.statusBar().currentMessage()
    assert not window.controller.connect_ports(_id(g, "F6"), "out", _id(g, "C1"), "in")
    assert "loop" in window.statusBar().currentMessage() or "already wired" in window.statusBar().currentMessage()
    s = window.scene
    s.request_connection(s.nodes[_id(g, "C1")].out_ports[0], s.nodes[_id(g, "C3")].out_ports[0])
    assert "two outputs" in window.statusBar().currentMessage()
    assert window.doc.undo_stack.count() == 0 and len(g.wires) == 9


def test_validation_outline_tooltip_and_problems_list(window, qtbot):
    g = _lenet(window)
    flatten = _id(g, "Flatten")
    window.scene.select_ids([flatten])
    window.controller.delete_selection()
    f6 = window.scene.nodes[_id(g, "F6")]
    assert f6.has_problem and "nothing connected" in f6.toolTip()
    assert window.controller.connect_ports(_id(g, "C5"), "out", f6.node_id, "in")
    assert f6.has_problem and "add a Flatten" in f6.toolTip()
    window.problems.refresh()
    texts = [window.problems.item(i).text() for i in range(window.problems.count())]
    assert any("F6" in t for t in texts)
    row = next(i for i, t in enumerate(texts) if "'F6'" in t)
    window.problems.itemClicked.emit(window.problems.item(row))
    assert window.scene.selected_ids() == [f6.node_id]
    window.doc.undo_stack.undo()
    window.doc.undo_stack.undo()
    assert not window.scene.nodes[f6.node_id].has_problem


def test_copy_paste_duplicate_and_across_windows(window, qtbot, tmp_path):
    g = _lenet(window)
    window.scene.select_ids([_id(g, "C1"), _id(g, "S2")])
    assert window.controller.copy()
    assert QGuiApplication.clipboard().mimeData().hasFormat("application/x-netcanvas-blocks+json")
    new = window.controller.paste()
    assert len(new) == 2 and len(g.nodes) == 12 and len(g.wires) == 10
    assert sorted(g.nodes[i].name for i in new) == ["C2", "S1"]
    assert sorted(window.scene.selected_ids()) == sorted(new)
    dup = window.controller.duplicate()
    assert len(dup) == 2 and len(g.nodes) == 14
    window.controller.cut()
    assert len(g.nodes) == 12
    window.doc.undo_stack.undo()
    assert len(g.nodes) == 14
    other = MainWindow(recovery_dir=tmp_path / "other")
    other.ask_save_changes = lambda: "discard"
    qtbot.addWidget(other)
    other.new_file()
    pasted = other.controller.paste()
    assert len(pasted) == 2 and len(other.doc.graph.nodes) == 3 and len(other.scene.nodes) == 3


def test_drop_on_wire_inserts_and_append_wires(window):
    g = _lenet(window)
    s = window.scene
    w = next(w for w in g.wires if g.nodes[w.src].name == "F6")
    mid = s.wires[w]._path.pointAtPercent(0.5)
    nid = window.controller.drop_block("core.dropout", mid)
    assert len(g.nodes) == 11 and [x.src for x in g.inputs_of(nid)] == [_id(g, "F6")]
    assert [x.dst for x in g.outputs_of(nid)] == [_id(g, "Output")]
    window.doc.undo_stack.undo()
    assert len(g.nodes) == 10 and len(g.wires) == 9
    window.scene.select_ids([_id(g, "Softmax")])
    nid = window.controller.append_block("core.dense")
    assert g.inputs_of(nid)[0].src == _id(g, "Softmax")


def test_move_rename_and_inspector_refusals(window):
    g = _lenet(window)
    c1 = _id(g, "C1")
    item = window.scene.nodes[c1]
    item.setSelected(True)
    item.setPos(item.pos() + QPointF(50, 20))
    window.scene.report_moves()
    assert window.doc.positions()[c1] == [item.pos().x(), item.pos().y()]
    window.doc.undo_stack.undo()
    assert item.pos().x() == pytest.approx(window.doc.positions()[c1][0])
    window.scene.select_ids([c1])
    insp = window.inspector
    insp.name_edit.setText("S2")
    insp.name_edit.editingFinished.emit()
    assert "already exists" in insp.name_error.text() and g.nodes[c1].name == "C1"
    kernel = insp.rows["kernel"].editor.widget
    kernel.setValue(7)
    assert g.nodes[c1].params["kernel"] == 7 and "problem" in window.totals_label.text()
    window.scene.select_ids([])
    lr = insp.rows[("optimizer", "lr")]
    lr.editor.widget.setText("fast")
    lr.editor.widget.editingFinished.emit()
    assert not lr.error.isHidden() and "must be a number" in lr.error.text()
    lr.editor.widget.setText("100")
    lr.editor.widget.editingFinished.emit()
    assert "at most" in lr.error.text() and window.doc.project.training["optimizer"]["lr"] == 1e-3
    lr.editor.widget.setText("0.01")
    lr.editor.widget.editingFinished.emit()
    assert window.doc.project.training["optimizer"]["lr"] == 0.01
    window.doc.undo_stack.undo()
    assert window.doc.project.training["optimizer"]["lr"] == 1e-3
    assert lr.editor.widget.text() == "0.001"


def test_autosave_recovery_and_clean_exit(window, qtbot, tmp_path):
    """A window that crashed (killed: nothing cleaned up) left its unsaved work; the next start
    offers it, and a clean exit leaves nothing behind."""
    import signal
    import subprocess
    import sys
    from pathlib import Path

    folder = tmp_path / "crashed"
    child = subprocess.Popen([sys.executable, str(Path(__file__).with_name("crash_child.py")), str(folder)],
                             stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1],
                             env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    try:
        assert child.stdout.readline().strip() == "saved"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    (recovery,) = folder.glob("*.dlproj")
    again = MainWindow(recovery_dir=folder)
    again.ask_save_changes = lambda: "discard"
    qtbot.addWidget(again)
    again.ask_restore = lambda name: True
    assert again.offer_recovery()
    assert len(again.doc.graph.nodes) == 9 and again.doc.modified
    assert again.windowTitle().endswith("[*]") and again.isWindowModified()
    assert not recovery.exists()  # restored: it is this window's own recovery file now
    again.close()
    assert not list(folder.glob("*.dlproj"))  # a clean exit removes it


def test_two_windows_keep_their_own_recovery_files(window, qtbot, tmp_path):
    """Starting a second window while the first has unsaved work neither offers nor deletes the
    first one's recovery file: each window owns its own."""
    g = _lenet(window)
    window.scene.select_ids([_id(g, "Flatten")])
    window.controller.delete_selection()
    assert window.autosave.save_now()
    mine = window.autosave.file
    other = MainWindow(recovery_dir=mine.parent)
    other.ask_save_changes = lambda: "discard"
    qtbot.addWidget(other)
    asked = []
    other.ask_restore = lambda name: asked.append(name) or False
    assert not other.offer_recovery() and asked == []  # the first window lives: nothing to recover
    other.open_example("mlp")
    other.doc.mark_modified()
    assert other.autosave.save_now() and other.autosave.file != mine
    other.close()
    assert mine.exists() and not other.autosave.file.exists()
    assert len(list(mine.parent.glob("*.dlproj"))) == 1


def test_bad_file_keeps_current_work(window, tmp_path):
    g = _lenet(window)
    bad = tmp_path / "broken.dlproj"
    bad.write_bytes(b"this is not a zip")
    assert not window.open_file(bad)
    assert window.errors and "not a NetCanvas project" in window.errors[0]
    assert window.doc.graph is g and len(window.scene.nodes) == 10
    assert not window.open_file(tmp_path / "missing.dlproj")
    assert "no such file" in window.errors[1]


def test_unsaved_changes_prompt_can_cancel(window):
    _lenet(window)
    window.controller.select_all()
    window.controller.delete_selection()
    window.ask_save_changes = lambda: "cancel"
    window.new_file()
    assert len(window.doc.graph.nodes) == 0
    window.ask_save_changes = lambda: "discard"
    window.new_file()
    assert len(window.doc.graph.nodes) == 1


@pytest.mark.parametrize("name", [e.name for e in list_examples()])
def test_every_example_opens(window, name):
    window.open_example(name)
    g = window.doc.graph
    assert len(window.scene.nodes) == len(g.nodes) and len(window.scene.wires) == len(g.wires)
    window.summary.refresh()
    assert window.summary.rowCount() >= len(g.nodes) + 1
    assert window.windowTitle() == f"NetCanvas — {name}.dlproj[*]"


def test_palette_comes_from_catalog_and_filters(window):
    from nodes import registry

    assert set(window.palette.items) == set(registry())
    window.palette.search.setText("conv2d")
    visible = [t for t, item in window.palette.items.items() if not item.isHidden()]
    assert "conv.conv2d" in visible and "core.dense" not in visible


def test_examples_dialog_lists_thumbnails(window):
    from app.dialogs import ExamplesDialog

    dialog = ExamplesDialog(window)
    assert dialog.list.count() == len(list_examples())
    assert not dialog.list.item(0).icon().isNull()
    dialog.deleteLater()


def test_composite_expand_toggle(window):
    g = _lenet(window)
    nid = _id(g, "C1")
    window.scene.toggle_expanded(nid)  # not composite: nothing happens
    assert not window.scene.nodes[nid].expanded


def test_generator_expands_to_show_its_inner_layers(window):
    """A composite block (the DCGAN Generator) lists its inner layers on the node when expanded."""
    g = window.doc.graph
    z = g.add_node("input.noise", "z", {"size": 64})
    gen = g.add_node("gen.generator", "G", {"image_size": 16, "channels": 1})
    g.connect(z.id, "out", gen.id, "z")
    item = window.scene.nodes[gen.id]
    closed = item.boundingRect().height()
    window.scene.toggle_expanded(gen.id)
    inner = gen.block.inner_layers(gen.params, [s for s in g.states[gen.id].inputs if s is not None])
    assert item.expanded and len(inner) >= 3
    assert len(item._inner) == len(inner)
    assert item.boundingRect().height() > closed
    window.scene.toggle_expanded(gen.id)
    assert not item.expanded and not item._inner


def test_training_inspector_shows_defaults_for_missing_settings(window):
    """A project whose training.json lacks keys (a hand-edited file) still shows its settings."""
    window.doc.project.training["dataset"] = {"name": "xor"}
    window.inspector.show_selection([])
    row = window.inspector.rows[("dataset", "val_fraction")]
    assert row.param.default == 0.1
