"""Feature Importance: how much the model's score drops when one feature's values are
shuffled (permutation importance), measured on the rows given, model-agnostic."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field
from sklearn.inspection import permutation_importance

from nodes.validation.resampling import (
    LOWER_IS_BETTER,
    ScoreName,
    model_rows,
    require_model_columns,
    require_supervised,
    score_choice,
    sklearn_scorer,
)
from studio.core import NodeExecutionError, NodeSettings, NodeType, Port, PortType, Table
from studio.core.ports import ColumnSpec, ModelSpec, TableSpec

from .plotting import new_figure, to_figure

IMPORTANCE_COLUMNS = (
    ColumnSpec("feature", "string"),
    ColumnSpec("importance_mean", "number"),
    ColumnSpec("importance_std", "number"),
    ColumnSpec("rank", "integer"),
)


class Settings(NodeSettings):
    scoring: ScoreName = Field(
        "auto", description="Score whose drop is measured; auto: balanced accuracy or R²"
    )
    n_repeats: int = Field(
        5, ge=1, le=100, description="Shuffles per feature (more: steadier estimate, slower)"
    )
    seed: int = Field(42, ge=0, description="Random seed of the shuffles")
    top: int = Field(
        20, ge=1, le=200, description="Features drawn in the figure (the table has all)"
    )
    n_jobs: int = Field(1, ge=1, le=256, description="Features shuffled in parallel")


class FeatureImportance(NodeType):
    type_id = "scoring.feature_importance"
    name = "Feature Importance"
    category = "Predict and score"
    description = "Permutation importance of each feature on a table with the target (best on held-out rows); figure and table."
    keywords = (
        "importance",
        "permutation",
        "feature",
        "explain",
        "figure",
        "plot",
        "interpretability",
    )
    inputs = (
        Port("model", PortType.MODEL),
        Port(
            "table",
            PortType.TABLE,
            description="Rows with the model's features and the target (held-out rows are best)",
        ),
    )
    outputs = (
        Port("figure", PortType.FIGURE),
        Port("importance", PortType.TABLE, description="One row per feature, most important first"),
    )
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        model: ModelSpec | None = specs[0]
        require_supervised(model)
        require_model_columns(model, specs[1], "input port 'table'")
        if model is not None:
            score_choice(s.scoring, model.task)
        return [None, TableSpec(IMPORTANCE_COLUMNS)]

    def execute(self, s: Settings, inputs, ctx):
        model, table = inputs
        X, y = model_rows(model, table)
        score = score_choice(s.scoring, model.task)
        try:
            result = permutation_importance(
                model.estimator,
                X,
                y,
                scoring=sklearn_scorer(score, model.task),
                n_repeats=s.n_repeats,
                random_state=s.seed,
                n_jobs=s.n_jobs,
            )
        except ValueError as exc:
            raise NodeExecutionError(f"permutation importance failed: {exc}") from None
        # scorers are "higher is better" (errors negated), so a positive importance is a loss of quality
        imp = pd.DataFrame(
            {
                "feature": list(map(str, model.features)),
                "importance_mean": result.importances_mean,
                "importance_std": result.importances_std,
            }
        )
        imp = imp.sort_values("importance_mean", ascending=False, kind="stable").reset_index(
            drop=True
        )
        imp["rank"] = np.arange(1, len(imp) + 1)
        shown = imp.head(s.top).iloc[::-1]
        fig = new_figure(6.5, 1.2 + 0.3 * len(shown))
        ax = fig.add_subplot()
        ax.barh(
            shown["feature"],
            shown["importance_mean"],
            xerr=shown["importance_std"],
            color="#4C72B0",
        )
        ax.axvline(0, color="grey", linewidth=1)
        change = "Rise" if score in LOWER_IS_BETTER else "Drop"
        ax.set(
            xlabel=f"{change} in {score} when the feature is shuffled",
            title=f"Permutation importance ({s.n_repeats} repeats)",
        )
        return [to_figure(fig, f"{ctx.label}: feature importance"), Table(imp)]
