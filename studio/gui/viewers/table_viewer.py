"""A table viewer: lazy sortable grid plus statistics of the current column."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core import Table

from .column_stats import column_stats
from .table_model import DataFrameModel


class TableViewer(QWidget):
    def __init__(self, table: Table, parent: QWidget | None = None):
        super().__init__(parent)
        self.table = table
        self.model = DataFrameModel(table.df, table.roles, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSortingEnabled(
            False
        )  # enabling sorts at once; sorting starts on a header click
        self.view.horizontalHeader().setSectionsClickable(True)
        self.view.horizontalHeader().setSortIndicatorShown(True)
        self.view.horizontalHeader().sortIndicatorChanged.connect(self.sort)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.view.horizontalHeader().setDefaultSectionSize(96)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)  # no per-row measuring
        self.view.setAlternatingRowColors(True)
        # Fit columns to their header and a sample of rows (never a scan of every row).
        self.view.horizontalHeader().setResizeContentsPrecision(50)
        self.view.resizeColumnsToContents()
        for c in range(self.model.columnCount()):
            self.view.setColumnWidth(c, min(220, max(60, self.view.columnWidth(c) + 8)))
        self.stats = QTableWidget(0, 2)
        self.stats.setHorizontalHeaderLabels(["statistic", "value"])
        self.stats.verticalHeader().hide()
        self.stats.verticalHeader().setDefaultSectionSize(22)
        self.stats.horizontalHeader().setStretchLastSection(True)
        self.stats_title = QLabel()
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.stats_title)
        side_layout.addWidget(self.stats)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(self.view)
        split.addWidget(side)
        split.setSizes([760, 230])
        self.summary = QLabel(f"{len(table.df):,} rows × {table.df.shape[1]} columns")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        self.view.selectionModel().currentColumnChanged.connect(
            lambda cur, _prev: self.show_stats(cur.column())
        )
        self.view.horizontalHeader().sectionClicked.connect(self.show_stats)
        if table.df.shape[1]:
            self.show_stats(0)

    def sort(self, column: int, order) -> None:
        # A header click selects the whole column; re-mapping a million selected cells
        # through a layout change is what would be slow, so drop the selection first.
        current = self.view.currentIndex()
        self.view.selectionModel().clear()
        self.model.sort(column, order)
        if current.isValid():
            self.view.setCurrentIndex(self.model.index(0, column))

    def show_stats(self, column: int) -> None:
        if column < 0 or column >= self.table.df.shape[1]:
            return
        name = str(self.table.df.columns[column])
        role = self.table.roles.get(name, "feature")
        self.stats_title.setText(f"<b>{name}</b> ({role})")
        rows = column_stats(self.table.df.iloc[:, column])
        self.stats.setRowCount(len(rows))
        for i, (k, v) in enumerate(rows):
            self.stats.setItem(i, 0, QTableWidgetItem(k))
            self.stats.setItem(i, 1, QTableWidgetItem(v))
