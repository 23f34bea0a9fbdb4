"""Column Roles: mark the target, id, weight and time columns that downstream nodes use.

Learners, Partitioning and the Scorer pick the target-role column by default, so a
workflow says once which column is predicted.
"""

from __future__ import annotations

from pydantic import Field

from studio.core import ConfigureError, NodeSettings, NodeType, Port, PortType, Table
from studio.core.node import ColumnField, ColumnsField
from studio.core.ports import TableSpec


class Settings(NodeSettings):
    target: str | None = ColumnField(None, description="Column to predict")
    ids: list[str] = ColumnsField(description="Identifier columns (kept, never used as features)")
    weight: str | None = ColumnField(None, numeric=True, description="Row weight column")
    time: str | None = ColumnField(None, description="Time column (for time-ordered splits)")
    features: list[str] = ColumnsField(description="Columns to turn back into plain features")
    keep_existing: bool = Field(
        True, description="Keep roles set upstream for columns not named here"
    )


def _roles(s: Settings, spec: TableSpec, current: dict[str, str]) -> dict[str, str]:
    names = spec.names
    chosen: dict[str, tuple[str, str]] = {}  # column -> (role, setting)
    for setting, role, cols in (
        ("target", "target", [s.target] if s.target else []),
        ("ids", "id", s.ids),
        ("weight", "weight", [s.weight] if s.weight else []),
        ("time", "time", [s.time] if s.time else []),
        ("features", "feature", s.features),
    ):
        spec.require(cols, setting=setting)
        for c in cols:
            if c in chosen:
                raise ConfigureError(
                    f"column {c!r} already has the role {chosen[c][0]!r} (setting {chosen[c][1]!r})",
                    where=setting,
                )
            chosen[c] = (role, setting)
    roles = dict(current) if s.keep_existing else {}
    for single in ("target", "weight", "time"):  # one column each: a new choice replaces the old
        if any(r == single for r, _ in chosen.values()):
            roles = {k: v for k, v in roles.items() if v != single}
    roles.update({c: role for c, (role, _) in chosen.items()})
    return {k: v for k, v in roles.items() if v != "feature" and k in names}


class ColumnRoles(NodeType):
    type_id = "manipulation.column_roles"
    name = "Column Roles"
    category = "Manipulation"
    description = "Assigns roles to columns: target, id, weight, time (others stay features)."
    keywords = ("role", "target", "label", "id", "weight", "time", "schema")
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        spec: TableSpec | None = specs[0]
        roles = _roles(s, spec, dict(spec.roles))
        return [TableSpec(spec.columns, tuple(sorted(roles.items())))]

    def execute(self, s: Settings, inputs, ctx):
        table = inputs[0]
        roles = _roles(s, table.spec(), table.roles)
        return [Table(table.df, roles)]
