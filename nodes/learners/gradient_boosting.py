"""Gradient Boosting (scikit-learn's histogram-based): shallow trees fitted one after
another on the previous ones' errors; often the most accurate on tables, fast on many
rows, and it takes missing values as they are."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

from .base import (
    ClassifierLearner,
    ClassWeightField,
    RegressorLearner,
    SupervisedSettings,
    balanced,
)

KEYWORDS = ("gradient boosting", "boosting", "gbm", "xgboost", "lightgbm", "hist", "trees")


class BoostingSettings(SupervisedSettings):
    """The boosting schedule, tree limits and seed the classifier and the regressor share."""

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

    def estimator_params(self) -> dict[str, Any]:
        """These settings as the scikit-learn arguments both estimators take."""
        return {
            "learning_rate": self.learning_rate,
            "max_iter": self.max_iter,
            "max_leaf_nodes": self.max_leaf_nodes,
            "max_depth": self.max_depth,
            "min_samples_leaf": self.min_samples_leaf,
            "l2_regularization": self.l2_regularization,
            "early_stopping": self.early_stopping,
            "random_state": self.seed,
        }


class ClassificationSettings(BoostingSettings):
    class_weight: bool = ClassWeightField()


class RegressionSettings(BoostingSettings):
    pass


class GradientBoostingClassifierLearner(ClassifierLearner):
    type_id = "learners.gradient_boosting_classifier"
    name = "Gradient Boosting Classifier"
    description = (
        "Fits histogram-based gradient boosted trees for classification; accepts missing values."
    )
    keywords = (*KEYWORDS, "classification", "classifier")
    accepts_missing = True
    Settings = ClassificationSettings

    def build(self, s: ClassificationSettings):
        return HistGradientBoostingClassifier(
            **s.estimator_params(), class_weight=balanced(s.class_weight)
        )


class GradientBoostingRegressorLearner(RegressorLearner):
    type_id = "learners.gradient_boosting_regressor"
    name = "Gradient Boosting Regressor"
    description = (
        "Fits histogram-based gradient boosted trees for regression; accepts missing values."
    )
    keywords = (*KEYWORDS, "regression", "regressor")
    accepts_missing = True
    Settings = RegressionSettings

    def build(self, s: RegressionSettings):
        return HistGradientBoostingRegressor(**s.estimator_params())
