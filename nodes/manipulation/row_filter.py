"""Row Filter: keep the rows that match conditions (column, operator, value) or an expression."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from studio.core import ConfigureError, NodeExecutionError, NodeSettings, NodeType, Port, PortType
from studio.core.node import ColumnField, TextField
from studio.core.ports import TableSpec

from .expression_language import compile_expression, evaluate

Operator = Literal[
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "contains",
    "starts with",
    "ends with",
    "in",
    "is missing",
    "is not missing",
]
ORDERED = {"<", "<=", ">", ">="}
TEXT_OPS = {"contains", "starts with", "ends with"}
NO_VALUE = {"is missing", "is not missing"}


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    column: str = ColumnField(..., description="Column to test")
    operator: Operator = Field("==", description="How to compare")
    value: str = Field("", description="Value to compare with (for 'in': comma-separated values)")


class Settings(NodeSettings):
    mode: Literal["conditions", "expression"] = Field(
        "conditions", description="Build conditions from a list, or write an expression"
    )
    conditions: list[Condition] = Field(default_factory=list, description="Conditions on columns")
    combine: Literal["all", "any"] = Field(
        "all", description="Keep rows matching all conditions, or any of them"
    )
    expression: str = TextField(
        "", description='A true/false expression, e.g. bill_length_mm > 40 and island == "Biscoe"'
    )
    keep_matching: bool = Field(
        True, description="Keep matching rows; off keeps the others instead"
    )
    fail_on_empty: bool = Field(
        False, description="Fail when no row is left, instead of passing on an empty table"
    )


def _check_condition(i: int, c: Condition, spec: TableSpec) -> None:
    where = f"conditions.{i}"
    spec.require(c.column, setting=f"{where}.column")
    col = spec.column(c.column)
    if col.is_numeric and col.dtype != "boolean" and c.operator in ORDERED | {"==", "!="}:
        _number(c, where)
    if col.is_numeric and col.dtype != "boolean" and c.operator == "in":
        for part in c.value.split(","):
            _number(Condition(column=c.column, operator="==", value=part.strip()), where)
    if c.operator in TEXT_OPS and col.is_numeric:
        raise ConfigureError(
            f"{c.operator!r} tests text, but column {c.column!r} holds numbers",
            where=f"{where}.operator",
        )


def _number(c: Condition, where: str) -> float:
    try:
        return float(c.value)
    except ValueError:
        raise ConfigureError(
            f"{c.value!r} is not a number, but column {c.column!r} holds numbers",
            where=f"{where}.value",
        ) from None


def _typed(value: str, series: pd.Series, c: Condition, where: str):
    """Compare like with like: numbers with numbers, dates with dates, otherwise text."""
    if pd.api.types.is_bool_dtype(series):
        low = value.strip().lower()
        if low not in ("true", "false", "1", "0", "yes", "no"):
            raise NodeExecutionError(
                f"{value!r} is not true/false, but column {c.column!r} holds true/false values",
                where=f"{where}.value",
            )
        return low in ("true", "1", "yes")
    if pd.api.types.is_numeric_dtype(series):
        try:
            return float(value)
        except ValueError:
            raise NodeExecutionError(
                f"{value!r} is not a number, but column {c.column!r} holds numbers",
                where=f"{where}.value",
            ) from None
    if pd.api.types.is_datetime64_any_dtype(series):
        try:
            return pd.Timestamp(value)
        except ValueError:
            raise NodeExecutionError(
                f"{value!r} is not a date, but column {c.column!r} holds dates",
                where=f"{where}.value",
            ) from None
    return value


def _mask(i: int, c: Condition, df: pd.DataFrame) -> pd.Series:
    where = f"conditions.{i}"
    s = df[c.column]
    if c.operator == "is missing":
        return s.isna()
    if c.operator == "is not missing":
        return s.notna()
    if c.operator in TEXT_OPS:
        text = s.astype("string")
        method = {"contains": "contains", "starts with": "startswith", "ends with": "endswith"}[
            c.operator
        ]
        kw = {"regex": False} if method == "contains" else {}
        return getattr(text.str, method)(c.value, **kw).fillna(False).astype(bool)
    if c.operator == "in":
        wanted = [_typed(v.strip(), s, c, where) for v in c.value.split(",")]
        return (
            s.isin(wanted)
            if not isinstance(s.dtype, pd.CategoricalDtype)
            else s.astype(object).isin(wanted)
        )
    v = _typed(c.value, s, c, where)
    if isinstance(v, str):
        s = s.astype("string")
    ops = {
        "==": s.__eq__,
        "!=": s.__ne__,
        "<": s.__lt__,
        "<=": s.__le__,
        ">": s.__gt__,
        ">=": s.__ge__,
    }
    result = ops[c.operator](v)
    if c.operator == "!=":
        return result.fillna(True).astype(bool) & s.notna()
    return result.fillna(False).astype(bool)


class RowFilter(NodeType):
    type_id = "manipulation.row_filter"
    name = "Row Filter"
    category = "Manipulation"
    description = "Keeps rows matching conditions (column, operator, value; all or any) or a true/false expression."
    keywords = ("filter", "where", "rows", "select", "query", "subset", "condition")
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        spec: TableSpec | None = specs[0]
        if s.mode == "expression":
            if not s.expression.strip():
                raise ConfigureError(
                    "write a true/false expression, e.g. age >= 18", where="expression"
                )
            _, kind = compile_expression(s.expression, spec)
            if kind not in ("boolean", "any", "null"):
                raise ConfigureError(
                    f"the expression gives a {kind}, but a filter needs true/false (add a comparison such as > 0)",
                    where="expression",
                )
        elif not s.conditions:
            raise ConfigureError("add at least one condition", where="conditions")
        elif spec is not None:
            for i, c in enumerate(s.conditions):
                _check_condition(i, c, spec)
        # Filtering may drop the rows with gaps: which columns still have some is for the data to say.
        cols = tuple(replace(c, missing=False) for c in spec.columns)
        return [TableSpec(cols, spec.roles)]

    def execute(self, s: Settings, inputs, ctx):
        table = inputs[0]
        df = table.df
        if s.mode == "expression":
            tree, _ = compile_expression(s.expression, table.spec())
            result = evaluate(tree, df, lambda m: ctx.warn(f'expression "{s.expression}": {m}'))
            if not (pd.api.types.is_bool_dtype(result) or result.isna().all()):
                raise NodeExecutionError(
                    f"gives {result.dtype} values, not true/false", where="expression"
                )
            mask = result.fillna(False).astype(bool)  # a missing answer does not match
        else:
            spec = table.spec()
            for i, c in enumerate(s.conditions):
                spec.require(c.column, setting=f"conditions.{i}.column")
            masks = [_mask(i, c, df) for i, c in enumerate(s.conditions)]
            mask = (
                pd.concat(masks, axis=1).all(axis=1)
                if s.combine == "all"
                else pd.concat(masks, axis=1).any(axis=1)
            )
        if not s.keep_matching:
            mask = ~mask
        out = df[mask.to_numpy()]
        if s.fail_on_empty and out.empty:
            raise NodeExecutionError(
                f"no row of {len(df)} is left after the filter (turn off 'fail_on_empty' to pass on an empty table)"
            )
        if out.empty:
            ctx.progress(1.0, f"no row of {len(df)} matches the filter: the output table is empty")
        return [table.with_df(out)]
