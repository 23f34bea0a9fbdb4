"""Random Forest: many decision trees on bootstrap samples, averaged; strong defaults,
no scaling needed, little tuning."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

from .base import LearnerNode, LearnerSettings


class RegressionSettings(LearnerSettings):
    n_estimators: int = Field(
        100, ge=1, le=5_000, description="Number of trees (more: steadier, slower)"
    )
    max_depth: int | None = Field(
        None, ge=1, le=100, description="Deepest allowed tree (empty: unlimited)"
    )
    min_samples_leaf: int = Field(1, ge=1, le=10_000, description="Fewest rows in a leaf")
    max_features: Literal["sqrt", "log2", "all"] = Field(
        "all", description="Features tried at each split: sqrt or log2 of their number, or all"
    )
    seed: int = Field(
        42, ge=0, description="Random seed for the bootstrap samples and feature choice"
    )


class ClassificationSettings(RegressionSettings):
    max_features: Literal["sqrt", "log2", "all"] = Field(
        "sqrt", description="Features tried at each split: sqrt or log2 of their number, or all"
    )
    class_weight: bool = Field(False, description="Weight classes inversely to their frequency")


def _max_features(value: str):
    return None if value == "all" else value


class RandomForestClassifierLearner(LearnerNode):
    type_id = "learners.random_forest_classifier"
    name = "Random Forest Classifier"
    description = "Fits a random forest of decision trees for classification; a strong default that needs no scaling."
    keywords = (
        "random forest",
        "forest",
        "ensemble",
        "trees",
        "bagging",
        "classification",
        "classifier",
    )
    task = "classification"
    Settings = ClassificationSettings

    def build(self, s: ClassificationSettings):
        return RandomForestClassifier(
            n_estimators=s.n_estimators,
            max_depth=s.max_depth,
            min_samples_leaf=s.min_samples_leaf,
            max_features=_max_features(s.max_features),
            class_weight="balanced" if s.class_weight else None,
            random_state=s.seed,
            n_jobs=1,
        )


class RandomForestRegressorLearner(LearnerNode):
    type_id = "learners.random_forest_regressor"
    name = "Random Forest Regressor"
    description = "Fits a random forest of decision trees for regression; a strong default that needs no scaling."
    keywords = (
        "random forest",
        "forest",
        "ensemble",
        "trees",
        "bagging",
        "regression",
        "regressor",
    )
    task = "regression"
    Settings = RegressionSettings

    def build(self, s: RegressionSettings):
        return RandomForestRegressor(
            n_estimators=s.n_estimators,
            max_depth=s.max_depth,
            min_samples_leaf=s.min_samples_leaf,
            max_features=_max_features(s.max_features),
            random_state=s.seed,
            n_jobs=1,
        )
