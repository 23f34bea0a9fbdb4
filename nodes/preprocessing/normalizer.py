"""Normalizer: put numeric columns on a common scale with statistics learned on the
training rows (z-score, min-max or robust), so distance- and gradient-based learners
are not dominated by the column with the largest units."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from pydantic import Field
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

from studio.core import ExecutionContext, NodeExecutionError, NodeSettings, Table
from studio.core.node import ColumnsField, float_matrix
from studio.core.ports import TableSpec

from .base import NUMERIC_KINDS, PreprocessingNode, pick_columns, replace_dtypes


class Settings(NodeSettings):
    method: Literal["zscore", "minmax", "robust"] = Field(
        "zscore",
        description="zscore: mean 0, standard deviation 1; minmax: range 0 to 1; robust: median 0, interquartile range 1 (resists outliers)",
    )
    columns: list[str] = ColumnsField(
        numeric=True, description="Numeric columns to scale (default: every numeric feature column)"
    )


def _scaler(method: str) -> Any:
    if method == "minmax":
        return MinMaxScaler()
    if method == "robust":
        return RobustScaler()
    return StandardScaler()


class Normalizer(PreprocessingNode):
    type_id = "preprocessing.normalizer"
    name = "Normalizer"
    description = "Scales numeric columns by z-score, min-max or robust statistics learned on the training rows."
    keywords = (
        "normalize",
        "normalise",
        "scale",
        "standardize",
        "zscore",
        "minmax",
        "robust",
        "scaler",
    )
    kind = "normalizer"
    Settings = Settings

    def columns_for(self, s: Settings, spec: TableSpec) -> list[str]:
        return pick_columns(spec, s.columns, "columns", NUMERIC_KINDS, NUMERIC_KINDS, "numeric")

    def output_spec(self, s: Settings, spec: TableSpec, columns: list[str]) -> TableSpec:
        return replace_dtypes(spec, columns, "number")

    def learn(
        self, s: Settings, table: Table, columns: list[str], ctx: ExecutionContext
    ) -> dict[str, Any]:
        if not columns:
            return {"scaler": None}
        scaler = _scaler(s.method)
        try:
            scaler.fit(table.df[columns].astype("float64").to_numpy())
        except ValueError as exc:
            raise NodeExecutionError(
                f"cannot scale columns {', '.join(map(repr, columns))}: {exc}"
            ) from None
        return {"scaler": scaler}

    def transform(self, s: Settings, state: dict[str, Any], table: Table) -> pd.DataFrame:
        df = table.df
        cols = state["columns"]
        if not cols:
            return df
        try:
            values = df[cols].astype("float64").to_numpy()
        except (TypeError, ValueError):
            bad = [c for c in cols if not pd.api.types.is_numeric_dtype(df[c])]
            raise NodeExecutionError(
                f"column(s) {', '.join(map(repr, bad))} are not numeric in this table, but the Normalizer "
                f"{state.get('fitted_by', '')!r} was fitted on numbers: convert them with a Type Converter"
            ) from None
        scaled = state["scaler"].transform(values)
        return df.assign(**{c: pd.Series(scaled[:, i], index=df.index) for i, c in enumerate(cols)})

    def transform_arrays(self, s: Settings, state: dict[str, Any]):
        names, scaler = list(state["columns"]), state["scaler"]
        if not names:
            return lambda cols: cols

        def scale(cols):
            values = float_matrix(cols, names)
            scaled = scaler.transform(values)
            return {**cols, **{c: scaled[:, i] for i, c in enumerate(names)}}

        return scale
