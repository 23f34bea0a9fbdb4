"""What every fitted preprocessing node shares: choose columns from the spec, learn a
state on one table, and re-apply it to any table that has the same input columns.

A node module only says which columns it takes, what it learns and how it transforms.
The state is a plain dict (skops-persistable) so an Apply Transform node — or a
deployed bundle — can reuse it; `fitted_by` names the node for error messages.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pandas as pd

from studio.core import (
    ConfigureError,
    ExecutionContext,
    NodeExecutionError,
    Port,
    PortType,
    StatefulNodeType,
    Table,
    Transform,
)
from studio.core.node import ArrayApply
from studio.core.ports import ColumnSpec, TableSpec, TransformSpec

NUMERIC_KINDS = ("number", "integer")


def missing_columns_message(missing: list[str], node_name: str, fitted_by: str | None) -> str:
    """The one wording for 'this table lacks what the transform was fitted on'."""
    who = (
        f"{fitted_by!r} ({node_name})" if fitted_by and fitted_by != node_name else repr(node_name)
    )
    return (
        f"the table lacks column(s) {', '.join(map(repr, missing))} that the transform fitted by {who} needs: "
        f"give this table the same columns as the table it was fitted on"
    )


def pick_columns(
    spec: TableSpec,
    chosen: list[str],
    setting: str,
    default_kinds: tuple[str, ...],
    allowed_kinds: tuple[str, ...] | None,
    what: str,
) -> list[str]:
    """The explicitly chosen columns (checked), or every feature column of the default kinds."""
    if chosen:
        spec.require(chosen, setting=setting)
        if allowed_kinds is not None:
            bad = [c for c in chosen if spec.column(c).dtype not in allowed_kinds]
            if bad:
                raise ConfigureError(
                    f"column(s) {', '.join(map(repr, bad))} cannot be used: this node takes {what} columns only",
                    where=setting,
                )
        target = [c for c in chosen if spec.role_of(c) == "target"]
        if target:
            raise ConfigureError(
                f"{target[0]!r} is the target column: leave it out (a deployed model never receives the target, so its transform could not run there)",
                where=setting,
            )
        return list(chosen)
    return [
        c.name
        for c in spec.columns
        if c.dtype in default_kinds and spec.role_of(c.name) == "feature"
    ]


class PreprocessingNode(StatefulNodeType):
    """Base of fitted preprocessing: outputs the transformed table and a `Transform`."""

    category = "Preprocessing"
    kind: ClassVar[str] = ""
    inputs = (Port("table", PortType.TABLE, description="Rows to fit on and transform"),)
    outputs = (
        Port("table", PortType.TABLE, description="The transformed rows"),
        Port(
            "transform",
            PortType.TRANSFORM,
            description="The fitted state, for Apply Transform on other rows",
        ),
    )

    # ---- what a node module provides ---------------------------------------------------
    def columns_for(self, s: Any, spec: TableSpec) -> list[str]:
        """The input columns this node works on, from the settings and the table spec."""
        raise NotImplementedError  # abstract

    def output_spec(self, s: Any, spec: TableSpec, columns: list[str]) -> TableSpec | None:
        """The output table's spec, or None when it depends on the data."""
        raise NotImplementedError  # abstract

    def learn(
        self, s: Any, table: Table, columns: list[str], ctx: ExecutionContext
    ) -> dict[str, Any]:
        """What to remember from the training rows (sklearn objects, numpy, plain Python)."""
        raise NotImplementedError  # abstract

    def transform(self, s: Any, state: dict[str, Any], table: Table) -> pd.DataFrame:
        """The transformed frame; deterministic, works on any number of rows, never mutates."""
        raise NotImplementedError  # abstract

    def transform_arrays(self, s: Any, state: dict[str, Any]) -> ArrayApply | None:
        """Optional: `transform` on `Columns` (see NodeType.compile_arrays), None if not offered."""
        return None

    # ---- the shared lifecycle ------------------------------------------------------------
    def configure(self, s: Any, specs: list[Any], ctx: ExecutionContext) -> list[Any]:
        spec: TableSpec | None = specs[0]
        columns = self.columns_for(s, spec)
        out = self.output_spec(s, spec, columns)
        return [
            out,
            TransformSpec(self.kind, tuple(columns), out, self.type_id, s.model_dump(mode="json")),
        ]

    def fit(self, s: Any, inputs: list[Any], ctx: ExecutionContext) -> dict[str, Any]:
        table: Table = inputs[0]
        if len(table.df) == 0:
            raise NodeExecutionError("the table to fit on is empty (check the filters upstream)")
        columns = self.columns_for(s, table.spec())
        learned = self.learn(s, table, columns, ctx)
        return {"fitted_by": ctx.label or self.name, "columns": list(columns), **learned}

    def apply(
        self, s: Any, state: dict[str, Any], inputs: list[Any], ctx: ExecutionContext
    ) -> list[Any]:
        table: Table = inputs[0]
        missing = [c for c in state["columns"] if c not in table.df.columns]
        if missing:
            raise NodeExecutionError(
                missing_columns_message(missing, self.name, state.get("fitted_by"))
            )
        out = table.with_df(self.transform(s, state, table))
        transform = Transform(
            self.kind, list(state["columns"]), state, self.type_id, s.model_dump(mode="json")
        )
        return [out, transform]

    def compile_arrays(self, s: Any, state: Any, inputs: list[Any], ctx: ExecutionContext):
        return self.transform_arrays(s, state)


def replace_dtypes(spec: TableSpec, columns: list[str], dtype: str) -> TableSpec:
    """The same spec with the given columns' dtype changed (their categories dropped)."""
    cols = tuple(ColumnSpec(c.name, dtype) if c.name in columns else c for c in spec.columns)
    return TableSpec(cols, spec.roles)
