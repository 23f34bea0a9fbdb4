"""Missing Value: fill the gaps in numeric and text columns with values learned on the
training rows (mean, median, most frequent) or a constant.

It never drops rows: a deployed transform must answer for every row it is given. To
drop incomplete rows instead, filter them out with a Row Filter before the split.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from studio.core import ExecutionContext, NodeExecutionError, NodeSettings, Table
from studio.core.node import ColumnsField
from studio.core.ports import TableSpec
from studio.core.scalars import python_scalar

from .base import PreprocessingNode, pick_columns

NUMBER_KINDS = ("number", "integer")
TEXT_KINDS = ("string", "category", "boolean")


class Settings(NodeSettings):
    columns: list[str] = ColumnsField(
        description="Columns to fill (default: every numeric and text feature column)"
    )
    numbers: Literal["mean", "median", "most_frequent", "constant", "keep"] = Field(
        "median",
        description="How to fill numeric columns: the training mean, median or most frequent value, a constant, or keep the gaps",
    )
    number_value: float = Field(
        0.0, description="The constant for numeric columns (when numbers is 'constant')"
    )
    text: Literal["most_frequent", "constant", "keep"] = Field(
        "most_frequent",
        description="How to fill text and category columns: the most frequent training value, a constant, or keep the gaps",
    )
    text_value: str = Field(
        "missing",
        min_length=1,
        description="The constant for text columns (when text is 'constant')",
    )


def _fill_value(s: Settings, series: pd.Series, numeric: bool) -> tuple[bool, Any]:
    strategy = s.numbers if numeric else s.text
    if strategy == "keep":
        return False, None
    if strategy == "constant":
        return True, float(s.number_value) if numeric else s.text_value
    values = series.dropna()
    if values.empty:
        raise NodeExecutionError(
            f"column {series.name!r} has no values in the training table, so its {strategy.replace('_', ' ')} is unknown: "
            f"use the 'constant' strategy or leave the column out"
        )
    if strategy == "mean":
        return True, float(values.mean())
    if strategy == "median":
        return True, float(values.median())
    return True, python_scalar(values.mode().iloc[0])


class MissingValue(PreprocessingNode):
    type_id = "preprocessing.missing_value"
    name = "Missing Value"
    description = "Fills missing values per column type (mean, median, most frequent or a constant) learned on the training rows."
    keywords = ("missing", "impute", "imputation", "nan", "null", "fill", "na")
    kind = "missing_value"
    Settings = Settings

    def columns_for(self, s: Settings, spec: TableSpec) -> list[str]:
        return pick_columns(
            spec,
            s.columns,
            "columns",
            NUMBER_KINDS + TEXT_KINDS,
            NUMBER_KINDS + TEXT_KINDS,
            "numeric or text",
        )

    def output_spec(self, s: Settings, spec: TableSpec, columns: list[str]) -> TableSpec:
        """The same columns; those it fills hold no missing values any more."""
        filled = {
            c
            for c in columns
            if (s.numbers if spec.column(c).dtype in NUMBER_KINDS else s.text) != "keep"
        }
        cols = tuple(replace(c, missing=False) if c.name in filled else c for c in spec.columns)
        return TableSpec(cols, spec.roles)

    def learn(
        self, s: Settings, table: Table, columns: list[str], ctx: ExecutionContext
    ) -> dict[str, Any]:
        spec = table.spec()
        fills: dict[str, Any] = {}
        for col in columns:
            use, value = _fill_value(s, table.df[col], spec.column(col).dtype in NUMBER_KINDS)
            if use:
                fills[col] = value
        return {"fills": fills}

    def transform(self, s: Settings, state: dict[str, Any], table: Table) -> pd.DataFrame:
        df = table.df
        new: dict[str, pd.Series] = {}
        for col, value in state["fills"].items():
            series = df[col]
            if not series.isna().any():
                continue
            if isinstance(series.dtype, pd.CategoricalDtype):
                if value not in series.cat.categories:
                    series = series.cat.add_categories([value])
            elif (
                pd.api.types.is_integer_dtype(series.dtype)
                and isinstance(value, float)
                and not value.is_integer()
            ):
                series = series.astype("float64")
            new[col] = series.fillna(value)
        return df.assign(**new) if new else df

    def transform_arrays(self, s: Settings, state: dict[str, Any]):
        fills = state["fills"]

        def fill(cols):
            out = dict(cols)
            for col, value in fills.items():
                arr = cols[col]
                if arr.dtype.kind == "f":
                    gaps = np.isnan(arr)
                    if gaps.any():
                        out[col] = np.where(gaps, value, arr)
                elif arr.dtype == object:
                    gaps = pd.isna(arr)
                    if gaps.any():
                        arr = arr.copy()
                        arr[gaps] = value
                        out[col] = arr
            return out

        return fill
