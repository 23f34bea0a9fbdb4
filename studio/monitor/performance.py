"""Live performance from labelled rows (feedback joined to predictions), judged against an
accepted floor or ceiling; below the minimum labelled rows the verdict is
"not enough data", never ok or alert."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field, model_validator
from sklearn import metrics as skm

from .errors import MonitorError
from .status import MetricStatus
from .verdict import Verdict

Metric = Literal["accuracy", "balanced_accuracy", "f1", "roc_auc", "log_loss", "rmse", "mae", "r2"]
CLASSIFICATION_METRICS = ("accuracy", "balanced_accuracy", "f1", "roc_auc", "log_loss")
REGRESSION_METRICS = ("rmse", "mae", "r2")
# Metrics computed from class probabilities rather than from predicted labels.
SCORE_METRICS = ("roc_auc", "log_loss")


class PerformanceSettings(BaseModel):
    metric: Metric = Field("accuracy", description="The metric to watch")
    floor: float | None = Field(None, description="Alert when the metric falls below this")
    ceiling: float | None = Field(None, description="Alert when the metric rises above this")
    min_rows: int = Field(30, ge=1, description="Fewer labelled rows than this: not enough data")
    positive_label: str | None = Field(
        None, description="The positive class of a binary F1 / ROC AUC (default: the last class)"
    )

    @model_validator(mode="after")
    def _bounds(self) -> PerformanceSettings:
        if self.floor is not None and self.ceiling is not None and self.floor > self.ceiling:
            raise ValueError(f"floor ({self.floor}) is above ceiling ({self.ceiling})")
        return self


def labels(values: Sequence | np.ndarray | pd.Series) -> np.ndarray:
    """Class labels in one comparable form: numbers when every value is one, else text
    (truth sent as JSON 1 and a prediction logged as 1.0 are the same class)."""
    series = pd.Series(list(values) if not isinstance(values, pd.Series) else values)
    numbers = pd.to_numeric(series, errors="coerce")
    if numbers.notna().all():
        return numbers.to_numpy(dtype=float)
    return series.astype(str).to_numpy()


def compute_metric(
    metric: Metric,
    y_true: Sequence | np.ndarray,
    y_pred: Sequence | np.ndarray | None = None,
    scores: np.ndarray | None = None,
    classes: Sequence | None = None,
    positive_label: object | None = None,
) -> float | None:
    """The metric on these rows with scikit-learn, or None where it is undefined (ROC AUC
    on one class). `scores` has one column per entry of `classes`."""
    if metric in REGRESSION_METRICS:
        t, p = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
        if metric == "rmse":
            return float(np.sqrt(skm.mean_squared_error(t, p)))
        if metric == "mae":
            return float(skm.mean_absolute_error(t, p))
        return float(skm.r2_score(t, p)) if len(t) > 1 else None
    truth = labels(y_true)
    if metric in SCORE_METRICS:
        return _score_metric(metric, truth, scores, classes, positive_label)
    pred = labels(y_pred)
    if metric == "accuracy":
        return float(skm.accuracy_score(truth, pred))
    if metric == "balanced_accuracy":
        return float(skm.balanced_accuracy_score(truth, pred))
    known = labels(classes) if classes is not None else np.unique(np.concatenate([truth, pred]))
    if len(known) <= 2:
        positive = labels([positive_label])[0] if positive_label is not None else known[-1]
        return float(skm.f1_score(truth, pred, pos_label=positive, labels=known))
    return float(skm.f1_score(truth, pred, average="macro", labels=known))


def _score_metric(metric, truth, scores, classes, positive_label) -> float | None:
    if scores is None or classes is None:
        raise MonitorError(
            f"{metric} needs the class probabilities: give the probability columns of the model"
        )
    known = labels(classes)
    scores = np.asarray(scores, dtype=float)
    if metric == "log_loss":
        return float(skm.log_loss(truth, scores, labels=known))
    if len(np.unique(truth)) < 2:
        return None  # ROC AUC needs both classes among the labelled rows
    if len(known) == 2:
        positive = labels([positive_label])[0] if positive_label is not None else known[-1]
        column = int(np.flatnonzero(known == positive)[0])
        return float(skm.roc_auc_score(truth == positive, scores[:, column]))
    present = np.isin(known, truth)
    if not present.all():
        return None  # one-vs-rest AUC is undefined for a class with no labelled row
    return float(skm.roc_auc_score(truth, scores, multi_class="ovr", labels=known))


def judge(
    metric: str,
    value: float | None,
    n_rows: int,
    settings: PerformanceSettings,
    *,
    estimated: bool = False,
    assumptions: str | None = None,
) -> MetricStatus:
    """The verdict of a metric value against floor, ceiling and the minimum rows."""
    if n_rows < settings.min_rows or value is None:
        verdict = Verdict.NO_DATA
    elif settings.floor is not None and value < settings.floor:
        verdict = Verdict.ALERT
    elif settings.ceiling is not None and value > settings.ceiling:
        verdict = Verdict.ALERT
    else:
        verdict = Verdict.OK
    return MetricStatus(
        metric=metric,
        value=value if n_rows >= settings.min_rows else None,
        floor=settings.floor,
        ceiling=settings.ceiling,
        verdict=verdict,
        n_rows=n_rows,
        min_rows=settings.min_rows,
        estimated=estimated,
        assumptions=assumptions,
    )


def evaluate_performance(
    settings: PerformanceSettings,
    y_true: Sequence | np.ndarray,
    y_pred: Sequence | np.ndarray | None = None,
    scores: np.ndarray | None = None,
    classes: Sequence | None = None,
) -> MetricStatus:
    """Live metric of labelled rows and its verdict."""
    n = len(y_true)
    value = None
    if n >= settings.min_rows:
        value = compute_metric(
            settings.metric, y_true, y_pred, scores, classes, settings.positive_label
        )
    return judge(settings.metric, value, n, settings)
