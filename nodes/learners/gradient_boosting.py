"""Gradient Boosting (scikit-learn's histogram-based): shallow trees fitted one after
another on the previous ones' errors; often the most accurate on tables, fast on many
rows, and it takes missing values as they are."""

from __future__ import annotations

from pydantic import Field
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

from .base import LearnerNode, LearnerSettings


class RegressionSettings(LearnerSettings):
    learning_rate: float = Field(
        0.1,
        gt=0,
        le=1,
        description="Shrinkage of each tree's contribution (smaller: needs more iterations)",
    )
    max_iter: int = Field(100, ge=1, le=10_000, description="Number of boosting iterations (trees)")
    max_leaf_nodes: int = Field(31, ge=2, le=1_000, description="Most leaves per tree")
    max_depth: int | None = Field(
        None,
        ge=1,
        le=100,
        description="Deepest allowed tree (empty: limited by max_leaf_nodes only)",
    )
    min_samples_leaf: int = Field(20, ge=1, le=10_000, description="Fewest rows in a leaf")
    l2_regularization: float = Field(0.0, ge=0, le=1e6, description="L2 penalty on leaf values")
    early_stopping: bool = Field(
        False,
        description="Stop when a held-out 10% of the training rows stops improving (fewer trees, less overfitting)",
    )
    seed: int = Field(
        42, ge=0, description="Random seed for the early-stopping split and binning subsample"
    )


class ClassificationSettings(RegressionSettings):
    class_weight: bool = Field(False, description="Weight classes inversely to their frequency")


def _common(s: RegressionSettings) -> dict:
    return {
        "learning_rate": s.learning_rate,
        "max_iter": s.max_iter,
        "max_leaf_nodes": s.max_leaf_nodes,
        "max_depth": s.max_depth,
        "min_samples_leaf": s.min_samples_leaf,
        "l2_regularization": s.l2_regularization,
        "early_stopping": s.early_stopping,
        "random_state": s.seed,
    }


class GradientBoostingClassifierLearner(LearnerNode):
    type_id = "learners.gradient_boosting_classifier"
    name = "Gradient Boosting Classifier"
    description = (
        "Fits histogram-based gradient boosted trees for classification; accepts missing values."
    )
    keywords = (
        "gradient boosting",
        "boosting",
        "gbm",
        "xgboost",
        "lightgbm",
        "hist",
        "trees",
        "classification",
        "classifier",
    )
    task = "classification"
    accepts_missing = True
    Settings = ClassificationSettings

    def build(self, s: ClassificationSettings):
        return HistGradientBoostingClassifier(
            **_common(s), class_weight="balanced" if s.class_weight else None
        )


class GradientBoostingRegressorLearner(LearnerNode):
    type_id = "learners.gradient_boosting_regressor"
    name = "Gradient Boosting Regressor"
    description = (
        "Fits histogram-based gradient boosted trees for regression; accepts missing values."
    )
    keywords = (
        "gradient boosting",
        "boosting",
        "gbm",
        "xgboost",
        "lightgbm",
        "hist",
        "trees",
        "regression",
        "regressor",
    )
    task = "regression"
    accepts_missing = True
    Settings = RegressionSettings

    def build(self, s: RegressionSettings):
        return HistGradientBoostingRegressor(**_common(s))
