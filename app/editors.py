"""Parameter kind -> editor widget (as NodeGraphQt's property factory). Each editor shows a value
and emits ``committed`` with the value the user entered; the inspector checks it against the
schema, refuses it in place with the reason, or pushes one undo command."""
from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget  # noqa: F401

from nodes.spec import Param

INT_LIMIT = 2**31 - 1


class NotANumber(ValueError):
    pass


class _FocusedWheel:
    """A spin box or combo box that turns with the mouse wheel only once it has the focus (a click or
    Tab): a wheel scrolling the inspector over it scrolls the inspector and changes no setting."""

    def setup_wheel(self) -> None:
        self.setFocusPolicy(Qt.StrongFocus)

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if not self.hasFocus():
            event.ignore()  # the scroll area behind it takes it
            return
        super().wheelEvent(event)


class SpinBox(_FocusedWheel, QSpinBox):
    pass


class DoubleSpinBox(_FocusedWheel, QDoubleSpinBox):
    pass


class ComboBox(_FocusedWheel, QComboBox):
    pass


class Editor(QObject):
    committed = Signal(object)

    def __init__(self, param: Param):
        super().__init__()
        self.param = param
        self.widget: QWidget = self.make()
        self.widget.setToolTip(param.help)
        self.widget.setObjectName(f"edit_{param.name}")

    def make(self) -> QWidget:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        self.widget.blockSignals(True)
        try:
            self.show(value)
        finally:
            self.widget.blockSignals(False)

    def show(self, value: Any) -> None:
        raise NotImplementedError


class IntEditor(Editor):
    def make(self):
        w = SpinBox()
        w.setup_wheel()
        w.setRange(int(max(self.param.min, -INT_LIMIT)) if self.param.min is not None else -INT_LIMIT,
                   int(min(self.param.max, INT_LIMIT)) if self.param.max is not None else INT_LIMIT)
        w.setKeyboardTracking(False)  # one commit per Enter/arrow step, not per keystroke
        w.setGroupSeparatorShown(True)
        w.valueChanged.connect(self.committed.emit)
        return w

    def show(self, value):
        self.widget.setValue(int(value) if isinstance(value, (int, float)) else 0)


class TextEditor(Editor):
    """A line edit whose text is parsed on Enter/focus-out; bad text is reported, not applied."""

    def make(self):
        w = QLineEdit()
        w.editingFinished.connect(self._finished)
        self._shown = ""
        return w

    def _finished(self):
        text = self.widget.text()
        if text == self._shown:
            return
        try:
            value = self.parse(text)
        except NotANumber as e:
            value = e  # the inspector reports the reason
        self.committed.emit(value)

    def parse(self, text: str) -> Any:
        return text

    def format(self, value: Any) -> str:
        return "" if value is None else str(value)

    def show(self, value):
        self._shown = self.format(value)
        self.widget.setText(self._shown)


class FloatEditor(TextEditor):
    def parse(self, text):
        try:
            return float(text.replace(",", "").strip())
        except ValueError:
            raise NotANumber(f"'{self.param.title}' must be a number like 0.001 or 1e-3, not '{text}'") from None

    def format(self, value):
        return f"{value:g}" if isinstance(value, (int, float)) else str(value)


class IntsEditor(TextEditor):
    def parse(self, text):
        parts = [p for p in re.split(r"[\s,x×()\[\]]+", text.strip()) if p]
        try:
            return [int(p) for p in parts]
        except ValueError:
            raise NotANumber(f"'{self.param.title}' must be whole numbers separated by commas, like 1, 28, 28") \
                from None

    def format(self, value):
        return ", ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)


class BoolEditor(Editor):
    def make(self):
        w = QCheckBox()
        w.toggled.connect(self.committed.emit)
        return w

    def show(self, value):
        self.widget.setChecked(bool(value))


class ChoiceEditor(Editor):
    def make(self):
        w = ComboBox()
        w.setup_wheel()
        # long choices (dataset titles) must not widen the inspector: shown in full in the open list
        w.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        w.setMinimumContentsLength(8)
        for choice in self.param.choices:
            w.addItem(str(choice), choice)
        w.currentIndexChanged.connect(lambda i: self.committed.emit(self.widget.itemData(i)))
        return w

    def show(self, value):
        i = self.widget.findData(value)
        self.widget.setCurrentIndex(max(i, 0))


class FloatSpinEditor(Editor):  # kept for bounded probabilities (rates, fractions)
    def make(self):
        w = DoubleSpinBox()
        w.setup_wheel()
        w.setDecimals(3)
        w.setSingleStep(0.05)
        w.setRange(self.param.min, self.param.max)
        w.setKeyboardTracking(False)
        w.valueChanged.connect(self.committed.emit)
        return w

    def show(self, value):
        self.widget.setValue(float(value))


EDITORS = {"int": IntEditor, "float": FloatEditor, "bool": BoolEditor, "choice": ChoiceEditor,
           "str": TextEditor, "ints": IntsEditor}


def make_editor(param: Param) -> Editor:
    if param.kind == "float" and param.min == 0.0 and param.max is not None and param.max <= 1.0:
        return FloatSpinEditor(param)
    return EDITORS.get(param.kind, TextEditor)(param)
