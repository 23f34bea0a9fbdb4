"""The learner family, on the pattern of scikit-learn's mixins.

`LearnerNode` does what every learner does: pick the features from the input spec,
refuse data the estimator cannot take (naming the node to add), fit, and wrap a `Model`.
`ClassifierLearner`, `RegressorLearner` and `ClusteringLearner` each own what differs per
task: whether there is a target and what it must hold, the classes, the training metrics
and the prediction's type. A learner module subclasses one of them with its settings
(bounds and descriptions) and one `build()`; a classifier/regressor pair shares a settings
base holding the hyper-parameters both take and their scikit-learn arguments.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field

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
from studio.core.fingerprint import fit_fingerprint
from studio.core.node import ColumnField, ColumnsField
from studio.core.ports import ModelSpec, Table, TableSpec
from studio.core.scalars import python_scalar


# ---- settings ----------------------------------------------------------------------------
class LearnerSettings(NodeSettings):
    """What every learner's settings do besides hold values."""

    def check_data(self, X: pd.DataFrame, y: pd.Series | None) -> None:
        """Refuse training data these settings cannot work with, naming the setting."""


class SupervisedSettings(LearnerSettings):
    target: str | None = ColumnField(
        None, description="Column to predict (default: the column whose role is target)"
    )
    features: list[str] = ColumnsField(
        description="Feature columns (default: every other feature column)"
    )


class ClusteringSettings(LearnerSettings):
    features: list[str] = ColumnsField(
        description="Columns to cluster on (default: every feature column)"
    )


def ClassWeightField() -> Any:
    """The `class_weight` setting of a classifier that can weight classes by their rarity."""
    return Field(False, description="Weight classes inversely to their frequency")


def balanced(on: bool) -> Literal["balanced"] | None:
    """scikit-learn's `class_weight` argument for the `class_weight` setting."""
    return "balanced" if on else None


def _names(columns: list[str]) -> str:
    return ", ".join(map(repr, columns))


# ---- the shared base -----------------------------------------------------------------------
class LearnerNode(StatefulNodeType):
    """Features, data checks, fit and the `Model`; unsupervised unless a task base says otherwise."""

    category = "Learners"
    long_running = True
    task: ClassVar[str] = ""
    prediction_dtype: ClassVar[str] = ""  # the Predictor's column type for this task
    accepts_missing: ClassVar[bool] = False  # True for estimators that handle NaN themselves
    inputs = (Port("training data", PortType.TABLE),)
    outputs = (Port("model", PortType.MODEL),)
    Settings = LearnerSettings

    def build(self, s: Any) -> Any:
        """Return an unfitted scikit-learn estimator from the settings."""
        raise NotImplementedError  # abstract

    # ---- what a task base decides ------------------------------------------------------
    def target(self, s: Any, spec: TableSpec) -> str | None:
        """The column to predict, or None for a learner without a target."""
        return None

    def spec_classes(self, spec: TableSpec, target: str | None) -> tuple[Any, ...] | None:
        """The classes the model will know, when the input spec tells them before data."""
        return None

    def training_target(self, df: pd.DataFrame, target: str | None) -> pd.Series | None:
        """The target values to fit on, refused when this task cannot learn from them."""
        return None

    def fitted_classes(self, estimator: Any) -> list[Any] | None:
        """The classes the fitted model knows, as plain Python values."""
        return None

    @staticmethod
    def scores(y_true: Any, y_pred: Any) -> dict[str, float]:
        """The task's metrics of predictions against the truth (none without a target)."""
        return {}

    def training_metrics(
        self, s: Any, estimator: Any, X: pd.DataFrame, y: pd.Series | None
    ) -> dict[str, float]:
        return {}

    # ---- columns -----------------------------------------------------------------------
    def features(self, s: Any, spec: TableSpec, target: str | None) -> list[str]:
        if s.features:
            spec.require(s.features, setting="features")
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
                f"date/time feature column(s) {_names(dates)}: a learner needs numbers; derive "
                f"numbers from them (e.g. with an Expression node) or leave them out of the features",
                where="features",
            )
        bad = [c for c in feats if not spec.column(c).is_numeric]
        if bad:
            raise ConfigureError(
                f"non-numeric feature column(s) {_names(bad)}: add a Category Encoder node before "
                f"this learner, or leave them out of the features",
                where="features",
            )
        return feats

    def configure(self, s: Any, specs: list[Any], ctx: ExecutionContext) -> list[Any]:
        spec = specs[0]
        target = self.target(s, spec)
        feats = self.features(s, spec, target)
        self.check_missing(spec, feats, target)
        classes = self.spec_classes(spec, target)
        return [ModelSpec(self.task, tuple(feats), target, classes, learner=self.type_id)]

    def check_missing(self, spec: TableSpec, feats: list[str], target: str | None) -> None:
        """Refuse at configure the missing values the spec already shows (as fit would)."""
        if not self.accepts_missing:
            gaps = [c for c in feats if spec.column(c).missing]
            if gaps:
                raise ConfigureError(
                    f"missing values in feature column(s) {_names(gaps)}: add a Missing Value node "
                    f"before this learner (or use Gradient Boosting, which accepts them)",
                    where="features",
                )
        if target is not None and spec.column(target).missing:
            raise ConfigureError(
                f"the target column {target!r} has missing values: filter those rows out first "
                f"(Row Filter), a learner cannot learn from rows without a target",
                where="target",
            )

    # ---- fit / apply -------------------------------------------------------------------
    def training_features(self, df: pd.DataFrame, feats: list[str]) -> pd.DataFrame:
        """The feature columns to fit on, refused when the estimator cannot take them."""
        if len(df) == 0:
            raise NodeExecutionError("the training table is empty (check the filters upstream)")
        X = df[feats]
        empty_cols = [c for c in feats if X[c].isna().all()]
        if empty_cols:
            raise NodeExecutionError(
                f"feature column(s) {_names(empty_cols)} have no values at all: leave them out of "
                f"the features (or drop them with a Column Filter) before this learner"
            )
        if not self.accepts_missing:
            nan_cols = [c for c in feats if X[c].isna().any()]
            if nan_cols:
                raise NodeExecutionError(
                    f"missing values in feature column(s) {_names(nan_cols)}: add a Missing Value node "
                    f"before this learner (or use Gradient Boosting, which accepts them)"
                )
        inf_cols = [
            c
            for c in feats
            if pd.api.types.is_float_dtype(X[c]) and np.isinf(X[c].to_numpy()).any()
        ]
        if inf_cols:
            raise NodeExecutionError(
                f"infinite values in feature column(s) {_names(inf_cols)}: replace them (e.g. with a Row Filter "
                f"or an Expression) before this learner"
            )
        return X

    def fit(self, s: Any, inputs: list[Any], ctx: ExecutionContext) -> Model:
        table: Table = inputs[0]
        spec = table.spec()
        target = self.target(s, spec)
        feats = self.features(s, spec, target)
        X = self.training_features(table.df, feats)
        y = self.training_target(table.df, target)
        s.check_data(X, y)
        estimator = self.build(s)
        ctx.progress(0.1, "fitting")
        try:
            estimator.fit(X, y)
        except ValueError as exc:
            raise NodeExecutionError(f"{type(estimator).__name__} could not fit: {exc}") from None
        return Model(
            estimator=estimator,
            task=self.task,
            features=feats,
            target=target,
            classes=self.fitted_classes(estimator),
            metrics=self.training_metrics(s, estimator, X, y),
            learner=self.type_id,
            settings=s.model_dump(mode="json"),
            fit_rows=fit_fingerprint(table.df, [*feats, *([target] if target else [])]),
        )

    def apply(self, s: Any, state: Model, inputs: list[Any], ctx: ExecutionContext) -> list[Any]:
        return [state]


# ---- one base per task -----------------------------------------------------------------
class SupervisedLearner(LearnerNode):
    """A learner with a target column: its values must be complete; scored on the training rows."""

    Settings = SupervisedSettings

    def target(self, s: Any, spec: TableSpec) -> str | None:
        target = s.target or next(iter(spec.columns_with_role("target")), None)
        if not target:
            raise ConfigureError(
                "choose the column to predict (or give a column the target role)", where="target"
            )
        spec.require(target, setting="target")
        return target

    def training_target(self, df: pd.DataFrame, target: str | None) -> pd.Series | None:
        y = df[target]
        if y.isna().any():
            raise NodeExecutionError(
                f"the target column {target!r} has {int(y.isna().sum())} missing values: filter those rows out first"
            )
        return y

    def training_metrics(
        self, s: Any, estimator: Any, X: pd.DataFrame, y: pd.Series | None
    ) -> dict[str, float]:
        return self.scores(y, estimator.predict(X))


class ClassifierLearner(SupervisedLearner):
    """Predicts one of at least two classes; the model knows them and their probabilities."""

    task = "classification"
    prediction_dtype = "string"

    @staticmethod
    def scores(y_true: Any, y_pred: Any) -> dict[str, float]:
        from sklearn.metrics import accuracy_score

        return {"accuracy": float(accuracy_score(y_true, y_pred))}

    def spec_classes(self, spec: TableSpec, target: str | None) -> tuple[Any, ...] | None:
        return spec.column(target).categories

    def training_target(self, df: pd.DataFrame, target: str | None) -> pd.Series | None:
        y = super().training_target(df, target)
        classes = sorted(pd.unique(y).tolist(), key=str)
        if len(classes) < 2:
            raise NodeExecutionError(
                f"the target column {target!r} has only one class ({classes[0]!r}): a classifier needs at least two"
            )
        return y

    def fitted_classes(self, estimator: Any) -> list[Any] | None:
        return [python_scalar(c) for c in estimator.classes_]


class RegressorLearner(SupervisedLearner):
    """Predicts a number."""

    task = "regression"
    prediction_dtype = "number"

    @staticmethod
    def scores(y_true: Any, y_pred: Any) -> dict[str, float]:
        from sklearn.metrics import mean_squared_error, r2_score

        return {
            "r2": float(r2_score(y_true, y_pred)),
            "rmse": float(np.sqrt(mean_squared_error(y_true, y_pred))),
        }

    def training_target(self, df: pd.DataFrame, target: str | None) -> pd.Series | None:
        y = super().training_target(df, target)
        if not pd.api.types.is_numeric_dtype(y):
            raise NodeExecutionError(
                f"the target column {target!r} is not numeric: regression needs a numeric target"
            )
        return y


class ClusteringLearner(LearnerNode):
    """Groups rows without a target; the prediction is a cluster number."""

    task = "clustering"
    prediction_dtype = "integer"
    Settings = ClusteringSettings

    def training_metrics(
        self, s: Any, estimator: Any, X: pd.DataFrame, y: pd.Series | None
    ) -> dict[str, float]:
        """Inertia and a silhouette on at most 2,000 rows (it costs the square of the rows)."""
        from sklearn.metrics import silhouette_score

        out: dict[str, float] = {}
        if hasattr(estimator, "inertia_"):
            out["inertia"] = float(estimator.inertia_)
        labels = estimator.labels_
        if 1 < len(np.unique(labels)) < len(X):
            seed = getattr(s, "seed", 0)
            out["silhouette"] = float(
                silhouette_score(X, labels, sample_size=min(len(X), 2000), random_state=seed)
            )
        return out


TASK_BASES: tuple[type[LearnerNode], ...] = (ClassifierLearner, RegressorLearner, ClusteringLearner)


def learner_base(task: str) -> type[LearnerNode]:
    """The base of the learners of a model's task, for nodes handed a `Model` or `ModelSpec`."""
    for base in TASK_BASES:
        if base.task == task:
            return base
    raise ConfigureError(
        f"unknown model task {task!r} (known: {', '.join(b.task for b in TASK_BASES)}): "
        f"connect a model from a learner node"
    )
