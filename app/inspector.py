"""The inspector: the selected block's name and parameters, generated from its schema, or the
project's training settings (runtime.settings: the common settings and the sections of the task
the project trains, a GAN's discriminator optimizer, a VAE's KL annealing) when nothing is
selected, with what the "auto" settings do and why the project cannot train, if it cannot.
Invalid values are refused in place with the reason; every accepted edit is one undo step."""
from __future__ import annotations

import html
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QFormLayout, QFrame, QLabel, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from projects.training import get_setting
from runtime.data import DEFAULT_DATASET, list_datasets
from runtime.data.options import option_text
from runtime.plan import auto_notes, check_run
from runtime.settings import section_info, settings_schema, shown_sections

from . import commands
from .editors import NotANumber, make_editor
from .training.taskinfo import project_task


class _Row:
    def __init__(self, form: QFormLayout, param, on_commit):
        self.param = param
        self.editor = make_editor(param)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d93025;")
        self.error.hide()
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.editor.widget)
        lay.addWidget(self.error)
        label = QLabel(param.title)
        label.setToolTip(param.help)
        form.addRow(label, box)
        self.editor.committed.connect(lambda v: on_commit(self, v))

    def refuse(self, reason: str, current) -> None:
        self.error.setText(reason)
        self.error.show()
        self.editor.set_value(current)

    def show(self, value) -> None:
        self.error.hide()
        self.editor.set_value(value)


class Inspector(QScrollArea):
    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.doc = document
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.NoFrame)
        # everything on a page wraps or shrinks to the dock's width: no sideways scrolling
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.node_id: str | None = None
        self.mode = ""
        self.rows: dict = {}
        self.name_edit: QLineEdit | None = None
        self.trainable: QCheckBox | None = None
        self.name_error: QLabel | None = None
        self.info: QLabel | None = None
        self.sections: tuple = ()  # the training sections on the page
        self.layout_shown: tuple = ()  # (those sections, the data source whose options it shows)
        document.graph_event.connect(self._on_graph_event)
        document.training_changed.connect(self._refresh_training)
        document.project_replaced.connect(lambda: self.show_selection([]))
        self.show_selection([])

    # ---- building ------------------------------------------------------------------------------
    def _page(self, title: str, icon_name: str | None, help_text: str) -> QFormLayout:
        page = QWidget()
        outer = QVBoxLayout(page)
        head = QLabel(f"<b style='font-size:12pt'>{title}</b>")
        head.setWordWrap(True)
        head.setToolTip(title)
        outer.addWidget(head)
        if help_text:
            helper = QLabel(help_text)
            helper.setWordWrap(True)
            helper.setStyleSheet("color: palette(placeholder-text);")
            outer.addWidget(helper)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.WrapLongRows)  # a long label goes above its field
        outer.addLayout(form)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.RichText)
        outer.addWidget(self.info)
        outer.addStretch(1)
        old = self.takeWidget()
        if old is not None:
            old.deleteLater()
        self.setWidget(page)
        self.rows = {}
        self.name_edit = None
        return form

    def show_selection(self, ids: list[str]) -> None:
        if len(ids) == 1 and ids[0] in self.doc.graph.nodes:
            self._show_node(ids[0])
        elif len(ids) > 1:
            self.node_id, self.mode = None, "many"
            self._page(f"{len(ids)} blocks selected", None, "Select one block to edit its parameters.")
        else:
            self._show_training()

    def _show_node(self, nid: str) -> None:
        node = self.doc.graph.nodes[nid]
        block = node.block
        self.node_id, self.mode = nid, "node"
        form = self._page(block.title, block.icon, block.help)
        self.name_edit = QLineEdit(node.name)
        self.name_edit.setObjectName("edit_name")
        self.name_error = QLabel()
        self.name_error.setStyleSheet("color: #d93025;")
        self.name_error.setWordWrap(True)
        self.name_error.hide()
        self.name_edit.editingFinished.connect(self._rename)
        form.addRow("name", self.name_edit)
        form.addRow("", self.name_error)
        for param in block.params:
            row = _Row(form, param, self._commit_param)
            row.show(node.params.get(param.name, param.default))
            self.rows[param.name] = row
        state = self.doc.graph.states.get(nid)
        self.trainable = None
        if state is not None and state.params:
            self.trainable = QCheckBox("trainable")
            self.trainable.setObjectName("edit_trainable")
            self.trainable.setToolTip("Off: the block is frozen, its weights keep their values while the rest of "
                                      "the network trains (saved in the project)")
            self.trainable.setChecked(node.trainable)
            self.trainable.toggled.connect(self._set_trainable)
            form.addRow("weights", self.trainable)
        self._refresh_info()

    def _set_trainable(self, on: bool) -> None:
        node = self.doc.graph.nodes.get(self.node_id)
        if node is not None and node.trainable != on:
            self.doc.undo_stack.push(commands.SetTrainable(self.doc, self.node_id, on))

    def _training_layout(self) -> tuple:
        """What the training page shows: the sections the project's task reads (every task reads the
        common ones) and the data source whose options it lists."""
        return shown_sections(project_task(self.doc.project)), self._source()

    def _source(self) -> str | None:
        name = get_setting(self.doc.project.training, "dataset", "name")
        return name if isinstance(name, str) else None

    def _show_training(self) -> None:
        self.node_id, self.mode = None, "training"
        form = self._page("Training settings", None, "Used when you press Train. Select a block to edit it.")
        decl = project_task(self.doc.project)
        self.layout_shown = self._training_layout()
        self.sections = self.layout_shown[0]
        schema = settings_schema(decl, source=self.layout_shown[1] or DEFAULT_DATASET)
        section = object()
        order = {sec: i for i, sec in enumerate(dict.fromkeys(sec for sec, _ in schema))}
        grouped = sorted(schema, key=lambda sp: order[sp[0]])  # one heading per section (stable)
        for sec, param in grouped:
            if sec not in self.sections:
                continue
            if sec != section:
                section = sec
                title = QLabel(f"<b>{section_info(sec, decl).title}</b>")
                form.addRow(title)
            if (sec, param.name) == ("dataset", "name"):
                param = dataset_choice(param, get_setting(self.doc.project.training, sec, param.name))
            row = _Row(form, param, self._commit_training)
            row.section = sec
            row.show(self._setting(sec, param))
            self.rows[(sec, param.name)] = row
        self._show_auto_notes()

    def _setting(self, section, param):
        """The project's value of a setting, or the schema's default when the project has none."""
        value = get_setting(self.doc.project.training, section, param.name)
        if param.kind == "str" and value is not None:
            value = option_text(value)  # a column written as a number or a list by an older version
        return param.default if value is None else value

    # ---- edits ---------------------------------------------------------------------------------
    def _commit_param(self, row: _Row, value) -> None:
        node = self.doc.graph.nodes.get(self.node_id)
        if node is None:
            return
        current = node.params.get(row.param.name)
        self._commit(row, value, current, lambda: commands.SetParam(self.doc, self.node_id, row.param.name, value))

    def _commit_training(self, row: _Row, value) -> None:
        current = get_setting(self.doc.project.training, row.section, row.param.name)
        if (row.section, row.param.name) == ("dataset", "name"):
            self._commit(row, value, current, lambda: commands.ChooseDataset(self.doc, value))
            return
        self._commit(row, value, current, lambda: commands.SetTraining(self.doc, row.section, row.param.name, value))

    def _commit(self, row: _Row, value, current, make_command) -> None:
        """Refuse an invalid value in place with its reason; push one undo step for a changed one."""
        reason = str(value) if isinstance(value, NotANumber) else row.param.check(value)
        if reason:
            row.refuse(reason, current)
            return
        row.error.hide()
        if value != current:
            self.doc.undo_stack.push(make_command())

    def _rename(self) -> None:
        node = self.doc.graph.nodes.get(self.node_id)
        if node is None or self.name_edit is None:
            return
        name = self.name_edit.text().strip()
        if name == node.name:
            self.name_error.hide()
            return
        other = self.doc.graph.node_by_name(name)
        if not name or (other and other.id != node.id):
            self.name_error.setText("a block needs a name: type at least one character" if not name else
                                    f"a block named '{name}' already exists: choose another name")
            self.name_error.show()
            self.name_edit.setText(node.name)
            return
        self.name_error.hide()
        self.doc.undo_stack.push(commands.Rename(self.doc, node.id, name))

    # ---- following the model ----------------------------------------------------------------------
    def _on_graph_event(self, ev) -> None:
        if self.mode == "training" and ev.kind in ("node_added", "node_removed"):
            self._refresh_training()  # a new head may change the task
        if self.mode != "node":
            return
        if ev.kind == "node_removed" and ev.node == self.node_id:
            self.show_selection([])
            return
        node = self.doc.graph.nodes.get(self.node_id)
        if node is None:
            return
        if ev.kind == "params_changed" and ev.node == self.node_id:
            for name, row in self.rows.items():
                row.editor.set_value(node.params.get(name))
        elif ev.kind == "renamed" and ev.node == self.node_id and self.name_edit is not None:
            self.name_edit.setText(node.name)
        elif ev.kind == "trainable_changed" and ev.node == self.node_id and self.trainable is not None:
            self.trainable.blockSignals(True)
            self.trainable.setChecked(node.trainable)
            self.trainable.blockSignals(False)
        elif ev.kind == "states_changed" and self.node_id in ev.ids:
            self._refresh_info()

    def _refresh_training(self) -> None:
        if self.mode != "training":
            return
        if self._training_layout() != self.layout_shown:
            self._show_training()
        else:
            for (sec, _name), row in self.rows.items():
                row.editor.set_value(self._setting(sec, row.param))
            self._show_auto_notes()

    def _show_auto_notes(self) -> None:
        """What the "auto" settings (clipping, schedule) do for this graph and task, or why the
        project cannot train as it is set."""
        plan, problems = check_run(self.doc.project)
        if plan is not None:
            self.info.setText(auto_notes(plan).replace("\n", "<br>"))
        else:
            self.info.setText(f"<span style='color:#d93025'>⚠ {html.escape(problems[0].message)}</span>")

    def _refresh_info(self) -> None:
        state = self.doc.graph.states.get(self.node_id)
        if state is None or self.info is None:
            return
        ins, outs = self.doc.graph.inputs_text(self.node_id), self.doc.graph.outputs_text(self.node_id)
        lines = [f"<b>input</b> {ins}", f"<b>output</b> {outs}", f"<b>parameters</b> {state.params:,}",
                 f"<b>connections</b> {state.connections:,}", f"<b>MACs</b> {state.macs:,}"]
        lines += [f"<span style='color:#d93025'>⚠ {p.message}</span>" for p in state.problems]
        self.info.setText("<br>".join(lines))


def dataset_choice(param, current):
    """The dataset name as a list of the runtime's catalog (cheap: no torch), keeping a custom name."""
    names = [info.name for info in list_datasets()]
    if current and current not in names:
        names.append(current)
    return replace(param, kind="choice", choices=tuple(names))
