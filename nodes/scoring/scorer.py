"""Scorer: compare predictions with the truth. Classification: accuracy, precision,
recall, F1, ROC AUC, log loss and the confusion matrix; regression: MAE, RMSE, R², MAPE."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field
from sklearn import metrics as skm

from studio.core import (
    Metrics,
    NodeExecutionError,
    NodeSettings,
    NodeType,
    Port,
    PortType,
    Table,
)
from studio.core.node import ColumnField
from studio.core.ports import ColumnSpec, TableSpec

from .predictor import probability_column
from .task import class_labels, predicted_task
from .truth import TruthField, truth_column


class Settings(NodeSettings):
    truth_column: str | None = TruthField("values")
    prediction_column: str = ColumnField("prediction", description="Column with the predictions")
    task: Literal["auto", "classification", "regression"] = Field(
        "auto",
        description="auto: the task of the model that made the predictions (for predictions "
        "read from a file: regression when they are fractional numbers)",
    )


def classification_scores(y_true, y_pred, proba: pd.DataFrame | None = None) -> dict:
    labels = class_labels(pd.Series(y_true), pd.Series(y_pred))
    avg = "binary" if len(labels) == 2 else "macro"
    pos = labels[-1]
    kw = {"average": avg, "zero_division": 0}
    if avg == "binary":
        kw["pos_label"] = pos
    out = {
        "accuracy": float(skm.accuracy_score(y_true, y_pred)),
        "precision": float(skm.precision_score(y_true, y_pred, **kw)),
        "recall": float(skm.recall_score(y_true, y_pred, **kw)),
        "f1": float(skm.f1_score(y_true, y_pred, **kw)),
        "rows": int(len(y_true)),
        "labels": [str(v) for v in labels],
        "confusion_matrix": skm.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }
    if proba is not None:
        wanted = [probability_column(c) for c in labels]
        unknown = [str(c) for c, w in zip(labels, wanted) if w not in proba.columns]
        if unknown:
            # Say why ROC AUC and log loss are absent rather than dropping them silently.
            out["note"] = (
                f"roc_auc and log_loss not computed: class(es) {', '.join(map(repr, unknown))} "
                f"in the truth have no probability column (the model never saw them in training)"
            )
        proba = proba[wanted] if not unknown else None
    if proba is not None and proba.shape[1] >= 2 and len(pd.unique(y_true)) >= 2:
        try:
            if proba.shape[1] == 2:
                out["roc_auc"] = float(
                    skm.roc_auc_score(np.asarray(y_true) == pos, proba.iloc[:, -1])
                )
            else:
                out["roc_auc"] = float(
                    skm.roc_auc_score(y_true, proba.to_numpy(), multi_class="ovr", labels=labels)
                )
            out["log_loss"] = float(skm.log_loss(y_true, proba.to_numpy(), labels=labels))
        except ValueError:
            pass  # classes in the truth that the model never saw: skip the probability scores
    return out


def regression_scores(y_true, y_pred) -> dict:
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    nonzero = y_true != 0
    return {
        "mae": float(skm.mean_absolute_error(y_true, y_pred)),
        "rmse": float(np.sqrt(skm.mean_squared_error(y_true, y_pred))),
        "r2": float(skm.r2_score(y_true, y_pred)) if len(y_true) > 1 else float("nan"),
        "mape": float(np.mean(np.abs((y_true[nonzero] - y_pred[nonzero]) / y_true[nonzero])))
        if nonzero.any()
        else float("nan"),
        "rows": int(len(y_true)),
    }


class Scorer(NodeType):
    type_id = "scoring.scorer"
    name = "Scorer"
    category = "Predict and score"
    description = "Scores predictions against the truth: classification or regression metrics and a confusion matrix."
    keywords = ("score", "accuracy", "metrics", "evaluate", "confusion", "f1", "rmse", "auc")
    inputs = (Port("predictions", PortType.TABLE),)
    outputs = (
        Port("metrics", PortType.METRICS),
        Port("scores", PortType.TABLE),
        Port("confusion matrix", PortType.TABLE),
    )
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        spec = specs[0]
        if spec is not None:
            truth_column(s.truth_column, spec, "values")
            spec.require(s.prediction_column, setting="prediction_column")
        scores = TableSpec((ColumnSpec("metric", "string"), ColumnSpec("value", "number")))
        return [None, scores, None]

    def execute(self, s: Settings, inputs, ctx):
        table: Table = inputs[0]
        df = table.df
        spec = table.spec()
        truth = truth_column(s.truth_column, spec, "values")
        spec.require(s.prediction_column, setting="prediction_column")
        if len(df) == 0:
            raise NodeExecutionError("nothing to score: the table is empty")
        y_true, y_pred = df[truth], df[s.prediction_column]
        if y_true.isna().any():
            raise NodeExecutionError(f"the truth column {truth!r} has missing values")
        if y_pred.isna().any():
            raise NodeExecutionError(
                f"the prediction column {s.prediction_column!r} has {int(y_pred.isna().sum())} missing "
                f"value(s): filter those rows out (Row Filter) or fix the model's input before scoring"
            )
        task = s.task
        if task == "auto":
            task = predicted_task(spec, s.prediction_column, y_pred)
        if task == "regression" and not (
            pd.api.types.is_numeric_dtype(y_true) and pd.api.types.is_numeric_dtype(y_pred)
        ):
            raise NodeExecutionError(
                f"regression scores need numbers, but {truth!r} or {s.prediction_column!r} holds "
                f"text: set task to 'classification', or score a regression model's predictions",
                where="task",
            )
        if task == "regression":
            values = regression_scores(y_true, y_pred)
            confusion = None
        else:
            prob_cols = [c for c in df.columns if str(c).startswith(probability_column(""))]
            values = classification_scores(
                y_true.astype(str), y_pred.astype(str), df[prob_cols] if prob_cols else None
            )
            labels = values["labels"]
            confusion = Table(
                pd.DataFrame(
                    values["confusion_matrix"], index=pd.Index(labels, name="truth"), columns=labels
                ).reset_index()
            )
        values["task"] = task
        scalar = [
            (k, float(v)) for k, v in values.items() if isinstance(v, (int, float)) and k != "rows"
        ]
        scores = Table(pd.DataFrame(scalar, columns=["metric", "value"]))
        return [Metrics(values, title=f"{ctx.label}: {task}"), scores, confusion]
