"""Joiner: combine two tables on key columns (inner, left, right or outer join)."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import Field

from studio.core import (
    ConfigureError,
    NodeExecutionError,
    NodeSettings,
    NodeType,
    Port,
    PortType,
    Table,
)
from studio.core.node import ColumnsField

from .spec_frames import empty_frame, spec_of_frame


class Settings(NodeSettings):
    how: Literal["inner", "left", "right", "outer"] = Field(
        "inner", description="Which rows to keep: matching only, all left, all right, or all"
    )
    left_keys: list[str] = ColumnsField(port=0, description="Key columns of the left table")
    right_keys: list[str] = ColumnsField(
        port=1, description="Key columns of the right table (empty: same names as the left keys)"
    )
    left_suffix: str = Field(
        "", description="Added to left columns whose name also appears on the right"
    )
    right_suffix: str = Field(
        " (right)", description="Added to right columns whose name also appears on the left"
    )
    validate_keys: Literal["none", "one_to_one", "one_to_many", "many_to_one"] = Field(
        "none",
        description="Fail when keys repeat where they should not (catches accidental row multiplication)",
    )


def _keys(s: Settings) -> tuple[list[str], list[str]]:
    if not s.left_keys:
        raise ConfigureError("choose the key column(s) of the left table", where="left_keys")
    right = s.right_keys or s.left_keys
    if len(right) != len(s.left_keys):
        raise ConfigureError(
            f"{len(s.left_keys)} left key(s) but {len(right)} right key(s): give the same number",
            where="right_keys",
        )
    if s.left_suffix == s.right_suffix:
        raise ConfigureError(
            "the two suffixes must differ, or overlapping column names would clash",
            where="right_suffix",
        )
    return list(s.left_keys), list(right)


def _duplicate_keys_message(
    s: Settings, left: pd.DataFrame, lk: list[str], right: pd.DataFrame, rk: list[str]
) -> str:
    """Name the side and the repeated key values, not pandas' dump of duplicate rows."""
    must_be_unique = {
        "one_to_one": ("left", "right"),
        "one_to_many": ("left",),
        "many_to_one": ("right",),
    }
    parts = []
    for side in must_be_unique[s.validate_keys]:
        df, keys = (left, lk) if side == "left" else (right, rk)
        dup = df.loc[df.duplicated(keys, keep=False), keys].drop_duplicates()
        if len(dup):
            examples = ", ".join(
                repr(tuple(r) if len(keys) > 1 else r[0])
                for r in dup.head(3).itertuples(index=False)
            )
            parts.append(f"{len(dup)} key value(s) repeat in the {side} table (e.g. {examples})")
    if not parts:
        parts.append(f"key(s) {', '.join(map(repr, lk))} repeat")
    return (
        f"validate_keys is '{s.validate_keys}' but {' and '.join(parts)}: remove the duplicates "
        f"(e.g. with a GroupBy) or choose a validate_keys setting that allows them"
    )


def _merge(s: Settings, left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    lk, rk = _keys(s)
    validate = (
        None
        if s.validate_keys == "none"
        else s.validate_keys.replace("_to_", ":").replace("one", "1").replace("many", "m")
    )
    try:
        return pd.merge(
            left,
            right,
            how=s.how,
            left_on=lk,
            right_on=rk,
            suffixes=(s.left_suffix, s.right_suffix),
            validate=validate,
        )
    except pd.errors.MergeError:
        raise NodeExecutionError(_duplicate_keys_message(s, left, lk, right, rk)) from None
    except ValueError as exc:  # e.g. joining a number key to a text key
        raise NodeExecutionError(
            f"cannot join {lk} with {rk}: {exc} (convert the keys to one type with a Type Converter)"
        ) from None


class Joiner(NodeType):
    type_id = "manipulation.joiner"
    name = "Joiner"
    category = "Manipulation"
    description = "Joins two tables on key columns: inner, left, right or outer, with suffixes for clashing names."
    keywords = ("join", "merge", "lookup", "combine", "sql join", "vlookup")
    inputs = (Port("left", PortType.TABLE), Port("right", PortType.TABLE))
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        left, right = specs
        lk, rk = _keys(s)
        left.require(lk, setting="left_keys", source="the left table")
        right.require(rk, setting="right_keys", source="the right table")
        for a, b in zip(lk, rk, strict=True):
            ka, kb = left.column(a), right.column(b)
            if ka.is_numeric != kb.is_numeric:
                raise ConfigureError(
                    f"key {a!r} holds {ka.dtype} values but {b!r} holds {kb.dtype}: convert one with a Type Converter",
                    where="right_keys",
                )
        merged = _merge(s, empty_frame(left), empty_frame(right))
        return [spec_of_frame(merged, dict(left.roles))]

    def execute(self, s: Settings, inputs, ctx):
        left, right = inputs
        merged = _merge(s, left.df, right.df)
        return [Table(merged, {k: v for k, v in left.roles.items() if k in merged.columns})]
