"""The scored held-out rows the performance monitors read: which columns hold the truth,
the prediction and the class probabilities, and whether the metric fits the task."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from nodes.scoring.truth import TruthField, truth_column
from studio.core import ConfigureError, NodeExecutionError, Port, PortType
from studio.core.node import ColumnField, ColumnsField
from studio.core.ports import TableSpec
from studio.monitor.performance import CLASSIFICATION_METRICS, REGRESSION_METRICS, SCORE_METRICS

from .base import probability_columns

SCORED = Port(
    "scored",
    PortType.TABLE,
    description="Held-out rows with the truth, the prediction and class probabilities (a Predictor's output)",
)
# A numeric truth with more distinct values than this is a regression target.
REGRESSION_DISTINCT = 20


def scored_fields(prediction_default: str | None = "prediction") -> dict[str, tuple[Any, Any]]:
    """The column settings both performance monitors have."""
    return {
        "truth_column": (str | None, TruthField("values")),
        "prediction_column": (
            str | None,
            ColumnField(prediction_default, description="Column with the model's prediction"),
        ),
        "score_columns": (
            list[str],
            ColumnsField(
                numeric=True,
                description="Class probability columns (default: every probability_<class> column)",
            ),
        ),
    }


@dataclass(frozen=True)
class ScoredColumns:
    truth: str
    prediction: str | None
    scores: dict[str, str]  # class → probability column

    @property
    def needed(self) -> list[str]:
        return list(
            dict.fromkeys(
                [self.truth, *([self.prediction] if self.prediction else []), *self.scores.values()]
            )
        )


def scored_columns(s: Any, spec: TableSpec) -> ScoredColumns:
    """The columns the settings name, checked against the scored rows and the metric."""
    truth = truth_column(s.truth_column, spec, "values")
    spec.require(s.prediction_column, setting="prediction_column")
    scores = probability_columns(spec, s.score_columns)
    metric = s.metric
    column = spec.column(truth)
    # A Predictor that has not run yet leaves its probability columns open: not an error.
    unknown_yet = not scores and any(p.startswith("probability_") for p in spec.open)
    if metric in SCORE_METRICS and len(scores) < 2 and not unknown_yet:
        raise ConfigureError(
            f"{metric} needs a classifier's class probability columns (probability_<class>), "
            f"and the scored rows have {len(scores) or 'none'}: connect a Predictor with "
            "probabilities on or choose score_columns; for a regression choose rmse, mae or r2",
            where="metric",
        )
    if metric in REGRESSION_METRICS and not column.is_numeric:
        raise ConfigureError(
            f"{metric} is a regression metric, but the truth column {truth!r} holds "
            f"{column.dtype} values (a classifier's classes): choose one of "
            f"{', '.join(CLASSIFICATION_METRICS)}",
            where="metric",
        )
    return ScoredColumns(truth, s.prediction_column, scores)


def labelled(df: pd.DataFrame, columns: ScoredColumns, metric: str) -> pd.DataFrame:
    """The rows with a truth; a classification metric on a continuous truth is refused."""
    rows = df[df[columns.truth].notna()]
    truth = rows[columns.truth]
    if (
        metric not in REGRESSION_METRICS
        and pd.api.types.is_float_dtype(truth)
        and truth.nunique() > REGRESSION_DISTINCT
    ):
        raise NodeExecutionError(
            f"{metric} is a classification metric, but the truth column {columns.truth!r} holds "
            f"{truth.nunique()} distinct numbers (a regression): choose rmse, mae or r2",
            where="metric",
        )
    return rows


def score_matrix(df: pd.DataFrame, columns: ScoredColumns) -> np.ndarray | None:
    return df[list(columns.scores.values())].to_numpy(dtype=float) if columns.scores else None
