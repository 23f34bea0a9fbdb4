"""What the plotting nodes check about the columns they draw, and how they split rows
into the groups they colour, so Scatter Plot, Histogram and Box Plot refuse alike."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from studio.core import ConfigureError, NodeExecutionError
from studio.core.ports import TableSpec

MAX_GROUPS = 12  # more colours than this cannot be told apart


def require_axis(spec: TableSpec, column: str | None, setting: str) -> None:
    """A column drawn on an axis: chosen, present and numeric."""
    if not column:
        numeric = [c.name for c in spec.columns if c.is_numeric]
        raise ConfigureError(
            f"choose the numeric column to draw (numeric columns: {', '.join(numeric) or 'none'})",
            where=setting,
        )
    spec.require(column, setting=setting, numeric=True)


def require_plain(spec: TableSpec, column: str | None, setting: str) -> None:
    """An optional column that colours or groups the rows: present when chosen."""
    if column:
        spec.require(column, setting=setting)


def groups_of(df: pd.DataFrame, column: str, setting: str) -> Iterator[tuple[str, pd.DataFrame]]:
    """The rows per value of `column` (missing values as "?"), refusing too many groups."""
    keys = df[column].astype("string").fillna("?")
    values = sorted(keys.unique(), key=str)
    if len(values) > MAX_GROUPS:
        raise NodeExecutionError(
            f"column {column!r} has {len(values)} distinct values; at most {MAX_GROUPS} groups can "
            f"be told apart: choose a column with fewer values (or bin it with a Binner)",
            where=setting,
        )
    for value in values:
        yield str(value), df[keys == value]
