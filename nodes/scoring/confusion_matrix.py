"""Confusion Matrix: which classes the model mistakes for which, as a Figure (counts or
shares) and as a table with one row per true class."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field
from sklearn.metrics import confusion_matrix

from studio.core import (
    NodeExecutionError,
    NodeSettings,
    NodeType,
    Port,
    PortType,
    Table,
)
from studio.core.node import ColumnField
from studio.core.ports import TableSpec

from .plotting import new_figure, to_figure
from .task import class_labels, require_classification
from .truth import TruthField, truth_column


class Settings(NodeSettings):
    truth_column: str | None = TruthField("classes")
    prediction_column: str = ColumnField(
        "prediction", description="Column with the predicted classes"
    )
    normalize: Literal["none", "truth", "prediction", "all"] = Field(
        "none",
        description="none: counts; truth: share of each true class; prediction: share of each predicted class; all: share of all rows",
    )


class ConfusionMatrix(NodeType):
    type_id = "scoring.confusion_matrix"
    name = "Confusion Matrix"
    category = "Predict and score"
    description = "Draws the confusion matrix of true against predicted classes (counts or shares) and outputs it as a table."
    keywords = ("confusion", "matrix", "errors", "figure", "plot", "classification")
    inputs = (Port("predictions", PortType.TABLE, description="Truth and prediction columns"),)
    outputs = (
        Port("figure", PortType.FIGURE),
        Port(
            "matrix",
            PortType.TABLE,
            description="One row per true class, one column per predicted class",
        ),
    )
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        spec: TableSpec | None = specs[0]
        if spec is not None:
            truth_column(s.truth_column, spec)
            spec.require(s.prediction_column, setting="prediction_column")
            require_classification(spec, s.prediction_column)
        return [None, None]  # the matrix's columns are the classes, known only from data

    def execute(self, s: Settings, inputs, ctx):
        table: Table = inputs[0]
        df = table.df
        spec = table.spec()
        truth = truth_column(s.truth_column, spec)
        spec.require(s.prediction_column, setting="prediction_column")
        if len(df) == 0:
            raise NodeExecutionError("nothing to draw: the table is empty")
        if df[truth].isna().any():
            raise NodeExecutionError(
                f"the truth column {truth!r} has missing values: filter those rows out first"
            )
        require_classification(spec, s.prediction_column)
        y_true, y_pred = df[truth].astype(str), df[s.prediction_column].astype(str)
        labels = class_labels(y_true, y_pred, where="prediction_column")
        norm = {"none": None, "truth": "true", "prediction": "pred", "all": "all"}[s.normalize]
        matrix = confusion_matrix(y_true, y_pred, labels=labels, normalize=norm)
        fig = new_figure(1.6 + 0.9 * len(labels), 1.2 + 0.8 * len(labels))
        ax = fig.add_subplot()
        image = ax.imshow(matrix, cmap="Blues")
        fig.colorbar(image, ax=ax)
        high = matrix.max() / 2 if matrix.size else 0
        for (i, j), v in np.ndenumerate(matrix):
            ax.text(
                j,
                i,
                f"{v:.2f}" if norm else f"{int(v)}",
                ha="center",
                va="center",
                color="white" if v > high else "black",
            )
        ax.set_xticks(
            range(len(labels)),
            labels,
            rotation=45 if max(map(len, labels)) > 6 else 0,
            ha="right" if max(map(len, labels)) > 6 else "center",
        )
        ax.set_yticks(range(len(labels)), labels)
        ax.set(
            xlabel="Predicted",
            ylabel="True",
            title="Confusion matrix" + ("" if norm is None else f" (share of {s.normalize})"),
        )
        out = pd.DataFrame(
            matrix, index=pd.Index(labels, name="truth"), columns=labels
        ).reset_index()
        return [to_figure(fig, f"{ctx.label}: confusion matrix"), Table(out)]
