"""A lazy Qt model over a pandas DataFrame: cells are formatted only when the view asks
for them, and sorting reorders an index array, so a million rows stay responsive."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from studio.core.ports import dtype_name

MISSING = "?"  # how a missing value shows, as in KNIME and Orange


def is_missing(value: Any) -> bool:
    return (
        value is None
        or value is pd.NaT
        or value is pd.NA
        or (isinstance(value, (float, np.floating)) and math.isnan(value))
    )


def format_cell(value: Any) -> str:
    if is_missing(value):
        return MISSING
    if isinstance(value, (float, np.floating)):
        return f"{value:.6g}"
    return str(value)


class DataFrameModel(QAbstractTableModel):
    def __init__(self, df: pd.DataFrame, roles: dict[str, str] | None = None, parent=None):
        super().__init__(parent)
        self.df = df
        self.roles = roles or {}
        self._columns = [df.iloc[:, i].to_numpy() for i in range(df.shape[1])]
        self._kinds = [dtype_name(df.iloc[:, i]) for i in range(df.shape[1])]
        self._order: np.ndarray | None = None  # row permutation after a sort

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.df)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else self.df.shape[1]

    def row_of(self, view_row: int) -> int:
        return int(self._order[view_row]) if self._order is not None else view_row

    def value(self, view_row: int, column: int) -> Any:
        return self._columns[column][self.row_of(view_row)]

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.DisplayRole:
            return format_cell(self.value(index.row(), index.column()))
        if role == Qt.ForegroundRole and is_missing(self.value(index.row(), index.column())):
            return QBrush(QColor("#9aa0a6"))
        if role == Qt.ToolTipRole and is_missing(self.value(index.row(), index.column())):
            return "missing value"
        if role == Qt.TextAlignmentRole:
            numeric = self._columns[index.column()].dtype.kind in "iufb"
            return (
                int(Qt.AlignRight | Qt.AlignVCenter)
                if numeric
                else int(Qt.AlignLeft | Qt.AlignVCenter)
            )
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole
    ) -> Any:
        if role == Qt.DisplayRole:
            if orientation == Qt.Horizontal:
                name = str(self.df.columns[section])
                role_name = self.roles.get(name)
                return f"{name}\n{self._kinds[section]}" + (f" · {role_name}" if role_name else "")
            return str(self.df.index[self.row_of(section)])
        if role == Qt.ToolTipRole and orientation == Qt.Horizontal:
            name = str(self.df.columns[section])
            return (
                f"{name}: {self.df.dtypes.iloc[section]} · role {self.roles.get(name, 'feature')}"
            )
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.AscendingOrder) -> None:
        """Sort by one column; missing values go last either way."""
        self.layoutAboutToBeChanged.emit()
        series = self.df.iloc[:, column]
        ascending = order == Qt.AscendingOrder
        try:
            ranked = series.reset_index(drop=True).sort_values(
                ascending=ascending, kind="stable", na_position="last"
            )
        except TypeError:  # mixed types: compare as text
            ranked = (
                series.astype(str)
                .reset_index(drop=True)
                .sort_values(ascending=ascending, kind="stable")
            )
        self._order = ranked.index.to_numpy()
        self.layoutChanged.emit()
