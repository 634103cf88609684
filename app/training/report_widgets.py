"""Small widgets the evaluation reports and live views share: a read-only table, a scrolling grid
of images, and the During training / Trained model switch."""
from __future__ import annotations

from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QGridLayout, QHeaderView, QScrollArea, QTableWidget,
                               QToolButton, QWidget)


def read_only_table(headers: list[str]) -> QTableWidget:
    """A table with these column headers, no row numbers, not editable, columns fit to content."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    return table


def scrolling_grid() -> tuple[QWidget, QGridLayout, QScrollArea]:
    """(the grid's widget, its layout, the scroll area holding it) for a list of thumbnails."""
    box = QWidget()
    grid = QGridLayout(box)
    grid.setSpacing(6)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(box)
    return box, grid, scroll


def live_or_trained(parent: QWidget) -> tuple[QToolButton, QToolButton, QButtonGroup]:
    """The two exclusive buttons "During training" (id 0, checked) and "Trained model" (id 1)."""
    live, trained = QToolButton(), QToolButton()
    live.setText("During training")
    trained.setText("Trained model")
    group = QButtonGroup(parent)
    for i, b in enumerate((live, trained)):
        b.setCheckable(True)
        group.addButton(b, i)
    live.setChecked(True)
    return live, trained, group
