"""ROC Curve: how well the predicted probabilities rank the truth, for a binary target
or one-vs-rest per class; drawn as a Figure with the area under each curve."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field
from sklearn.metrics import roc_auc_score, roc_curve

from studio.core import (
    NodeExecutionError,
    NodeSettings,
    NodeType,
    Port,
    PortType,
    Table,
)
from studio.core.ports import ColumnSpec, TableSpec

from .plotting import new_figure, to_figure
from .predictor import probability_column
from .truth import TruthField, truth_column

PREFIX = probability_column("")
AUC_COLUMNS = (
    ColumnSpec("class", "string"),
    ColumnSpec("auc", "number"),
    ColumnSpec("positives", "integer"),
)


class Settings(NodeSettings):
    truth_column: str | None = TruthField("classes")
    positive_class: str | None = Field(
        None,
        description="Binary targets: the class whose probability is ranked (default: the last class in sorted order)",
    )


class RocCurve(NodeType):
    type_id = "scoring.roc_curve"
    name = "ROC Curve"
    category = "Predict and score"
    description = "Draws ROC curves from a Predictor's probability columns: binary, or one-vs-rest per class, with AUC."
    keywords = ("roc", "auc", "curve", "figure", "plot", "threshold", "classification")
    inputs = (
        Port(
            "predictions",
            PortType.TABLE,
            description="Truth plus probability_<class> columns, as the Predictor writes",
        ),
    )
    outputs = (
        Port("figure", PortType.FIGURE),
        Port("auc", PortType.TABLE, description="Area under the curve per class"),
    )
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        spec: TableSpec | None = specs[0]
        if spec is not None:
            truth_column(s.truth_column, spec)
        return [None, TableSpec(AUC_COLUMNS)]

    def execute(self, s: Settings, inputs, ctx):
        table: Table = inputs[0]
        df = table.df
        truth = truth_column(s.truth_column, table.spec())
        prob_cols = [c for c in df.columns if str(c).startswith(PREFIX)]
        if not prob_cols:
            # checked here, not in configure: a Predictor's spec lists them only when the classes are known
            raise NodeExecutionError(
                "no probability_<class> columns: connect a Predictor with 'probabilities' on"
            )
        if len(df) == 0:
            raise NodeExecutionError("nothing to draw: the table is empty")
        if df[truth].isna().any():
            raise NodeExecutionError(
                f"the truth column {truth!r} has missing values: filter those rows out first"
            )
        y = df[truth].astype(str).to_numpy()
        classes = [str(c)[len(PREFIX) :] for c in prob_cols]
        if len(classes) == 2:
            positive = s.positive_class if s.positive_class is not None else sorted(classes)[-1]
            if positive not in classes:
                raise NodeExecutionError(
                    f"positive_class {positive!r} has no probability column (classes: {', '.join(classes)})"
                )
            drawn = [positive]
        else:
            drawn = classes
        fig = new_figure()
        ax = fig.add_subplot()
        rows = []
        for c in drawn:
            positives = y == c
            if positives.all() or not positives.any():
                rows.append({"class": c, "auc": np.nan, "positives": int(positives.sum())})
                continue
            score = df[probability_column(c)].to_numpy(dtype=float)
            fpr, tpr, _ = roc_curve(positives, score)
            auc = float(roc_auc_score(positives, score))
            ax.plot(fpr, tpr, label=f"{c} (AUC {auc:.3f})")
            rows.append({"class": c, "auc": auc, "positives": int(positives.sum())})
        if not any(np.isfinite(r["auc"]) for r in rows):
            raise NodeExecutionError(
                f"the truth column {truth!r} holds a single class: a ROC curve needs positives and negatives"
            )
        ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1)
        ax.set(
            xlabel="False positive rate", ylabel="True positive rate", xlim=(0, 1), ylim=(0, 1.02)
        )
        ax.set_title("ROC curve" if len(drawn) == 1 else "ROC curves, one class vs rest")
        ax.legend(loc="lower right")
        aucs = pd.DataFrame(rows, columns=[c.name for c in AUC_COLUMNS])
        return [to_figure(fig, f"{ctx.label}: ROC"), Table(aucs)]
