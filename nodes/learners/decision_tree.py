"""Decision Tree: if-then splits on feature thresholds, readable and needing no
scaling, but prone to overfitting unless its depth or leaf size is limited."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from .base import LearnerNode, LearnerSettings


class RegressionSettings(LearnerSettings):
    max_depth: int | None = Field(
        None, ge=1, le=100, description="Deepest allowed tree (empty: grow until leaves are pure)"
    )
    min_samples_split: int = Field(
        2, ge=2, le=10_000, description="Fewest rows a node needs to be split"
    )
    min_samples_leaf: int = Field(
        1, ge=1, le=10_000, description="Fewest rows in a leaf (larger: smoother, less overfitting)"
    )
    seed: int = Field(
        42, ge=0, description="Random seed for tie-breaking between equally good splits"
    )


class ClassificationSettings(RegressionSettings):
    criterion: Literal["gini", "entropy", "log_loss"] = Field(
        "gini", description="How a split's quality is measured"
    )
    class_weight: bool = Field(False, description="Weight classes inversely to their frequency")


class DecisionTreeClassifierLearner(LearnerNode):
    type_id = "learners.decision_tree_classifier"
    name = "Decision Tree Classifier"
    description = (
        "Fits a decision tree classifier; limit max_depth or min_samples_leaf to curb overfitting."
    )
    keywords = ("decision tree", "tree", "cart", "classification", "classifier")
    task = "classification"
    Settings = ClassificationSettings

    def build(self, s: ClassificationSettings):
        return DecisionTreeClassifier(
            criterion=s.criterion,
            max_depth=s.max_depth,
            min_samples_split=s.min_samples_split,
            min_samples_leaf=s.min_samples_leaf,
            class_weight="balanced" if s.class_weight else None,
            random_state=s.seed,
        )


class DecisionTreeRegressorLearner(LearnerNode):
    type_id = "learners.decision_tree_regressor"
    name = "Decision Tree Regressor"
    description = (
        "Fits a decision tree regressor; limit max_depth or min_samples_leaf to curb overfitting."
    )
    keywords = ("decision tree", "tree", "cart", "regression", "regressor")
    task = "regression"
    Settings = RegressionSettings

    def build(self, s: RegressionSettings):
        return DecisionTreeRegressor(
            max_depth=s.max_depth,
            min_samples_split=s.min_samples_split,
            min_samples_leaf=s.min_samples_leaf,
            random_state=s.seed,
        )
