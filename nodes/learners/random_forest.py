"""Random Forest: many decision trees on bootstrap samples, averaged; strong defaults,
no scaling needed, little tuning."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

from .base import (
    ClassifierLearner,
    ClassWeightField,
    RegressorLearner,
    SupervisedSettings,
    balanced,
)

KEYWORDS = ("random forest", "forest", "ensemble", "trees", "bagging")
MaxFeatures = Literal["sqrt", "log2", "all"]


def MaxFeaturesField(default: MaxFeatures) -> Any:
    """Features tried at each split; the default differs per task, as in scikit-learn."""
    return Field(
        default, description="Features tried at each split: sqrt or log2 of their number, or all"
    )


class ForestSettings(SupervisedSettings):
    """The forest's size, its trees' limits and the seed, shared by classifier and regressor."""

    n_estimators: int = Field(
        100, ge=1, le=5_000, description="Number of trees (more: steadier, slower)"
    )
    max_depth: int | None = Field(
        None, ge=1, le=100, description="Deepest allowed tree (empty: unlimited)"
    )
    min_samples_leaf: int = Field(1, ge=1, le=10_000, description="Fewest rows in a leaf")
    max_features: MaxFeatures = MaxFeaturesField("all")
    seed: int = Field(
        42, ge=0, description="Random seed for the bootstrap samples and feature choice"
    )

    def estimator_params(self) -> dict[str, Any]:
        """These settings as the scikit-learn arguments both forests take."""
        return {
            "n_estimators": self.n_estimators,
            "max_depth": self.max_depth,
            "min_samples_leaf": self.min_samples_leaf,
            "max_features": None if self.max_features == "all" else self.max_features,
            "random_state": self.seed,
            "n_jobs": 1,
        }


class ClassificationSettings(ForestSettings):
    max_features: MaxFeatures = MaxFeaturesField("sqrt")
    class_weight: bool = ClassWeightField()


class RegressionSettings(ForestSettings):
    pass


class RandomForestClassifierLearner(ClassifierLearner):
    type_id = "learners.random_forest_classifier"
    name = "Random Forest Classifier"
    description = "Fits a random forest of decision trees for classification; a strong default that needs no scaling."
    keywords = (*KEYWORDS, "classification", "classifier")
    Settings = ClassificationSettings

    def build(self, s: ClassificationSettings):
        return RandomForestClassifier(**s.estimator_params(), class_weight=balanced(s.class_weight))


class RandomForestRegressorLearner(RegressorLearner):
    type_id = "learners.random_forest_regressor"
    name = "Random Forest Regressor"
    description = "Fits a random forest of decision trees for regression; a strong default that needs no scaling."
    keywords = (*KEYWORDS, "regression", "regressor")
    Settings = RegressionSettings

    def build(self, s: RegressionSettings):
        return RandomForestRegressor(**s.estimator_params())
