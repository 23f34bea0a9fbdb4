"""What every learner shares: pick target and features from the input spec, refuse
data the estimator cannot take (with the node to add), fit, and wrap a `Model`.

A learner module only says which estimator to build from its settings.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from studio.core import (
    ConfigureError,
    ExecutionContext,
    Model,
    NodeExecutionError,
    NodeSettings,
    Port,
    PortType,
    StatefulNodeType,
)
from studio.core.node import ColumnField, ColumnsField
from studio.core.ports import ModelSpec, Table, TableSpec


class LearnerSettings(NodeSettings):
    target: str | None = ColumnField(
        None, description="Column to predict (default: the column whose role is target)"
    )
    features: list[str] = ColumnsField(
        description="Feature columns (default: every other feature column)"
    )


def training_metrics(task: str, y_true, y_pred) -> dict[str, float]:
    from sklearn import metrics as skm

    if task == "classification":
        return {"accuracy": float(skm.accuracy_score(y_true, y_pred))}
    if task == "regression":
        return {
            "r2": float(skm.r2_score(y_true, y_pred)),
            "rmse": float(np.sqrt(skm.mean_squared_error(y_true, y_pred))),
        }
    return {}


def clustering_metrics(estimator: Any, X: pd.DataFrame, seed: int) -> dict[str, float]:
    """Inertia and a silhouette on at most 2,000 rows (it costs the square of the rows)."""
    from sklearn.metrics import silhouette_score

    out: dict[str, float] = {}
    if hasattr(estimator, "inertia_"):
        out["inertia"] = float(estimator.inertia_)
    labels = estimator.labels_
    if 1 < len(np.unique(labels)) < len(X):
        out["silhouette"] = float(
            silhouette_score(X, labels, sample_size=min(len(X), 2000), random_state=seed)
        )
    return out


class LearnerNode(StatefulNodeType):
    category = "Learners"
    task: ClassVar[str] = "classification"
    accepts_missing: ClassVar[bool] = False  # True for estimators that handle NaN themselves
    inputs = (Port("training data", PortType.TABLE),)
    outputs = (Port("model", PortType.MODEL),)
    Settings = LearnerSettings

    def build(self, s: Any) -> Any:
        """Return an unfitted scikit-learn estimator from the settings."""
        raise NotImplementedError  # abstract

    def check(self, s: Any, X: pd.DataFrame, y: pd.Series | None) -> None:
        """Refuse data this learner's settings cannot work with, naming the setting."""

    # ---- columns ----------------------------------------------------------------------
    def _target(self, s: Any, spec: TableSpec) -> str | None:
        if self.task == "clustering":
            return None
        target = s.target or next(iter(spec.columns_with_role("target")), None)
        if not target:
            raise ConfigureError(
                "choose the column to predict (or give a column the target role)", where="target"
            )
        self.require_columns(spec, target, "target")
        return target

    def _features(self, s: Any, spec: TableSpec, target: str | None) -> list[str]:
        if s.features:
            self.require_columns(spec, s.features, "features")
            feats = list(s.features)
        else:
            feats = [c for c in spec.names if c != target and spec.role_of(c) == "feature"]
        if target in feats:
            raise ConfigureError(
                f"the target {target!r} cannot also be a feature", where="features"
            )
        if not feats:
            raise ConfigureError("no feature columns", where="features")
        dates = [c for c in feats if spec.column(c).dtype == "datetime"]
        if dates:
            raise ConfigureError(
                f"date/time feature column(s) {', '.join(map(repr, dates))}: a learner needs numbers; derive "
                f"numbers from them (e.g. with an Expression node) or leave them out of the features",
                where="features",
            )
        bad = [c for c in feats if not spec.column(c).is_numeric]
        if bad:
            raise ConfigureError(
                f"non-numeric feature column(s) {', '.join(map(repr, bad))}: add a Category Encoder node before "
                f"this learner, or leave them out of the features",
                where="features",
            )
        return feats

    def configure(self, s: Any, specs: list[Any], ctx: ExecutionContext) -> list[Any]:
        spec = specs[0]
        target = self._target(s, spec)
        feats = self._features(s, spec, target)
        classes = None
        if self.task == "classification":
            col = spec.column(target)
            classes = col.categories
        return [ModelSpec(self.task, tuple(feats), target, classes)]

    # ---- fit / apply --------------------------------------------------------------------
    def fit(self, s: Any, inputs: list[Any], ctx: ExecutionContext) -> Model:
        table: Table = inputs[0]
        spec = table.spec()
        target = self._target(s, spec)
        feats = self._features(s, spec, target)
        df = table.df
        if len(df) == 0:
            raise NodeExecutionError("the training table is empty (check the filters upstream)")
        X = df[feats]
        empty_cols = [c for c in feats if X[c].isna().all()]
        if empty_cols:
            raise NodeExecutionError(
                f"feature column(s) {', '.join(map(repr, empty_cols))} have no values at all: leave them out of "
                f"the features (or drop them with a Column Filter) before this learner"
            )
        if not self.accepts_missing:
            nan_cols = [c for c in feats if X[c].isna().any()]
            if nan_cols:
                raise NodeExecutionError(
                    f"missing values in feature column(s) {', '.join(map(repr, nan_cols))}: add a Missing Value node "
                    f"before this learner (or use Gradient Boosting, which accepts them)"
                )
        inf_cols = [
            c
            for c in feats
            if pd.api.types.is_float_dtype(X[c]) and np.isinf(X[c].to_numpy()).any()
        ]
        if inf_cols:
            raise NodeExecutionError(
                f"infinite values in feature column(s) {', '.join(map(repr, inf_cols))}: replace them (e.g. with a Row Filter "
                f"or an Expression) before this learner"
            )
        y = None
        classes = None
        if target is not None:
            y = df[target]
            if y.isna().any():
                raise NodeExecutionError(
                    f"the target column {target!r} has {int(y.isna().sum())} missing values: filter those rows out first"
                )
            if self.task == "classification":
                classes = sorted(pd.unique(y).tolist(), key=str)
                if len(classes) < 2:
                    raise NodeExecutionError(
                        f"the target column {target!r} has only one class ({classes[0]!r}): a classifier needs at least two"
                    )
            elif not pd.api.types.is_numeric_dtype(y):
                raise NodeExecutionError(
                    f"the target column {target!r} is not numeric: regression needs a numeric target"
                )
        self.check(s, X, y)
        estimator = self.build(s)
        ctx.progress(0.1, "fitting")
        try:
            estimator.fit(X, y) if y is not None else estimator.fit(X)
        except ValueError as exc:
            raise NodeExecutionError(f"{type(estimator).__name__} could not fit: {exc}") from None
        if classes is not None:
            classes = list(estimator.classes_)
        metrics = training_metrics(self.task, y, estimator.predict(X)) if y is not None else {}
        if self.task == "clustering":
            metrics = clustering_metrics(estimator, X, getattr(s, "seed", 0))
        return Model(
            estimator=estimator,
            task=self.task,
            features=feats,
            target=target,
            classes=[c.item() if hasattr(c, "item") else c for c in classes]
            if classes is not None
            else None,
            metrics=metrics,
            learner=self.type_id,
            settings=s.model_dump(mode="json"),
        )

    def apply(self, s: Any, state: Model, inputs: list[Any], ctx: ExecutionContext) -> list[Any]:
        return [state]
