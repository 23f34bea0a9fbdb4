"""Feature Selection: drop numeric feature columns that carry (almost) no information —
near-constant ones (variance filter) and near-duplicates of a column already kept
(correlation filter). Decided on the training rows, so test rows lose the same columns.
The target and other non-feature columns are never dropped."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field

from studio.core import ExecutionContext, NodeSettings, Table
from studio.core.node import ColumnsField
from studio.core.ports import TableSpec

from .base import PreprocessingNode, pick_columns

NUMBER_KINDS = ("number", "integer", "boolean")


class Settings(NodeSettings):
    columns: list[str] = ColumnsField(
        numeric=True,
        description="Candidate columns (default: every numeric feature column); others are always kept",
    )
    min_variance: float = Field(
        0.0,
        ge=0,
        description="Drop a column whose variance on the training rows is at most this (0: drop only constant columns)",
    )
    max_correlation: float = Field(
        0.95,
        gt=0,
        le=1,
        description="Drop a column whose absolute correlation with an earlier kept column exceeds this (1: no correlation filter)",
    )


def select(
    df: pd.DataFrame, columns: list[str], min_variance: float, max_correlation: float
) -> tuple[list[str], dict[str, str]]:
    """Return the kept columns and, for each dropped one, why (in words)."""
    values = df[columns].astype("float64")
    variances = values.var(ddof=0)
    kept: list[str] = []
    reasons: dict[str, str] = {}
    for col in columns:
        var = variances[col]
        if not np.isfinite(var) or var <= min_variance:
            reasons[col] = (
                f"variance {var:.3g} <= {min_variance:g}" if np.isfinite(var) else "no values"
            )
        else:
            kept.append(col)
    if max_correlation < 1 and len(kept) > 1:
        corr = values[kept].corr().abs()
        survivors: list[str] = []
        for col in kept:
            twin = next((k for k in survivors if corr.loc[col, k] > max_correlation), None)
            if twin is None:
                survivors.append(col)
            else:
                reasons[col] = (
                    f"|correlation| {corr.loc[col, twin]:.3f} with {twin!r} > {max_correlation:g}"
                )
        kept = survivors
    return kept, reasons


class FeatureSelection(PreprocessingNode):
    type_id = "preprocessing.feature_selection"
    name = "Feature Selection"
    description = "Drops near-constant and highly correlated numeric features (decided on the training rows); never drops the target."
    keywords = (
        "feature selection",
        "variance",
        "correlation",
        "filter",
        "drop",
        "redundant",
        "collinear",
    )
    kind = "feature_selection"
    Settings = Settings

    def columns_for(self, s: Settings, spec: TableSpec) -> list[str]:
        return pick_columns(spec, s.columns, "columns", NUMBER_KINDS, NUMBER_KINDS, "numeric")

    def output_spec(self, s: Settings, spec: TableSpec, columns: list[str]) -> TableSpec | None:
        return None if columns else spec  # which columns survive depends on the data

    def learn(
        self, s: Settings, table: Table, columns: list[str], ctx: ExecutionContext
    ) -> dict[str, Any]:
        kept, reasons = select(table.df, columns, s.min_variance, s.max_correlation)
        return {"kept": kept, "dropped": reasons}

    def transform(self, s: Settings, state: dict[str, Any], table: Table) -> pd.DataFrame:
        df = table.df
        return df.drop(columns=[c for c in state["dropped"] if c in df.columns])
