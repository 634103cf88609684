"""Small widgets the evaluation reports share: a read-only table and a scrolling grid of images."""
from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QGridLayout, QHeaderView, QScrollArea, QTableWidget, QWidget


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
