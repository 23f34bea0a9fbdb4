"""Which task a table of predictions holds, and how many classes scoring will draw: the
task comes from the model that predicted (the Predictor records it), never from the
truth column's dtype, so whole-unit prices are never scored as 20,000 classes."""

from __future__ import annotations

import pandas as pd

from studio.core import ConfigureError, NodeExecutionError
from studio.core.ports import TableSpec

# A confusion matrix beyond this many classes is unreadable and can exhaust memory
# (it costs the square of the classes): it is refused with a reason instead.
MAX_CLASSES = 100


def predicted_task(spec: TableSpec, prediction: str, predictions: pd.Series | None) -> str:
    """'classification' or 'regression': as the model that made `prediction` says; for
    predictions from elsewhere (a file), regression when they are fractional numbers."""
    task = spec.task_of(prediction)
    if task in ("classification", "regression"):
        return task
    if task == "clustering":
        raise NodeExecutionError(
            f"the column {prediction!r} holds cluster numbers, not predictions of a target: "
            f"there is no truth to score them against",
            where="prediction_column",
        )
    if predictions is not None and pd.api.types.is_float_dtype(predictions):
        values = predictions.dropna().to_numpy()
        if len(values) and (values != values.round()).any():
            return "regression"
    return "classification"


def require_classification(spec: TableSpec, prediction: str) -> None:
    """Refuse (in configure) predictions a regression model made, for class-only nodes."""
    if spec.task_of(prediction) == "regression":
        raise ConfigureError(
            f"the column {prediction!r} holds a regression model's predictions (numbers), which "
            f"have no classes: use a Scorer for RMSE, MAE and R²",
            where="prediction_column",
        )


def class_labels(y_true: pd.Series, y_pred: pd.Series, where: str = "task") -> list[str]:
    """The sorted class labels of truth and predictions (as text), refused beyond MAX_CLASSES
    before anything of the square of their number is built."""
    labels = sorted(pd.unique(pd.concat([y_true.astype(str), y_pred.astype(str)])).tolist())
    if len(labels) > MAX_CLASSES:
        raise NodeExecutionError(
            f"the truth and predictions hold {len(labels)} distinct values, more than the "
            f"{MAX_CLASSES} classes a confusion matrix can show: this looks like a regression "
            f"target (score it with a regression model, or set the Scorer's task to "
            f"'regression'), or merge rare classes first",
            where=where,
        )
    return labels
