"""Column Filter: keep or drop columns by name or pattern."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from studio.core import ConfigureError, NodeSettings, NodeType, Port, PortType
from studio.core.node import ColumnsField
from studio.core.ports import TableSpec, take_columns


class Settings(NodeSettings):
    mode: Literal["include", "exclude"] = Field(
        "exclude", description="Keep only the chosen columns, or drop them"
    )
    columns: list[str] = ColumnsField(description="Columns to keep or drop")
    pattern: str = Field(
        "", description="Regular expression: columns whose name matches are also chosen"
    )


def _chosen(s: Settings, names: list[str]) -> list[str]:
    try:
        rx = re.compile(s.pattern) if s.pattern else None
    except re.error as exc:
        raise ConfigureError(f"invalid regular expression: {exc}", where="pattern") from None
    return [n for n in names if n in s.columns or (rx is not None and rx.search(n))]


def _kept(s: Settings, names: list[str]) -> list[str]:
    chosen = set(_chosen(s, names))
    kept = [n for n in names if (n in chosen) == (s.mode == "include")]
    if not kept:
        raise ConfigureError("no column would be left", where="columns")
    return kept


class ColumnFilter(NodeType):
    type_id = "manipulation.column_filter"
    name = "Column Filter"
    category = "Manipulation"
    description = "Keeps or drops columns, chosen by name or by a regular expression."
    keywords = ("columns", "select", "drop", "remove", "keep")
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        spec: TableSpec | None = specs[0]
        spec.require(s.columns, setting="columns")
        kept = _kept(s, spec.names)
        return [spec.select(kept)]

    def execute(self, s: Settings, inputs, ctx):
        table = inputs[0]
        kept = _kept(s, [str(c) for c in table.df.columns])
        return [table.with_df(take_columns(table.df, kept))]

    def compile_arrays(self, s: Settings, state, inputs, ctx):
        kept_for: dict[tuple[str, ...], list[str]] = {}  # the plan sees one column layout

        def select(cols):
            names = tuple(cols)
            if names not in kept_for:
                kept_for[names] = _kept(s, list(names))
            return {c: cols[c] for c in kept_for[names]}

        return select
