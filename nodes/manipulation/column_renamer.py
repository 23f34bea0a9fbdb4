"""Column Renamer: give columns new names (roles follow the column)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from studio.core import ConfigureError, NodeSettings, NodeType, Port, PortType
from studio.core.node import ColumnField
from studio.core.ports import ColumnSpec, TableSpec


class Rename(BaseModel):
    model_config = ConfigDict(extra="forbid")
    column: str = ColumnField(..., description="Current name")
    new_name: str = Field(min_length=1, description="New name")


class Settings(NodeSettings):
    renames: list[Rename] = Field(default_factory=list, description="Columns to rename")


def _mapping(s: Settings, spec: TableSpec) -> dict[str, str]:
    """Check the renames against the table's columns and return old -> new."""
    names = spec.names
    mapping: dict[str, str] = {}
    for i, r in enumerate(s.renames):
        spec.require(r.column, setting=f"renames.{i}.column")
        if r.column in mapping:
            raise ConfigureError(
                f"column {r.column!r} is renamed twice", where=f"renames.{i}.column"
            )
        mapping[r.column] = r.new_name
    final = [mapping.get(n, n) for n in names]
    dupes = sorted({n for n in final if final.count(n) > 1})
    if dupes:
        raise ConfigureError(
            f"the renames would give two columns the name(s) {', '.join(map(repr, dupes))}",
            where="renames",
        )
    return mapping


class ColumnRenamer(NodeType):
    type_id = "manipulation.column_renamer"
    name = "Column Renamer"
    category = "Manipulation"
    description = "Renames columns; their roles (target, id, ...) follow them."
    keywords = ("rename", "columns", "name", "header", "label")
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        spec: TableSpec | None = specs[0]
        m = _mapping(s, spec)
        cols = tuple(ColumnSpec(m.get(c.name, c.name), c.dtype, c.categories) for c in spec.columns)
        return [TableSpec(cols, tuple(sorted((m.get(k, k), v) for k, v in spec.roles)))]

    def execute(self, s: Settings, inputs, ctx):
        table = inputs[0]
        m = _mapping(s, table.spec())
        df = table.df.rename(columns=m)
        return [type(table)(df, {m.get(k, k): v for k, v in table.roles.items()})]
